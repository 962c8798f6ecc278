"""parse_mail end to end on real .eml files: what a ticket gets out of each kind of mail."""
from __future__ import annotations

import base64
import hashlib
import pickle
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from deskbot.mailbox import parse
from deskbot.mailbox.identity import mail_key
from deskbot.mailbox.inbound import Address, InboundMail, ParseOptions
from deskbot.mailbox.parse import FORWARD_LINE, parse_batch, parse_mail

MAIL = Path(__file__).resolve().parents[1] / "data" / "mail"


def parse_file(name: str, options: ParseOptions = ParseOptions()) -> InboundMail:
    return parse_mail((MAIL / name).read_bytes(), options)


def test_plain_text_mail():
    mail = parse_file("plain_utf8.eml")

    assert mail.message_id == "CAF3x9q1.printer@mail.client.example"
    assert mail.key == mail_key((MAIL / "plain_utf8.eml").read_bytes())
    assert mail.key.startswith("CAF3x9q1.printer@mail.client.example ")
    assert mail.size == (MAIL / "plain_utf8.eml").stat().st_size
    assert mail.sender == Address("anna.petrova@client.example", "Anna Petrova")
    assert mail.sender_error is None
    assert mail.to == [Address("support@desk.example", "Support")]
    assert mail.subject == "Printer on the 2nd floor does not print"
    assert mail.date == datetime(2026, 11, 2, 9, 0, tzinfo=timezone(timedelta(hours=3)))
    assert mail.text == "Hello,\n\nthe printer on the 2nd floor shows “offline” since this morning.\n\nAnna"
    assert not mail.from_html
    assert mail.attachments == []
    assert mail.auto is None
    assert mail.problems == []


def test_html_only_mail_is_converted_to_text():
    mail = parse_file("html_only.eml")

    assert mail.from_html
    assert mail.text == (
        "Hello team,\n\n"
        "our printer is broken again.\n"
        "The log is here (https://files.client.example/log?id=7&v=2).\n\n"
        "- Model: HP LaserJet\n"
        "- Room: 214\n\n"
        "Date | Error\n"
        "1 Nov | Paper jam\n"
        "2 Nov | Offline\n\n"
        "Thanks & regards,\n"
        "Peter «IT» Smith"
    )


def test_alternative_prefers_the_plain_text_part():
    mail = parse_file("alternative.eml")

    assert mail.text == 'Hi,\nthe VPN client says "authentication failed" (plain part).'
    assert not mail.from_html


def test_alternative_with_an_empty_plain_part_uses_the_html():
    mail = parse_file("alternative_empty_plain.eml")

    assert mail.text == "The error says: Access denied.\n\nСпасибо!"
    assert mail.from_html


def test_alternative_whose_plain_part_comes_last_and_is_empty_uses_the_html():
    mail = parse_mail(b"From: a@client.example\nContent-Type: multipart/alternative; boundary=b\n\n"
                      b"--b\nContent-Type: text/html\n\n<p>From the HTML</p>\n"
                      b"--b\nContent-Type: text/plain\n\n\n--b--\n")

    assert (mail.text, mail.from_html) == ("From the HTML", True)


def test_reply_to_and_cc_keep_the_valid_addresses_and_report_the_others():
    mail = parse_file("alternative.eml")

    assert mail.reply_to == Address("it@client.example", "IT department")
    assert mail.cc == [Address("anna.smith@client.example", "Smith, Anna"), Address("boss@client.example")]
    assert mail.problems == ["Cc: no @ in the address: 'not-an-address'"]


def test_forwarded_message_brings_its_headers_text_and_attachments():
    mail = parse_file("forward.eml")

    assert mail.subject == "Fwd: Ошибка 1С"
    assert mail.text == (
        "FYI, see the mail from our accountant below.\n\n"
        f"{FORWARD_LINE}\n"
        "From: Мария Кузнецова <maria@client.example>\n"
        "Date: Tue, 3 Nov 2026 17:45:00 +0300\n"
        "Subject: Ошибка 1С\n"
        "To: Anna Petrova <anna.petrova@client.example>\n\n"
        "1С не запускается, лог во вложении."
    )
    [log] = mail.attachments
    assert (log.filename, log.content_type, log.size) == ("spooler.log", "text/plain", 880)


def test_inline_image_is_listed_as_inline_with_its_content_id():
    mail = parse_file("inline_image.eml")

    assert mail.text == "See the screenshot:\n[cid:image001.png@01DA0E4B.5C1F2A30]"
    [image] = mail.attachments
    assert image.filename == "image001.png"
    assert image.content_type == "image/png"
    assert image.inline
    assert image.content_id == "image001.png@01DA0E4B.5C1F2A30"
    assert image.size == 66


def test_thread_headers_give_bare_message_ids_and_skip_junk():
    mail = parse_file("reply_threading.eml")

    assert mail.in_reply_to == ["ticket-123-2@desk.example"]
    assert mail.references == ["CAF3x9q1.printer@mail.client.example", "ticket-123-1@desk.example",
                               "ticket-123-2@desk.example"]
    assert mail.thread_ids == ["ticket-123-2@desk.example", "ticket-123-1@desk.example",
                               "CAF3x9q1.printer@mail.client.example"]


def test_thread_ids_without_angle_brackets_are_still_read():
    mail = parse_mail(b"From: a@client.example\nIn-Reply-To: ticket-1@desk.example\n"
                      b"References: ticket-0@desk.example, ticket-1@desk.example\n\nThanks")

    assert mail.in_reply_to == ["ticket-1@desk.example"]
    assert mail.references == ["ticket-0@desk.example", "ticket-1@desk.example"]


def test_message_id_is_stripped_of_brackets_and_whitespace():
    mail = parse_mail(b"From: a@client.example\nMessage-ID:\n  <CAB=x+1@mail.example.com>  \n\nHi")

    assert mail.message_id == "CAB=x+1@mail.example.com"
    assert mail.key.startswith("CAB=x+1@mail.example.com ")


def test_mail_without_message_id_is_keyed_by_a_digest():
    raw = (MAIL / "no_message_id.eml").read_bytes()

    mail = parse_mail(raw)

    assert mail.message_id is None
    assert mail.key == mail_key(raw)
    assert mail.key.startswith("no-id:")


def test_unreadable_date_is_none_and_a_problem():
    mail = parse_file("bad_date.eml")

    assert mail.date is None
    assert mail.problems == ["unreadable Date: 'sometime next week'"]


def test_date_without_a_zone_stays_naive():
    mail = parse_mail(b"From: a@client.example\nDate: Mon, 2 Nov 2026 09:00:00 -0000\n\nHi")

    assert mail.date == datetime(2026, 11, 2, 9, 0)
    assert mail.date.tzinfo is None


def test_mail_without_from_has_no_sender_and_says_why():
    mail = parse_file("no_from.eml")

    assert mail.sender is None
    assert mail.sender_error == "no From header"
    assert mail.text == "This mail has no From header."


def test_encoded_word_inside_the_from_address_is_refused():
    mail = parse_file("address_attack.eml")

    assert mail.sender is None
    assert mail.sender_error == (
        "From: encoded-word inside the address: '=?utf-8?Q?attacker?Q?agent?=@victim.example'")


@pytest.mark.parametrize("raw, problems", [
    (b"", ["empty message"]),
    (bytes(range(256)) * 64, ["MIME defects: MissingHeaderBodySeparatorDefect"]),
    (b"\x00" * 1000, ["MIME defects: MissingHeaderBodySeparatorDefect"]),
    (b"From:\r\nContent-Type: multipart/mixed\r\n\r\n--\r\n",
     ["MIME defects: MultipartInvariantViolationDefect, NoBoundaryInMultipartDefect"]),
    (b"Subject: =?utf-8?B?****?= =?bogus?Q?=ZZ?=\n\n", []),
])
def test_garbage_never_raises(raw, problems):
    mail = parse_mail(raw)

    assert mail.key == mail_key(raw)
    assert mail.size == len(raw)
    assert mail.sender is None
    assert mail.sender_error in ("no From header", "empty From header")
    assert mail.problems == problems


def test_a_30_mb_mail_is_parsed_and_its_attachment_skipped_over_the_cap():
    blob = bytes(31_457_280)
    raw = (b"From: a@client.example\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
           b"--b\r\nContent-Type: text/plain\r\n\r\nThe disk image.\r\n"
           b"--b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n"
           b"Content-Disposition: attachment; filename=disk.img\r\n\r\n"
           + base64.encodebytes(blob) + b"--b--\r\n")

    mail = parse_mail(raw)

    assert mail.text == "The disk image."
    [image] = mail.attachments
    assert (image.filename, image.size, image.stored_path) == ("disk.img", 31_457_280, None)
    assert image.skipped_reason == "over the size cap (31457280 > 26214400 bytes)"
    assert image.sha256 == hashlib.sha256(blob).hexdigest()
    assert mail.problems == ["attachment 'disk.img' over the size cap (31457280 > 26214400 bytes)"]


def test_mime_nesting_deeper_than_the_limit_is_cut_off():
    raw = b"From: a@client.example\n" + b"".join(
        b"Content-Type: multipart/mixed; boundary=b%d\n\n--b%d\n" % (i, i) for i in range(40)
    ) + b"Content-Type: text/plain\n\ndeep\n"

    mail = parse_mail(raw)

    assert "MIME parts nested deeper than 30, the rest skipped" in mail.problems
    assert mail.text == ""


def test_an_unexpected_error_is_reported_as_a_problem(monkeypatch):
    def broken(html: str) -> str:
        raise RuntimeError("converter broke")

    monkeypatch.setattr(parse, "html_to_text", broken)

    mail = parse_file("html_only.eml")

    # The same key as when it parses: once the parser is fixed, a refetch is still this mail.
    assert mail.key == mail_key((MAIL / "html_only.eml").read_bytes())
    assert mail.sender_error == "the mail could not be parsed"
    assert mail.problems == ["the mail could not be parsed", "RuntimeError: converter broke"]


def test_parse_batch_results_cross_a_process_boundary():
    raws = [(MAIL / name).read_bytes() for name in ("plain_utf8.eml", "forward.eml", "address_attack.eml")]

    mails = pickle.loads(pickle.dumps(parse_batch(raws, ParseOptions())))

    assert mails == [parse_mail(raw) for raw in raws]
    assert pickle.loads(pickle.dumps(parse_batch)) is parse_batch


IVAN = Address("ivan.petrov@client.example", "Ivan Petrov")


@pytest.mark.parametrize("name, sender, source, note", [
    ("from_trailing_dot.eml", Address("ivan.petrov@client.example"), "From",
     "address read from a malformed From: invalid domain: 'ivan.petrov@client.example.'"),
    ("from_name_without_brackets.eml", IVAN, "From",
     "address read from a malformed From: invalid local part: '\"Ivan Petrov\" ivan.petrov@client.example'"),
    ("from_unclosed_bracket.eml", IVAN, "From",
     "address read from a malformed From: unterminated quote or bracket in 'Ivan Petrov <ivan.petrov@client.example'"),
    ("from_address_before_name.eml", IVAN, "From",
     "address read from a malformed From: text after the address in '<ivan.petrov@client.example> Ivan Petrov'"),
    ("from_address_in_name.eml", Address("ivan.petrov@client.example"), "From",
     "address read from a malformed From: empty address <>"),
    ("from_last_first_unquoted.eml", Address("ivan.petrov@client.example", "Petrov, Ivan"), "From",
     "address read from a malformed From: no @ in the address: 'Petrov'"),
    ("from_outlook_mailto.eml", IVAN, "From", "address read from a malformed From: unbalanced angle brackets in "
                                              "'Ivan Petrov <ivan.petrov@client.example<mailto:ivan.petro...'"),
    ("from_encoded_name_and_bare_address.eml", Address("ivan.petrov@client.example", "Иван Петров"), "From",
     "address read from a malformed From: encoded-word inside the address: "
     "'=?utf-8?B?0JjQstCw0L0g0J/QtdGC0YDQvtCy?= ivan.petrov@clie...'"),
    ("from_exchange_internal_reply_to.eml", Address("ivan.petrov@client.example", "Petrov, Ivan"), "Reply-To",
     "address recovered from Reply-To"),
    ("from_scanner_sender.eml", Address("anna.smirnova@client.example", "Anna Smirnova"), "Sender",
     "address recovered from Sender"),
    ("from_several_with_sender.eml", Address("olga@client.example", "Olga Secretary"), "Sender",
     "2 From addresses, Sender used"),
])
def test_a_broken_from_of_real_software_still_names_the_person(name, sender, source, note):
    mail = parse_file(name)

    assert (mail.sender, mail.sender_source, mail.sender_note, mail.sender_error) == (sender, source, note, None)
    assert mail.auto is None


@pytest.mark.parametrize("name, error", [
    ("address_attack_with_reply_to.eml",  # forged: its Reply-To is not asked either
     "From: encoded-word inside the address: '=?utf-8?Q?director?=@victim.example'"),
    ("address_attack_name_decodes_to_address.eml", "From: empty address <>"),
    ("from_lotus_notes.eml", "From: invalid local part: 'Ivan Petrov/Client/RU@CLIENT'"),
    ("from_several_without_sender.eml", "From: 2 different addresses (ivan.petrov@client.example, "
                                        "boss@client.example) and no usable Sender to tell which one wrote"),
])
def test_a_from_that_names_nobody_safely_is_refused_with_the_reason(name, error):
    mail = parse_file(name)

    assert (mail.sender, mail.sender_note, mail.sender_error) == (None, None, error)
