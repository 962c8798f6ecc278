"""Composing the mail we send: subject, threading headers, RFC 3834, text and HTML."""
from __future__ import annotations

from datetime import datetime, timezone
from email import message_from_bytes
from email.policy import default

import pytest

from deskbot.mailbox.outbound import (
    MAX_REFERENCES, Outbound, OutboundAttachment, compose, new_message_id, reply_subject, thread_references,
)

DATE = datetime(2026, 11, 2, 9, 30, tzinfo=timezone.utc)


@pytest.mark.parametrize("subject, expected", [
    ("VPN is down", "Re: VPN is down [#42]"),
    ("Re: VPN is down", "Re: VPN is down [#42]"),
    ("RE: VPN is down [#42]", "RE: VPN is down [#42]"),
    ("Ответ: Не работает VPN", "Ответ: Не работает VPN [#42]"),
    ("  Re:   spaced   out  ", "Re: spaced out [#42]"),
    ("", "Re: [#42]"),
    ("[#42] tag first", "Re: tag first [#42]"),
])
def test_reply_subject_has_one_prefix_and_one_tag(subject, expected):
    assert reply_subject(subject, 42) == expected


def test_references_keep_the_root_and_the_latest_with_the_parent_last():
    assert thread_references(["a@x", "b@x", "a@x"], "c@x") == ["a@x", "b@x", "c@x"]
    assert thread_references(["a@x", "c@x", "b@x"], "c@x") == ["a@x", "b@x", "c@x"]
    many = [f"{n}@x" for n in range(30)]
    chain = thread_references(many, "parent@x")
    assert len(chain) == MAX_REFERENCES and chain[0] == "0@x" and chain[-1] == "parent@x"
    assert chain[1:-1] == many[-(MAX_REFERENCES - 2):]
    assert thread_references([], None) == []


def parsed(mail: Outbound, message_id: str = "answer-1@support.test"):
    raw = compose(mail, message_id=message_id, date=DATE).as_bytes()
    return raw, message_from_bytes(raw, policy=default)


def test_an_answer_threads_into_the_customers_mail_with_text_and_html():
    mail = Outbound(
        from_address="Поддержка <support@support.test>", to_address="anna@client.test", to_name="Анна Петрова",
        subject=reply_subject("Не работает <VPN>", 7), text="Здравствуйте!\n\nПерезагрузите <роутер> & ждите.\n\n-- \nSam",
        in_reply_to="m2@client.test", references=["m1@client.test", "m2@client.test"],
        attachments=[OutboundAttachment("схема.pdf", "application/pdf", b"%PDF-1.4")],
    )
    raw, msg = parsed(mail)
    assert max(len(line) for line in raw.split(b"\r\n")) <= 998 and raw.isascii()  # SMTP-safe as it stands
    assert msg["Message-ID"] == "<answer-1@support.test>"
    assert msg["In-Reply-To"] == "<m2@client.test>"
    assert msg["References"] == "<m1@client.test> <m2@client.test>"
    assert msg["Subject"] == "Re: Не работает <VPN> [#7]"
    assert msg["To"].addresses[0].display_name == "Анна Петрова" and msg["From"].addresses[0].username == "support"
    assert msg["Auto-Submitted"] is None
    text = msg.get_body(("plain",)).get_content().replace("\r\n", "\n")
    html_part = msg.get_body(("html",)).get_content()
    assert "Перезагрузите <роутер> & ждите." in text and text.rstrip().endswith("-- \nSam")
    assert "Перезагрузите &lt;роутер&gt; &amp; ждите." in html_part and "<роутер>" not in html_part
    [attachment] = list(msg.iter_attachments())
    assert (attachment.get_filename(), attachment.get_content()) == ("схема.pdf", b"%PDF-1.4")


def test_an_acknowledgement_is_marked_automatic():
    _, msg = parsed(Outbound(from_address="support@support.test", to_address="anna@client.test", to_name="",
                             subject="Re: Printer [#3]", text="We got it.", automatic=True))
    assert msg["Auto-Submitted"] == "auto-replied" and msg["X-Auto-Response-Suppress"] == "All"
    assert msg["To"] == "anna@client.test" and msg["In-Reply-To"] is None


def test_message_ids_are_fresh_and_in_our_domain():
    first, second = new_message_id("Support <support@support.test>"), new_message_id("support@support.test")
    assert first != second and first.endswith("@support.test") and "<" not in first


def with_files(*attachments: OutboundAttachment) -> Outbound:
    return Outbound(from_address="support@support.test", to_address="anna@client.test", to_name="",
                    subject="Re: Report [#7]", text="See attached.", attachments=attachments)


def test_a_non_ascii_file_name_is_sent_by_rfc_2231_and_the_bytes_as_base64():
    data = bytes(range(256)) * 4
    raw, msg = parsed(with_files(OutboundAttachment("отчёт.pdf", "application/pdf", data)))
    assert raw.isascii() and max(len(line) for line in raw.split(b"\r\n")) <= 998
    assert b"filename*=utf-8''%D0%BE%D1%82%D1%87%D1%91%D1%82.pdf" in raw
    [part] = list(msg.iter_attachments())
    assert part["Content-Transfer-Encoding"] == "base64" and part.get_content_disposition() == "attachment"
    assert (part.get_filename(), part.get_content_type(), part.get_content()) == ("отчёт.pdf", "application/pdf", data)
    assert "See attached." in msg.get_body(("plain",)).get_content()


@pytest.mark.parametrize("name, content_type, shown, sent_type", [
    ("../../etc/passwd", "text/plain; charset=utf-8", "passwd", "text/plain"),
    ("a\r\nBcc: x@evil.test.txt", "Text/Plain", "a Bcc_ x@evil.test.txt", "text/plain"),
    ("scan.png", "image/png\r\nX-Evil: 1", "scan.png", "application/octet-stream"),
    ("part.eml", "multipart/mixed", "part.eml", "application/octet-stream"),
    ("", "application/pdf", "attachment.pdf", "application/pdf"),
])
def test_names_and_types_from_the_sender_are_made_safe(name, content_type, shown, sent_type):
    raw, msg = parsed(with_files(OutboundAttachment(name, content_type, b"data")))
    [part] = list(msg.iter_attachments())
    assert (part.get_filename(), part.get_content_type(), part.get_payload(decode=True)) == (shown, sent_type, b"data")
    assert b"X-Evil" not in raw and b"\r\nBcc:" not in raw
