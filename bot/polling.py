"""Long polling: one consumer per bot token, as Telegram allows.

A webhook left by webhook mode (several instances stop without removing it, so that one
stopping never cuts off the others) would make every getUpdates fail: polling removes it
first. Another process polling with the same token makes Telegram answer 409 Conflict;
aiogram logs two lines per attempt forever, so `ConflictNotice` says it once, clearly.
"""
from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

from aiogram import Bot

log = logging.getLogger("deskbot.telegram")


async def drop_leftover_webhook(bot: Bot) -> None:
    try:
        info = await bot.get_webhook_info()
        if info.url:
            log.info("a webhook is set (webhook mode before?): removing it for long polling")
            await bot.delete_webhook()
    except Exception as exc:  # noqa: BLE001 - Telegram unreachable: polling retries, and says a 409 if it stays
        log.warning("could not check for a webhook left over (%s: %s)", type(exc).__name__, exc)


class ConflictNotice(logging.Filter):
    """On aiogram's dispatcher logger: a 409 Conflict is told in one line, and the lines aiogram
    repeats at each attempt are dropped until polling works again."""

    def __init__(self) -> None:
        super().__init__()
        self.in_conflict = False

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args if isinstance(record.args, tuple) else ()
        msg = record.msg if isinstance(record.msg, str) else ""
        if msg.startswith("Failed to fetch updates") and len(args) > 1 and args[0] == "TelegramConflictError":
            if not self.in_conflict:
                self.in_conflict = True
                log.error("Telegram refuses our long polling (409 Conflict: %s): another process polls with "
                          "this bot's token, or a webhook is set. Stop the other one; for several instances "
                          "use [telegram] mode = \"webhook\". Retrying quietly.", _detail(args))
            return False
        if self.in_conflict and msg.startswith("Sleep for"):
            return False
        if msg.startswith("Connection established"):
            if self.in_conflict:
                log.info("Telegram long polling works again")
            self.in_conflict = False
        return True


def _detail(args: tuple) -> str:
    text = str(args[1]) if len(args) > 1 else ""
    return text.removeprefix("Telegram server says - ").strip() or "Conflict"


@contextlib.contextmanager
def conflicts_told_once() -> Iterator[ConflictNotice]:
    notice, dispatcher_log = ConflictNotice(), logging.getLogger("aiogram.dispatcher")
    dispatcher_log.addFilter(notice)
    try:
        yield notice
    finally:
        dispatcher_log.removeFilter(notice)
