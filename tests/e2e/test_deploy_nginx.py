"""deploy/nginx.conf for real: Debian's nginx, the example on loopback ports with a throwaway certificate,
in front of a running deskbot whose web face and webhook listener are reachable only through it."""
from __future__ import annotations

import asyncio
import io
import os
import re

import aiohttp
from sqlalchemy import select

from deskbot.app import service
from deskbot.demo.botapi import FakeTelegram
from deskbot.dispatch.config import load_config
from deskbot.storage.db import create_engine, session_factory
from deskbot.storage.models import WebLoginCode
from harness.form_post import free_port
from harness.mails import eventually
from harness.nginx import EXAMPLE, NGINX, Front, desk_behind, running_nginx, self_signed

SECRET = "proxied-webhook-secret_0123"
STRANGER = 4242
CLIENT = "127.0.0.3"  # the browser's address: nginx itself reaches deskbot from 127.0.0.1
CSP = "Content-Security-Policy"  # on every answer of deskbot's, never on nginx's own


async def test_the_example_proxy_serves_the_web_face_and_the_webhook(tmp_path):
    assert os.access(NGINX, os.X_OK), "nginx is missing: bash .ci/setup --test installs it (.ci/install-nginx)"
    front = Front(self_signed(tmp_path), free_port(), free_port())
    public, cert, web_port, hook_port = front.public, front.cert, free_port(), free_port()
    site = front.site(EXAMPLE.read_text(), {"127.0.0.1:8080": web_port, "127.0.0.1:8443": hook_port})
    db_url = f"sqlite+aiosqlite:///{tmp_path / 'desk.sqlite3'}"
    async with FakeTelegram(webhook_ssl=cert.trusted()) as fake:
        fake.add_user(STRANGER, "Eve")
        path = desk_behind(front, tmp_path / "config.toml", db_url, fake, web_port, hook_port, SECRET)
        stop = asyncio.Event()
        async with running_nginx(tmp_path / "nginx", site, front.tls):
            run = asyncio.create_task(service.run(load_config(path, environ={}), stop=stop))
            try:
                browser = aiohttp.TCPConnector(ssl=cert.trusted(), local_addr=(CLIENT, 0))
                async with aiohttp.ClientSession(connector=browser, cookie_jar=aiohttp.CookieJar(unsafe=True)) as web:
                    page = await _page_once_up(web, f"{public}/login")
                    await _web_face(web, public, page, db_url)
                    await _body_limit(web, public)
                await _webhook(fake, public)
                async with aiohttp.ClientSession() as http:  # plain HTTP is sent to HTTPS
                    async with http.get(f"http://127.0.0.1:{front.plain}/login", allow_redirects=False) as answer:
                        assert answer.status == 301 and answer.headers["Location"].startswith("https://127.0.0.1")
            finally:
                stop.set()
                await asyncio.wait_for(run, 30)


async def _page_once_up(web: aiohttp.ClientSession, url: str) -> str:
    async def page():  # nginx answers 502 until deskbot listens
        async with web.get(url) as answer:
            return await answer.text() if answer.status == 200 else None
    return await eventually(page, timeout=60, interval=0.1, what="the log-in page through nginx")


async def _web_face(web: aiohttp.ClientSession, public: str, page: str, db_url: str) -> None:
    """deskbot counts log-in codes per client address: the one nginx put last in X-Forwarded-For,
    not nginx's own, nor one the client wrote itself."""
    assert 'name="email"' in page
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    async with web.post(f"{public}/login", data={"csrf": csrf, "email": "ann@acme.example"},
                        headers={"X-Forwarded-For": "203.0.113.9"}) as answer:
        assert answer.status == 200 and "/login/code" in str(answer.url)
    engine = create_engine(db_url)
    try:
        async with session_factory(engine)() as session:
            assert list(await session.scalars(select(WebLoginCode.client))) == [CLIENT]
    finally:
        await engine.dispose()
    async with web.get(f"{public}/metrics") as answer:  # kept inside: nginx answers, deskbot never sees it
        assert answer.status == 404 and CSP not in answer.headers
    async with web.get(f"{public}/no-such-page") as answer:  # what deskbot's own 404 looks like
        assert answer.status == 404 and CSP in answer.headers


async def _body_limit(web: aiohttp.ClientSession, public: str) -> None:
    """A request form with attachments over [web] form_max_upload reaches deskbot (which says so on its
    page); a body past what deskbot would read stops at nginx."""
    async with web.post(f"{public}/new", data=_files(12)) as answer:
        assert answer.status == 403 and CSP in answer.headers  # deskbot's answer: no CSRF token in this form
    async with web.post(f"{public}/new", data=_files(22)) as answer:
        assert answer.status == 413 and CSP not in answer.headers


def _files(megabytes: int) -> aiohttp.FormData:
    form = aiohttp.FormData()
    form.add_field("file", io.BytesIO(bytes(megabytes << 20)), filename="scan.pdf", content_type="application/pdf")
    return form


async def _webhook(fake: FakeTelegram, public: str) -> None:
    """Telegram's updates come through nginx's TLS; one without the right secret is refused."""
    url = f"{public}/telegram"
    await fake.wait_for(lambda: fake.webhook.url == url, timeout=60, what="setWebhook to nginx's address")
    fake.user_command(STRANGER, "start")
    answer = await fake.wait_for_bot_message(STRANGER, text_contains=str(STRANGER), timeout=20)
    assert "ask an administrator" in answer.text
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=fake.webhook_ssl)) as http:
        for headers in ({"X-Telegram-Bot-Api-Secret-Token": "wrong"}, {}):
            async with http.post(url, json={"update_id": 99, "message": {}}, headers=headers) as refused:
                assert refused.status == 401
