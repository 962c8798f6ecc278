"""The fake's world: users, chats, the messages in them, files, callback queries.

Records are plain dataclasses that tests read directly (``fake.messages(chat)``);
``to_api`` methods give the Bot API JSON objects the bot receives.
"""
from __future__ import annotations

import itertools
import secrets
import time
from dataclasses import dataclass, field
from typing import Any, Iterator

from .errors import ControlError, bad_request, forbidden
from .rules import Rendered


@dataclass
class User:
    id: int
    first_name: str
    username: str | None = None
    last_name: str | None = None
    language_code: str | None = None
    is_bot: bool = False

    def to_api(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            if getattr(self, key) is not None:
                data[key] = getattr(self, key)
        return data


@dataclass
class Chat:
    id: int
    type: str  # "private", "group" or "supergroup"
    title: str | None = None  # groups
    user: User | None = None  # private chats
    username: str | None = None
    members: set[int] = field(default_factory=set)
    # A private chat where the user never pressed Start, or blocked the bot;
    # a group the bot was removed from: Telegram answers 403 to sends there.
    started: bool = True
    bot_blocked: bool = False
    bot_kicked: bool = False
    bot_is_admin: bool = False  # in groups: may delete other members' messages

    def to_api(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "type": self.type}
        if self.user is not None:
            data["first_name"] = self.user.first_name
            if self.user.last_name:
                data["last_name"] = self.user.last_name
            if self.user.username:
                data["username"] = self.user.username
        else:
            data["title"] = self.title
            if self.username:
                data["username"] = self.username
        return data

    def check_bot_can_write(self) -> None:
        if self.bot_kicked:
            raise forbidden("bot was kicked from the group chat")
        if self.bot_blocked:
            raise forbidden("bot was blocked by the user")
        if not self.started:
            raise forbidden("bot can't initiate conversation with a user")


@dataclass
class FileRecord:
    file_id: str
    file_unique_id: str
    kind: str  # "document" or "photo"
    size: int
    file_name: str | None = None
    mime_type: str | None = None
    content: bytes | None = None  # None when sent by URL
    url: str | None = None
    width: int | None = None
    height: int | None = None
    path: str | None = None  # for getFile / downloads

    def to_api(self) -> Any:
        base = {"file_id": self.file_id, "file_unique_id": self.file_unique_id, "file_size": self.size}
        if self.kind == "photo":
            return [{**base, "width": self.width, "height": self.height}]
        for key in ("file_name", "mime_type"):
            if getattr(self, key):
                base[key] = getattr(self, key)
        return base


@dataclass(frozen=True)
class Version:
    """One state of a message, kept in ``Message.history`` when it is edited."""

    text: str | None
    source: str | None
    parse_mode: str | None
    reply_markup: dict[str, Any] | None
    at: float


@dataclass
class Message:
    chat_id: int
    message_id: int
    sender: User
    date: int
    content: Rendered | None = None  # the text, or the caption of a file
    reply_markup: dict[str, Any] | None = None
    reply_to_message_id: int | None = None
    file: FileRecord | None = None
    history: list[Version] = field(default_factory=list)
    deleted: bool = False
    edit_date: int | None = None

    @property
    def from_bot(self) -> bool:
        return self.sender.is_bot

    @property
    def text(self) -> str | None:
        """The visible text (or caption), entities parsed: what the user reads."""
        return self.content.text if self.content else None

    @property
    def source(self) -> str | None:
        """The text as the bot sent it, markup included."""
        return self.content.source if self.content else None

    @property
    def parse_mode(self) -> str | None:
        return self.content.parse_mode if self.content else None

    @property
    def caption(self) -> str | None:
        return self.text if self.file else None

    def buttons(self) -> Iterator[dict[str, Any]]:
        """The inline keyboard buttons on the message now."""
        for row in (self.reply_markup or {}).get("inline_keyboard", []):
            yield from row

    def button_data(self) -> list[str]:
        return [b["callback_data"] for b in self.buttons() if "callback_data" in b]

    def snapshot(self, at: float) -> Version:
        return Version(self.text, self.source, self.parse_mode, self.reply_markup, at)

    def to_api(self, chat: Chat, reply_to: Message | None = None) -> dict[str, Any]:
        data: dict[str, Any] = {
            "message_id": self.message_id, "from": self.sender.to_api(),
            "chat": chat.to_api(), "date": self.date,
        }
        if self.edit_date is not None:
            data["edit_date"] = self.edit_date
        if reply_to is not None:
            data["reply_to_message"] = reply_to.to_api(chat)
        text_key, entities_key = ("caption", "caption_entities") if self.file else ("text", "entities")
        if self.content is not None and self.content.text:
            data[text_key] = self.content.text
            if self.content.entities:
                data[entities_key] = list(self.content.entities)
        if self.file is not None:
            data[self.file.kind] = self.file.to_api()
        # Telegram shows only inline keyboards in Message objects.
        if self.reply_markup and "inline_keyboard" in self.reply_markup:
            data["reply_markup"] = self.reply_markup
        return data


@dataclass
class CallbackAnswer:
    query_id: str
    text: str | None
    show_alert: bool
    url: str | None
    cache_time: int


@dataclass
class CallbackQuery:
    id: str
    user: User
    chat_id: int
    message_id: int
    data: str
    created: float  # clock time, for the "too old" rule
    answer: CallbackAnswer | None = None


class World:
    """Everything the bot can see and change, minus transport concerns."""

    def __init__(self, bot: User):
        self.bot = bot
        self.users: dict[int, User] = {}
        self.chats: dict[int, Chat] = {}
        self.messages: dict[int, dict[int, Message]] = {}
        self.files: dict[str, FileRecord] = {}
        self.callback_queries: dict[str, CallbackQuery] = {}
        self.callback_answers: list[CallbackAnswer] = []
        self.chat_actions: list[tuple[int, str]] = []
        self.commands: dict[str, list[dict[str, str]]] = {}
        self._message_ids: dict[int, itertools.count] = {}
        self._file_numbers = itertools.count(1)

    # -- registration (control API) ---------------------------------------------------

    def add_user(self, user_id: int, first_name: str, *, username: str | None = None,
                 last_name: str | None = None, language_code: str | None = "en",
                 started: bool = True) -> User:
        if user_id <= 0:
            raise ControlError("user ids are positive (a private chat has the id of its user)")
        user = User(user_id, first_name, username, last_name, language_code)
        self.users[user_id] = user
        self.chats[user_id] = Chat(user_id, "private", user=user, started=started)
        return user

    def add_group(self, chat_id: int, title: str, *, members: tuple[int, ...] | list[int] = (),
                  supergroup: bool = False, username: str | None = None,
                  bot_is_admin: bool = False) -> Chat:
        if chat_id >= 0:
            raise ControlError("group chat ids are negative")
        for member in members:
            self.user(member)
        chat = Chat(chat_id, "supergroup" if supergroup else "group", title=title,
                    username=username, members=set(members), bot_is_admin=bot_is_admin)
        self.chats[chat_id] = chat
        return chat

    def user(self, user_id: int) -> User:
        try:
            return self.users[user_id]
        except KeyError:
            raise ControlError(f"user {user_id} is not registered: add_user() first") from None

    def chat_for_control(self, chat_id: int) -> Chat:
        try:
            return self.chats[chat_id]
        except KeyError:
            raise ControlError(f"chat {chat_id} is not registered") from None

    # -- lookups as the Bot API does them ---------------------------------------------

    def chat(self, chat_id: Any) -> Chat:
        if chat_id is None or chat_id == "":
            raise bad_request("chat_id is empty")
        if isinstance(chat_id, str) and chat_id.startswith("@"):
            for chat in self.chats.values():
                if chat.username and chat.username.lower() == chat_id[1:].lower():
                    return chat
            raise bad_request("chat not found")
        try:
            return self.chats[int(chat_id)]
        except (KeyError, ValueError, TypeError):
            raise bad_request("chat not found") from None

    def message(self, chat_id: int, message_id: int) -> Message | None:
        message = self.messages.get(chat_id, {}).get(message_id)
        return None if message is None or message.deleted else message

    # -- changes ----------------------------------------------------------------------

    def new_message(self, chat: Chat, sender: User, **fields: Any) -> Message:
        counter = self._message_ids.setdefault(chat.id, itertools.count(1))
        message = Message(chat.id, next(counter), sender, int(time.time()), **fields)
        self.messages.setdefault(chat.id, {})[message.message_id] = message
        return message

    def message_to_api(self, message: Message) -> dict[str, Any]:
        chat = self.chats[message.chat_id]
        reply_to = None
        if message.reply_to_message_id is not None:
            reply_to = self.messages.get(chat.id, {}).get(message.reply_to_message_id)
        return message.to_api(chat, reply_to)

    def new_file(self, kind: str, *, size: int, content: bytes | None = None, **fields: Any) -> FileRecord:
        number = next(self._file_numbers)
        unique = secrets.token_hex(4)
        record = FileRecord(
            file_id=f"{kind[:3].upper()}-{number}-{secrets.token_urlsafe(12)}",
            file_unique_id=f"U{number}{unique}", kind=kind, size=size, content=content,
            path=f"{kind}s/file_{number}", **fields)
        if record.file_name and "." in record.file_name:
            record.path += "." + record.file_name.rsplit(".", 1)[1]
        self.files[record.file_id] = record
        return record

    def new_callback_query(self, user: User, message: Message, data: str, now: float) -> CallbackQuery:
        query = CallbackQuery(str(secrets.randbits(63)), user, message.chat_id,
                              message.message_id, data, now)
        self.callback_queries[query.id] = query
        return query
