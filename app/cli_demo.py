"""`deskbot demo [--port N] [--dir PATH]`: the whole product on this machine, in a browser (demo/)."""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from pathlib import Path

DEFAULT_DIR = "deskbot-demo"
DEFAULT_PORT = 8765


def add_command(commands) -> None:
    demo = commands.add_parser("demo", help="try deskbot in a browser: no mailbox, no bot token needed")
    demo.add_argument("--port", type=int, default=DEFAULT_PORT,
                      help=f"the page's port on 127.0.0.1 (default {DEFAULT_PORT}; 0: any free port)")
    demo.add_argument("--dir", default=DEFAULT_DIR,
                      help=f"the demo's own folder: config, SQLite database, attachments (default ./{DEFAULT_DIR})")
    demo.add_argument("--lang", choices=["en", "ru"], default="en", help="the language it starts in")


def run(args: argparse.Namespace) -> int:
    from deskbot.app.logs import setup_logging

    setup_logging("WARNING", [])  # the page is the demo's output; problems still show
    try:
        return asyncio.run(_serve(Path(args.dir), args.port, args.lang))
    except KeyboardInterrupt:
        return 130


async def _serve(folder: Path, port: int, lang: str) -> int:
    from deskbot.demo.folder import FolderNotOurs, fresh_folder

    try:
        fresh_folder(folder)  # a wrong folder is told before the service is imported (seconds on a slow machine)
    except (FolderNotOurs, OSError) as exc:
        print(f"deskbot demo: {exc}", file=sys.stderr)
        return 2
    from deskbot.demo.desk import Demo

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    demo = Demo(folder, port=port, lang=lang)
    try:
        await demo.start()
    except OSError as exc:  # the port is taken
        await demo.stop()
        print(f"deskbot demo: cannot listen on 127.0.0.1:{port}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    try:
        print(f"deskbot demo: open {demo.url} in a browser (Ctrl+C stops it; its files are in {demo.folder})",
              flush=True)
        await stop.wait()
    finally:
        await demo.stop()
    return 0
