"""What Telegram refuses, with its error descriptions.

Each check raises ApiError (400 "Bad Request: ...") with the description
Telegram is known to answer; where Telegram's wording is not known (a button
with two actions, which Telegram may silently accept) the fake uses its own,
in the same style, and DEVELOPERS.md says so.
"""
from __future__ import annotations

import ipaddress
import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from .entities import HtmlError, parse_html, utf16_len
from .errors import bad_request

MAX_TEXT = 4096  # UTF-16 code units of the visible text, after entity parsing
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64  # bytes, UTF-8
MAX_CALLBACK_ANSWER = 200
MAX_BUTTONS = 100
MAX_COMMANDS = 100

INLINE_BUTTON_ACTIONS = (
    "callback_data", "url", "login_url", "switch_inline_query",
    "switch_inline_query_current_chat", "switch_inline_query_chosen_chat",
    "callback_game", "pay", "web_app", "copy_text",
)
CHAT_ACTIONS = frozenset({
    "typing", "upload_photo", "record_video", "upload_video", "record_voice",
    "upload_voice", "upload_document", "choose_sticker", "find_location",
    "record_video_note", "upload_video_note",
})
_COMMAND = re.compile(r"[a-z0-9_]{1,32}")
_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")


@dataclass(frozen=True)
class Rendered:
    """A text or caption as the chat shows it."""

    source: str  # as the bot sent it
    parse_mode: str | None
    text: str  # visible text
    entities: tuple[dict[str, Any], ...]

    def same_content(self, other: Rendered | None) -> bool:
        # Telegram compares what is shown, not the markup: <b> and <strong> are equal.
        return other is not None and (self.text, self.entities) == (other.text, other.entities)


def render(source: str | None, parse_mode: str | None, entities: Any, *,
           caption: bool, strict_ampersand: bool) -> Rendered:
    """Parse ``source`` like Telegram and apply the length rules of a text or a caption."""
    source = source or ""
    mode = (parse_mode or "").lower()
    if mode == "html":
        try:
            parsed = parse_html(source, strict_ampersand=strict_ampersand)
        except HtmlError as e:
            raise bad_request(f"can't parse entities: {e}") from None
        visible, found = parsed.text, tuple(parsed.entities)
    elif mode in ("", "markdown", "markdownv2"):
        # Markdown is not validated (deskbot sends HTML); the text counts as is.
        visible = source
        found = tuple(_json_value(entities, "can't parse entities JSON object") or ())
    else:
        raise bad_request("unsupported parse_mode")
    if caption:
        if utf16_len(visible) > MAX_CAPTION:
            raise bad_request("message caption is too long")
    else:
        if not visible.strip():
            raise bad_request("message text is empty")
        if utf16_len(visible) > MAX_TEXT:
            raise bad_request("message is too long")
    return Rendered(source, parse_mode, visible, found)


def _json_value(raw: Any, error: str) -> Any:
    if not isinstance(raw, str):
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        raise bad_request(error) from None


def reply_markup(raw: Any) -> dict[str, Any] | None:
    """Validate a reply_markup parameter; return it as a dict without nulls (or None)."""
    if raw is None or raw == "":
        return None
    markup = _json_value(raw, "can't parse reply keyboard markup JSON object")
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    markup = _without_nulls(markup)
    if "inline_keyboard" in markup:
        _inline_keyboard(markup["inline_keyboard"])
    elif "keyboard" in markup:
        _reply_keyboard(markup["keyboard"])
    elif not ("remove_keyboard" in markup or "force_reply" in markup):
        raise bad_request("can't parse reply keyboard markup JSON object")
    return markup


def _without_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


def _rows(keyboard: Any, field: str, owner: str) -> list[list[Any]]:
    if not isinstance(keyboard, list) or not all(isinstance(row, list) for row in keyboard):
        raise bad_request(f'field "{field}" of the {owner} should be an Array of Arrays')
    if sum(len(row) for row in keyboard) > MAX_BUTTONS:
        raise bad_request("reply markup is too long")
    return keyboard


def _inline_keyboard(keyboard: Any) -> None:
    for row in _rows(keyboard, "inline_keyboard", "InlineKeyboardMarkup"):
        for button in row:
            _inline_button(button)


def _inline_button(button: Any) -> None:
    prefix = "can't parse inline keyboard button: "
    if not isinstance(button, dict):
        raise bad_request(prefix + "InlineKeyboardButton must be an Object")
    if "text" not in button:
        raise bad_request(prefix + 'Can\'t find field "text"')
    if not isinstance(button["text"], str):
        raise bad_request(prefix + 'Field "text" must be of type String')
    actions = [name for name in INLINE_BUTTON_ACTIONS if name in button]
    if not actions:
        raise bad_request(prefix + "Text buttons are unallowed in the inline keyboard")
    if len(actions) > 1:
        raise bad_request(prefix + "exactly one of the optional fields must be used, found "
                          + ", ".join(actions))
    if not button["text"].strip():
        raise bad_request("BUTTON_TEXT_INVALID")
    if "callback_data" in button:
        data = button["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA:
            raise bad_request("BUTTON_DATA_INVALID")
    if "url" in button and not _is_button_url(button["url"]):
        raise bad_request("BUTTON_URL_INVALID")


def _is_button_url(url: Any) -> bool:
    if not isinstance(url, str):
        return False
    parts = urlsplit(url)
    if parts.scheme in ("http", "https"):
        return bool(parts.hostname)
    return parts.scheme == "tg" and bool(parts.netloc or parts.path)


def _reply_keyboard(keyboard: Any) -> None:
    for row in _rows(keyboard, "keyboard", "ReplyKeyboardMarkup"):
        for button in row:
            text = button.get("text") if isinstance(button, dict) else button
            if not isinstance(text, str) or not text.strip():
                raise bad_request("can't parse keyboard button: Field \"text\" must be of type String")


def callback_answer_text(text: str | None) -> None:
    if text is not None and len(text) > MAX_CALLBACK_ANSWER:
        raise bad_request("MESSAGE_TOO_LONG")


def bot_commands(raw: Any) -> list[dict[str, str]]:
    commands = _json_value(raw, "can't parse commands JSON object")
    if not isinstance(commands, list):
        raise bad_request("can't parse commands JSON object")
    if len(commands) > MAX_COMMANDS:
        raise bad_request("too many commands specified")
    result = []
    for item in commands:
        if not isinstance(item, dict):
            raise bad_request("can't parse BotCommand JSON object")
        command, description = item.get("command"), item.get("description")
        if not isinstance(command, str) or not _COMMAND.fullmatch(command):
            raise bad_request("BOT_COMMAND_INVALID")
        if not isinstance(description, str) or not 1 <= len(description.strip()) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        result.append({"command": command, "description": description})
    return result


def chat_action(action: str | None) -> str:
    if action not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    return action


def webhook(url: str, secret_token: str | None) -> None:
    """Telegram wants HTTPS; the fake also takes plain HTTP to a loopback address,
    so that a test can receive the webhook calls without certificates."""
    parts = urlsplit(url)
    loopback = False
    if parts.hostname:
        try:
            loopback = ipaddress.ip_address(parts.hostname).is_loopback
        except ValueError:
            loopback = parts.hostname == "localhost"
    if not parts.hostname or not (parts.scheme == "https" or (parts.scheme == "http" and loopback)):
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    if secret_token is not None and not _SECRET_TOKEN.fullmatch(secret_token):
        raise bad_request("bad webhook: secret token contains unallowed characters")
