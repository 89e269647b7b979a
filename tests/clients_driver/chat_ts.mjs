// Two generated TypeScript clients (compiled to JavaScript) chat through `wsspec serve`, stay
// connected past the idle timeout thanks to the keep-alive, and reconnect after the server
// closes their connections (1001, the maximum lifetime).
// Usage: node chat_ts.mjs <compiled client.js> <ws url> <idle wait ms>
// (NODE_PATH: node_modules holding `ws`). Prints one JSON line: what happened.
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";

const require = createRequire(process.env.NODE_PATH.split(":")[0] + "/");
const WebSocket = require("ws");
const { connect } = await import(pathToFileURL(process.argv[2]).href);
const url = process.argv[3];
const idleWait = Number(process.argv[4]);

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
async function waitFor(condition, ms = 15000) {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await sleep(20);
  }
  return true;
}

const got = { alice: [], bob: [], opens: { alice: 0, bob: 0 }, closes: [], unmatched: [] };
const options = {
  WebSocket,
  reconnect: { initialDelayMs: 100, maxDelayMs: 500 },
  keepAlive: { intervalMs: 400 },
};
const clients = { alice: await connect(url, options), bob: await connect(url, options) };
for (const [name, client] of Object.entries(clients)) {
  client.on("ChatMessage", (text) => got[name].push(text));
  client.onOpen(() => (got.opens[name] += 1));
  client.onClose((e) => got.closes.push([name, e.code, e.reconnecting]));
  client.onUnmatched((text) => got.unmatched.push(text));
}

clients.alice.sendmessage({ data: "hi bob" });
const chatted = await waitFor(() => got.bob.includes("hi bob") && got.alice.includes("hi bob"));
await sleep(idleWait); // longer than the server's idle timeout: the keep-alive holds on
const closesWhileIdle = got.closes.length;
const reconnected = await waitFor(() => got.opens.alice > 0 && got.opens.bob > 0, 20000);
await clients.alice.opened();
await clients.bob.opened();
clients.bob.sendmessage({ data: "back again" });
const chattedAgain = await waitFor(() => got.alice.includes("back again"));
clients.alice.close();
clients.bob.close();
console.log(JSON.stringify({ chatted, closesWhileIdle, reconnected, chattedAgain, ...got }));
