"""The in-process control API: what a test does to the fake and reads from it.

FakeTelegram inherits these methods; http_control.py offers the same over
HTTP. Registering people and chats, acting as users (messages, commands,
button presses, files), reading what the bot did, and scripting faults.
Every change calls ``changed()`` so that ``wait_for`` re-checks its condition.
"""
from __future__ import annotations

import mimetypes
from collections import deque
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Iterable

from .errors import ControlError
from .faults import Faults
from .methods import image_size
from .rules import Rendered
from .state import CallbackAnswer, Chat, FileRecord, Message, User, World
from .updates import UpdateQueue

if TYPE_CHECKING:
    from .server import RequestRecord
    from .webhook import Webhook


class Control:
    """Mixin for FakeTelegram, which provides the state below."""

    world: World
    updates: UpdateQueue
    faults: Faults
    webhook: Webhook
    requests: deque[RequestRecord]
    clock: Callable[[], float]
    changed: Callable[[], None]
    wait_for: Callable[..., Awaitable[Any]]
    _clear: Callable[[], None]

    # -- control: people and chats ----------------------------------------------------

    def add_user(self, user_id: int, first_name: str = "Test User", **details: Any) -> User:
        """Register a user and their private chat with the bot (``started=False``: never
        pressed Start, so the bot gets 403 writing there)."""
        user = self.world.add_user(user_id, first_name, **details)
        self.changed()
        return user

    def add_group(self, chat_id: int, title: str, **details: Any) -> Chat:
        chat = self.world.add_group(chat_id, title, **details)
        self.changed()
        return chat

    def block_bot(self, user_id: int, blocked: bool = True) -> None:
        """The user blocks the bot: sends to them answer 403 "bot was blocked by the user"."""
        self.world.chat_for_control(user_id).bot_blocked = blocked
        self.changed()

    def kick_bot(self, chat_id: int, kicked: bool = True) -> None:
        self.world.chat_for_control(chat_id).bot_kicked = kicked
        self.changed()

    # -- control: what users do -------------------------------------------------------

    def _chat_of(self, user: User, chat_id: int | None) -> Chat:
        chat = self.world.chat_for_control(user.id if chat_id is None else chat_id)
        if chat.type == "private":
            if chat.id != user.id:
                raise ControlError(f"user {user.id} cannot write in the private chat of {chat.id}")
            chat.started, chat.bot_blocked = True, False  # writing to a bot (re)starts it
        else:
            chat.members.add(user.id)
        return chat

    def _user_message(self, from_user: int, chat_id: int | None, reply_to: int | None,
                      **fields: Any) -> Message:
        user = self.world.user(from_user)
        chat = self._chat_of(user, chat_id)
        if reply_to is not None and self.world.message(chat.id, reply_to) is None:
            raise ControlError(f"no message {reply_to} in chat {chat.id} to reply to")
        message = self.world.new_message(chat, user, reply_to_message_id=reply_to, **fields)
        self.updates.push("message", self.world.message_to_api(message))
        self.changed()
        return message

    def user_message(self, from_user: int, text: str, *, chat_id: int | None = None,
                     reply_to: int | None = None) -> Message:
        """The user writes ``text`` (plain) in ``chat_id`` (default: their private chat)."""
        entities: tuple[dict[str, Any], ...] = ()
        if text.startswith("/"):
            # Telegram marks a leading command, e.g. "/start" or "/help@deskbot_bot".
            entities = ({"type": "bot_command", "offset": 0,
                         "length": len(text.split(None, 1)[0].encode("utf-16-le")) // 2},)
        return self._user_message(from_user, chat_id, reply_to,
                                  content=Rendered(text, None, text, entities))

    def user_command(self, from_user: int, command: str, args: str = "", *,
                     chat_id: int | None = None, mention: bool = False,
                     reply_to: int | None = None) -> Message:
        text = "/" + command.lstrip("/")
        if mention:
            text += "@" + (self.world.bot.username or "")
        if args:
            text += " " + args
        return self.user_message(from_user, text, chat_id=chat_id, reply_to=reply_to)

    def press_button(self, from_user: int, chat_id: int, message_id: int,
                     callback_data: str | None = None, *, text: str | None = None) -> str:
        """The user taps an inline button (chosen by callback_data or by its text) on the
        message as it is now; returns the callback query id the bot must answer."""
        user = self.world.user(from_user)
        chat = self._chat_of(user, chat_id)
        message = self.world.messages.get(chat.id, {}).get(message_id)
        if message is None or message.deleted or not message.from_bot:
            state = "deleted" if message and message.deleted else "not a bot message" if message else "missing"
            raise ControlError(f"message {message_id} in chat {chat.id} is {state}: nothing to press")
        buttons = [b for b in message.buttons() if "callback_data" in b]
        matches = [b for b in buttons if (callback_data is None or b["callback_data"] == callback_data)
                   and (text is None or b["text"] == text)]
        if (callback_data is None and text is None) or not matches:
            shown = [(b["text"], b["callback_data"]) for b in buttons]
            raise ControlError(f"message {message_id} in chat {chat.id} has no button with "
                               f"callback_data={callback_data!r} text={text!r}; its buttons: {shown}")
        data = matches[0]["callback_data"]
        query = self.world.new_callback_query(user, message, data, self.clock())
        self.updates.push("callback_query", {
            "id": query.id, "from": user.to_api(), "message": self.world.message_to_api(message),
            # chat_instance is opaque to bots; any value stable per chat will do.
            "chat_instance": str(abs(chat.id) * 7919), "data": data})
        self.changed()
        return query.id

    def user_document(self, from_user: int, file_name: str, content: bytes, *,
                      mime_type: str | None = None, caption: str | None = None,
                      chat_id: int | None = None, reply_to: int | None = None) -> Message:
        mime_type = mime_type or mimetypes.guess_type(file_name)[0] or "application/octet-stream"
        record = self.world.new_file("document", size=len(content), content=content,
                                     file_name=file_name, mime_type=mime_type)
        return self._file_message(from_user, record, caption, chat_id, reply_to)

    def user_photo(self, from_user: int, content: bytes, *, caption: str | None = None,
                   chat_id: int | None = None, reply_to: int | None = None) -> Message:
        """A photo; its size is read from PNG/GIF/JPEG data (else 800x600 is assumed)."""
        width, height = image_size(content) or (800, 600)
        record = self.world.new_file("photo", size=len(content), content=content,
                                     width=width, height=height, mime_type="image/jpeg")
        return self._file_message(from_user, record, caption, chat_id, reply_to)

    def _file_message(self, from_user: int, record: FileRecord, caption: str | None,
                      chat_id: int | None, reply_to: int | None) -> Message:
        content = Rendered(caption, None, caption, ()) if caption else None
        return self._user_message(from_user, chat_id, reply_to, content=content, file=record)

    # -- control: what the bot did ----------------------------------------------------

    def messages(self, chat_id: int, *, from_bot: bool | None = None,
                 include_deleted: bool = True) -> list[Message]:
        """Every message in the chat, oldest first, in its current state."""
        return [m for m in self.world.messages.get(chat_id, {}).values()
                if (from_bot is None or m.from_bot == from_bot) and (include_deleted or not m.deleted)]

    def bot_messages(self, chat_id: int, *, include_deleted: bool = False) -> list[Message]:
        return self.messages(chat_id, from_bot=True, include_deleted=include_deleted)

    def last_bot_message(self, chat_id: int) -> Message | None:
        sent = self.bot_messages(chat_id)
        return sent[-1] if sent else None

    def message(self, chat_id: int, message_id: int) -> Message:
        """One message, deleted or not."""
        try:
            return self.world.messages[chat_id][message_id]
        except KeyError:
            raise ControlError(f"no message {message_id} in chat {chat_id}") from None

    @property
    def callback_answers(self) -> list[CallbackAnswer]:
        return self.world.callback_answers

    def callback_answer(self, query_id: str) -> CallbackAnswer | None:
        query = self.world.callback_queries.get(query_id)
        if query is None:
            raise ControlError(f"no callback query {query_id}")
        return query.answer

    def calls(self, method: str) -> list[RequestRecord]:
        return [r for r in self.requests if r.method.lower() == method.lower()]

    async def wait_for_bot_message(self, chat_id: int, *, count: int = 1, timeout: float = 20.0,
                                   text_contains: str | None = None) -> Message:
        """Wait until the bot has ``count`` live messages in the chat (that contain
        ``text_contains``, if given); return the last of them."""
        def found() -> list[Message]:
            sent = [m for m in self.bot_messages(chat_id)
                    if text_contains is None or text_contains in (m.text or "")]
            return sent if len(sent) >= count else []

        what = f"{count} bot message(s) in chat {chat_id}" + (
            f" containing {text_contains!r}" if text_contains else "")
        return (await self.wait_for(found, timeout, what))[-1]

    # -- control: faults --------------------------------------------------------------

    def fail(self, kind: str = "bad_gateway", *, seconds: float | None = None,
             calls: int | None = None, methods: Iterable[str] | None = None) -> None:
        """Answer every Bot API call (or only ``methods``) with an outage for ``seconds``
        and/or the next ``calls`` calls; kinds: bad_gateway, bad_gateway_html, drop."""
        self.faults.add_outage(kind, seconds=seconds, calls=calls, methods=methods)

    def flood(self, *, calls: int, retry_after: int, methods: Iterable[str] | None = None) -> None:
        """Answer the next ``calls`` sending calls with 429 and ``retry_after`` seconds."""
        self.faults.add_flood(calls=calls, retry_after=retry_after, methods=methods)

    def clear_faults(self) -> None:
        self.faults.clear()

    async def reset(self) -> None:
        """Forget all users, chats, messages, updates, counters and faults."""
        self.updates.close()
        await self.webhook.close()
        self._clear()
        self.changed()
