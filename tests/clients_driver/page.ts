// A page that uses the generated TypeScript client of the chat sample with the browser's own
// WebSocket (bundled by esbuild): it says something and lists what it receives in the DOM.
import { connect } from "./client";

const log = document.getElementById("log") as HTMLUListElement;
const status = document.getElementById("status") as HTMLParagraphElement;

function show(text: string): void {
  const item = document.createElement("li");
  item.textContent = text;
  log.appendChild(item);
}

async function main(): Promise<void> {
  const url = new URLSearchParams(location.search).get("ws") ?? "";
  const client = await connect(url);
  status.textContent = "connected";
  client.on("ChatMessage", show);
  client.sendmessage({ data: "hello from the browser" });
}

main().catch((error: unknown) => {
  status.textContent = `failed: ${String(error)}`;
});
