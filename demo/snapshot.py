"""The state the page shows, as JSON (DEMO-API.md): the chats as the stand-in holds them, and
the customer's mailbox. Message HTML is the Bot API HTML as the bot sent it, which the stand-in
has checked by Telegram's rules; a person's text is escaped here."""
from __future__ import annotations

import html
from typing import Any

from deskbot.demo.botapi import FakeTelegram, Message
from deskbot.demo.mailbox import Mailbox
from deskbot.demo.people import CUSTOMER_ADDRESS, CUSTOMER_NAME, DISPATCH_CHAT, DISPATCH_TITLE, STAFF


def snapshot(fake: FakeTelegram, mailbox: Mailbox, lang: str) -> dict[str, Any]:
    """Everything but "version", which the caller adds (it counts changes of the rest)."""
    chats = [DISPATCH_CHAT, *(p.user_id for p in STAFF)]
    return {
        "lang": lang,
        "staff": [{"user_id": p.user_id, "name": p.name, "roles": list(p.roles)} for p in STAFF],
        "dispatcher_chat": {"chat_id": DISPATCH_CHAT, "title": DISPATCH_TITLE},
        "chats": {str(chat): [message(m) for m in fake.messages(chat)] for chat in chats},
        "mailbox": [mail.summary for mail in mailbox.of_customer()],
        "customer": {"name": CUSTOMER_NAME, "address": CUSTOMER_ADDRESS},
    }


def message(m: Message) -> dict[str, Any]:
    if m.parse_mode == "HTML":
        markup = m.source or ""
    else:  # a person's text, or a bot's plain text
        markup = html.escape(m.text or "", quote=False)
    document = None
    if m.file is not None:
        name = m.file.file_name or ("photo.jpg" if m.file.kind == "photo" else "file")
        document = {"name": name, "url": f"/api/file/{m.chat_id}/{m.message_id}"}
    return {
        "message_id": m.message_id,
        "from": "bot" if m.from_bot else _name(m),
        "user_id": None if m.from_bot else m.sender.id,
        "html": markup,
        "buttons": [[_button(b) for b in row] for row in (m.reply_markup or {}).get("inline_keyboard", [])],
        "reply_to": m.reply_to_message_id,
        "document": document,
        "edited": m.edit_date is not None,
        "deleted": m.deleted,
    }


def _name(m: Message) -> str:
    return " ".join(filter(None, [m.sender.first_name, m.sender.last_name]))


def _button(button: dict[str, Any]) -> dict[str, Any]:
    shown = {"text": button.get("text", ""), "data": button.get("callback_data")}
    if "url" in button:
        shown["url"] = button["url"]
    return shown
