"""Attachments: names only for display, files under content addresses, a size cap."""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from deskbot.mailbox.attachments import safe_filename, save_attachment
from deskbot.mailbox.inbound import ParseOptions
from deskbot.mailbox.parse import parse_mail

MAIL = Path(__file__).resolve().parents[1] / "data" / "mail"
PDF = b"%PDF-1.4\n%\xc7\xec\x8f\xa2\n"


@pytest.mark.parametrize("name, content_type, shown", [
    ("../../etc/passwd", "text/plain", "passwd"),
    ("C:\\x\\evil.exe", "application/octet-stream", "evil.exe"),
    ("evil\x00.exe\n.txt", "text/plain", "evil.exe.txt"),
    ("line\nbreak.txt", "text/plain", "line break.txt"),
    ("invoice\u202efdp.exe", "application/pdf", "invoicefdp.exe"),  # no right-to-left trick
    ("what?<now>.txt", "text/plain", "what__now_.txt"),
    ("отчёт.pdf", "application/pdf", "отчёт.pdf"),
    ("CON.txt", "text/plain", "_CON.txt"),
    ("nul.tar.gz", "application/gzip", "_nul.tar.gz"),
    ("  .hidden  ", "text/plain", "hidden"),
    ("..", "application/pdf", "attachment.pdf"),
    ("", "image/png", "attachment.png"),
    (None, "image/jpeg", "attachment.jpg"),
    (None, "text/calendar", "attachment.ics"),
    (None, "application/x-unknown", "attachment"),
    ("a" * 300 + ".pdf", "application/pdf", "a" * 251 + ".pdf"),
    ("я" * 200 + ".pdf", "application/pdf", "я" * 125 + ".pdf"),  # 255 bytes of UTF-8 at most
])
def test_safe_filename(name, content_type, shown):
    assert safe_filename(name, content_type) == shown


def test_attachment_is_stored_under_its_content_address(tmp_path):
    digest = hashlib.sha256(PDF).hexdigest()

    attachment = save_attachment(PDF, "invoice.pdf", "application/pdf", ParseOptions(str(tmp_path)))

    assert attachment.sha256 == digest
    assert attachment.stored_path == f"{digest[:2]}/{digest}"
    assert attachment.skipped_reason is None
    assert (tmp_path / attachment.stored_path).read_bytes() == PDF
    assert os.listdir(tmp_path / digest[:2]) == [digest]  # no temporary file left behind


def test_storing_the_same_content_again_leaves_the_file_alone(tmp_path):
    options = ParseOptions(str(tmp_path))
    first = save_attachment(PDF, "invoice.pdf", "application/pdf", options)
    before = os.stat(tmp_path / first.stored_path)

    again = save_attachment(PDF, "other-name.pdf", "application/pdf", options)

    after = os.stat(tmp_path / again.stored_path)
    assert again.stored_path == first.stored_path
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_attachment_over_the_size_cap_is_listed_but_not_stored(tmp_path):
    attachment = save_attachment(b"x" * 2000, "big.bin", "application/octet-stream",
                                 ParseOptions(str(tmp_path), max_attachment_size=1000))

    assert (attachment.size, attachment.stored_path) == (2000, None)
    assert attachment.skipped_reason == "over the size cap (2000 > 1000 bytes)"
    assert attachment.sha256 == hashlib.sha256(b"x" * 2000).hexdigest()
    assert list(tmp_path.iterdir()) == []


def test_nothing_is_written_without_an_attachments_folder():
    attachment = save_attachment(PDF, "invoice.pdf", "application/pdf", ParseOptions())

    assert (attachment.stored_path, attachment.skipped_reason) == (None, None)
    assert attachment.sha256 == hashlib.sha256(PDF).hexdigest()


def test_a_folder_we_cannot_write_to_is_a_reason_not_an_error(tmp_path):
    not_a_folder = tmp_path / "file"
    not_a_folder.write_bytes(b"")

    attachment = save_attachment(PDF, "invoice.pdf", "application/pdf", ParseOptions(str(not_a_folder)))

    assert attachment.stored_path is None
    assert attachment.skipped_reason == "not saved: Not a directory"


def test_hostile_names_in_a_real_mail():
    mail = parse_mail((MAIL / "hostile_names.eml").read_bytes())

    assert [(a.filename, a.content_type) for a in mail.attachments] == [
        ("passwd", "text/plain"),
        ("evil.exe", "application/octet-stream"),
        ("evil.exe.txt", "application/octet-stream"),
        ("отчёт.pdf", "application/pdf"),  # RFC 2231
        ("Счёт № 12.xls", "application/vnd.ms-excel"),  # RFC 2231 continuations
        ("Акт сверки.pdf", "application/pdf"),  # RFC 2047, as Outlook writes it
        ("invoicefdp.exe", "application/pdf"),
        ("attachment.jpg", "image/jpeg"),
        ("_CON.txt", "text/plain"),
    ]
    assert mail.text == "Please see the attached files."
    assert mail.problems == []


def test_parsing_a_mail_twice_stores_its_files_once(tmp_path):
    raw = (MAIL / "hostile_names.eml").read_bytes()
    options = ParseOptions(str(tmp_path))

    first = parse_mail(raw, options)
    second = parse_mail(raw, options)

    assert first == second
    stored = {a.stored_path for a in first.attachments}
    assert None not in stored
    assert sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file()) == sorted(stored)


def test_size_cap_in_a_real_mail(tmp_path):
    mail = parse_mail((MAIL / "hostile_names.eml").read_bytes(), ParseOptions(str(tmp_path), max_attachment_size=32))

    skipped = [(a.filename, a.skipped_reason) for a in mail.attachments if a.stored_path is None]
    assert skipped == [("_CON.txt", "over the size cap (37 > 32 bytes)")]
    assert mail.problems == ["attachment '_CON.txt' over the size cap (37 > 32 bytes)"]
