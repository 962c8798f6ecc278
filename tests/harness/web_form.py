"""The request form on a real database: a desk with departments and request types, the form's own
intake (as `deskbot run` builds it), and the sweeps that acknowledge and announce what it stores."""
from __future__ import annotations

from aiohttp.test_utils import TestClient, TestServer

from deskbot.app.web import form_intake
from deskbot.bot.render.texts import Texts
from deskbot.bot.sweeps.announce import announce_due
from deskbot.dispatch.acknowledge import acknowledge_due
from deskbot.dispatch.config import Config
from deskbot.dispatch.mailout import MailSender
from deskbot.dispatch.staff import sync_staff
from deskbot.mailbox.smtp import SmtpSettings
from deskbot.web.app import build_app
from harness.web import KEY, Browser

DISPATCHERS = -1001


def form_config(attachments: str, smtp: tuple[str, int] | None = None, **web: object) -> Config:
    host, port = smtp or ("", 25)
    return Config.model_validate({
        "mailbox": {"host": "imap.test", "username": "support@desk.example", "attachments_dir": attachments},
        "smtp": {"host": host, "port": port, "security": "none", "from_address": "Desk <support@desk.example>"},
        "telegram": {"language": "en", "dispatcher_chat_id": DISPATCHERS},
        "departments": [{"key": "support", "name": "Support"}, {"key": "printers", "name": "Printers"}],
        "staff": [{"name": "Dina", "telegram_id": 111, "departments": ["support"], "roles": ["dispatcher"]},
                  {"name": "Pat", "telegram_id": 222, "departments": ["printers"], "roles": ["specialist"]}],
        "web": {"listen": "127.0.0.1:8080", "request_types": [
            {"key": "printer", "label": {"en": "A printer", "ru": "Принтер"}, "department": "printers"},
            {"key": "access", "label": {"en": "Access to a system"}, "required": ["name", "subject"]},
        ], **web},
    })


async def open_form(config: Config, sessions, clock) -> Browser:
    async with sessions.begin() as s:
        await sync_staff(s, config)
    app = build_app(config, sessions, clock, KEY, None, intake=form_intake(config, sessions, clock))
    client = TestClient(TestServer(app))  # on 127.0.0.1, a free port
    await client.start_server()
    return Browser(client)


async def acknowledge_and_send(config: Config, sessions, clock, smtp_sink) -> None:
    async with sessions.begin() as s:
        await acknowledge_due(s, config, Texts("en"), clock.now())
    settings = SmtpSettings(host=smtp_sink.host, port=smtp_sink.port, security="none", timeout=5)
    await MailSender(settings, sessions, clock).drain_once()


async def announce(config: Config, sessions, clock) -> int:
    async with sessions.begin() as s:
        return await announce_due(s, config, Texts("en"), clock.now(), budget=20)
