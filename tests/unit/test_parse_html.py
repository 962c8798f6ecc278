"""HTML bodies as text a support engineer reads on a phone."""
from __future__ import annotations

import pytest

from deskbot.mailbox.html import html_to_text, meta_charset


@pytest.mark.parametrize("html, text", [
    ("<p>One</p><p>Two</p>", "One\n\nTwo"),
    ("Line one<br>Line two<br><br>After a gap", "Line one\nLine two\n\nAfter a gap"),
    ("<div>Hello</div><div>world</div>", "Hello\nworld"),
    ("<p>  lots   of\n\n spaces&nbsp;here </p>", "lots of spaces here"),
    ("<b>bold</b> and <i>italic</i>", "bold and italic"),
    ("<h1>Title</h1>Body", "Title\n\nBody"),
    ("A &amp; B &lt;tag&gt; &laquo;quoted&raquo; &#8470;5 &euro;", "A & B <tag> «quoted» №5 €"),
])
def test_text_structure(html, text):
    assert html_to_text(html) == text


@pytest.mark.parametrize("html, text", [
    ('See <a href="https://client.example/log">the log</a>.', "See the log (https://client.example/log)."),
    ('<a href="https://client.example/">https://client.example/</a>', "https://client.example/"),
    ('<a href="mailto:it@client.example">it@client.example</a>', "it@client.example"),
    ('<a href="mailto:it@client.example">IT</a>', "IT (it@client.example)"),
    ('<a href="javascript:alert(1)">click</a>', "click"),
    ('<a href="#top">top</a>', "top"),
    ('<a href="https://client.example/x"><img src="logo.png"></a>', "https://client.example/x"),
    ('<a href="https://client.example/x"><img src="logo.png" alt="Logo"></a>',
     "[image: Logo] (https://client.example/x)"),
])
def test_links_keep_their_address(html, text):
    assert html_to_text(html) == text


def test_lists():
    html = ("<p>Steps:</p><ol><li>Restart</li><li>Log in<ul><li>as admin</li></ul></li></ol>"
            "<ul><li><p>Done</p></li></ul>")

    assert html_to_text(html) == "Steps:\n\n1. Restart\n2. Log in\n  - as admin\n\n- Done"


def test_tables_read_row_by_row():
    html = ("<table><tr><th>Item</th><th>Qty</th><th>Shop</th></tr><tr><td>Toner</td><td>2</td>"
            '<td><a href="https://shop.example/">https://shop.example/</a></td></tr>'
            "<tr><td></td><td>3</td></tr></table>")

    assert html_to_text(html) == "Item | Qty | Shop\nToner | 2 | https://shop.example/\n3"


def test_quotes_and_preformatted_text():
    html = "<p>Yes.</p><blockquote><p>Did it work?</p><p>Tell me<br>please</p></blockquote><pre>  a\n    b</pre>"

    assert html_to_text(html) == "Yes.\n\n> Did it work?\n>\n> Tell me\n> please\n\n  a\n    b"


def test_scripts_styles_and_hidden_text_are_dropped():
    html = ("<html><head><title>Newsletter</title><style>p{color:red}</style></head><body>"
            "<script>track()</script><span style='DISPLAY: NONE'>preheader</span><div hidden>x</div>"
            "<noscript>enable js</noscript><!-- comment --><p>Visible</p></body></html>")

    assert html_to_text(html) == "Visible"


@pytest.mark.parametrize("html, text", [
    ("", ""), ("   ", ""), ("<html></html>", ""), ("</p></div>", ""), ("<<<>>>", "<<<>>>"),
    ("<p>unclosed <b>bold", "unclosed bold"), ("<table><td>cell<tr><td>row", "cell\nrow"),
])
def test_empty_or_broken_html(html, text):
    assert html_to_text(html) == text


def test_deep_nesting_does_not_exhaust_the_stack():
    html = "<span>" * 3000 + "deep" + "</span>" * 3000

    assert html_to_text(html) == "deep"


def test_html_nested_too_deep_for_the_parser_is_converted_roughly():
    # 100 000 nested <div>s would keep the HTML parser busy for many minutes.
    html = "<style>p {}</style>" + "<div>" * 100_000 + "Line one<br>Line &amp; <b>two</b>" + "</div>" * 10

    assert html_to_text(html) == "Line one\nLine & two"


@pytest.mark.parametrize("html, charset", [
    (b'<html><head><meta charset="windows-1251"></head>', "windows-1251"),
    (b'<meta http-equiv="Content-Type" content="text/html; charset=koi8-r">', "koi8-r"),
    (b"<html><body>no declaration</body></html>", None),
])
def test_meta_charset(html, charset):
    assert meta_charset(html) == charset
