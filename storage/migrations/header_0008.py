"""Migration 0008's frozen copy of how a header was read for people (mailbox/charsets.py's
decode_header and mailbox/identity.py's header_summary, as they were at 0008).

A migration must give the same result whatever the code beside it becomes, and storage/
imports nothing above it: change the live copies freely, never this one.
"""
from __future__ import annotations

import base64
import binascii
import codecs
import re
from email.parser import BytesHeaderParser
from email.policy import compat32
from functools import lru_cache

import charset_normalizer

_ALIASES = {
    "unicode-1-1-utf-8": "utf-8", "x-unicode20utf8": "utf-8", "unicode-2-0-utf-8": "utf-8",
    # Mailers write iso-8859-1 for what is windows-1252 (curly quotes in 0x80-0x9f).
    "iso-8859-1": "cp1252", "iso8859-1": "cp1252", "latin1": "cp1252", "latin-1": "cp1252",
    "ks_c_5601-1987": "cp949", "euc-kr": "cp949", "gb2312": "gb18030", "gbk": "gb18030",
    "shift_jis": "cp932", "shift-jis": "cp932", "x-sjis": "cp932", "tis-620": "cp874",
    "iso-8859-8-i": "iso8859-8", "x-mac-cyrillic": "mac-cyrillic",
}
_WINDOWS_LABEL = re.compile(r"(?:x-)?(?:cp|win|windows|ms)[-_ ]?(\d{3,4})")
# Codecs that turn bytes into text but are not charsets a mail may declare.
_NOT_CHARSETS = {"idna", "punycode", "undefined", "unicode-escape", "raw-unicode-escape"}
_LATIN = {"cp1252", "iso8859-1", "iso8859-15", "cp1250", "iso8859-2", "mac-roman"}
_SAMPLE = 64 * 1024  # enough text to judge a charset by; bodies can be megabytes
_CYRILLIC = ("cp1251", "koi8-r")
_FREQUENT_RU = set("оеаинтсрвл")  # about 60 % of the letters of Russian text
# Reading windows-1251 as KOI8-R (or back) swaps the case of every letter, and
# breaks a capitalised word in the middle: "Привет" -> "оПХБЕР".
_CASE_BREAK = re.compile(r"[а-яё][А-ЯЁ]")
_8BIT_WORD = re.compile(rb"[A-Za-z\x80-\xff]+")
_ENCODED_WORD = re.compile(r"=\?([^?\s*]+)(?:\*[^?\s]*)?\?([bBqQ])\?([^?\s]*)\?=")
# Adjacent encoded words: the whitespace between them is not text (RFC 2047 6.2),
# and one character may be split across two of them.
_WORD_RUN = re.compile(rf"{_ENCODED_WORD.pattern}(?:\s*{_ENCODED_WORD.pattern})*")
_WHITESPACE = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


@lru_cache(maxsize=256)
def codec_for(label: str | None) -> str | None:
    """The Python codec for a declared charset label, or None if we cannot read it."""
    if not label:
        return None
    name = label.strip().strip("\"'").lower().partition("*")[0]
    name = _ALIASES.get(name, name)
    if match := _WINDOWS_LABEL.fullmatch(name):
        name = f"cp{match[1]}"
    name = re.sub(r"^(?:x-)?koi8[-_]?([ru])$", r"koi8-\1", name)
    try:
        codec = codecs.lookup(name).name
        b"a".decode(codec)  # raises LookupError for bytes-to-bytes codecs such as base64
    except (LookupError, ValueError, UnicodeDecodeError):
        return None
    return None if codec in _NOT_CHARSETS else codec


@lru_cache(maxsize=64)
def _ascii_compatible(codec: str) -> bool:
    sample = b"Az09 +-~\x1b"
    try:
        return sample.decode(codec) == sample.decode("ascii")
    except UnicodeDecodeError:
        return False


def decode_text(data: bytes, declared: str | None) -> tuple[str, str | None]:
    """Text of `data` and, when the declared charset was wrong or unknown, why we read it otherwise."""
    codec = codec_for(declared)
    if codec is None:
        if data.isascii():
            return data.decode("ascii"), None
        guessed = guess_codec(data)
        reason = f"unknown charset {declared!r}, read as {guessed}" if declared else None
        return data.decode(guessed, "replace"), reason
    if data.isascii() and _ascii_compatible(codec):
        return data.decode("ascii"), None
    try:
        text = data.decode(codec)
    except UnicodeDecodeError:
        guessed = guess_codec(data)
        return data.decode(guessed, "replace"), f"declared {declared} but read as {guessed}"
    better = _better_reading(data, codec, text)
    if better is None:
        return text, None
    return data.decode(better, "replace"), f"declared {declared} but read as {better}"


def guess_codec(data: bytes) -> str:
    """The most likely codec for bytes of unknown charset; utf-8 wins whenever it fits."""
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    sample = data[:_SAMPLE]
    if _looks_cyrillic_misread(sample):
        return _likelier_cyrillic(sample)
    matches = charset_normalizer.from_bytes(sample, cp_isolation=["cp1252", "cp1250"])
    best = matches.best()
    # The two often tie (French reads as Czech just as well); Western European is likelier then.
    if best is None or any(m.encoding == "cp1252" and (m.chaos, m.coherence) == (best.chaos, best.coherence)
                           for m in matches):
        return "cp1252"
    return codecs.lookup(best.encoding).name


def _better_reading(data: bytes, codec: str, text: str) -> str | None:
    """A Cyrillic codec that reads `data` much better than the declared one, if any."""
    sample = data[:_SAMPLE]
    if codec in _LATIN and _looks_cyrillic_misread(sample):
        return _likelier_cyrillic(sample)
    if codec in _CYRILLIC and _CASE_BREAK.search(text, 0, _SAMPLE):
        other = _CYRILLIC[1 - _CYRILLIC.index(codec)]
        if _russian_score(sample.decode(other, "replace")) > _russian_score(text[:_SAMPLE]) + 2:
            return other
    return None


def _likelier_cyrillic(sample: bytes) -> str:
    return max(_CYRILLIC, key=lambda codec: _russian_score(sample.decode(codec, "replace")))


def _looks_cyrillic_misread(data: bytes) -> bool:
    """Mostly words made only of 8-bit bytes: Russian, since accented Latin words mix in ASCII."""
    whole = mixed = 0
    for word in _8BIT_WORD.findall(data):
        if not word.isascii():
            if min(word) < 0x80:
                mixed += 1
            elif len(word) > 1:
                whole += 1
    return whole > mixed


def _russian_score(text: str) -> int:
    lower = sum(1 for char in text if "а" <= char <= "я" or char == "ё")
    frequent = sum(1 for char in text.lower() if char in _FREQUENT_RU)
    return lower + frequent - 3 * len(_CASE_BREAK.findall(text))


def decode_8bit(value: str) -> str:
    """Header text that may carry raw 8-bit bytes (as surrogate escapes) made real text."""
    if value.isascii():
        return value
    raw = value.encode("utf-8", "surrogateescape")
    return raw.decode(guess_codec(raw), "replace")


def decode_header(value: str) -> str:
    """One line of readable text from a raw header value: unfolded, RFC 2047 decoded."""
    value = decode_8bit(value)
    if "=?" in value:
        value = _WORD_RUN.sub(_decode_run, value)
    return _CONTROL.sub("", _WHITESPACE.sub(" ", value)).strip()


def _decode_run(run: re.Match[str]) -> str:
    pieces: list[str] = []
    charset, chunk = "", b""
    for word in _ENCODED_WORD.finditer(run[0]):
        if word[1].lower() != charset and chunk:
            pieces.append(decode_text(chunk, charset)[0])
            chunk = b""
        charset = word[1].lower()
        chunk += _word_bytes(word)
    pieces.append(decode_text(chunk, charset)[0])
    return "".join(pieces)


def _word_bytes(word: re.Match[str]) -> bytes:
    payload = word[3].encode("ascii", "replace")
    if word[2] in "bB":
        try:
            return base64.b64decode(payload + b"=" * (-len(payload) % 4), validate=True)
        except binascii.Error:
            return payload
    return binascii.a2b_qp(payload, header=True)


def header_summary(head: bytes) -> tuple[str, str]:
    """The decoded From and Subject of a raw message (or its start), for people to read."""
    headers = BytesHeaderParser(policy=compat32).parsebytes(head, headersonly=True)
    return tuple(decode_header(str(headers.get(name, ""))) for name in ("From", "Subject"))
