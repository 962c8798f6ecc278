"""Is Telegram reachable? For /readyz: yes while the Bot API answered lately, else a getMe says.

Every call of the bot passes through `TelegramHealth` (a request middleware of aiogram's session), which
notes when Telegram last answered and when it last could not be reached (the network, a 5xx, nginx's HTML
page, a token Telegram refuses). An answer that refuses the call (400, 403, 429) is an answer: reachable.
"""
from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import aiohttp
from aiogram import Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware
from aiogram.exceptions import ClientDecodeError, TelegramNetworkError, TelegramServerError, TelegramUnauthorizedError

_UNREACHABLE = (TelegramNetworkError, TelegramServerError, ClientDecodeError, aiohttp.ClientError, TimeoutError)


class TelegramHealth(BaseRequestMiddleware):
    def __init__(self, bot: Bot, *, fresh: float = 30.0, timeout: float = 4.0,
                 now: Callable[[], float] = time.monotonic) -> None:
        """`fresh`: an answer this recent, with no failure since, needs no getMe."""
        self.bot, self.fresh, self.timeout, self._now = bot, fresh, timeout, now
        self.answered_at: float | None = None
        self.failed_at: float | None = None
        self.failure = ""
        self._asking = asyncio.Lock()
        bot.session.middleware(self)

    async def __call__(self, make_request, bot, method):
        try:
            response = await make_request(bot, method)
        except TelegramUnauthorizedError:
            self._failed("the token is refused")
            raise
        except _UNREACHABLE as exc:
            self._failed(f"unreachable ({type(exc).__name__})")
            raise
        except Exception:  # noqa: BLE001 - Telegram answered, with a refusal
            self.answered_at = self._now()
            raise
        self.answered_at = self._now()
        return response

    def _failed(self, why: str) -> None:
        self.failed_at, self.failure = self._now(), why

    async def check(self) -> str | None:
        """None when Telegram answers; else why not."""
        if self._answered_lately():
            return None
        async with self._asking:  # probes at once share one getMe
            if self._answered_lately():
                return None
            try:
                async with asyncio.timeout(self.timeout):
                    await self.bot.get_me(request_timeout=int(self.timeout))
            except TimeoutError:
                return f"no answer within {self.timeout:g}s"
            except Exception:  # noqa: BLE001 - the middleware noted what it was (a refusal is an answer)
                return None if self._answered_lately() else self.failure or "unreachable"
        return None

    def _answered_lately(self) -> bool:
        answered, failed = self.answered_at, self.failed_at
        return answered is not None and (failed is None or answered > failed) and self._now() - answered < self.fresh
