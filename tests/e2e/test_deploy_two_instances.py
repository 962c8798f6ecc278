"""The two-instance layout of deploy/README.md: its nginx upstreams in the example site, two `deskbot run`
processes on one PostgreSQL database behind them. Both take pages and webhook updates; when one is
killed, nginx keeps the desk answering through the other."""
from __future__ import annotations

import asyncio
import re
import signal
import sys
from pathlib import Path

import aiohttp
import pytest

from deskbot.demo.botapi import FakeTelegram
from harness.form_post import free_port
from harness.mails import eventually
from harness.nginx import EXAMPLE, Front, desk_behind, listens, running_nginx, self_signed
from harness.service_run import DESKBOT

pytestmark = pytest.mark.postgres
README = EXAMPLE.parent / "README.md"
SECRET = "two-instances-webhook_0123"
STRANGER = 4242
A, B = "10.0.0.11", "10.0.0.12"  # the instances' addresses in the README


def two_instance_site(front: Front, ports: dict[str, int]) -> str:
    """The example site with the README's upstreams in place of its own."""
    upstreams = re.search(r"```nginx\n(.*?)```", README.read_text(), re.DOTALL).group(1)
    own = re.compile(r"upstream deskbot_web \{.*?\n\}\nupstream deskbot_webhook \{.*?\n\}\n", re.DOTALL)
    example = EXAMPLE.read_text()
    assert own.search(example), "deploy/nginx.conf no longer has its two upstreams"
    return front.site(own.sub(lambda _: upstreams, example), ports)


async def test_two_instances_behind_the_proxy_and_one_dies(tmp_path, pg_url):
    front = Front(self_signed(tmp_path), free_port(), free_port())
    web = {A: free_port(), B: free_port()}
    hook = {A: free_port(), B: free_port()}
    site = two_instance_site(front, {f"{a}:8080": web[a] for a in web} | {f"{a}:8443": hook[a] for a in hook})
    async with FakeTelegram(webhook_ssl=front.cert.trusted()) as fake:
        fake.add_user(STRANGER, "Eve")
        configs = {}
        for a in (A, B):
            (tmp_path / a).mkdir()  # each its own folder: the pipe's socket is beside the config
            configs[a] = desk_behind(front, tmp_path / a / "config.toml", pg_url, fake, web[a], hook[a], SECRET)
        async with running_nginx(tmp_path / "nginx", site, front.tls) as access:
            first = await _instance(configs[A], web[A], hook[A])  # one at a time: the first migrates the database
            second = await _instance(configs[B], web[B], hook[B])
            try:
                await fake.wait_for(lambda: fake.webhook.url == f"{front.public}/telegram", timeout=30,
                                    what="setWebhook to nginx's address")
                async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=front.cert.trusted())) as http:
                    await _pages(http, front, 4)
                    await _updates(fake, 4)
                    assert _served(access, "/login") == {web[A], web[B]}, access.read_text()  # round robin
                    assert _served(access, "/telegram") == {hook[A], hook[B]}, access.read_text()
                    first.send_signal(signal.SIGKILL)
                    await first.wait()
                    killed = len(access.read_text().splitlines())
                    await _pages(http, front, 3)
                    await _updates(fake, 3)
                    assert _served(access, "/login", since=killed) == {web[B]}, access.read_text()
                    assert _served(access, "/telegram", since=killed) == {hook[B]}, access.read_text()
            except BaseException:
                for a in (A, B):
                    print(f"--- {a}\n" + (configs[a].parent / "deskbot.log").read_text(errors="replace")[-3000:],
                          file=sys.stderr)
                raise
            finally:
                for proc in (first, second):
                    if proc.returncode is None:
                        proc.send_signal(signal.SIGTERM)
                        await asyncio.wait_for(proc.wait(), 30)
            log = (configs[B].parent / "deskbot.log").read_text(errors="replace")
            assert second.returncode == 0 and "Traceback" not in log, log[-3000:]


async def _instance(config: Path, web_port: int, hook_port: int) -> asyncio.subprocess.Process:
    """`deskbot run` as systemd starts it, ready once both its listeners take connections."""
    with (config.parent / "deskbot.log").open("ab") as out:
        proc = await asyncio.create_subprocess_exec(DESKBOT, "run", "-c", str(config), cwd=config.parent,
                                                    stdout=out, stderr=out)

    async def listening() -> bool:
        assert proc.returncode is None, (config.parent / "deskbot.log").read_text(errors="replace")
        return await listens(web_port) and await listens(hook_port)
    await eventually(listening, timeout=90, interval=0.1, what=f"deskbot from {config} listening")
    return proc


async def _pages(http: aiohttp.ClientSession, front: Front, count: int) -> None:
    for _ in range(count):
        async with http.get(f"{front.public}/login") as answer:
            assert answer.status == 200 and 'name="email"' in await answer.text()


async def _updates(fake: FakeTelegram, count: int) -> None:
    """`count` more /start from a stranger, each answered (Telegram delivers again what was not taken)."""
    answered = len(fake.bot_messages(STRANGER))
    for n in range(1, count + 1):
        fake.user_command(STRANGER, "start")
        await fake.wait_for_bot_message(STRANGER, count=answered + n, timeout=30)


def _served(access: Path, path: str, since: int = 0) -> set[int]:
    """The ports of the upstream servers that answered `path` with 200 in the access log from line `since`
    (the last one a line names: nginx lists those it tried)."""
    ports = set()
    for line in access.read_text().splitlines()[since:]:
        _, uri, status, upstreams = line.split(" ", 3)
        if uri == path and status == "200":
            ports.add(int(upstreams.split(", ")[-1].rsplit(":", 1)[1]))
    return ports
