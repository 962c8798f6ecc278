"""The benchmark corpus is deterministic, has the mix it promises, and parses cleanly."""
from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

from deskbot.mailbox.parse import parse_mail

CORPUS_FILE = Path(__file__).resolve().parents[2] / "benchmarks" / "corpus.py"


def load_corpus_module():
    spec = importlib.util.spec_from_file_location("benchmark_corpus", CORPUS_FILE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


corpus = load_corpus_module()


@pytest.fixture(scope="module")
def raws():
    return list(corpus.make_corpus(1000))


@pytest.fixture(scope="module")
def mails(raws):
    return [parse_mail(raw) for raw in raws]


def test_same_seed_same_bytes():
    assert list(corpus.make_corpus(50, seed=7)) == list(corpus.make_corpus(50, seed=7))
    assert list(corpus.make_corpus(50, seed=7)) != list(corpus.make_corpus(50, seed=8))


def test_every_mail_parses_cleanly(mails):
    assert [(m.key, m.problems) for m in mails if m.sender is None or m.problems or not m.key.startswith(f"{m.message_id} ")] == []
    assert len({m.key for m in mails}) == len(mails)


def test_replies_answer_earlier_mails_of_the_corpus(mails):
    seen: set[str] = set()
    for mail in mails:
        assert set(mail.in_reply_to) <= seen
        seen.add(mail.message_id)


def test_the_mix(raws, mails):
    def share(predicate, items=mails) -> float:
        return sum(1 for item in items if predicate(item)) / len(items)

    assert 0.20 <= share(lambda m: m.in_reply_to) <= 0.30
    assert 0.05 <= share(lambda m: re.search(r"\[#\d+\]", m.subject)) <= 0.20
    assert 0.10 <= share(lambda raw: b"Content-Type: text/html" in raw, raws) <= 0.20
    assert 0.03 <= share(lambda m: m.from_html) <= 0.08  # the others have a plain text part
    assert 0.07 <= share(lambda m: m.attachments) <= 0.13
    assert 0.15 <= share(lambda m: re.search("[а-яё]", m.text)) <= 0.25
    assert 0.01 <= share(lambda m: m.auto) <= 0.05
    assert 0.15 <= share(lambda m: m.sender.domain in corpus.FREE_MAIL) <= 0.35
    assert len({m.sender.domain for m in mails}) > 200
    assert all(5_000 <= a.size <= 50_010 for m in mails for a in m.attachments)
