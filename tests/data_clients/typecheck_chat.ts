// Compiled beside the chat sample's generated client.ts by tests/test_client_ts.py: each line
// marked `// error` must be a compile error, and every other line must compile.
import { connect, type ChatMessage, type SendMessage } from "./client.js";

export async function main(url: string): Promise<void> {
  const client = await connect(url);
  client.sendmessage({ data: "hello" });
  client.sendmessage({ data: 42 }); // error
  client.sendmessage({}); // error
  client.sendmessage({ data: "hello", action: "other" }); // (the client sets action itself)
  client.sendmsg({ data: "hello" }); // error
  client.on("ChatMessage", (text: ChatMessage) => console.log(text.toUpperCase()));
  client.on("ChatMessage", (text: number) => console.log(text)); // error
  client.on("NoSuchMessage", () => undefined); // error
  client.default({ any: ["json", 1, null, { nested: true }] });
  client.default("plain text is sent as it is");
  client.keepalive();
  const full: SendMessage = { action: "sendmessage", data: "x" };
  const wrong: SendMessage = { action: "sendmessage" }; // error
  await connect(url, { token: "no authorizer here" }); // error
  await connect(url, { reconnect: { initialDelayMs: 100 }, keepAlive: false, protocols: ["a"] });
  void full;
  void wrong;
}
