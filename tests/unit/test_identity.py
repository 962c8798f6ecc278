"""A mail's key: the same mail (refetched, delivered twice) is one key; a mail reusing a Message-ID is another."""
from __future__ import annotations

import hashlib
import importlib.util
from pathlib import Path

import pytest

from deskbot.mailbox.identity import header_fields, mail_key, split_at

ROOT = Path(__file__).resolve().parents[2]
MAIL = ROOT / "tests" / "data" / "mail"

ITSM = (b"From: ITSM <itsm@vendor.test>\r\nTo: support@desk.test\r\n"
        b"Subject: Ticket INC-42 updated\r\nDate: Mon, 2 Nov 2026 09:00:00 +0000\r\n"
        b"Message-ID: <notification@itsm.vendor.test>\r\n\r\nStatus: Open\r\n")


def with_headers(raw: bytes, *lines: bytes) -> bytes:
    return b"".join(line + b"\r\n" for line in lines) + raw


def test_the_same_bytes_are_the_same_key_and_the_key_starts_with_the_message_id():
    assert mail_key(ITSM) == mail_key(bytes(ITSM))
    message_id, digest = mail_key(ITSM).split(" ")
    assert message_id == "notification@itsm.vendor.test"
    assert len(digest) == 64


def test_a_mail_delivered_twice_differs_only_in_trace_headers_and_is_the_same_mail():
    first = with_headers(ITSM, b"Return-Path: <itsm@vendor.test>", b"Delivered-To: support@desk.test",
                         b"Received: from mx1 by imap; Mon, 2 Nov 2026 09:00:01 +0000")
    second = with_headers(ITSM, b"Return-Path: <bounce+x@vendor.test>", b"Delivered-To: help@desk.test",
                          b"Received: from mx2 by imap;\r\n\tMon, 2 Nov 2026 09:00:07 +0000",
                          b"X-Spam-Status: No, score=0.1")
    assert mail_key(first) == mail_key(second) == mail_key(ITSM)


@pytest.mark.parametrize("change", [
    (b"Status: Open", b"Status: Done"),  # same length, other words: the body counts, not its size
    (b"Subject: Ticket INC-42 updated", b"Subject: Ticket INC-43 updated"),
    (b"09:00:00", b"09:05:00"),
    (b"From: ITSM <itsm@vendor.test>", b"From: ITSM <itsm@other.test>"),
])
def test_a_different_mail_reusing_the_message_id_is_another_mail(change):
    other = ITSM.replace(*change)
    assert other != ITSM
    assert mail_key(other) != mail_key(ITSM)
    assert mail_key(other).split(" ")[0] == mail_key(ITSM).split(" ")[0]  # the same Message-ID


def test_folding_and_trailing_blank_lines_do_not_make_another_mail():
    folded = ITSM.replace(b"Subject: Ticket INC-42 updated", b"Subject: Ticket\r\n   INC-42   updated")
    assert mail_key(folded) == mail_key(ITSM + b"\r\n\r\n") == mail_key(ITSM)


def test_a_mail_with_bare_line_feeds_has_a_key_of_its_own_kind():
    lf = ITSM.replace(b"\r\n", b"\n")
    assert mail_key(lf).split(" ")[0] == "notification@itsm.vendor.test"
    assert mail_key(lf.replace(b"Open", b"Done")) != mail_key(lf)


def test_mail_without_message_id_has_a_digest_and_is_the_same_when_delivered_twice():
    raw = (MAIL / "no_message_id.eml").read_bytes()
    key = mail_key(raw)
    assert key.startswith("no-id:") and len(key) == len("no-id:") + 64
    assert mail_key(with_headers(raw, b"Received: from mx2; Wed, 4 Nov 2026 15:10:09 +0000")) == key
    assert mail_key(raw.replace(b"A mail without", b"Another mail without")) != key


def test_without_a_date_only_the_same_bytes_are_the_same_mail():
    alert = b"From: cron@host.test\r\nSubject: Disk full\r\n\r\n/var is 100% full\r\n"
    assert mail_key(alert) == mail_key(alert)
    # Two identical alerts an hour apart, or one alert delivered twice: told apart, never lost.
    later = with_headers(alert, b"Received: from host; Mon, 2 Nov 2026 10:00:00 +0000")
    assert mail_key(later) != mail_key(alert)


@pytest.mark.parametrize("message_id", ["x" * 901 + "@host", "тикет@host", "a\x00b@host", "a\x7fb@host"])
def test_long_or_unprintable_message_ids_are_hashed_into_the_key(message_id):
    raw = f"From: a@b.test\r\nDate: Mon, 2 Nov 2026 09:00:00 +0000\r\nMessage-ID: <{message_id}>\r\n\r\nHi".encode()
    id_part, digest = mail_key(raw).split(" ")
    assert id_part == "sha256-id:" + hashlib.sha256(message_id.encode()).hexdigest()
    assert len(mail_key(raw)) < 998  # the column


@pytest.mark.parametrize("raw", [b"", b"\r\n\r\n", bytes(range(256)) * 64, b"\x00" * 1000, b"no colon at all",
                                 b"Message-ID: <\xff\xfe@x>\nDate: \xff\n\n\xff"])
def test_garbage_has_a_key_and_never_raises(raw):
    assert mail_key(raw)
    assert mail_key(raw) == mail_key(bytes(raw))


def test_the_first_field_of_a_name_counts_and_folded_lines_belong_to_it():
    raw = b"Subject: one\r\n two\r\nsubject: three\r\nX-Date: no\r\nX-Other:\r\n four\r\n\r\nbody\r\n"
    head_end, body_start = split_at(raw)
    assert header_fields(raw[:head_end]) == {b"subject": b"one two"}
    assert raw[body_start:] == b"body\r\n"
    assert split_at(b"\nbody") == (0, 1)
    assert split_at(b"A: b") == (4, 4)
    assert split_at(b"A: b\n\nc\r\n\r\nd") == (4, 6)  # whichever empty line comes first


def test_the_migration_keeps_a_frozen_copy_of_the_rule():
    """Migration 0007 recomputed stored keys with its own copy: if the rule changes, a new migration must too."""
    spec = importlib.util.spec_from_file_location("m0007", ROOT / "storage/migrations/versions/0007_mail_keys.py")
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    corpus_spec = importlib.util.spec_from_file_location("bench_corpus", ROOT / "benchmarks" / "corpus.py")
    corpus = importlib.util.module_from_spec(corpus_spec)
    corpus_spec.loader.exec_module(corpus)
    raws = [p.read_bytes() for p in sorted(MAIL.glob("*.eml"))] + list(corpus.make_corpus(300))
    raws += [ITSM, b"", bytes(range(256)) * 4, b"Message-ID: <" + b"x" * 950 + b">\n\nHi"]
    assert [migration.new_key(raw) for raw in raws] == [mail_key(raw) for raw in raws]
