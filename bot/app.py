"""The aiogram Dispatcher of deskbot: routers, middlewares and dependencies in one place."""
from __future__ import annotations

import asyncio
from datetime import timedelta
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.fsm.storage.base import BaseStorage
from aiogram.fsm.storage.memory import MemoryStorage
from aiogram.utils.callback_answer import CallbackAnswerMiddleware
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from deskbot.bot import handlers
from deskbot.bot.delivery import TelegramSender
from deskbot.bot.handlers import conversation
from deskbot.bot.middleware import LogContext, Transaction
from deskbot.bot.notify import Notifier
from deskbot.bot.render.texts import Texts
from deskbot.dispatch.background import OwnedTasks
from deskbot.dispatch.clock import Clock
from deskbot.dispatch.config import Config, TelegramConfig

FSM_TTL = timedelta(days=14)


def build_bot(settings: TelegramConfig) -> Bot:
    session = AiohttpSession(api=TelegramAPIServer.from_base(settings.api_server)) if settings.api_server else None
    return Bot(settings.token.get_secret_value(), session=session, default=DefaultBotProperties(parse_mode="HTML"))


def build_dispatcher(config: Config, sessions: async_sessionmaker[AsyncSession], clock: Clock,
                     sender: TelegramSender | None, texts: Texts, updates: OwnedTasks | None = None) -> Dispatcher:
    """A Dispatcher ready for `start_polling(bot)` or a webhook.

    Handlers receive `config`, `sessions`, `clock`, `texts`, `notify` and `sender` as
    keyword arguments, and from the `Transaction` middleware the update's `session`,
    `staff` and `replies`. Every button press is answered: by `Transaction` as soon as the
    change is committed (or the refusal rolled back), with the handler's text or the
    refusal's alert, before any edit waits for the chat's limits; by
    `CallbackAnswerMiddleware` (outermost) when the handler failed or answered nothing.

    FSM state (the prompts under way: an answer, the time spent, a question for a colleague, a
    note) lives in memory (MemoryStorage) unless `telegram.fsm` names a Redis: then in aiogram's
    RedisStorage, so that a prompt started on one instance is answered on another, and a
    restart loses none. In memory a restart loses one thing: that a specialist was asked "how
    long did it take?". The question's buttons still work (they carry the ticket), but a typed
    answer is no longer read; pressing Close again asks again. Everything else is in the database.

    `updates`: the owner of the updates under way. Polling handles each update in a task
    of its own, and `stop_polling` does not wait for them: the service closes `updates`
    before the database, so that a reply being sent and recorded finishes (or is
    cancelled and rolled back) first.
    """
    dp = Dispatcher(storage=fsm_storage(config.telegram), config=config, sessions=sessions, clock=clock, texts=texts,
                    notify=Notifier(config, texts), sender=sender)
    dp.update.outer_middleware(LogContext())
    if updates is not None:
        dp.update.outer_middleware(_owned_by(updates))
    dp.callback_query.middleware(CallbackAnswerMiddleware())
    dp.callback_query.middleware(Transaction())
    dp.message.middleware(Transaction())
    dp.include_routers(*handlers.routers(config), conversation.router(config))
    return dp


def fsm_storage(settings: TelegramConfig) -> BaseStorage:
    url = settings.fsm.get_secret_value()
    if not url:
        return MemoryStorage()
    from aiogram.fsm.storage.redis import RedisStorage  # imports redis: only when asked for

    # A prompt nobody answers for two weeks is forgotten, as a restart forgets it in memory.
    return RedisStorage.from_url(url, state_ttl=FSM_TTL, data_ttl=FSM_TTL)


def _owned_by(updates: OwnedTasks):
    async def own(handler: Callable[[Any, dict[str, Any]], Awaitable[Any]], event: Any, data: dict[str, Any]) -> Any:
        updates.adopt(asyncio.current_task())
        return await handler(event, data)
    return own
