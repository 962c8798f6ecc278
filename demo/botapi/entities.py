"""Telegram's ``parse_mode=HTML``: source text -> visible text + MessageEntity list.

Written from the Bot API "HTML style" rules and the error wordings Telegram is
known to answer with ("Unsupported start tag \"p\" at byte offset 12"...).
Offsets in error messages are UTF-8 byte offsets into the source, entity
offsets/lengths are UTF-16 code units of the visible text, both as Telegram.

One deliberate difference: Telegram keeps a ``&`` that does not start one of
its entities as a literal character; with ``strict_ampersand`` (the default)
the fake rejects it, because a bot that forgot to escape user text usually
shows it as a stray ``&``... until the text contains ``&lt;`` and is silently
changed. Pass ``strict_ampersand=False`` to get Telegram's leniency.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

_SPACE = " \t\r\n\v\f\0"
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}

# tag -> entity type; None where the type depends on attributes.
_TAGS: dict[str, str | None] = {
    "b": "bold", "strong": "bold",
    "i": "italic", "em": "italic",
    "u": "underline", "ins": "underline",
    "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough",
    "tg-spoiler": "spoiler", "span": "spoiler",
    "a": None,
    "tg-emoji": "custom_emoji",
    "tg-time": "date_time",
    "code": "code",
    "pre": "pre",
    "blockquote": None,
}


class HtmlError(ValueError):
    """Text after Telegram's "Bad Request: can't parse entities: "."""


@dataclass
class Parsed:
    text: str
    entities: list[dict[str, Any]] = field(default_factory=list)


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


@dataclass
class _Open:
    tag: str
    attrs: dict[str, str | None]
    offset: int  # UTF-16 offset in the visible text where the tag's content starts
    char_start: int  # the same position, in Python characters
    byte_pos: int


class _Parser:
    def __init__(self, source: str, strict_ampersand: bool):
        self.src = source
        self.n = len(source)
        self.strict_ampersand = strict_ampersand
        self.out: list[str] = []
        self.chars = 0
        self.utf16 = 0
        self.stack: list[_Open] = []
        self.entities: list[dict[str, Any]] = []

    def byte_offset(self, index: int) -> int:
        return len(self.src[:index].encode("utf-8"))

    def at(self, i: int) -> str:
        return self.src[i] if i < self.n else ""

    def emit(self, chars: str) -> None:
        self.out.append(chars)
        self.chars += len(chars)
        self.utf16 += utf16_len(chars)

    # -- entities -------------------------------------------------------------------

    def decode_entity(self, i: int, *, lenient: bool) -> tuple[str, int] | None:
        """``&...`` at ``i`` -> (character, index after it), or None if it is no entity."""
        src, j = self.src, i + 1
        if self.at(j) == "#":
            j += 1
            hexadecimal = self.at(j) in ("x", "X")
            j += hexadecimal
            digits = "0123456789abcdefABCDEF" if hexadecimal else "0123456789"
            start = j
            while j < self.n and src[j] in digits:
                j += 1
            if j == start:
                return None
            code = int(src[start:j], 16 if hexadecimal else 10)
            if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
                return None
            char = chr(code)
        else:
            start = j
            while j < self.n and src[j].isascii() and src[j].isalpha():
                j += 1
            if src[start:j] not in _NAMED:
                return None
            char = _NAMED[src[start:j]]
        if self.at(j) == ";":
            return char, j + 1
        # Telegram also takes "&lt" without the semicolon; strict mode does not.
        return (char, j) if lenient else None

    # -- main loop --------------------------------------------------------------------

    def parse(self) -> Parsed:
        i = 0
        while i < self.n:
            c = self.src[i]
            if c == "&":
                decoded = self.decode_entity(i, lenient=not self.strict_ampersand)
                if decoded is not None:
                    self.emit(decoded[0])
                    i = decoded[1]
                    continue
                if self.strict_ampersand:
                    raise HtmlError(
                        f'Unescaped "&" at byte offset {self.byte_offset(i)}: '
                        'use "&amp;" for a literal ampersand')
                self.emit(c)
                i += 1
            elif c == "<":
                i = self.end_tag(i) if self.at(i + 1) == "/" else self.start_tag(i)
            else:
                self.emit(c)
                i += 1
        if self.stack:
            raise HtmlError(
                f'Can\'t find end tag corresponding to start tag "{self.stack[-1].tag}"')
        for entity in self.entities:
            entity.pop("_language", None)  # a language-x code that was not all of its pre
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return Parsed("".join(self.out), self.entities)

    def start_tag(self, begin: int) -> int:
        src, pos = self.src, self.byte_offset(begin)
        i = begin + 1
        while i < self.n and src[i] not in _SPACE and src[i] != ">":
            i += 1
        if i >= self.n:
            raise HtmlError(f"Unclosed start tag at byte offset {pos}")
        tag = src[begin + 1:i].lower()
        if tag not in _TAGS:
            raise HtmlError(f'Unsupported start tag "{tag}" at byte offset {pos}')
        attrs: dict[str, str | None] = {}
        while True:
            while i < self.n and src[i] in _SPACE:
                i += 1
            if i >= self.n:
                raise HtmlError(f"Unclosed start tag at byte offset {pos}")
            if src[i] == ">":
                break
            name_start = i
            while i < self.n and src[i] not in _SPACE and src[i] not in "=>":
                i += 1
            name = src[name_start:i].lower()
            if not name:
                raise HtmlError(f'Empty attribute name in the tag "{tag}" at byte offset {pos}')
            while i < self.n and src[i] in _SPACE:
                i += 1
            if self.at(i) != "=":
                if tag == "blockquote" and name == "expandable":
                    attrs[name] = None
                    continue
                raise HtmlError(
                    f'Expected equal sign in declaration of an attribute of the tag "{tag}" '
                    f"at byte offset {pos}")
            i += 1
            while i < self.n and src[i] in _SPACE:
                i += 1
            if i >= self.n:
                raise HtmlError(f'Unclosed start tag "{tag}" at byte offset {pos}')
            attrs[name], i = self.attribute_value(i, pos)
        self.stack.append(_Open(tag, attrs, self.utf16, self.chars, pos))
        if tag == "span" and attrs.get("class") != "tg-spoiler":
            raise HtmlError(f'Tag "span" must have class "tg-spoiler" at byte offset {pos}')
        if tag == "tg-emoji" and not (attrs.get("emoji-id") or "").isdigit():
            raise HtmlError("Invalid custom emoji identifier specified")
        if tag == "tg-time" and not (attrs.get("unix") or "").isdigit():
            raise HtmlError("Invalid Unix time specified")
        return i + 1

    def attribute_value(self, i: int, tag_pos: int) -> tuple[str, int]:
        src = self.src
        quote = src[i]
        if quote not in "'\"":
            # An unquoted value is an SGML name token: letters, digits, periods, hyphens.
            start = i
            while i < self.n and (src[i].isalnum() or src[i] in ".-"):
                i += 1
            if i >= self.n or (src[i] not in _SPACE and src[i] != ">"):
                raise HtmlError(f"Unexpected end of name token at byte offset {self.byte_offset(start)}")
            return src[start:i].lower(), i
        i += 1
        value: list[str] = []
        while i < self.n and src[i] != quote:
            # Attribute values keep Telegram's leniency: aiogram writes URLs
            # with raw "&" in href, and Telegram accepts them.
            decoded = self.decode_entity(i, lenient=True) if src[i] == "&" else None
            if decoded:
                value.append(decoded[0])
                i = decoded[1]
            else:
                value.append(src[i])
                i += 1
        if i >= self.n:
            raise HtmlError(f"Unclosed start tag at byte offset {tag_pos}")
        return "".join(value), i + 1

    def end_tag(self, begin: int) -> int:
        src, pos = self.src, self.byte_offset(begin)
        if not self.stack:
            raise HtmlError(f"Unexpected end tag at byte offset {pos}")
        i = begin + 2
        while i < self.n and src[i] not in _SPACE and src[i] != ">":
            i += 1
        name = src[begin + 2:i].lower()
        while i < self.n and src[i] in _SPACE:
            i += 1
        if self.at(i) != ">":
            raise HtmlError(f"Unclosed end tag at byte offset {pos}")
        top = self.stack.pop()
        if name and name != top.tag:
            raise HtmlError(
                f'Unmatched end tag at byte offset {pos}, expected "</{top.tag}>", found "</{name}>"')
        self.close(top)
        return i + 1

    def close(self, opened: _Open) -> None:
        length = self.utf16 - opened.offset
        if length == 0:
            return  # Telegram drops empty entities
        entity: dict[str, Any] = {"type": _TAGS[opened.tag], "offset": opened.offset, "length": length}
        attrs = opened.attrs
        if opened.tag == "a":
            href = attrs.get("href") or "".join(self.out)[opened.char_start:]
            entity.update(type="text_link", url=href)
        elif opened.tag == "blockquote":
            entity["type"] = "expandable_blockquote" if "expandable" in attrs else "blockquote"
        elif opened.tag == "tg-emoji":
            entity["custom_emoji_id"] = attrs["emoji-id"]
        elif opened.tag == "tg-time":
            entity["unix_time"] = int(attrs["unix"] or 0)
            if attrs.get("format"):
                entity["date_time_format"] = attrs["format"]
        elif opened.tag == "code":
            language = attrs.get("class") or ""
            if language.startswith("language-") and self.stack and self.stack[-1].tag == "pre":
                # <pre><code class="language-x">: one pre entity with a language,
                # merged when the enclosing pre closes over exactly this range.
                entity["_language"] = language[len("language-"):]
        elif opened.tag == "pre":
            for inner in self.entities:
                if (inner["type"] == "code" and "_language" in inner
                        and inner["offset"] == opened.offset and inner["length"] == length):
                    self.entities.remove(inner)
                    entity["language"] = inner["_language"]
                    break
        self.entities.append(entity)


def parse_html(source: str, *, strict_ampersand: bool = True) -> Parsed:
    """Parse ``source`` as Telegram does, or raise HtmlError with Telegram's wording."""
    return _Parser(source, strict_ampersand).parse()
