"""/away and /back in a private chat: nothing is assigned automatically to someone away (dispatch/away.py).

`/away` holds until /back; `/away 3d` or `/away 2026-12-31` ends by itself. The dispatcher chat is told
who goes and who comes back, and `/away` there lists who is away now.
"""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from deskbot.bot.middleware import Replies, must_be_staff
from deskbot.bot.render.texts import Safe, Texts
from deskbot.dispatch import away, outbox
from deskbot.dispatch.assignment_rules import away_until
from deskbot.dispatch.clock import Clock
from deskbot.dispatch.config import Config
from deskbot.storage.models import Staff

NOTICE = "notice"  # the outbox purpose of what the dispatcher chat is told


def router(config: Config) -> Router:
    r = Router(name=__name__)
    private = F.chat.type == "private"
    r.message.register(go_away, Command("away"), private)
    r.message.register(come_back, Command("back"), private)
    r.message.register(who_is_away, Command("away"), F.chat.id == config.telegram.dispatcher_chat_id)
    return r


async def go_away(message: Message, command: CommandObject, session: AsyncSession, staff: Staff | None,
                  config: Config, clock: Clock, texts: Texts, replies: Replies) -> None:
    person, now = must_be_staff(staff), clock.now()
    zone = _zone(config, person)
    try:
        until = away_until(command.args or "", now, zone)
    except ValueError:
        replies.answer(message, texts.t("away-unreadable", text=(command.args or "").strip()[:100]))
        return
    await away.go_away(session, person, until, now)
    if until is None:
        replies.answer(message, texts.t("away-open"))
        _tell_dispatchers(session, config, texts.t("staff-away-open", name=person.name), now)
    else:
        replies.answer(message, texts.t("away-until", until=_when(until, zone)))
        _tell_dispatchers(session, config, texts.t("staff-away-until", name=person.name, until=_when(until, zone)), now)


async def come_back(message: Message, session: AsyncSession, staff: Staff | None, config: Config, clock: Clock,
                    texts: Texts, replies: Replies) -> None:
    person, now = must_be_staff(staff), clock.now()
    if not await away.come_back(session, person, now):
        replies.answer(message, texts.t("back-not-away"))
        return
    replies.answer(message, texts.t("back"))
    _tell_dispatchers(session, config, texts.t("staff-back", name=person.name), now)


async def who_is_away(message: Message, session: AsyncSession, staff: Staff | None, config: Config, clock: Clock,
                      texts: Texts, replies: Replies) -> None:
    must_be_staff(staff)
    now = clock.now()
    people = await away.away_now(session, now)
    if not people:
        replies.answer(message, texts.t("nobody-away"))
        return
    zone = ZoneInfo(config.dispatch.timezone)
    lines = [texts.t("away-line-until", name=p.name, until=_when(p.away_until, zone)) if p.away_until else
             texts.t("away-line-open", name=p.name) for p in people[:100]]
    replies.answer(message, Safe("\n".join([texts.t("away-header", count=len(people)), *lines])))


def _tell_dispatchers(session: AsyncSession, config: Config, text: Safe, now: datetime) -> None:
    if config.telegram.dispatcher_chat_id:
        outbox.send_message(session, chat_id=config.telegram.dispatcher_chat_id, text=text, purpose=NOTICE, now=now)


def _zone(config: Config, person: Staff):
    member = config.member(person.telegram_id)
    return config.working_hours(member).zone if member is not None else ZoneInfo(config.dispatch.timezone)


def _when(moment: datetime, zone) -> str:
    return moment.astimezone(zone).strftime("%d.%m.%Y %H:%M")
