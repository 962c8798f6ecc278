"""A stand-in for the demo's back end (DEMO-API.md) with canned data, for the page-only browser tests.

It serves demo/web/ as the real back end does, with a strict Content-Security-Policy, keeps
every POST it gets (`calls`) and answers with small, predictable changes to its state, pushed
over the WebSocket. It runs on its own event loop in a thread: Playwright's sync API, which the
browser tests use, must not run inside an event loop.
"""
from __future__ import annotations

import asyncio
import copy
import threading
from pathlib import Path
from typing import Any

from aiohttp import WSMsgType, web
from fluent.syntax import ast

from deskbot.catalog.words import LANGUAGES, Catalog, catalog

WEB = Path(__file__).resolve().parents[2] / "demo" / "web"
CSP = "default-src 'self'"
GROUP = -100
DANA, OLEG, IRA = 1, 2, 3

# A card with everything Telegram's HTML allows, and things it does not (which must show as text).
CARD = ("<b>#1</b> <i>Printer</i> <u>on fire</u> <s>old</s> <code>lp0</code>\n"
        "<pre><code class=\"language-sh\">lpstat -t</code></pre>"
        "<blockquote>It smokes</blockquote> <tg-spoiler>secret</tg-spoiler> "
        "<a href=\"https://example.com/t/1\">link</a> <a href=\"javascript:alert(1)\">bad link</a> "
        "<script>window.pwned = 1</script><img src=x onerror=\"window.pwned = 2\">"
        "&lt;not a tag&gt;")


def snapshot() -> dict[str, Any]:
    return {
        "lang": "en",
        "staff": [
            {"user_id": DANA, "name": "Dana", "roles": ["dispatcher"]},
            {"user_id": OLEG, "name": "Oleg", "roles": ["support"]},
            {"user_id": IRA, "name": "Ira", "roles": ["network"]},
        ],
        "dispatcher_chat": {"chat_id": GROUP, "title": "Dispatch"},
        "chats": {
            str(GROUP): [
                {"message_id": 1, "from": "bot", "user_id": None, "html": CARD,
                 "buttons": [[{"text": "Support", "data": "dep:support"}, {"text": "Network", "data": "dep:network"}]],
                 "reply_to": None, "document": None, "edited": False, "deleted": False},
            ],
            str(OLEG): [
                {"message_id": 1, "from": "bot", "user_id": None, "html": "Ticket <b>#1</b> is yours.",
                 "buttons": [[{"text": "Take", "data": "take:1"}]], "reply_to": None,
                 "document": {"name": "report.pdf", "url": "/api/file/1"}, "edited": True, "deleted": False},
            ],
            str(IRA): [
                {"message_id": 1, "from": "bot", "user_id": None, "html": "/my lists yours. <code>/not_this</code>",
                 "buttons": [], "reply_to": None, "document": None, "edited": False, "deleted": False},
            ],
        },
        "mailbox": [],
        "customer": {"name": "Anna Petrova", "address": "anna@client.example"},
        "version": 1,
    }


class DemoStub:
    def __init__(self) -> None:
        self.state = snapshot()
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.url = ""
        self._sockets: set[web.WebSocketResponse] = set()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._runner: web.AppRunner | None = None

    # Start and stop, from the test's thread ------------------------------------

    def start(self) -> "DemoStub":
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(10)
        return self

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    def change(self, edit) -> None:
        """Change the state from the test (edit(state) -> None) and push it to the page."""
        asyncio.run_coroutine_threadsafe(self._change(edit), self._loop).result(10)

    def restart(self, edit) -> None:
        """As a demo stopped and started again: a new state from version 1, open pages cut off."""
        async def restart() -> None:
            self.state = snapshot()
            edit(self.state)
            for socket in list(self._sockets):
                await socket.close()
        asyncio.run_coroutine_threadsafe(restart(), self._loop).result(10)

    async def _start(self) -> None:
        app = web.Application(middlewares=[_csp])
        app.router.add_get("/", self._page)
        app.router.add_static("/static", WEB / "static")
        app.router.add_get("/api/state", self._state)
        app.router.add_get("/api/words", self._words)
        app.router.add_get("/api/live", self._live)
        app.router.add_get("/api/file/{id}", self._file)
        for name in ("press", "say", "mail", "burst", "lang"):
            app.router.add_post(f"/api/{name}", self._post)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}"

    async def _stop(self) -> None:
        for socket in list(self._sockets):
            await socket.close()
        if self._runner:
            await self._runner.cleanup()

    # The contract -------------------------------------------------------------

    async def _file(self, request: web.Request) -> web.StreamResponse:
        return web.FileResponse(WEB / "static" / "icon.svg")

    async def _page(self, request: web.Request) -> web.StreamResponse:
        return web.FileResponse(WEB / "index.html")

    async def _state(self, request: web.Request) -> web.Response:
        return web.json_response(self.state)

    async def _words(self, request: web.Request) -> web.Response:
        lang = request.query.get("lang", "")
        if lang not in LANGUAGES:
            return web.json_response({"ok": False, "error": f"no language {lang!r}"}, status=400)
        words = Catalog(lang)
        keys = [entry.id.name for entry in catalog(lang).body
                if isinstance(entry, ast.Message) and entry.id.name.startswith("demo-page-")]
        return web.json_response({key: words.plain(key) for key in keys})

    async def _live(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        self._sockets.add(socket)
        try:
            await socket.send_json({"type": "state", "state": self.state})
            async for message in socket:
                if message.type == WSMsgType.ERROR:
                    break
        finally:
            self._sockets.discard(socket)
        return socket

    async def _post(self, request: web.Request) -> web.Response:
        name = request.path.rsplit("/", 1)[1]
        body = await request.json()
        self.calls.append((name, body))
        if body.get("text") == "fail":
            return web.json_response({"ok": False, "error": "the stub refuses"})
        if body.get("data") == "dep:network":  # as the real desk answers a tap it refuses
            return web.json_response({"ok": True, "answer": {"text": "Only a dispatcher can assign tickets.",
                                                             "show_alert": True}})
        await self._change(lambda state: getattr(self, f"_on_{name}")(state, body))
        return web.json_response({"ok": True, "answer": None})

    async def _change(self, edit) -> None:
        edit(self.state)
        self.state["version"] += 1
        pushed = copy.deepcopy(self.state)
        for socket in list(self._sockets):
            await socket.send_json({"type": "state", "state": pushed})

    # Canned consequences ------------------------------------------------------

    def _on_press(self, state: dict[str, Any], body: dict[str, Any]) -> None:
        self._add(state, body["chat_id"], "bot", None, f"pressed {body['data']} on {body['message_id']}")

    def _on_say(self, state: dict[str, Any], body: dict[str, Any]) -> None:
        name = next(person["name"] for person in state["staff"] if person["user_id"] == body["user_id"])
        self._add(state, body["chat_id"], name, body["user_id"], _escape(body["text"]), body["reply_to"])

    def _on_mail(self, state: dict[str, Any], body: dict[str, Any]) -> None:
        number = len(state["mailbox"]) + 1
        customer = state["customer"]["address"]
        state["mailbox"].append({
            "id": number, "direction": "out", "from": customer, "to": "support@desk.example",
            "subject": body["subject"], "date": "2026-12-02T10:00:00+00:00", "text": body["text"],
            "message_id": f"<m{number}@client.example>", "in_reply_to": body["in_reply_to"]})
        state["mailbox"].append({
            "id": number + 1, "direction": "in", "from": "support@desk.example", "to": customer,
            "subject": f"[#{number}] {body['subject']}", "date": "2026-12-02T10:00:05+00:00",
            "text": "We have your request.", "message_id": f"<ack{number}@desk.example>",
            "in_reply_to": f"<m{number}@client.example>"})

    def _on_burst(self, state: dict[str, Any], body: dict[str, Any]) -> None:
        self._add(state, GROUP, "bot", None, "<b>50 new tickets</b>")

    def _on_lang(self, state: dict[str, Any], body: dict[str, Any]) -> None:
        state["lang"] = body["lang"]

    @staticmethod
    def _add(state, chat_id, sender, user_id, html, reply_to=None) -> None:
        chat = state["chats"].setdefault(str(chat_id), [])
        chat.append({"message_id": max((m["message_id"] for m in chat), default=0) + 1, "from": sender,
                     "user_id": user_id, "html": html, "buttons": [], "reply_to": reply_to,
                     "document": None, "edited": False, "deleted": False})


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@web.middleware
async def _csp(request: web.Request, handler) -> web.StreamResponse:
    response = await handler(request)
    response.headers["Content-Security-Policy"] = CSP
    return response
