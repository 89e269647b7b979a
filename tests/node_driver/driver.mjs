// Loads a handler the way Lambda loads an ES module (import) and calls its entry with each
// event of a JSON array, in order, in one process (a warm container). Writes one
// {"result": ...} or {"error": {"name", "message"}} per event to the output file, so the
// handler's own console.log lines stay on stdout.
// Usage: node driver.mjs HANDLER_FILE ENTRY EVENTS_JSON OUTPUT_JSON
import { readFileSync, writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const [file, entry, eventsPath, outputPath] = process.argv.slice(2);
const handler = (await import(pathToFileURL(file).href))[entry];
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
