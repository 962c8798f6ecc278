"""`deskbot run` serves the web face when web.listen is set, and keeps its cookie key in the database."""
import asyncio
import socket

import aiohttp
from sqlalchemy import select

from deskbot.app import service
from deskbot.dispatch.config import load_config
from deskbot.storage.db import session_factory
from deskbot.storage.models import WebSetting
from harness.desk import write_config


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


async def test_deskbot_run_serves_the_web_face(tmp_path, dovecot):
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
