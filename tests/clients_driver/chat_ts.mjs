// Two TypeScript clients (compiled to JavaScript) chat through `wsspec serve`.
// Usage: node chat_ts.mjs <compiled client.js> <ws url>   (NODE_PATH: node_modules with `ws`)
// Prints one JSON line: what each client received.
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";

const require = createRequire(process.env.NODE_PATH.split(":")[0] + "/");
const WebSocket = require("ws");
const { connect } = await import(pathToFileURL(process.argv[2]).href);
const url = process.argv[3];

const received = { alice: [], bob: [], aliceUnmatched: [] };
const alice = await connect(url, { WebSocket });
const bob = await connect(url, { WebSocket });
const both = new Promise((resolve) => {
  const check = () => received.alice.length > 0 && received.bob.length > 0 && resolve();
  alice.on("ChatMessage", (text) => { received.alice.push(text); check(); });
  bob.on("ChatMessage", (text) => { received.bob.push(text); check(); });
});
alice.sendmessage({ data: "hi bob" });
await Promise.race([both, new Promise((r) => setTimeout(r, 15000))]);
alice.close();
bob.close();
console.log(JSON.stringify(received));
