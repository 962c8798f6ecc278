"""Charsets: declared, aliased, mislabelled and undeclared text, in bodies and headers."""
from __future__ import annotations

from pathlib import Path

import pytest

from deskbot.mailbox.charsets import codec_for, decode_header, decode_text, guess_codec
from deskbot.mailbox.inbound import Address
from deskbot.mailbox.parse import parse_mail

MAIL = Path(__file__).resolve().parents[1] / "data" / "mail"


@pytest.mark.parametrize("label, codec", [
    ("windows-1251", "cp1251"), ("win-1251", "cp1251"), ("cp-1251", "cp1251"), ("x-cp1251", "cp1251"),
    ("WIN1251", "cp1251"), ("koi8r", "koi8-r"), ("x-koi8-r", "koi8-r"), ("unicode-1-1-utf-8", "utf-8"),
    ('"UTF-8"', "utf-8"), ("utf-8*ru", "utf-8"), ("iso-8859-1", "cp1252"), ("ks_c_5601-1987", "cp949"),
])
def test_charset_labels_mailers_write_are_understood(label, codec):
    assert codec_for(label) == codec


@pytest.mark.parametrize("label", ["x-unknown", "", None, "base64", "rot13", "idna", "unicode-escape"])
def test_unknown_labels_and_non_text_codecs_are_refused(label):
    assert codec_for(label) is None


def test_body_in_the_declared_charset():
    assert decode_text("Счёт за март".encode("koi8-r"), "koi8-r") == ("Счёт за март", None)


def test_latin_text_declared_latin_stays_latin():
    assert decode_text("Café crème, merci à vous".encode("latin-1"), "iso-8859-1") == (
        "Café crème, merci à vous", None)


def test_windows_1252_quotes_under_an_iso_8859_1_label():
    assert decode_text(b"\x93offline\x94", "iso-8859-1") == ("“offline”", None)


@pytest.mark.parametrize("text, actual, declared", [
    ("Не приходит почта с сайта.", "cp1251", "utf-8"),
    ("Не приходит почта с сайта.", "koi8-r", "utf-8"),
    ("Не могу подключиться к VPN из дома.", "cp1251", "iso-8859-1"),
    ("Не могу подключиться к VPN из дома.", "koi8-r", "iso-8859-1"),
    ("Не могу подключиться к VPN из дома.", "koi8-r", "us-ascii"),
    ("Привет, Иван! Это Ольга из бухгалтерии.", "koi8-r", "windows-1251"),
])
def test_mislabelled_russian_is_read_in_its_real_charset(text, actual, declared):
    assert decode_text(text.encode(actual), declared) == (text, f"declared {declared} but read as {actual}")


def test_unknown_charset_is_guessed_and_reported():
    assert decode_text("Добрый день".encode("cp1251"), "x-unknown") == (
        "Добрый день", "unknown charset 'x-unknown', read as cp1251")


def test_undeclared_text_is_guessed_silently():
    assert decode_text("Grüße".encode(), None) == ("Grüße", None)


@pytest.mark.parametrize("text", ["Привет", "Счёт за март", "Иван Соколов", "отчёт.pdf", "Ёлка",
                                  "Ошибка в Excel 2016 при открытии report.xlsx"])
@pytest.mark.parametrize("charset", ["utf-8", "cp1251", "koi8-r"])
def test_short_russian_texts_are_guessed_right(text, charset):
    assert guess_codec(text.encode(charset)) == charset


@pytest.mark.parametrize("text, charset", [("Café crème brûlée", "cp1252"), ("Señor Núñez", "cp1252"),
                                           ("Zażółć gęślą jaźń", "cp1250")])
def test_european_texts_are_not_taken_for_russian(text, charset):
    assert guess_codec(text.encode(charset)) == charset


def test_bytes_no_charset_can_read_still_become_text():
    text, problem = decode_text(bytes(range(128, 256)), "utf-8")

    assert len(text) == 128
    assert problem == "declared utf-8 but read as cp1251"


@pytest.mark.parametrize("raw, decoded", [
    ("=?UTF-8?B?0KHRh9GR0YI=?=", "Счёт"),
    ("=?utf-8?q?Caf=C3=A9_cr=C3=A8me?=", "Café crème"),
    ("=?koi8-r?B?8NLJ18XU?=", "Привет"),
    ("=?windows-1251?Q?=CF=F0=E8=E2=E5=F2?=", "Привет"),
    ("Re: =?utf-8?B?0J/RgNC4?=\r\n =?utf-8?B?0LLQtdGC?= [#12]", "Re: Привет [#12]"),
    ("=?utf-8?B?0J/RgNC40LLQtdE=?=\r\n\t=?utf-8?B?gg==?=", "Привет"),  # "т" split between two words
    ("=?utf-8?B?0J/RgNC4?= =?koi8-r?B?18XU?=", "Привет"),
    ("=?utf-8?Q?a=0D=0Ab?=", "a b"),  # a newline in a subject could inject headers in our reply
    ("=?x-unknown?B?z/Do4uXy?=", "Привет"),
    ("=?utf-8?B?not-base64!?=", "not-base64!"),
    ("Folded\r\n  subject", "Folded subject"),
])
def test_encoded_words_are_decoded_into_one_line(raw, decoded):
    assert decode_header(raw) == decoded


@pytest.mark.parametrize("raw_bytes, decoded", [
    ("Заявка: новый сотрудник".encode(), "Заявка: новый сотрудник"),
    ("Заявка: новый сотрудник".encode("cp1251"), "Заявка: новый сотрудник"),
    ("Заявка: новый сотрудник".encode("koi8-r"), "Заявка: новый сотрудник"),
])
def test_raw_8bit_headers_are_decoded(raw_bytes, decoded):
    # The parser hands 8-bit header bytes over as surrogate escapes.
    assert decode_header(raw_bytes.decode("ascii", "surrogateescape")) == decoded


@pytest.mark.parametrize("name, sender, subject, text", [
    ("encoded_words_utf8.eml", Address("olga@client.example", "Ольга Иванова"),
     "Не работает принтер в бухгалтерии", "Добрый день! Принтер пишет «нет бумаги», хотя бумага есть."),
    ("encoded_words_koi8r.eml", Address("ivan@client.example", "Иван Соколов"),
     "Счёт за март", "Прошу выставить счёт за март."),
    ("encoded_words_cp1251.eml", Address("elena@client.example", "Елена Смирнова"),
     "Сломалась касса в магазине №7", "Касса не включается с утра.\nПродавец Мария."),
    ("raw_8bit_headers.eml", Address("dmitry@client.example", "Дмитрий Кузнецов"),
     "Заявка: новый сотрудник", "Прошу создать учётную запись."),
])
def test_russian_mail_in_every_encoding(name, sender, subject, text):
    mail = parse_mail((MAIL / name).read_bytes())

    assert (mail.sender, mail.subject, mail.text, mail.problems) == (sender, subject, text, [])


def test_names_in_recipient_lists_are_decoded():
    mail = parse_mail((MAIL / "encoded_words_utf8.eml").read_bytes())

    assert mail.to == [Address("support@desk.example", "Support — Desk"),
                       Address("j.mueller@partner.example", "Jürgen Müller")]


@pytest.mark.parametrize("name, text, problem", [
    ("mislabelled_utf8_is_cp1251.eml", "Не приходит почта с сайта.\nСпасибо.",
     "text/plain: declared utf-8 but read as cp1251"),
    ("mislabelled_latin1_is_koi8r.eml", "Не могу подключиться к VPN из дома.",
     "text/plain: declared iso-8859-1 but read as koi8-r"),
])
def test_mislabelled_bodies_are_read_right_and_reported(name, text, problem):
    mail = parse_mail((MAIL / name).read_bytes())

    assert (mail.text, mail.problems) == (text, [problem])
