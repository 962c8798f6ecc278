"""Loop protection: automatic mail is recognised, mail people write is not."""
from __future__ import annotations

from pathlib import Path

import pytest

from deskbot.mailbox.inbound import Address
from deskbot.mailbox.loops import auto_reason
from deskbot.mailbox.parse import parse_mail

MAIL = Path(__file__).resolve().parents[1] / "data" / "mail"
PERSON = Address("anna@client.example", "Anna")


@pytest.mark.parametrize("headers, reason", [
    ({"auto-submitted": ["auto-replied"]}, "Auto-Submitted: auto-replied"),
    ({"auto-submitted": ["auto-generated; owner-email=it@client.example"]},
     "Auto-Submitted: auto-generated; owner-email=it@client.example"),
    ({"x-autoreply": ["yes"]}, "X-Autoreply: yes"),
    ({"x-autorespond": ["Out of office"]}, "X-Autorespond: Out of office"),
    ({"x-failed-recipients": ["nobody@client.example"]}, "X-Failed-Recipients: nobody@client.example"),
    ({"content-type": ["multipart/report; report-type=delivery-status;\r\n boundary=x"]},
     "a delivery or read report (delivery-status)"),
    ({"precedence": ["bulk"]}, "Precedence: bulk"),
    ({"precedence": ["Junk"]}, "Precedence: Junk"),
    ({"precedence": ["auto_reply"]}, "Precedence: auto_reply"),
    ({"x-auto-response-suppress": ["All"]}, "X-Auto-Response-Suppress: All"),
    ({"return-path": ["<>"]}, "empty Return-Path (a bounce)"),
    ({"list-id": ["Customers <customers.vendor.example>"]},
     "mailing list (List-Id: Customers <customers.vendor.example>)"),
    ({"list-unsubscribe": ["<mailto:leave@vendor.example>"]},
     "mailing list (List-Unsubscribe: <mailto:leave@vendor.example>)"),
])
def test_automatic_mail_is_recognised(headers, reason):
    assert auto_reason(headers, PERSON) == reason


@pytest.mark.parametrize("sender", ["MAILER-DAEMON@mx.client.example", "postmaster@client.example"])
def test_mail_system_senders_are_automatic(sender):
    assert auto_reason({}, Address(sender.lower())) == f"sent by {sender.lower()}"


@pytest.mark.parametrize("headers", [
    {},
    {"auto-submitted": ["no"]},
    {"x-autoreply": ["no"]},
    {"precedence": ["first-class"]},
    # Outlook sets these on mail people write: a request not to be auto-answered, not a sign of a robot.
    {"x-auto-response-suppress": ["DR, RN, NRN, OOF, AutoReply"]},
    {"x-auto-response-suppress": ["OOF"]},
    {"return-path": ["<anna@client.example>"]},
    {"content-type": ["multipart/mixed; boundary=x"]},
])
def test_mail_people_write_is_not_automatic(headers):
    assert auto_reason(headers, PERSON) is None


@pytest.mark.parametrize("name, reason", [
    ("vacation.eml", "Auto-Submitted: auto-replied"),
    ("dsn_bounce.eml", "Auto-Submitted: auto-replied"),
    ("read_receipt.eml", "a delivery or read report (disposition-notification)"),
    ("list_mail.eml", "mailing list (List-Id: Vendor customers <customers.vendor.example>)"),
    ("plain_utf8.eml", None),
    ("reply_threading.eml", None),
])
def test_real_mails(name, reason):
    assert parse_mail((MAIL / name).read_bytes()).auto == reason


def test_a_bounce_keeps_its_report_as_text():
    mail = parse_mail((MAIL / "dsn_bounce.eml").read_bytes())

    assert mail.sender == Address("mailer-daemon@mx.desk.example", "Mail Delivery System")
    assert mail.text.endswith("<nobody@client.example>: host mx.client.example said: 550 5.1.1 User unknown")
    assert [(a.filename, a.content_type) for a in mail.attachments] == [("attachment.txt", "text/rfc822-headers")]
