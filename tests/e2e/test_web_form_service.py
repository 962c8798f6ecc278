"""`deskbot run` takes requests on its web form: the acknowledgement leaves at once, woken as for mail."""
import asyncio
import re
import socket

import aiohttp

from deskbot.app import service
from deskbot.dispatch.config import load_config
from harness.mails import eventually
from harness.pipe import pipe_config
from harness.smtp import smtp_section


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def test_a_form_request_is_acknowledged_by_the_running_service(tmp_path, smtp_sink, monkeypatch):
    monkeypatch.setattr(service, "OUTBOX_SWEEP_EVERY", 3600.0)  # only the intake's wake can send it in time
    port = _free_port()
    path = pipe_config(tmp_path / "config.toml", f"sqlite+aiosqlite:///{tmp_path / 'desk.sqlite3'}",
                       extra=smtp_section(smtp_sink, "support@desk.example") + f'[web]\nlisten = "127.0.0.1:{port}"\n')
    stop = asyncio.Event()
    run = asyncio.create_task(service.run(load_config(path, environ={}), stop=stop))
    try:
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as client:
            page = await eventually_page(client, f"http://127.0.0.1:{port}/new")
            csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
            form = aiohttp.FormData({"csrf": csrf, "name": "Kim", "email": "kim@acme.example", "subject": "No VPN",
                                     "text": "The VPN does not connect since this morning."})
            async with client.post(f"http://127.0.0.1:{port}/new", data=form) as response:
                sent = await response.text()
                assert response.status == 200, sent
        number = re.search(r"ticket #(\d+)", sent).group(1)
        await eventually(lambda: smtp_sink.received, timeout=20, what="the acknowledgement at the SMTP server")
        assert smtp_sink.received[0].rcpt_to == ["kim@acme.example"]
        assert f"[#{number}]" in smtp_sink.received[0].message["Subject"]
    finally:
        stop.set()
        await asyncio.wait_for(run, 30)


async def eventually_page(client: aiohttp.ClientSession, url: str, timeout: float = 30) -> str:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        try:
            async with client.get(url) as response:
                return await response.text()
        except aiohttp.ClientConnectionError:
            if loop.time() > deadline:
                raise
            await asyncio.sleep(0.1)  # the service is still starting: poll until it answers or time is up
