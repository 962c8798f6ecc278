"""`deskbot demo`'s back end in the test's process, driven as the page drives it: the HTTP API
and the live WebSocket (demo/api.py). Every wait is on the pushed state, with a timeout."""
from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp

from deskbot.demo.desk import Demo


class Page:
    """What a browser tab does: POSTs to the API, and the latest state from the WebSocket."""

    def __init__(self, demo: Demo, http: aiohttp.ClientSession, socket: aiohttp.ClientWebSocketResponse) -> None:
        self.demo = demo
        self.http = http
        self.socket = socket
        self.state: dict[str, Any] = {}
        self.versions: list[int] = []

    async def post(self, name: str, body: dict[str, Any]) -> dict[str, Any]:
        async with self.http.post(f"{self.demo.url}api/{name}", json=body) as response:
            assert response.status == 200, await response.text()
            return await response.json()

    async def do(self, name: str, body: dict[str, Any]) -> dict[str, Any]:
        answer = await self.post(name, body)
        assert answer["ok"] is True and set(answer) <= {"ok", "answer"}, (name, body, answer)
        return answer

    async def until(self, check: Callable[[dict[str, Any]], Any], what: str, timeout: float = 20.0) -> Any:
        """The first truthy `check(state)`, on the state now or on the ones pushed next."""
        async def wait() -> Any:
            while True:
                found = check(self.state) if self.state else None
                if found:
                    return found
                message = await self.socket.receive()
                assert message.type == aiohttp.WSMsgType.TEXT, message
                pushed = json.loads(message.data)
                assert pushed["type"] == "state"
                self.state = pushed["state"]
                self.versions.append(self.state["version"])
        try:
            return await asyncio.wait_for(wait(), timeout)
        except asyncio.TimeoutError:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}; the state: "
                                 f"{json.dumps(self.state, ensure_ascii=False)[-3000:]}") from None


@asynccontextmanager
async def demo_page(folder: Path, **options: Any) -> AsyncIterator[Page]:
    async with Demo(folder, port=0, **options) as demo, aiohttp.ClientSession() as http:
        async with http.ws_connect(f"{demo.url}api/live") as socket:
            yield Page(demo, http, socket)


def message_with(state: dict[str, Any], chat: int, text: str) -> dict[str, Any] | None:
    """The newest message of the chat whose HTML holds `text`."""
    return next((m for m in reversed(state["chats"][str(chat)]) if text in m["html"] and not m["deleted"]), None)


def button(message: dict[str, Any] | None, text: str) -> str | None:
    """The callback data of the message's button with that text."""
    for row in (message or {}).get("buttons", []):
        for b in row:
            if b["text"] == text:
                return b["data"]
    return None
