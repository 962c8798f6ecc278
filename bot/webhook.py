"""Webhook mode: Telegram POSTs updates to us instead of our long polling.

Every request must carry the secret token Telegram was given with setWebhook
(`X-Telegram-Bot-Api-Secret-Token`); aiogram's handler answers 401 otherwise. Run it
behind a reverse proxy that terminates HTTPS: `webhook_listen` is the local address.
Several instances can listen behind one load balancer: any of them takes any update (the
prompts under way are in Redis, `telegram.fsm`), and each sets the same webhook at start.
"""
from __future__ import annotations

import logging
from urllib.parse import urlsplit

from aiogram import Bot, Dispatcher
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web

from deskbot.dispatch.config import TelegramConfig

log = logging.getLogger("deskbot.webhook")


class Webhook:
    def __init__(self, dispatcher: Dispatcher, bot: Bot, settings: TelegramConfig) -> None:
        self.dispatcher, self.bot, self.settings = dispatcher, bot, settings
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        settings = self.settings
        secret = settings.webhook_secret.get_secret_value()
        app = web.Application()
        path = urlsplit(settings.webhook_url).path or "/"
        SimpleRequestHandler(self.dispatcher, self.bot, secret_token=secret, handle_in_background=False).register(
            app, path=path
        )
        host, _, port = settings.webhook_listen.rpartition(":")
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, host or "127.0.0.1", int(port)).start()
        await self.bot.set_webhook(
            settings.webhook_url, secret_token=secret,
            allowed_updates=self.dispatcher.resolve_used_update_types(),
        )
        log.info("webhook mode: listening on %s, Telegram posts to %s", settings.webhook_listen, settings.webhook_url)

    async def stop(self) -> None:
        """Stops listening; the webhook stays set: with several instances behind one address, one
        stopping must not cut the others off (long polling removes a webhook left over)."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
