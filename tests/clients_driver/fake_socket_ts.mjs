// Drive a compiled TypeScript client over a fake WebSocket: what it sends, how it connects and
// where each received message goes.
// Usage: node fake_socket_ts.mjs <compiled client.js> <steps.json>
// steps: [{"connect": {url, options}}, {"call": [method, argument]}, {"receive": text}, ...]
// Prints one JSON line: {url, protocols, headers, sent, events}.
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const client_module = await import(pathToFileURL(process.argv[2]).href);
const steps = JSON.parse(readFileSync(process.argv[3], "utf8"));
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

class FakeSocket {
  constructor(url, protocols, options) {
    FakeSocket.last = this;
    Object.assign(this, { url, protocols, options, readyState: 0, sent: [] });
    setTimeout(() => {
      this.readyState = 1;
      this.onopen?.({});
    }, 0);
  }
  send(data) {
    this.sent.push(data);
  }
  close(code, reason) {
    this.readyState = 3;
    setTimeout(() => this.onclose?.({ code: code ?? 1005, reason: reason ?? "" }), 0);
  }
}

const events = [];
let client;
for (const step of steps) {
  if (step.connect) {
    client = await client_module.connect(step.connect.url, { ...step.connect.options, WebSocket: FakeSocket });
    for (const name of step.connect.names ?? []) client.on(name, (m) => events.push(["message", name, m]));
    client.onGatewayError((e) => events.push(["gatewayError", null, e]));
    client.onUnmatched((t) => events.push(["unmatched", null, t]));
  } else if (step.call) {
    const [method, argument] = step.call;
    if (argument === undefined) client[method]();
    else client[method](argument);
  } else if (step.receive !== undefined) {
    FakeSocket.last.onmessage({ data: step.receive });
    await sleep(0);
  }
}
const socket = FakeSocket.last;
console.log(
  JSON.stringify({
    url: socket.url,
    protocols: socket.protocols ?? null,
    headers: socket.options?.headers ?? null,
    sent: socket.sent,
    events,
  }),
);
client.close();
