"""The demo's page and HTTP API on 127.0.0.1 (aiohttp): the contract is /work/wt/DEMO-API.md,
kept in DEVELOPERS.md ("The demo's HTTP API").

Guards, once, in a middleware: the Host must be the address we listen on (a DNS-rebinding page
gets nothing), an Origin, when sent, must be ours (no other site's page drives or reads the
demo, WebSocket included), and a POST must be JSON (no cross-site form posts).
"""
from __future__ import annotations

import asyncio
import functools
import json
import logging
from pathlib import Path
from typing import Any

from aiohttp import WSCloseCode, WSMsgType, web
from fluent.syntax import ast

from deskbot.catalog.words import LANGUAGES, Catalog, catalog
from deskbot.demo.botapi import ControlError

log = logging.getLogger("deskbot.demo")
WEB = Path(__file__).resolve().parent / "web"
PLACEHOLDER = """<!doctype html><meta charset="utf-8"><title>deskbot demo</title>
<p>deskbot demo: the page is not built yet. The API answers at <a href="/api/state">/api/state</a>.</p>"""
DESK = web.AppKey("desk", object)
SOCKETS = web.AppKey("sockets", set)
MAX_TEXT = 10_000  # characters of a mail's subject or text
TELEGRAM_TEXT = 4096  # what a person can type into one Telegram message


def application(desk: Any) -> web.Application:
    """`desk`: the running demo (desk.py): press, say, mail, burst, set_lang, live, fake."""
    app = web.Application(middlewares=[guard], client_max_size=1024 * 1024)
    app[DESK] = desk
    app[SOCKETS] = set()
    app.on_shutdown.append(_close_sockets)
    app.router.add_get("/", page)
    app.router.add_get("/static/{path:.+}", static)
    app.router.add_get("/api/state", state)
    app.router.add_get("/api/live", live)
    app.router.add_get("/api/words", words)
    app.router.add_get("/api/file/{chat_id:-?\\d+}/{message_id:\\d+}", file)
    for name, handler in (("press", press), ("say", say), ("mail", mail), ("burst", burst), ("lang", lang)):
        app.router.add_post(f"/api/{name}", handler)
    return app


@web.middleware
async def guard(request: web.Request, handler) -> web.StreamResponse:
    ours = request.app[DESK].address  # "127.0.0.1:PORT"
    if request.host != ours:
        return web.json_response({"ok": False, "error": f"wrong Host: open http://{ours}/"}, status=421)
    origin = request.headers.get("Origin")
    if origin is not None and origin != f"http://{ours}":
        return web.json_response({"ok": False, "error": "wrong Origin"}, status=403)
    if request.method == "POST" and request.content_type != "application/json":
        return web.json_response({"ok": False, "error": "send application/json"}, status=415)
    try:
        response = await handler(request)
    except (Refused, ControlError) as exc:  # a wrong value, or a tap on a button that is not there
        response = web.json_response({"ok": False, "error": str(exc)})
    # The page has no inline script or style; its WebSocket goes to this same address.
    response.headers.setdefault("Content-Security-Policy",
                                f"default-src 'self'; connect-src 'self' ws://{ours}; frame-ancestors 'none'")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    response.headers.setdefault("Cache-Control", "no-store")
    return response


async def page(request: web.Request) -> web.StreamResponse:
    index = WEB / "index.html"
    if index.is_file():
        return web.FileResponse(index, headers={"Content-Type": "text/html; charset=utf-8"})
    return web.Response(text=PLACEHOLDER, content_type="text/html")


async def static(request: web.Request) -> web.StreamResponse:
    root = (WEB / "static").resolve()
    path = (root / request.match_info["path"]).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        raise web.HTTPNotFound()
    return web.FileResponse(path)


async def state(request: web.Request) -> web.Response:
    return web.json_response(request.app[DESK].live.current(), dumps=_dumps)


async def live(request: web.Request) -> web.WebSocketResponse:
    socket = web.WebSocketResponse(heartbeat=30)
    await socket.prepare(request)
    hub = request.app[DESK].live
    request.app[SOCKETS].add(socket)
    with hub.listening() as updates:
        first = hub.current()
        sent = first["version"]  # a push of the same snapshot may already be queued: the page gets it once
        await socket.send_str(_dumps({"type": "state", "state": first}))
        reader = _read_until_closed(socket)
        while not socket.closed:
            got = asyncio.ensure_future(updates.get())
            done, _ = await asyncio.wait({got, reader}, return_when=asyncio.FIRST_COMPLETED)
            if got not in done:
                got.cancel()
                break
            state = got.result()
            if state["version"] <= sent:
                continue
            sent = state["version"]
            try:
                await socket.send_str(_dumps({"type": "state", "state": state}))
            except ConnectionResetError:  # the tab went away between two pushes
                break
        reader.cancel()
    request.app[SOCKETS].discard(socket)
    return socket


async def _close_sockets(app: web.Application) -> None:
    """On stop, the open pages are told at once (1001: going away) rather than cut off later."""
    for socket in list(app[SOCKETS]):
        await socket.close(code=WSCloseCode.GOING_AWAY, message=b"deskbot demo stopped")


def _read_until_closed(socket: web.WebSocketResponse) -> asyncio.Future:
    async def read() -> None:
        async for message in socket:  # the page sends nothing; reading notices the close
            if message.type == WSMsgType.ERROR:
                break
    return asyncio.ensure_future(read())


async def words(request: web.Request) -> web.Response:
    """The page's own words: the catalog's demo-page-* messages, in the language asked for."""
    lang = request.query.get("lang", "")
    if lang not in LANGUAGES:
        return web.json_response({"ok": False, "error": f"lang is one of {', '.join(LANGUAGES)}"}, status=400)
    return web.json_response(page_words(lang), dumps=_dumps)


@functools.cache
def page_words(lang: str) -> dict[str, str]:
    texts = Catalog(lang)
    return {entry.id.name: texts.plain(entry.id.name) for entry in catalog(lang).body
            if isinstance(entry, ast.Message) and entry.id.name.startswith("demo-page-")}


async def file(request: web.Request) -> web.Response:
    fake = request.app[DESK].fake
    found = fake.world.message(int(request.match_info["chat_id"]), int(request.match_info["message_id"]))
    if found is None or found.file is None or found.file.content is None:
        raise web.HTTPNotFound()
    record = found.file
    name = record.file_name or ("photo.jpg" if record.kind == "photo" else "file")
    return web.Response(body=record.content, headers={
        "Content-Type": record.mime_type or ("image/jpeg" if record.kind == "photo" else "application/octet-stream"),
        "Content-Disposition": f"inline; filename*=UTF-8''{_quote(name)}"})


# -- the actions ----------------------------------------------------------------------------


async def press(request: web.Request) -> web.Response:
    body = await _body(request)
    answer = await request.app[DESK].press(_int(body, "chat_id"), _int(body, "user_id"), _int(body, "message_id"),
                                           _text(body, "data"))
    return web.json_response({"ok": True, "answer": answer}, dumps=_dumps)


async def say(request: web.Request) -> web.Response:
    body = await _body(request)
    reply_to = _optional(body, "reply_to", _int)
    return await _act(request, lambda desk: desk.say(
        _int(body, "chat_id"), _int(body, "user_id"), _text(body, "text", limit=TELEGRAM_TEXT), reply_to))


async def mail(request: web.Request) -> web.Response:
    body = await _body(request)
    in_reply_to = _optional(body, "in_reply_to", _text)
    return await _act(request, lambda desk: desk.customer_mail(
        _text(body, "subject", empty=True), _text(body, "text", empty=True), in_reply_to))


def _optional(body: dict, key: str, read):
    """`read(body, key)` when the key is given and not null; else None."""
    return None if body.get(key) is None else read(body, key)


async def burst(request: web.Request) -> web.Response:
    await _body(request)
    return await _act(request, lambda desk: desk.burst())


async def lang(request: web.Request) -> web.Response:
    body = await _body(request)
    language = _text(body, "lang")
    if language not in ("en", "ru"):
        raise Refused("lang is en or ru")
    return await _act(request, lambda desk: desk.set_lang(language))


class Refused(Exception):
    """The request cannot be done; its message is the answer's "error"."""


async def _act(request: web.Request, action) -> web.Response:
    await action(request.app[DESK])  # Refused or ControlError: the guard answers {"ok": false}
    return web.json_response({"ok": True})


async def _body(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        raise web.HTTPBadRequest(text='{"ok": false, "error": "not JSON"}', content_type="application/json")
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(text='{"ok": false, "error": "send a JSON object"}', content_type="application/json")
    return body


def _int(body: dict[str, Any], key: str) -> int:
    value = body.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise Refused(f"{key} must be a whole number")
    return value


def _text(body: dict[str, Any], key: str, *, empty: bool = False, limit: int = MAX_TEXT) -> str:
    value = body.get(key, "" if empty else None)
    if not isinstance(value, str) or (not empty and not value.strip()) or len(value) > limit:
        raise Refused(f"{key} must be a text of at most {limit} characters")
    return value


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name, safe="")
