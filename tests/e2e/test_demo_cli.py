"""`deskbot demo` as a newcomer runs it: no config file, one line with the address, a clean stop."""
from __future__ import annotations

import asyncio
import re
import signal

import aiohttp

from harness.service_run import DESKBOT, deskbot


async def test_the_demo_starts_serves_and_stops(tmp_path):
    process = await asyncio.create_subprocess_exec(
        DESKBOT, "demo", "--port", "0", "--dir", str(tmp_path / "demo"), cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        line = (await asyncio.wait_for(process.stdout.readline(), 90)).decode()
        url = re.search(r"http://127\.0\.0\.1:\d+/", line)
        assert url, line
        async with aiohttp.ClientSession() as http, http.get(url.group(0) + "api/state") as response:
            state = await response.json()
        assert state["dispatcher_chat"]["chat_id"] == -100 and len(state["staff"]) == 4
        assert (tmp_path / "demo" / "deskbot.sqlite3").exists() and not (tmp_path / "config.toml").exists()
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, stderr.decode()
    assert "Traceback" not in stderr.decode()


def test_a_folder_of_other_files_is_left_alone(tmp_path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("mine")
    done = deskbot("demo", "--port", "0", "--dir", str(tmp_path / "mine"), cwd=tmp_path)
    assert done.returncode == 2 and "not the demo's" in done.stderr
    assert [p.name for p in (tmp_path / "mine").iterdir()] == ["notes.txt"]
