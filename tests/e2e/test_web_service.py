"""`deskbot run` serves the web face when web.listen is set, and keeps its cookie key in the database."""
import asyncio
import re
import socket
from datetime import datetime, timezone

import aiohttp
from sqlalchemy import select

from deskbot.app import service
from deskbot.dispatch.config import load_config
from deskbot.storage.db import session_factory
from deskbot.storage.models import Customer, WebSetting
from harness.desk import write_config
from harness.mails import eventually
from harness.pipe import pipe_config
from harness.service_run import record_schedulers
from harness.smtp import smtp_section


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def _get(url: str, timeout: float = 30) -> tuple[int, dict, str]:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    async with aiohttp.ClientSession() as client:
        while True:
            try:
                async with client.get(url) as response:
                    return response.status, dict(response.headers), await response.text()
            except aiohttp.ClientConnectionError:
                if loop.time() > deadline:
                    raise
                await asyncio.sleep(0.1)  # the service is still starting: poll until it answers or time is up


async def test_deskbot_run_serves_the_web_face(tmp_path, dovecot, monkeypatch):
    made = record_schedulers(monkeypatch)
    port = _free_port()
    path = write_config(tmp_path / "config.toml", dovecot, f"sqlite+aiosqlite:///{tmp_path / 'desk.sqlite3'}")
    path.write_text(path.read_text() + f'\n[web]\nlisten = "127.0.0.1:{port}"\n')
    config = load_config(path, environ={})
    stop = asyncio.Event()
    run = asyncio.create_task(service.run(config, stop=stop))
    try:
        status, headers, page = await _get(f"http://127.0.0.1:{port}/login")
        assert status == 200 and 'name="email"' in page
        assert "default-src 'self'" in headers["Content-Security-Policy"]
        assert (await _get(f"http://127.0.0.1:{port}/static/deskbot.css"))[0] == 200
        [scheduler] = made  # the web face's leftovers are swept hourly, like the other periodic passes
        await eventually(lambda: scheduler.get_job("web sweep"), timeout=10, what="the web sweep scheduled")
        assert scheduler.get_job("web sweep").trigger.interval.total_seconds() == service.WEB_SWEEP_EVERY
    finally:
        stop.set()
        await asyncio.wait_for(run, 30)
    engine = await service.prepare_database(config)
    try:
        async with session_factory(engine)() as session:
            key = await session.scalar(select(WebSetting.value).where(WebSetting.key == "cookie_key"))
        assert key is not None and len(bytes.fromhex(key)) == 32
    finally:
        await engine.dispose()
    with socket.socket() as probe:  # the port is free again: the server stopped with the service
        probe.bind(("127.0.0.1", port))


async def test_a_log_in_code_mail_leaves_at_once_not_at_the_next_mail_sweep(tmp_path, smtp_sink, monkeypatch):
    """The web face wakes the running service's mail sender: with the sweep an hour apart, only the wake sends it."""
    monkeypatch.setattr(service, "OUTBOX_SWEEP_EVERY", 3600.0)
    port = _free_port()
    path = pipe_config(tmp_path / "config.toml", f"sqlite+aiosqlite:///{tmp_path / 'desk.sqlite3'}",
                       extra=smtp_section(smtp_sink, "support@desk.example")
                       + f'[web]\nlisten = "127.0.0.1:{port}"\ncustomers = "all"\n')
    config = load_config(path, environ={})
    engine = await service.prepare_database(config)
    try:
        async with session_factory(engine).begin() as session:
            session.add(Customer(email="ann@acme.example", name="Ann", created_at=datetime.now(timezone.utc)))
    finally:
        await engine.dispose()
    stop = asyncio.Event()
    run = asyncio.create_task(service.run(config, stop=stop))
    try:
        assert (await _get(f"http://127.0.0.1:{port}/login"))[0] == 200  # once the service answers
        # unsafe: the jar keeps the cookie (to which the CSRF token is bound) of an IP address
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as client:
            async with client.get(f"http://127.0.0.1:{port}/login") as response:
                csrf = re.search(r'name="csrf" value="([^"]+)"', await response.text()).group(1)
            async with client.post(f"http://127.0.0.1:{port}/login", data={"csrf": csrf, "email": "ann@acme.example"},
                                   allow_redirects=False) as response:
                assert response.status == 303
        await eventually(lambda: smtp_sink.received, timeout=20, what="the code mail at the SMTP server")
        assert smtp_sink.received[0].rcpt_to == ["ann@acme.example"]
    finally:
        stop.set()
        await asyncio.wait_for(run, 30)
