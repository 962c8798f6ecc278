"""Customers log in with a six-digit code e-mailed to them; anyone logs out, here or everywhere."""
from __future__ import annotations

import secrets
from urllib.parse import urlencode

from aiohttp import web
from aiohttp_session import get_session, new_session

from deskbot.dispatch import web_access
from deskbot.dispatch.web_mail import queue_code_mail
from deskbot.web.form import INTAKE
from deskbot.web.guards import CSRF_FIELD, PERSON, SESSION_TOKEN, client_address, forget
from deskbot.web.pages import CLOCK, CONFIG, KEY, SESSIONS, WAKE_MAIL, not_found, render, words


def routes() -> list[web.RouteDef]:
    return [web.get("/login", ask_address), web.post("/login", send_code),
            web.get("/login/code", ask_code), web.post("/login/code", check_code),
            web.post("/logout", log_out), web.post("/logout/everywhere", log_out_everywhere),
            web.post(r"/sessions/{id:\d{1,9}}/end", end_session)]


async def ask_address(request: web.Request) -> web.Response:
    return await _login_page(request, "", None)


async def _login_page(request: web.Request, email: str, error: str | None, status: int = 200) -> web.Response:
    """The page asking for an address; it points to the request form when anyone may use it."""
    form_open = request.app[CONFIG].web.form == "public" and request.app.get(INTAKE) is not None
    return await render(request, "login.html", status=status, email=email, error=error, form_open=form_open)


async def send_code(request: web.Request) -> web.StreamResponse:
    app, form = request.app, await request.post()
    email = web_access.normal_address(str(form.get("email", "")))
    if email is None:
        return await _login_page(request, str(form.get("email", ""))[:320], "web-login-bad-address", 400)
    config, now = app[CONFIG], app[CLOCK].now()
    async with app[SESSIONS].begin() as db:
        asked = await web_access.request_code(db, app[KEY], email, client_address(request, config.web),
                                              config.web.customers, now)
        if asked.code is not None:
            link = f"{config.web.url}/login/code?{urlencode({'email': email, 'code': asked.code})}"
            queue_code_mail(db, config, words(request), email=email, code=asked.code, link=link, now=now)
    if asked.limited:
        return await _login_page(request, email, "web-login-too-many", 429)
    if asked.code is not None and app[WAKE_MAIL] is not None:
        app[WAKE_MAIL]()
    # The same answer whether or not the address may log in: the page tells nobody who is a customer.
    raise web.HTTPSeeOther(f"/login/code?{urlencode({'email': email})}")


async def ask_code(request: web.Request) -> web.Response:
    email = web_access.normal_address(request.query.get("email", "")) or ""
    code = "".join(ch for ch in request.query.get("code", "") if ch.isdigit())[:6]
    return await render(request, "login_code.html", email=email, code=code, error=None)


async def check_code(request: web.Request) -> web.StreamResponse:
    app, form = request.app, await request.post()
    email = web_access.normal_address(str(form.get("email", ""))) or ""
    code = str(form.get("code", "")).strip()[:16]
    now = app[CLOCK].now()
    async with app[SESSIONS].begin() as db:
        customer = await web_access.check_code(db, app[KEY], email, code, now) if email else None
        if customer is not None:
            await start_session(request, db, "customer", customer.id, app[CONFIG].web.customer_session)
    if customer is None:
        return await render(request, "login_code.html", status=400, email=email, code="", error="web-login-bad-code")
    raise web.HTTPSeeOther("/tickets")


async def start_session(request: web.Request, db, kind: str, person: int, lifetime) -> None:
    """A fresh session (and CSRF token) for the person, ending after `lifetime`: its row is written in `db`'s
    transaction, the cookie goes with the answer."""
    now = request.app[CLOCK].now()
    token = await web_access.open_session(db, kind, person, lifetime, request.headers.get("User-Agent", ""),
                                          client_address(request, request.app[CONFIG].web), now)
    session = await new_session(request)
    session.update({SESSION_TOKEN: token, CSRF_FIELD: secrets.token_urlsafe(32)})
    session.max_age = int(lifetime.total_seconds())


async def log_out(request: web.Request) -> web.StreamResponse:
    session = await get_session(request)
    token = session.get(SESSION_TOKEN)
    if isinstance(token, str):
        async with request.app[SESSIONS].begin() as db:
            await web_access.end_own_session(db, token, request.app[CLOCK].now())
    forget(session)
    raise web.HTTPSeeOther("/")


async def log_out_everywhere(request: web.Request) -> web.StreamResponse:
    person = request[PERSON]
    if person is not None:
        async with request.app[SESSIONS].begin() as db:
            await web_access.log_out_everywhere(db, person.kind, person.id, request.app[CLOCK].now())
    forget(await get_session(request))
    raise web.HTTPSeeOther("/")


async def end_session(request: web.Request) -> web.StreamResponse:
    """The "End" button of a session in the list: only the person's own sessions; anything else is not found."""
    person = request[PERSON]
    if person is None:
        raise web.HTTPSeeOther("/login")
    number = int(request.match_info["id"])
    async with request.app[SESSIONS].begin() as db:
        ended = await web_access.end_session(db, person.kind, person.id, number, request.app[CLOCK].now())
    if not ended:
        return await not_found(request)
    if number == person.session:
        forget(await get_session(request))
        raise web.HTTPSeeOther("/")
    raise web.HTTPSeeOther("/account" if person.kind == "customer" else "/staff/account")
