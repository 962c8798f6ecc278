"""The request form of a running `deskbot run`, filled in over HTTP as a browser would post it."""
from __future__ import annotations

import asyncio
import re
import socket

import aiohttp


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


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


async def post_request(port: int, fields: dict[str, str]) -> tuple[int, str]:
    """Open /new once the service answers, then send `fields` with the page's CSRF token; the answer."""
    url = f"http://127.0.0.1:{port}/new"
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as client:
        page = await eventually_page(client, url)
        csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
        async with client.post(url, data=aiohttp.FormData({"csrf": csrf, **fields})) as response:
            return response.status, await response.text()
