"""Run the fake on its own, for tests that drive a ``deskbot run`` subprocess:

    python -m deskbot.demo.botapi --port 8081 [--token 123:ABC] [--no-limits]

It prints
``READY http://127.0.0.1:8081`` once listening and stops on SIGTERM/SIGINT.
Drive it with the HTTP control API under /_control/.
"""
from __future__ import annotations

import argparse
import asyncio
import signal

from . import DEFAULT_TOKEN, FakeTelegram, Limit, RateLimits


def _limit(text: str) -> Limit | None:
    """'30/1' -> Limit(30, 1.0); 'off' -> None."""
    if text == "off":
        return None
    count, _, period = text.partition("/")
    return Limit(int(count), float(period or 1))


async def _serve(args: argparse.Namespace) -> None:
    limits = RateLimits.off() if args.no_limits else RateLimits(
        overall=_limit(args.overall), per_chat=_limit(args.per_chat), per_group=_limit(args.per_group))
    fake = FakeTelegram(args.token, limits=limits, bot_username=args.username,
                        strict_ampersand=not args.lenient_ampersand)
    await fake.start(args.host, args.port)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    print(f"READY {fake.url}", flush=True)
    try:
        await stop.wait()
    finally:
        await fake.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m deskbot.demo.botapi", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0: any free port (see the READY line)")
    parser.add_argument("--token", default=DEFAULT_TOKEN)
    parser.add_argument("--username", default="deskbot_test_bot", help="the bot's username")
    parser.add_argument("--overall", default="30/1", help="messages/seconds for the whole bot, or off")
    parser.add_argument("--per-chat", default="3/3", help="messages/seconds per chat, or off")
    parser.add_argument("--per-group", default="20/60", help="messages/seconds per group, or off")
    parser.add_argument("--no-limits", action="store_true", help="no flood control at all")
    parser.add_argument("--lenient-ampersand", action="store_true",
                        help="accept a bare '&' in HTML text, as Telegram does")
    asyncio.run(_serve(parser.parse_args(argv)))


if __name__ == "__main__":
    main()
