"""/web in a private chat: a one-time link that signs the staff member in to the web pages as themselves."""
from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from deskbot.bot.middleware import Replies, must_be_staff
from deskbot.bot.render.texts import Texts
from deskbot.dispatch.clock import Clock
from deskbot.dispatch.config import Config
from deskbot.dispatch.web_access import issue_link
from deskbot.storage.models import Staff


def router() -> Router:
    r = Router(name=__name__)
    r.message.register(sign_in_link, Command("web"), F.chat.type == "private")  # a link in a group is anyone's
    return r


async def sign_in_link(message: Message, session: AsyncSession, staff: Staff | None, config: Config, clock: Clock,
                       texts: Texts, replies: Replies) -> None:
    member = must_be_staff(staff)
    if not config.web.listen:
        replies.answer(message, texts.t("web-command-off"))
        return
    token = await issue_link(session, member, clock.now())
    replies.answer(message, texts.t("web-command-link", link=f"{config.web.url}/staff/sign-in/{token}"))
