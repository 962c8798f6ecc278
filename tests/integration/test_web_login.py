"""Customers log in with a code e-mailed to them (read here from a real SMTP sink); the doors' guards."""
import base64
import json
import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from deskbot.dispatch.mailout import MailSender
from deskbot.mailbox.smtp import SmtpSettings
from deskbot.storage.models import WebLoginCode
from harness.web import ANN, EVE, JOE, csrf_of, fresh_code, log_in, web_config



async def _mail_out(desk, sink) -> None:
    settings = SmtpSettings(host=sink.host, port=sink.port, security="none", timeout=5)
    await MailSender(settings, desk.sessions, desk.clock).drain_once()


async def test_a_customer_logs_in_with_the_code_from_the_mail(web_desk, smtp_sink):
    config = web_config(base_url="http://desk.example", smtp=(smtp_sink.host, smtp_sink.port))
    woken = []
    browser = await web_desk.browser(config, wake_mail=lambda: woken.append(1))
    assert (await browser.client.get("/tickets", allow_redirects=False)).headers["Location"] == "/login"

    sent = await browser.submit("/login", "/login", {"email": " Ann@ACME.example "})
    assert sent.status == 303 and sent.headers["Location"] in ("/login/code?email=ann%40acme.example", "/login/code?email=ann@acme.example")
    assert woken == [1]
    await _mail_out(web_desk, smtp_sink)
    [mail] = smtp_sink.received
    assert mail.rcpt_to == [ANN]
    text = mail.message.get_body(("plain",)).get_content()
    code = re.search(r"\b(\d{6})\b", text).group(1)
    link = re.search(r"(http://desk\.example/login/code\?\S+)", text).group(1)
    assert parse_qs(urlsplit(link).query) == {"email": [ANN], "code": [code]}

    # A mail scanner opening the link logs nobody in: the page only offers the confirm button.
    landing = await browser.page(link.removeprefix("http://desk.example"))
    assert f'value="{code}"' in landing and "Printer on fire" not in landing
    assert (await browser.client.get("/tickets", allow_redirects=False)).status == 303

    confirmed = await browser.client.post("/login/code", data={"csrf": csrf_of(landing), "email": ANN, "code": code},
                                          allow_redirects=False)
    assert confirmed.status == 303 and confirmed.headers["Location"] == "/tickets"
    listing = await browser.page("/tickets")
    assert "Printer on fire" in listing and "VPN is down" in listing
    async with web_desk.sessions() as s:
        stored = (await s.scalars(select(WebLoginCode.code_hash))).all()
    assert stored and code not in "".join(stored)  # kept only as a keyed hash

    again = await browser.client.post("/login/code", data={"csrf": csrf_of(listing), "email": ANN, "code": code},
                                      allow_redirects=False)
    assert again.status == 400  # a code works once


async def test_five_wrong_codes_spend_the_code(web_desk):
    browser = await web_desk.browser()
    code = await fresh_code(web_desk.sessions, web_desk.clock, ANN)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(5):
        response = await browser.submit(f"/login/code?email={ANN}", "/login/code", {"email": ANN, "code": wrong})
        assert response.status == 400
        assert "After 5 wrong tries" in await response.text()
    right = await browser.submit(f"/login/code?email={ANN}", "/login/code", {"email": ANN, "code": code})
    assert right.status == 400
    await browser.page("/tickets", status=200)  # the log-in page, where /tickets sends a stranger
    assert "Printer on fire" not in await browser.page("/tickets")


async def test_a_code_expires_after_ten_minutes(web_desk):
    browser = await web_desk.browser()
    code = await fresh_code(web_desk.sessions, web_desk.clock, ANN)
    web_desk.clock.advance(timedelta(minutes=10, seconds=1))
    response = await browser.submit(f"/login/code?email={ANN}", "/login/code", {"email": ANN, "code": code})
    assert response.status == 400


async def test_codes_are_rate_limited_per_address_and_per_client(web_desk, smtp_sink):
    browser = await web_desk.browser(web_config(smtp=(smtp_sink.host, smtp_sink.port)))
    for _ in range(3):
        assert (await browser.submit("/login", "/login", {"email": ANN})).status == 303
    limited = await browser.submit("/login", "/login", {"email": ANN})
    assert limited.status == 429 and "Too many codes" in await limited.text()
    for number in range(7):  # ten asked from this client address in the window, whoever for
        assert (await browser.submit("/login", "/login", {"email": f"p{number}@acme.example"})).status == 303
    assert (await browser.submit("/login", "/login", {"email": EVE})).status == 429
    web_desk.clock.advance(timedelta(minutes=16))
    assert (await browser.submit("/login", "/login", {"email": EVE})).status == 303


async def test_who_may_log_in(web_desk, smtp_sink):
    """Only people of contract clients; an unknown or contract-less address gets the same page and no mail."""
    smtp = (smtp_sink.host, smtp_sink.port)
    browser = await web_desk.browser(web_config(smtp=smtp))
    for email in (JOE, "stranger@gmail.com", "new.person@acme.example"):
        response = await browser.submit("/login", "/login", {"email": email})
        assert response.status == 303
    await _mail_out(web_desk, smtp_sink)
    assert [m.rcpt_to for m in smtp_sink.received] == [["new.person@acme.example"]]  # the contract's domain
    everyone = await web_desk.browser(web_config(smtp=smtp, customers="all"))
    assert (await everyone.submit("/login", "/login", {"email": JOE})).status == 303
    await _mail_out(web_desk, smtp_sink)
    assert smtp_sink.received[-1].rcpt_to == [JOE]


async def test_a_post_without_the_csrf_token_is_refused(web_desk):
    browser = await web_desk.browser()
    for data in ({"email": ANN}, {"email": ANN, "csrf": "forged"}):
        response = await browser.client.post("/login", data=data, allow_redirects=False)
        assert response.status == 403
        assert "did not come from this site" in await response.text()
    await log_in(browser, web_desk.sessions, web_desk.clock, ANN)
    assert (await browser.client.post("/logout", data={}, allow_redirects=False)).status == 403
    assert "Printer on fire" in await browser.page("/tickets")  # still logged in


async def test_cookie_flags_and_security_headers(web_desk):
    browser = await web_desk.browser(web_config(base_url="https://desk.example"))
    code = await fresh_code(web_desk.sessions, web_desk.clock, ANN)
    page = await browser.client.get(f"/login/code?email={ANN}")
    csp = page.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert page.headers["X-Frame-Options"] == "DENY" and page.headers["X-Content-Type-Options"] == "nosniff"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    html = await page.text()
    assert "<script" not in html and "style=" not in html and "<style" not in html
    # The test client keeps Secure cookies away from plain http, as a browser would: hand it back by hand.
    visitor = page.cookies["deskbot_session"].value
    response = await browser.client.post("/login/code", data={"csrf": csrf_of(html), "email": ANN, "code": code},
                                         headers={"Cookie": f"deskbot_session={visitor}"}, allow_redirects=False)
    assert response.status == 303
    cookie = response.headers["Set-Cookie"]
    for flag in ("HttpOnly", "Secure", "SameSite=Lax", f"Max-Age={14 * 24 * 3600}"):
        assert flag in cookie, cookie
    assert "deskbot_session=" in cookie
    css = await browser.client.get("/static/deskbot.css")
    assert css.status == 200 and css.content_type == "text/css"


async def test_a_cookie_changed_by_hand_is_a_fresh_session(web_desk):
    """The cookie is signed, not encrypted: what it holds can be read, but a changed one (a token or a CSRF
    token of someone's choosing) is refused, and a cookie of the former encrypted storage too."""
    browser = await web_desk.browser()
    await log_in(browser, web_desk.sessions, web_desk.clock, ANN)
    assert (await browser.client.get("/tickets", allow_redirects=False)).status == 200
    signed = next(c for c in browser.client.session.cookie_jar if c.key == "deskbot_session").value
    payload, _, signature = signed.rpartition(".")
    held = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))  # readable, as said
    held["session"]["csrf"] = "chosen"  # the live session's own token kept: only the signature can tell
    forged_payload = base64.urlsafe_b64encode(json.dumps(held).encode()).decode().rstrip("=")
    fernet_like = "gAAAAABl" + "A" * 120  # what EncryptedCookieStorage wrote before
    for cookie in (f"{forged_payload}.{signature}", signed[:-2] + ("AA" if not signed.endswith("AA") else "BB"),
                   fernet_like):
        browser.client.session.cookie_jar.clear()
        response = await browser.client.get("/tickets", allow_redirects=False,
                                            headers={"Cookie": f"deskbot_session={cookie}"})
        assert response.headers.get("Location") == "/login", cookie
    browser.client.session.cookie_jar.clear()
    response = await browser.client.get("/tickets", allow_redirects=False, headers={"Cookie": f"deskbot_session={signed}"})
    assert response.status == 200  # the cookie as it was signed still works


async def test_plain_http_cookies_are_not_secure(web_desk):
    browser = await web_desk.browser(web_config(base_url="http://127.0.0.1:8080"))
    code = await fresh_code(web_desk.sessions, web_desk.clock, ANN)
    response = await browser.submit(f"/login/code?email={ANN}", "/login/code", {"email": ANN, "code": code})
    assert "Secure" not in response.headers["Set-Cookie"] and "HttpOnly" in response.headers["Set-Cookie"]


async def test_a_session_ends_with_its_lifetime(web_desk):
    browser = await web_desk.browser()
    await log_in(browser, web_desk.sessions, web_desk.clock, ANN)
    web_desk.clock.advance(timedelta(days=13, hours=23))
    assert "Printer on fire" in await browser.page("/tickets")
    web_desk.clock.advance(timedelta(hours=2))
    assert (await browser.client.get("/tickets", allow_redirects=False)).headers["Location"] == "/login"


async def test_log_out_everywhere(web_desk):
    phone, laptop = await web_desk.browser(), await web_desk.browser()
    await log_in(phone, web_desk.sessions, web_desk.clock, ANN)
    await log_in(laptop, web_desk.sessions, web_desk.clock, ANN)
    out = await phone.submit("/tickets", "/logout/everywhere", {})
    assert out.status == 303
    for browser in (phone, laptop):
        assert (await browser.client.get("/tickets", allow_redirects=False)).headers["Location"] == "/login"
    await log_in(laptop, web_desk.sessions, web_desk.clock, ANN)  # a new log-in works again
    assert "Printer on fire" in await laptop.page("/tickets")
