"""Several `deskbot run` processes sharing one PostgreSQL database, Telegram in webhook mode behind
a load balancer (harness/balancer.py), the prompts under way in Redis: each instance has its own
folder, config and log, and listens on its own port."""
from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from pathlib import Path

from harness.desk import dispatch_sections, write_config
from harness.mails import eventually
from harness.service_run import DANA, DESKBOT, DISPATCHERS, SAM
from harness.smtp import smtp_section

SECRET = "cluster-webhook-secret_0123"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Instance:
    def __init__(self, name: str, folder: Path) -> None:
        self.name, self.folder = name, folder
        folder.mkdir(parents=True, exist_ok=True)
        self.config, self.log = folder / "config.toml", folder / "deskbot.log"
        self.port = _free_port()
        self.listen = f"http://127.0.0.1:{self.port}"
        self.proc: asyncio.subprocess.Process | None = None

    def write_config(self, dovecot, db_url: str, fake, smtp, webhook_url: str, fsm: str) -> None:
        write_config(self.config, dovecot, db_url)
        telegram = dispatch_sections(fake.token, fake.url, DISPATCHERS, DANA, "1h", specialist_id=SAM).replace(
            f"dispatcher_chat_id = {DISPATCHERS}\n",
            f'dispatcher_chat_id = {DISPATCHERS}\nmode = "webhook"\nwebhook_url = "{webhook_url}"\n'
            f'webhook_listen = "127.0.0.1:{self.port}"\nwebhook_secret = "{SECRET}"\nfsm = "{fsm}"\n')
        self.config.write_text(self.config.read_text() + telegram + smtp_section(smtp, dovecot.user))

    def text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    async def start(self) -> None:
        with self.log.open("ab") as out:
            self.proc = await asyncio.create_subprocess_exec(DESKBOT, "run", "-c", str(self.config),
                                                             cwd=self.folder, stdout=out, stderr=out)
        await self.says("webhook mode: listening", timeout=90)

    async def says(self, line: str, timeout: float = 20) -> None:
        def said() -> bool:
            if self.proc is not None and self.proc.returncode is not None:
                raise AssertionError(f"{self.name} exited ({self.proc.returncode}):\n{self.text()[-3000:]}")
            return line in self.text()
        await eventually(said, timeout=timeout, interval=0.05, what=f"{self.name} to log {line!r}")

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)

    async def stop(self) -> int | None:
        """SIGTERM (when still running); the exit code."""
        if self.proc is None:
            return None
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
        return await asyncio.wait_for(self.proc.wait(), 30)

    def tail(self) -> str:
        return f"--- {self.name} ---\n{self.text()[-4000:]}"


async def stop_all(instances: list[Instance]) -> dict[str, int | None]:
    codes = {}
    for instance in instances:
        try:
            codes[instance.name] = await instance.stop()
        except Exception:  # noqa: BLE001 - the others must stop too
            codes[instance.name] = None
    return codes


def print_logs(instances: list[Instance]) -> None:
    for instance in instances:
        print(instance.tail(), file=sys.stderr)


async def tapped(fake, user: int, chat: int, message_id: int, button: str) -> int:
    """`user` taps the button once it is shown; the id of the update that carried the tap."""
    await fake.wait_for(lambda: any(b["text"] == button for b in fake.message(chat, message_id).buttons()),
                        timeout=20, what=f"the button {button!r}")
    query = fake.press_button(user, chat, message_id, text=button)
    await fake.wait_for(lambda: fake.callback_answer(query), timeout=20, what=f"the answer to {button!r}")
    return await delivered(fake, lambda u: u.get("callback_query", {}).get("id") == query)


async def typed(fake, user: int, text: str) -> int:
    """`user` writes `text` in their private chat; the id of the update that carried it, once taken."""
    fake.user_message(user, text)
    return await delivered(fake, lambda u: u.get("message", {}).get("text") == text)


async def delivered(fake, which) -> int:
    """The id of the update the webhook took that `which` picks, once taken."""
    def taken():
        return next((u["update_id"] for u in fake.webhook.delivered if which(u)), None)
    return await eventually(taken, timeout=20, what="the update delivered")


def redis_url() -> str:
    """A Redis database of this test worker's own: the tests share the bot's id and its people, so two
    tests on parallel workers would otherwise read each other's prompts (aiogram keys them fsm:BOT:CHAT:USER)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    return f"redis://127.0.0.1:6379/{1 + int(worker.removeprefix('gw') or 0) % 15}"


async def forget_prompts(redis_url: str, bot_id: int) -> None:
    """The test's aiogram FSM keys in the shared Redis (aiogram's RedisStorage names them fsm:BOT:...)."""
    import redis.asyncio as redis

    client = redis.from_url(redis_url)
    try:
        keys = [key async for key in client.scan_iter(f"fsm:{bot_id}:*")]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()
