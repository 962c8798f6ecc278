"""Customers log in with a six-digit code e-mailed to them; anyone logs out, here or everywhere."""
from __future__ import annotations

import secrets
from urllib.parse import urlencode

from aiohttp import web
from aiohttp_session import get_session, new_session

from deskbot.dispatch import web_access
from deskbot.dispatch.web_mail import queue_code_mail
from deskbot.web.guards import PERSON, CSRF_FIELD, client_address, forget
from deskbot.web.pages import CLOCK, CONFIG, KEY, SESSIONS, WAKE_MAIL, render, words


def routes() -> list[web.RouteDef]:
    return [web.get("/login", ask_address), web.post("/login", send_code),
            web.get("/login/code", ask_code), web.post("/login/code", check_code),
            web.post("/logout", log_out), web.post("/logout/everywhere", log_out_everywhere)]


async def ask_address(request: web.Request) -> web.Response:
    return await render(request, "login.html", email="", error=None)


async def send_code(request: web.Request) -> web.StreamResponse:
    app, form = request.app, await request.post()
    email = web_access.normal_address(str(form.get("email", "")))
    if email is None:
        return await render(request, "login.html", status=400, email=str(form.get("email", ""))[:320],
                            error="web-login-bad-address")
    config, now = app[CONFIG], app[CLOCK].now()
    async with app[SESSIONS].begin() as db:
        asked = await web_access.request_code(db, app[KEY], email, client_address(request, config.web),
                                              config.web.customers, now)
        if asked.code is not None:
            link = f"{config.web.url}/login/code?{urlencode({'email': email, 'code': asked.code})}"
            queue_code_mail(db, config, words(request), email=email, code=asked.code, link=link, now=now)
    if asked.limited:
        return await render(request, "login.html", status=429, email=email, error="web-login-too-many")
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
        generation = await web_access.generation(db, "customer", customer.id) if customer else 0
    if customer is None:
        return await render(request, "login_code.html", status=400, email=email, code="", error="web-login-bad-code")
    await start_session(request, "customer", customer.id, generation, app[CONFIG].web.customer_session)
    raise web.HTTPSeeOther("/tickets")


async def start_session(request: web.Request, kind: str, person: int, generation: int, lifetime) -> None:
    """A fresh session (and CSRF token) for the person, ending after `lifetime`."""
    session = await new_session(request)
    session.update({"kind": kind, "id": person, "gen": generation, CSRF_FIELD: secrets.token_urlsafe(32),
                    "at": request.app[CLOCK].now().timestamp(),
                    "exp": (request.app[CLOCK].now() + lifetime).timestamp()})
    session.max_age = int(lifetime.total_seconds())


async def log_out(request: web.Request) -> web.StreamResponse:
    forget(await get_session(request))
    raise web.HTTPSeeOther("/")


async def log_out_everywhere(request: web.Request) -> web.StreamResponse:
    person = request[PERSON]
    if person is not None:
        async with request.app[SESSIONS].begin() as db:
            await web_access.log_out_everywhere(db, person.kind, person.id)
    forget(await get_session(request))
    raise web.HTTPSeeOther("/")
