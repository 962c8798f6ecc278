"""Webhook mode, in-process: the fake Telegram POSTs updates to the running service, with the secret header;
the webhook outlives a stop (other instances may use it), and polling mode removes it."""
from __future__ import annotations

import asyncio
import socket

import aiohttp
import pytest

from deskbot.app import service
from deskbot.dispatch.config import load_config
from harness.desk import write_config
from deskbot.demo.botapi import FakeTelegram

pytestmark = pytest.mark.dovecot
SECRET = "s3cret-webhook-token_0123"
STRANGER = 4242


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_updates_arrive_by_webhook_and_a_wrong_secret_is_refused(tmp_path, dovecot):
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram"
    async with FakeTelegram() as fake:
        fake.add_user(STRANGER, "Eve")
        path = write_config(tmp_path / "config.toml", dovecot, f"sqlite+aiosqlite:///{tmp_path / 'w.sqlite3'}")
        path.write_text(path.read_text() + f"""
[telegram]
token = "{fake.token}"
api_server = "{fake.url}"
mode = "webhook"
webhook_url = "{url}"
webhook_listen = "127.0.0.1:{port}"
webhook_secret = "{SECRET}"
""")
        stop = asyncio.Event()
        run = asyncio.create_task(service.run(load_config(path, environ={}), stop=stop))
        try:
            await fake.wait_for(lambda: fake.webhook is not None and fake.webhook.url == url, timeout=20,
                                what="setWebhook")
            fake.user_command(STRANGER, "start")
            answer = await fake.wait_for_bot_message(STRANGER, text_contains=str(STRANGER), timeout=10)
            assert "ask an administrator" in answer.text
            async with aiohttp.ClientSession() as http:
                forged = await http.post(url, json={"update_id": 99, "message": {}},
                                         headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"})
                assert forged.status == 401
                missing = await http.post(url, json={"update_id": 100})
                assert missing.status == 401
        finally:
            stop.set()
            await asyncio.wait_for(run, 30)
        # Kept at shutdown: with several instances behind one address, one stopping must not cut off the rest.
        assert fake.webhook.url == url
        # The same desk in polling mode removes the webhook left over, then polls.
        path.write_text(path.read_text().replace('mode = "webhook"', 'mode = "polling"'))
        stop = asyncio.Event()
        run = asyncio.create_task(service.run(load_config(path, environ={}), stop=stop))
        try:
            await fake.wait_for(lambda: fake.calls("deleteWebhook") and not fake.webhook.url, timeout=20,
                                what="the webhook removed")
            fake.user_command(STRANGER, "start")
            await fake.wait_for_bot_message(STRANGER, count=2, text_contains=str(STRANGER), timeout=20)
        finally:
            stop.set()
            await asyncio.wait_for(run, 30)
