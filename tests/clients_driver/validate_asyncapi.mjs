// Validate AsyncAPI documents with the official parser; prints one JSON line per document:
// {"file", "diagnostics": [{"severity", "code", "message", "path"}]} (severity 0 = error).
// Usage: NODE_PATH=<node_modules> node validate_asyncapi.mjs <file>...
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(process.env.NODE_PATH.split(":")[0] + "/");
const { Parser } = require("@asyncapi/parser");

const parser = new Parser();
for (const file of process.argv.slice(2)) {
  const diagnostics = await parser.validate(readFileSync(file, "utf8"), { source: file });
  const out = diagnostics.map((d) => ({
    severity: d.severity,
    code: String(d.code),
    message: d.message,
    path: d.path.join("."),
  }));
  console.log(JSON.stringify({ file, diagnostics: out }));
}
