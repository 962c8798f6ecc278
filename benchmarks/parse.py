"""Parse throughput on one core: `parse_mail` against the standard library's own walks.

    .venv/bin/python benchmarks/parse.py [N]

The two standard-library rows are what a parser costs before it decodes
anything itself; they are why `parse_mail` is built on compat32.
"""
from __future__ import annotations

import argparse
import email
import email.policy
import time
from collections.abc import Callable

from corpus import make_corpus

from deskbot.mailbox.parse import parse_mail


def default_policy_walk(raw: bytes) -> None:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    for name in ("From", "To", "Subject", "Date", "Message-ID"):
        message.get(name)
    body = message.get_body(("plain", "html"))
    if body is not None:
        body.get_content()
    for attachment in message.iter_attachments():
        attachment.get_content()


def compat32_walk(raw: bytes) -> None:
    message = email.message_from_bytes(raw, policy=email.policy.compat32)
    for name in ("From", "To", "Subject", "Date", "Message-ID"):
        message.get(name)
    for part in message.walk():
        if not part.is_multipart():
            part.get_payload(decode=True)


def throughput(parse: Callable[[bytes], object], raws: list[bytes]) -> float:
    for raw in raws[:50]:  # warm caches and lazy imports
        parse(raw)
    start = time.perf_counter()
    for raw in raws:
        parse(raw)
    return len(raws) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=3000, help="mails in the corpus")
    n = parser.parse_args().n
    start = time.perf_counter()
    raws = list(make_corpus(n))
    built = time.perf_counter() - start
    print(f"{n} mails, {sum(map(len, raws)) / n / 1024:.1f} KB on average, built in {built:.2f} s")
    for name, parse in (("email, policy.default + get_body/get_content", default_policy_walk),
                        ("email, policy.compat32 + get_payload(decode=True)", compat32_walk),
                        ("deskbot parse_mail", parse_mail)):
        print(f"{name:52} {throughput(parse, raws):8.0f} mails/s")


if __name__ == "__main__":
    main()
