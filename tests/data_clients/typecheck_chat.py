# Checked with mypy --strict beside the chat sample's generated client.py by
# tests/test_client_py.py: each line marked `# error` must be a type error, and no other line.
from __future__ import annotations

from client import ChatMessage, Client, KeepAlive, Reconnect, SendMessage, connect


async def main(url: str) -> None:
    client: Client = await connect(url)
    await client.sendmessage({"data": "hello"})
    await client.sendmessage({"data": 42})  # error
    await client.sendmessage({})  # error
    await client.sendmsg({"data": "hello"})  # error
    client.on("ChatMessage", lambda text: print(text.upper()))
    client.on("ChatMessage", handle_number)  # error
    client.on("NoSuchMessage", print)  # error
    await client.default({"any": ["json", 1, None, {"nested": True}]})
    await client.default("plain text is sent as it is")
    await client.keepalive()
    full: SendMessage = {"action": "sendmessage", "data": "x"}
    wrong: SendMessage = {"action": "sendmessage"}  # error
    await connect(url, token="no authorizer here")  # error
    await connect(url, reconnect=Reconnect(initial_delay=0.1), keep_alive=None, protocols=["a"])
    await connect(url, keep_alive=KeepAlive(interval=60))
    print(full, wrong)


def handle_number(value: int) -> None:
    print(value)


def handle_text(text: ChatMessage) -> None:
    print(text)
