// The CommonJS twin of driver.mjs: loads the handler with require(), as Lambda loads a .js
// file outside a "type": "module" package.
// Usage: node driver.cjs HANDLER_FILE ENTRY EVENTS_JSON OUTPUT_JSON
"use strict";
const { readFileSync, writeFileSync } = require("node:fs");
const { resolve } = require("node:path");

async function main() {
  const [file, entry, eventsPath, outputPath] = process.argv.slice(2);
  const handler = require(resolve(file))[entry];
  if (typeof handler !== "function") throw new Error(`${file} does not export ${entry}`);

  const results = [];
  for (const [i, event] of JSON.parse(readFileSync(eventsPath, "utf8")).entries()) {
    const context = { awsRequestId: `req-${i}`, functionName: entry, getRemainingTimeInMillis: () => 3000 };
    try {
      results.push({ result: (await handler(event, context)) ?? null });
    } catch (err) {
      results.push({ error: { name: err.name, message: err.message } });
    }
  }
  writeFileSync(outputPath, JSON.stringify(results));
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
