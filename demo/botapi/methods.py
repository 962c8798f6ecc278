"""The Bot API methods the fake implements, each checked as Telegram checks it.

A method is ``async def name(fake, params) -> result`` registered under its
Bot API name; method names are case-insensitive, as in the Bot API.
"""
from __future__ import annotations

import json
import struct
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Awaitable, Callable
from urllib.parse import urlsplit

from . import rules
from .errors import ApiError, bad_request
from .state import CallbackAnswer, Chat, FileRecord, Message
from .updates import conflict_with_webhook

if TYPE_CHECKING:
    from .server import FakeTelegram

MAX_UPLOAD = 50 * 1024 * 1024  # sendDocument; Telegram answers 413 past it
MAX_PHOTO = 10 * 1024 * 1024
MAX_DOWNLOAD = 20 * 1024 * 1024  # getFile


@dataclass
class Upload:
    filename: str | None
    content_type: str | None
    content: bytes


@dataclass
class Params:
    """Call parameters: JSON-typed (JSON body) or all strings (form/query), as Telegram gets them."""

    values: dict[str, Any]
    files: dict[str, Upload] = field(default_factory=dict)

    def raw(self, name: str) -> Any:
        value = self.values.get(name)
        return None if value == "" else value

    def str(self, name: str) -> str | None:
        value = self.raw(name)
        return None if value is None else str(value)

    def int(self, name: str) -> int | None:
        value = self.raw(name)
        if value is None:
            return None
        try:
            return int(value)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None

    def bool(self, name: str) -> bool:
        value = self.raw(name)
        if isinstance(value, str):
            return value.lower() in ("true", "1")
        return bool(value)

    def json(self, name: str, error: str) -> Any:
        value = self.raw(name)
        if not isinstance(value, str):
            return value
        try:
            return json.loads(value)
        except ValueError:
            raise bad_request(error) from None

    def summary(self) -> dict[str, Any]:
        """For the request log: values, and files as name/size."""
        out = dict(self.values)
        for key, upload in self.files.items():
            out[key] = {"file_name": upload.filename, "size": len(upload.content)}
        return out


@dataclass
class Ok:
    """A result with the ``description`` Telegram adds to some answers."""

    result: Any
    description: str | None = None


Method = Callable[["FakeTelegram", Params], Awaitable[Any]]
METHODS: dict[str, tuple[str, Method]] = {}  # lower-case name -> (Bot API name, method)


def method(func: Method) -> Method:
    METHODS[func.__name__.lower()] = (func.__name__, func)
    return func


# -- bot, updates, webhook ------------------------------------------------------------

@method
async def getMe(fake: FakeTelegram, p: Params) -> Any:
    return {**fake.world.bot.to_api(), "can_join_groups": True,
            "can_read_all_group_messages": False, "supports_inline_queries": False,
            "can_connect_to_business": False, "has_main_web_app": False}


@method
async def getUpdates(fake: FakeTelegram, p: Params) -> Any:
    if fake.webhook.url:
        raise conflict_with_webhook()
    fake.updates.set_allowed(p.json("allowed_updates", "can't parse allowed_updates JSON array"))
    limit = min(max(p.int("limit") or 100, 1), 100)
    return await fake.updates.get(offset=p.int("offset"), limit=limit, timeout=p.int("timeout") or 0)


@method
async def setWebhook(fake: FakeTelegram, p: Params) -> Any:
    url = p.str("url")
    if not url:
        return await deleteWebhook(fake, p)
    secret = p.str("secret_token")
    rules.webhook(url, secret)
    if p.bool("drop_pending_updates"):
        fake.updates.drop_pending()
    fake.updates.set_allowed(p.json("allowed_updates", "can't parse allowed_updates JSON array"))
    was = fake.webhook.url
    fake.webhook.set(url, secret, p.int("max_connections") or 40)
    return Ok(True, "Webhook is already set" if was == url else "Webhook was set")


@method
async def deleteWebhook(fake: FakeTelegram, p: Params) -> Any:
    if p.bool("drop_pending_updates"):
        fake.updates.drop_pending()
    was = fake.webhook.url
    await fake.webhook.delete()
    return Ok(True, "Webhook was deleted" if was else "Webhook is already deleted")


@method
async def getWebhookInfo(fake: FakeTelegram, p: Params) -> Any:
    return fake.webhook.info(len(fake.updates.pending), fake.updates.allowed)


# -- messages -------------------------------------------------------------------------

def _writable_chat(fake: FakeTelegram, p: Params) -> Chat:
    chat = fake.world.chat(p.raw("chat_id"))
    chat.check_bot_can_write()
    return chat


def _reply_to(fake: FakeTelegram, chat: Chat, p: Params) -> int | None:
    reply = p.json("reply_parameters", "can't parse reply parameters JSON object") or {}
    message_id = reply.get("message_id") if isinstance(reply, dict) else None
    if message_id is None:
        message_id = p.int("reply_to_message_id")
    if message_id is None:
        return None
    if fake.world.message(chat.id, int(message_id)) is None:
        if reply.get("allow_sending_without_reply") or p.bool("allow_sending_without_reply"):
            return None
        raise bad_request("message to be replied not found")
    return int(message_id)


def _render(fake: FakeTelegram, p: Params, field_name: str, *, caption: bool) -> rules.Rendered:
    entities_field = "caption_entities" if caption else "entities"
    return rules.render(p.str(field_name), p.str("parse_mode"),
                        p.json(entities_field, "can't parse entities JSON object"),
                        caption=caption, strict_ampersand=fake.strict_ampersand)


@method
async def sendMessage(fake: FakeTelegram, p: Params) -> Any:
    chat = _writable_chat(fake, p)
    content = _render(fake, p, "text", caption=False)
    markup = rules.reply_markup(p.raw("reply_markup"))
    reply_to = _reply_to(fake, chat, p)
    fake.admit("sendMessage", chat.id)
    message = fake.world.new_message(chat, fake.world.bot, content=content,
                                     reply_markup=markup, reply_to_message_id=reply_to)
    return fake.world.message_to_api(message)


def _message_to_edit(fake: FakeTelegram, p: Params) -> Message:
    if p.raw("inline_message_id") is not None:
        raise bad_request("message to edit not found")  # inline messages are not modelled
    chat = fake.world.chat(p.raw("chat_id"))
    message_id = p.int("message_id")
    if message_id is None:
        raise bad_request("message identifier is not specified")
    message = fake.world.message(chat.id, message_id)
    if message is None:
        raise bad_request("message to edit not found")
    if not message.from_bot:
        raise bad_request("message can't be edited")
    return message


NOT_MODIFIED = ("message is not modified: specified new message content and reply markup "
                "are exactly the same as a current content and reply markup of the message")


def _edit(fake: FakeTelegram, method_name: str, message: Message, *,
          content: rules.Rendered | None, markup: dict[str, Any] | None) -> Any:
    """Apply an edit. Telegram drops the inline keyboard unless the edit repeats it."""
    same_content = content is None or content.same_content(message.content)
    if same_content and markup == message.reply_markup:
        raise bad_request(NOT_MODIFIED)
    fake.admit(method_name, message.chat_id)
    message.history.append(message.snapshot(fake.clock()))
    if content is not None:
        message.content = content
    message.reply_markup = markup
    message.edit_date = fake.now()
    return fake.world.message_to_api(message)


@method
async def editMessageText(fake: FakeTelegram, p: Params) -> Any:
    message = _message_to_edit(fake, p)
    if message.file is not None:
        raise bad_request("there is no text in the message to edit")
    content = _render(fake, p, "text", caption=False)
    markup = rules.reply_markup(p.raw("reply_markup"))
    return _edit(fake, "editMessageText", message, content=content, markup=markup)


@method
async def editMessageCaption(fake: FakeTelegram, p: Params) -> Any:
    message = _message_to_edit(fake, p)
    if message.file is None:
        raise bad_request("there is no caption in the message to edit")
    content = _render(fake, p, "caption", caption=True)
    markup = rules.reply_markup(p.raw("reply_markup"))
    return _edit(fake, "editMessageCaption", message, content=content, markup=markup)


@method
async def editMessageReplyMarkup(fake: FakeTelegram, p: Params) -> Any:
    message = _message_to_edit(fake, p)
    markup = rules.reply_markup(p.raw("reply_markup"))
    return _edit(fake, "editMessageReplyMarkup", message, content=None, markup=markup)


@method
async def deleteMessage(fake: FakeTelegram, p: Params) -> Any:
    chat = fake.world.chat(p.raw("chat_id"))
    message_id = p.int("message_id")
    message = None if message_id is None else fake.world.message(chat.id, message_id)
    if message is None:
        raise bad_request("message to delete not found")
    if chat.type != "private" and not message.from_bot and not chat.bot_is_admin:
        raise bad_request("message can't be deleted")
    message.deleted = True
    return True


@method
async def answerCallbackQuery(fake: FakeTelegram, p: Params) -> Any:
    query = fake.world.callback_queries.get(p.str("callback_query_id") or "")
    if (query is None or query.answer is not None
            or fake.clock() - query.created > fake.callback_query_ttl):
        raise bad_request("query is too old and response timeout expired or query ID is invalid")
    text = p.str("text")
    rules.callback_answer_text(text)
    query.answer = CallbackAnswer(query.id, text, p.bool("show_alert"), p.str("url"),
                                  p.int("cache_time") or 0)
    fake.world.callback_answers.append(query.answer)
    return True


# -- files ----------------------------------------------------------------------------

def image_size(data: bytes) -> tuple[int, int] | None:
    """Width and height of a PNG, GIF, JPEG or WebP image; None if it is none of them."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        return struct.unpack(">II", data[16:24])
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        return struct.unpack("<HH", data[6:10])
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return (512, 512)  # size parsing skipped: not used by deskbot
    if data[:3] == b"\xff\xd8\xff":
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                return None
            marker, length = data[i + 1], int.from_bytes(data[i + 2:i + 4], "big")
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                height, width = struct.unpack(">HH", data[i + 5:i + 9])
                return width, height
            i += 2 + length
    return None


def _input_file(fake: FakeTelegram, p: Params, kind: str) -> FileRecord:
    """The file a send call carries: an upload, an ``attach://`` part, a file_id or a URL."""
    upload = p.files.get(kind)
    value = p.str(kind)
    if upload is None and value and value.startswith("attach://"):
        upload = p.files.get(value[len("attach://"):])
        if upload is None:
            raise bad_request("wrong file identifier/HTTP URL specified")
    if upload is not None:
        return _uploaded(fake, kind, upload)
    if not value:
        raise bad_request(f"there is no {kind} in the request")
    if value in fake.world.files:
        known = fake.world.files[value]
        if known.kind != kind:
            raise bad_request("wrong file identifier/HTTP URL specified")
        return known
    if urlsplit(value).scheme in ("http", "https"):
        name = urlsplit(value).path.rsplit("/", 1)[-1] or None
        return fake.world.new_file(kind, size=0, url=value, file_name=name,
                                   width=800 if kind == "photo" else None,
                                   height=600 if kind == "photo" else None)
    raise bad_request("wrong file identifier/HTTP URL specified")


def _uploaded(fake: FakeTelegram, kind: str, upload: Upload) -> FileRecord:
    data = upload.content
    if not data:
        raise bad_request("file must be non-empty")
    if kind == "document":
        if len(data) > MAX_UPLOAD:
            raise ApiError(413, "Request Entity Too Large")
        return fake.world.new_file(kind, size=len(data), content=data, file_name=upload.filename,
                                   mime_type=upload.content_type or "application/octet-stream")
    size = image_size(data)
    if size is None:
        raise bad_request("IMAGE_PROCESS_FAILED")
    width, height = size
    if len(data) > MAX_PHOTO or width + height > 10000 or max(width, height) > 20 * min(width, height):
        raise bad_request("PHOTO_INVALID_DIMENSIONS")
    return fake.world.new_file(kind, size=len(data), content=data, width=width, height=height,
                               file_name=upload.filename, mime_type=upload.content_type)


async def _send_file(fake: FakeTelegram, p: Params, kind: str, method_name: str) -> Any:
    chat = _writable_chat(fake, p)
    caption = _render(fake, p, "caption", caption=True) if p.str("caption") else None
    markup = rules.reply_markup(p.raw("reply_markup"))
    reply_to = _reply_to(fake, chat, p)
    record = _input_file(fake, p, kind)
    fake.admit(method_name, chat.id)
    message = fake.world.new_message(chat, fake.world.bot, content=caption, file=record,
                                     reply_markup=markup, reply_to_message_id=reply_to)
    return fake.world.message_to_api(message)


@method
async def sendDocument(fake: FakeTelegram, p: Params) -> Any:
    return await _send_file(fake, p, "document", "sendDocument")


@method
async def sendPhoto(fake: FakeTelegram, p: Params) -> Any:
    return await _send_file(fake, p, "photo", "sendPhoto")


@method
async def getFile(fake: FakeTelegram, p: Params) -> Any:
    record = fake.world.files.get(p.str("file_id") or "")
    if record is None:
        raise bad_request("invalid file_id")
    if record.size > MAX_DOWNLOAD:
        raise bad_request("file is too big")
    return {"file_id": record.file_id, "file_unique_id": record.file_unique_id,
            "file_size": record.size, "file_path": record.path}


# -- chats and commands ---------------------------------------------------------------

@method
async def getChat(fake: FakeTelegram, p: Params) -> Any:
    chat = fake.world.chat(p.raw("chat_id"))
    return {**chat.to_api(), "accent_color_id": 0, "max_reaction_count": 11,
            "accepted_gift_types": {"unlimited_gifts": False, "limited_gifts": False,
                                    "unique_gifts": False, "premium_subscription": False,
                                    "gifts_from_channels": False}}


@method
async def sendChatAction(fake: FakeTelegram, p: Params) -> Any:
    chat = _writable_chat(fake, p)
    fake.world.chat_actions.append((chat.id, rules.chat_action(p.str("action"))))
    return True


def _commands_key(p: Params) -> str:
    scope = p.json("scope", "can't parse BotCommandScope JSON object") or {"type": "default"}
    return json.dumps([scope, p.str("language_code") or ""], sort_keys=True)


@method
async def setMyCommands(fake: FakeTelegram, p: Params) -> Any:
    fake.world.commands[_commands_key(p)] = rules.bot_commands(p.raw("commands"))
    return True


@method
async def getMyCommands(fake: FakeTelegram, p: Params) -> Any:
    return fake.world.commands.get(_commands_key(p), [])


@method
async def deleteMyCommands(fake: FakeTelegram, p: Params) -> Any:
    fake.world.commands.pop(_commands_key(p), None)
    return True
