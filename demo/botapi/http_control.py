"""The control API over HTTP, under ``/_control/``: the in-process methods of
FakeTelegram for a test that runs the fake in another process.

Bodies and answers are JSON. A misuse (unknown user, no such button...)
answers 400 ``{"error": "..."}``. See DEVELOPERS.md for the list.
"""
from __future__ import annotations

import base64
import json
from typing import TYPE_CHECKING, Any, Awaitable, Callable

from aiohttp import web

from .errors import ControlError
from .state import Message

if TYPE_CHECKING:
    from .server import FakeTelegram

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def message_json(message: Message) -> dict[str, Any]:
    """A message as the fake records it (not the Bot API view): current state and history."""
    file = message.file
    return {
        "chat_id": message.chat_id, "message_id": message.message_id,
        "from_bot": message.from_bot, "sender_id": message.sender.id,
        "text": message.text, "source": message.source, "parse_mode": message.parse_mode,
        "entities": list(message.content.entities) if message.content else [],
        "reply_markup": message.reply_markup, "reply_to_message_id": message.reply_to_message_id,
        "file": None if file is None else {
            "kind": file.kind, "file_id": file.file_id, "file_name": file.file_name,
            "mime_type": file.mime_type, "size": file.size, "url": file.url},
        "history": [v.__dict__ for v in message.history],
        "deleted": message.deleted, "edit_date": message.edit_date,
    }


def _decode_content(body: dict[str, Any]) -> bytes:
    if "content_base64" in body:
        return base64.b64decode(body["content_base64"])
    return str(body.get("content", "")).encode("utf-8")


def add_routes(app: web.Application, fake: FakeTelegram) -> None:
    def route(method: str, path: str) -> Callable[[Callable[..., Any]], None]:
        """Register ``func(body_or_query, request)``; its return value is sent as JSON."""
        def register(func: Callable[..., Any]) -> None:
            async def handler(request: web.Request) -> web.StreamResponse:
                try:
                    if request.method == "POST" and request.body_exists:
                        body = await request.json()
                    else:
                        body = dict(request.query)
                    result = func(body, request)
                    if hasattr(result, "__await__"):
                        result = await result
                except ControlError as e:
                    return web.json_response({"error": str(e)}, status=400)
                except (KeyError, TypeError, ValueError) as e:
                    return web.json_response({"error": f"bad control request: {e!r}"}, status=400)
                return web.json_response(result, dumps=lambda v: json.dumps(v, default=str))
            app.router.add_route(method, "/_control" + path, handler)
        return register

    @route("POST", "/users")
    def add_user(body: dict[str, Any], _: web.Request) -> Any:
        details = {k: body[k] for k in ("username", "last_name", "language_code", "started") if k in body}
        return fake.add_user(int(body["id"]), body.get("first_name", "Test User"), **details).to_api()

    @route("POST", "/groups")
    def add_group(body: dict[str, Any], _: web.Request) -> Any:
        details = {k: body[k] for k in ("members", "supergroup", "username", "bot_is_admin") if k in body}
        return fake.add_group(int(body["id"]), body["title"], **details).to_api()

    @route("POST", "/block")
    def block(body: dict[str, Any], _: web.Request) -> Any:
        fake.block_bot(int(body["user_id"]), bool(body.get("blocked", True)))
        return True

    @route("POST", "/kick")
    def kick(body: dict[str, Any], _: web.Request) -> Any:
        fake.kick_bot(int(body["chat_id"]), bool(body.get("kicked", True)))
        return True

    def where(body: dict[str, Any]) -> dict[str, Any]:
        """The optional chat_id / reply_to of a user action."""
        return {key: int(body[key]) for key in ("chat_id", "reply_to") if body.get(key) is not None}

    @route("POST", "/messages")
    def user_message(body: dict[str, Any], _: web.Request) -> Any:
        return message_json(fake.user_message(int(body["from_user"]), body["text"], **where(body)))

    @route("POST", "/commands")
    def user_command(body: dict[str, Any], _: web.Request) -> Any:
        return message_json(fake.user_command(int(body["from_user"]), body["command"], body.get("args", ""),
                                              mention=bool(body.get("mention")), **where(body)))

    @route("POST", "/callback_queries")
    def press_button(body: dict[str, Any], _: web.Request) -> Any:
        query_id = fake.press_button(int(body["from_user"]), int(body["chat_id"]), int(body["message_id"]),
                                     body.get("callback_data"), text=body.get("text"))
        return {"id": query_id}

    @route("POST", "/documents")
    def user_document(body: dict[str, Any], _: web.Request) -> Any:
        return message_json(fake.user_document(
            int(body["from_user"]), body["file_name"], _decode_content(body), mime_type=body.get("mime_type"),
            caption=body.get("caption"), **where(body)))

    @route("POST", "/photos")
    def user_photo(body: dict[str, Any], _: web.Request) -> Any:
        return message_json(fake.user_photo(int(body["from_user"]), _decode_content(body),
                                            caption=body.get("caption"), **where(body)))

    @route("GET", "/chats/{chat_id}/messages")
    def messages(query: dict[str, Any], request: web.Request) -> Any:
        from_bot = {"1": True, "true": True, "0": False, "false": False}.get(query.get("from_bot", ""))
        include_deleted = query.get("include_deleted", "1") in ("1", "true")
        chat_id = int(request.match_info["chat_id"])
        return [message_json(m) for m in fake.messages(chat_id, from_bot=from_bot,
                                                       include_deleted=include_deleted)]

    @route("GET", "/callback_answers")
    def callback_answers(_: dict[str, Any], __: web.Request) -> Any:
        return [a.__dict__ for a in fake.callback_answers]

    @route("GET", "/counters")
    def counters(_: dict[str, Any], __: web.Request) -> Any:
        return fake.counters.to_json()

    @route("GET", "/requests")
    def requests(query: dict[str, Any], _: web.Request) -> Any:
        records = fake.calls(query["method"]) if "method" in query else list(fake.requests)
        return [r.__dict__ for r in records]

    @route("GET", "/state")
    def state(_: dict[str, Any], __: web.Request) -> Any:
        return {"version": fake.version, "bot": fake.bot_user.to_api(),
                "users": [u.to_api() for u in fake.world.users.values()],
                "chats": [c.to_api() for c in fake.world.chats.values()],
                "pending_updates": len(fake.updates.pending),
                "filtered_updates": fake.updates.filtered,
                "webhook": fake.webhook.info(len(fake.updates.pending), fake.updates.allowed),
                "commands": fake.world.commands, "chat_actions": fake.world.chat_actions}

    @route("POST", "/faults")
    def fail(body: dict[str, Any], _: web.Request) -> Any:
        fake.fail(body.get("kind", "bad_gateway"), seconds=body.get("seconds"),
                  calls=body.get("calls"), methods=body.get("methods"))
        return True

    @route("POST", "/floods")
    def flood(body: dict[str, Any], _: web.Request) -> Any:
        fake.flood(calls=int(body["calls"]), retry_after=int(body["retry_after"]),
                   methods=body.get("methods"))
        return True

    @route("DELETE", "/faults")
    def clear_faults(_: dict[str, Any], __: web.Request) -> Any:
        fake.clear_faults()
        return True

    @route("GET", "/wait")
    async def wait(query: dict[str, Any], _: web.Request) -> Any:
        after = int(query.get("after", fake.version))
        version = await fake.wait_for_version(after, float(query.get("timeout", 10)))
        return {"version": version, "changed": version > after}

    @route("POST", "/reset")
    async def reset(_: dict[str, Any], __: web.Request) -> Any:
        await fake.reset()
        return True
