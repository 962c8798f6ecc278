"""`deskbot demo` as a newcomer starts it: a process on a free port, in a folder of its own.
The browser tests open the address it prints."""
from __future__ import annotations

import re
import signal
import subprocess
import sys
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

DESKBOT = str(Path(sys.executable).parent / "deskbot")
ADDRESS = re.compile(r"http://127\.0\.0\.1:\d+/?")
START_TIMEOUT = 90  # seconds: importing the service takes ~5 s on an idle slow machine, far more on a busy one


@contextmanager
def deskbot_demo(folder: Path, *args: str) -> Iterator[str]:
    """The page's address while `deskbot demo --port 0 --dir folder` runs; its output on failure."""
    process = subprocess.Popen([DESKBOT, "demo", "--port", "0", "--dir", str(folder), *args],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    output: list[str] = []
    found = threading.Event()

    def read() -> None:  # a thread: the pipe must keep draining while the test runs
        for line in process.stdout:
            output.append(line)
            if ADDRESS.search(line):
                found.set()
        found.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        if not found.wait(START_TIMEOUT) or process.poll() is not None:
            raise AssertionError(f"`deskbot demo` printed no address within {START_TIMEOUT}s:\n{''.join(output)}")
        yield ADDRESS.search("".join(output)).group(0).rstrip("/")
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        reader.join(5)
        process.stdout.close()
        sys.stdout.write("".join(output))  # shown by pytest when the test failed
