"""A manager's *Answered* on a client's tariff change request: the client's cabinet shows it answered."""
from __future__ import annotations

from aiogram import Router
from aiogram.types import CallbackQuery
from aiogram.utils.callback_answer import CallbackAnswer
from sqlalchemy.ext.asyncio import AsyncSession

from deskbot.bot.middleware import Replies, must_be_staff
from deskbot.bot.render.callbacks import TariffV1
from deskbot.bot.render.texts import Texts
from deskbot.dispatch import tariffs
from deskbot.dispatch.clock import Clock
from deskbot.dispatch.tickets import Refused
from deskbot.storage.models import Staff


def router() -> Router:
    r = Router(name=__name__)
    r.callback_query.register(answered, TariffV1.filter())
    return r


async def answered(query: CallbackQuery, callback_data: TariffV1, session: AsyncSession, staff: Staff | None,
                   clock: Clock, texts: Texts, replies: Replies, callback_answer: CallbackAnswer) -> None:
    actor = must_be_staff(staff)
    if "manager" not in actor.role_set:
        raise Refused("alert-tariff-manager-only")
    marked = await tariffs.answered(session, callback_data.request, clock.now())
    replies.buttons(query, None)
    callback_answer.text = texts.alert("alert-tariff-answered" if marked else "alert-tariff-already-answered")
