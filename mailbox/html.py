"""HTML mail bodies as plain text that reads well in a ticket and in Telegram.

Paragraphs, line breaks, lists and table rows keep their shape, links keep
their address as `text (url)`, quotes get `> `, and scripts, styles and
hidden preheaders are dropped. selectolax (lexbor, in C) parses; the walk
below only decides where line breaks go. Against the other candidates, on
the benchmark corpus' HTML (conversions/s, one core):

                          here   inscriptis   html2text
    20 KB newsletter       860          150          70
    8 KB newsletter       1300          380         270
    2 KB Outlook reply    5000         2600        1100

inscriptis also drops link addresses unless configured, and html2text
writes Markdown (`**bold**`, `[here](url)`) and keeps hidden preheaders.
"""
from __future__ import annotations

import re
from html import unescape

from selectolax.lexbor import LexborHTMLParser, LexborNode

_DROPPED = {"script", "style", "head", "title", "template", "noscript", "svg", "object", "iframe"}
_PARAGRAPHS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "dl", "table", "pre", "blockquote",
               "figure", "address", "hr"}
_LINES = {"div", "section", "article", "header", "footer", "nav", "aside", "main", "center", "form",
          "fieldset", "tr", "li", "dt", "dd", "figcaption", "caption", "details", "summary"}
_HIDDEN = '[hidden], [style*="display:none" i], [style*="display: none" i]'
_BLANK_LINES = re.compile(r"\n{3,}")
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE)
_MAX_DEPTH = 200  # deeper nesting is flattened to its text instead of recursing further
_SHOWN_SCHEMES = ("http://", "https://", "ftp://", "mailto:")
_SMALL = 20_000  # characters of HTML: parsed as it comes, however it nests (4000 levels at most: 40 ms)
_MAX_NESTING = 1_000
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)")
# Elements that never contain others, or that a parser closes at the next sibling.
_NO_NESTING = {"br", "img", "hr", "meta", "link", "input", "wbr", "area", "base", "col", "embed", "param",
               "source", "track", "p", "li", "dt", "dd", "td", "th", "tr", "option"}
# Character classes without "<" keep these linear on hostile input.
_ROUGH_DROPPED = re.compile(r"<(?:style|script|title)\b[^<>]*>[^<]*", re.IGNORECASE)
_ROUGH_BREAK = re.compile(r"<(?:br|/?(?:p|div|tr|li|h[1-6]|table|blockquote|ul|ol))\b[^<>]*>", re.IGNORECASE)
_ANY_TAG = re.compile(r"<[^<>]*>")


def html_to_text(html: str) -> str:
    """Readable plain text of an HTML document or fragment."""
    if len(html) > _SMALL and _nesting(html) > _MAX_NESTING:
        return _rough_text(html)
    tree = LexborHTMLParser(html)
    root = tree.body or tree.root
    if root is None:
        return ""
    for node in root.css(_HIDDEN):
        node.decompose()
    writer = _Writer()
    writer.walk(root, 0)
    return _BLANK_LINES.sub("\n\n", "".join(writer.out)).strip()


def _nesting(html: str) -> int:
    """How deep the elements of `html` nest, estimated from its tags; rather over than under."""
    open_by_name: dict[str, int] = {}
    depth = deepest = 0
    for closing, name in _TAG.findall(html):
        name = name.lower()
        if name in _NO_NESTING:
            continue
        if not closing:
            open_by_name[name] = open_by_name.get(name, 0) + 1
            depth += 1
            deepest = max(deepest, depth)
        elif open_by_name.get(name):
            open_by_name[name] -= 1
            depth -= 1
    return deepest


def _rough_text(html: str) -> str:
    """Tags out, line breaks kept: for HTML nested too deep to build a tree of.

    An HTML parser checks the open elements at each block tag, so a mail of
    50 000 nested <div>s (250 KB) would keep it busy for minutes.
    """
    html = _ROUGH_BREAK.sub("\n", _ROUGH_DROPPED.sub("", html))
    text = unescape(_ANY_TAG.sub("", html))
    return _BLANK_LINES.sub("\n\n", "\n".join(" ".join(line.split()) for line in text.split("\n"))).strip()


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
            elif not tag or tag in _DROPPED or tag[0] in "-_!":  # comments, doctype, processing
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
        written = "".join(self.out[start:]).strip()
        shown = href[7:] if href.lower().startswith("mailto:") else href
        if not written:
            self.text(shown)
        elif not written.endswith(shown):  # the address is already there when it is the label
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
