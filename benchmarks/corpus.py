"""A deterministic, realistic mix of support mails as raw bytes, for benchmarks.

The mix follows what a support box receives: mostly short plain requests and
replies, some HTML (a few of them heavy newsletters), some attachments, a
share of Cyrillic mail in the charsets Russian mailers still use, and a few
auto-replies. Mails are built from string templates because building them with
`email.message.EmailMessage` costs more than parsing them.
"""
from __future__ import annotations

import base64
import binascii
import random
from collections.abc import Iterator
from email.utils import formatdate

FREE_MAIL = ["gmail.com", "yandex.ru", "mail.ru"]
_SYLLABLES = ["tech", "nord", "volga", "stroy", "prom", "soft", "net", "trans", "agro",
              "med", "info", "ural", "sib", "energo", "servis", "torg", "avto", "line"]
_TLDS = ["ru", "com", "net", "org", "su", "ru", "ru"]
_NAMES = ["Anna Petrova", "John Miller", "Olga Ivanova", "Peter Smith", "Maria Garcia",
          "Ivan Sokolov", "Laura Chen", "Dmitry Kuznetsov", "Sarah Jones", "Alex Brown"]
_NAMES_RU = ["Анна Петрова", "Иван Соколов", "Ольга Иванова", "Дмитрий Кузнецов",
             "Сергей Попов", "Елена Смирнова", "Михаил Волков", "Татьяна Морозова"]
_SUBJECTS = ["Printer on 2nd floor does not print", "Cannot log in to VPN",
             "Outlook keeps asking for password", "New employee account needed",
             "Website is down", "Invoice for March", "Backup failed last night",
             "Need access to the shared drive", "Phone line is noisy", "Laptop is very slow"]
_SUBJECTS_RU = ["Не работает принтер в бухгалтерии", "Не могу подключиться к VPN",
                "Прошу создать учётную запись", "Сайт не открывается",
                "Счёт за март", "Не пришла почта", "Сломалась касса в магазине 7"]
_LINES = ["Hello,", "our accountant cannot print since this morning.",
          "The error says the device is offline, although it is switched on.",
          "Could you please have a look today? We need to send invoices.",
          "I tried restarting the computer, it did not help.",
          "The problem started after yesterday's update.", "Thanks in advance."]
_LINES_RU = ["Добрый день!", "С утра не печатает принтер в бухгалтерии.",
             "Пишет, что устройство не в сети, хотя оно включено.",
             "Посмотрите, пожалуйста, сегодня, нужно отправить счета.",
             "Перезагрузка компьютера не помогла.", "Спасибо заранее."]
_RU_CHARSETS = ["utf-8", "windows-1251", "koi8-r"]


def _domains(r: random.Random, count: int) -> list[str]:
    seen: dict[str, None] = {}
    while len(seen) < count:
        name = r.choice(_SYLLABLES) + r.choice(_SYLLABLES) + str(r.randrange(10) or "")
        seen.setdefault(f"{name}.{r.choice(_TLDS)}")
    return list(seen)


def _encoded_words(text: str, charset: str) -> str:
    """RFC 2047 B-encoding, split into words the way mailers do (<= 45 bytes each)."""
    words, chunk = [], ""
    for char in text:
        if len((chunk + char).encode(charset)) > 45:
            words.append(chunk)
            chunk = ""
        chunk += char
    words.append(chunk)
    return "\n ".join(
        f"=?{charset}?B?{base64.b64encode(w.encode(charset)).decode()}?=" for w in words)


def _newsletter(r: random.Random, title: str) -> str:
    rows = []
    for i in range(r.randrange(12, 40)):
        rows.append(
            f'<tr><td style="padding:12px;font-family:Arial,sans-serif;color:#333">'
            f'<h2 style="margin:0 0 8px">{title} &mdash; item {i}</h2>'
            f'<p>{" ".join(r.sample(_LINES, 4))} &laquo;Details&raquo; below.</p>'
            f'<p><a href="https://news.example.com/item/{i}?utm_source=mail&amp;utm_medium=email">'
            f'Read more</a> | <img src="https://news.example.com/px/{i}.gif" alt="" width="1"></p>'
            f'</td></tr>')
    return ('<!DOCTYPE html><html><head><meta charset="utf-8"><title>News</title>'
            '<style>td{font-size:14px} .hide{display:none}</style></head><body>'
            '<div class="hide" style="display:none">Preview text of the newsletter</div>'
            '<table width="600" cellpadding="0" cellspacing="0" align="center">'
            + "".join(rows) +
            '<tr><td><ul><li>Unsubscribe</li><li>Privacy</li></ul>'
            '<script>track()</script></td></tr></table></body></html>')


# Outlook's replies carry most of their weight in this style sheet.
_OUTLOOK_STYLE = "<style><!--" + "".join(
    f"@font-face {{font-family:\"Font {i}\"; panose-1:2 4 5 3 5 4 6 3 2 4;}}\n" for i in range(12)) + (
    "p.MsoNormal, li.MsoNormal, div.MsoNormal {margin:0cm; font-size:11.0pt; font-family:\"Calibri\",sans-serif;}\n"
    "a:link, span.MsoHyperlink {mso-style-priority:99; color:#0563C1; text-decoration:underline;}\n"
    "span.EmailStyle17 {mso-style-type:personal-compose; font-family:\"Calibri\",sans-serif; color:windowtext;}\n"
    "@page WordSection1 {size:612.0pt 792.0pt; margin:2.0cm 42.5pt 2.0cm 3.0cm;}\n"
    "div.WordSection1 {page:WordSection1;}\n--></style>")


def _html_reply(text: str) -> str:
    paragraphs = "".join(f'<p class="MsoNormal"><span lang="EN-US">{line}<o:p></o:p></span></p>'
                         for line in text.splitlines())
    return ('<html xmlns:o="urn:schemas-microsoft-com:office:office"><head>'
            '<meta http-equiv="Content-Type" content="text/html; charset=utf-8">'
            f'<meta name="Generator" content="Microsoft Word 15 (filtered medium)">{_OUTLOOK_STYLE}</head>'
            f'<body lang="RU" link="#0563C1" vlink="#954F72"><div class="WordSection1">{paragraphs}'
            '<p class="MsoNormal"><o:p>&nbsp;</o:p></p><div><div style="border:none;border-top:solid #E1E1E1 1.0pt;'
            'padding:3.0pt 0cm 0cm 0cm"><p class="MsoNormal"><b>From:</b> Support &lt;support@desk.example&gt;'
            '<br><b>Sent:</b> Monday, November 2, 2026 9:15 AM<br><b>Subject:</b> We received your request'
            '</p></div></div><p class="MsoNormal">We have received your request and will answer soon.</p>'
            '</div></body></html>')


class _Builder:
    def __init__(self, seed: int) -> None:
        self.r = random.Random(seed)
        self.orgs = _domains(self.r, 300)
        self.sent: list[tuple[str, str]] = []  # (message-id, subject) of earlier mails
        self.blobs = {kind: [head + self.r.randbytes(self.r.randrange(5_000, 50_000)) for _ in range(8)]
                      for kind, head in (("pdf", b"%PDF-1.4\n"), ("png", b"\x89PNG\r\n\x1a\n"))}

    def mail(self, i: int) -> bytes:
        r = self.r
        roll = r.random()
        kind = ("auto" if roll < 0.03 else "reply" if roll < 0.28 else "html" if roll < 0.43
                else "attachment" if roll < 0.53 else "plain")
        cyrillic = r.random() < 0.2
        charset = r.choice(_RU_CHARSETS) if cyrillic else "utf-8"
        name = r.choice(_NAMES_RU if cyrillic else _NAMES)
        domain = r.choice(FREE_MAIL) if r.random() < 0.25 else r.choice(self.orgs)
        address = f"user{r.randrange(40)}@{domain}"
        subject = r.choice(_SUBJECTS_RU if cyrillic else _SUBJECTS)
        body = "\n".join(r.sample(_LINES_RU if cyrillic else _LINES, 4))
        message_id = f"{1700000000 + i}.{i:06d}.{r.getrandbits(32):08x}@{domain}"
        headers = [f"Return-Path: <{address}>",
                   f"Received: from mx.{domain} (mx.{domain} [10.0.{i % 250}.1]) by mx.desk.example;"
                   f" {formatdate(1700000000 + i * 37, usegmt=True)}",
                   f"Date: {formatdate(1700000000 + i * 37, usegmt=True)}",
                   f"Message-ID: <{message_id}>", "To: Support <support@desk.example>",
                   "MIME-Version: 1.0"]
        if kind == "reply" and self.sent:
            parent_id, parent_subject = r.choice(self.sent[-200:])
            subject = f"Re: {parent_subject}" + (f" [#{r.randrange(1, 5000)}]" if r.random() < 0.5 else "")
            headers += [f"In-Reply-To: <{parent_id}>", f"References: <{parent_id}>"]
            body += "\n\n" + "\n".join("> " + line for line in r.sample(_LINES, 3))
        if kind == "auto":
            subject = f"Automatic reply: {subject}"
            headers += ["Auto-Submitted: auto-replied", "X-Autoreply: yes"]
        self.sent.append((message_id, subject))
        display = _encoded_words(name, charset) if cyrillic else name
        # A reply may carry a Russian subject into an otherwise English mail.
        encoded_subject = subject if subject.isascii() else _encoded_words(subject, charset)
        headers += [f"From: {display} <{address}>", f"Subject: {encoded_subject}"]
        return self._assemble(kind, headers, body, charset, subject).replace(b"\n", b"\r\n")

    def _assemble(self, kind: str, headers: list[str], body: str, charset: str, subject: str) -> bytes:
        head = "\n".join(headers)
        text_part = (f"Content-Type: text/plain; charset={charset}\n"
                     f"Content-Transfer-Encoding: quoted-printable\n\n").encode() + binascii.b2a_qp(
            body.encode(charset))
        if kind == "html":
            html = _newsletter(self.r, subject) if self.r.random() < 0.3 else _html_reply(body)
            html_part = (b"Content-Type: text/html; charset=utf-8\nContent-Transfer-Encoding: base64\n\n"
                         + base64.encodebytes(html.encode()))
            if self.r.random() < 0.3:
                return head.encode() + b"\n" + html_part
            return self._multipart("alternative", head, [text_part, html_part])
        if kind == "attachment":
            ext = self.r.choice(["pdf", "png"])
            ctype = "application/pdf" if ext == "pdf" else "image/png"
            blob = self.r.choice(self.blobs[ext])
            attachment = (f"Content-Type: {ctype}; name=\"scan.{ext}\"\nContent-Transfer-Encoding: base64\n"
                          f"Content-Disposition: attachment; filename=\"scan.{ext}\"\n\n").encode() \
                + base64.encodebytes(blob)
            return self._multipart("mixed", head, [text_part, attachment])
        return head.encode() + b"\n" + text_part

    def _multipart(self, subtype: str, head: str, parts: list[bytes]) -> bytes:
        boundary = f"=_b{self.r.getrandbits(48):012x}".encode()
        out = [head.encode(), f"\nContent-Type: multipart/{subtype}; boundary=\"{boundary.decode()}\"\n\n"
               "This is a multi-part message in MIME format.\n".encode()]
        for part in parts:
            out += [b"--", boundary, b"\n", part, b"\n"]
        out += [b"--", boundary, b"--\n"]
        return b"".join(out)


def make_corpus(n: int, seed: int = 1) -> Iterator[bytes]:
    """Yield `n` raw support mails; the same `seed` yields the same bytes."""
    builder = _Builder(seed)
    for i in range(n):
        yield builder.mail(i)
