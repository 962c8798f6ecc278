"""The doors, guarded once for every page: security headers, who is asking, and CSRF on every form.

CSRF: a synchronizer token. Each visitor's session (a signed cookie, web/cookie.py) holds a
random token; every form carries it in a hidden field, and a POST whose field does not match
is refused before any view runs. The cookie is encrypted and SameSite=Lax, so another site can
neither read the token nor make the browser send a matching pair.
"""
from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from typing import Awaitable, Callable, Sequence

from aiohttp import web
from aiohttp_session import get_session

from deskbot.dispatch import web_access
from deskbot.dispatch.config import WebConfig

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
CSRF_FIELD = "csrf"
SESSION_TOKEN = "sid"  # the cookie's key for the session token (dispatch/web_access.py)
MACHINES = frozenset({"/healthz", "/readyz", "/metrics"})  # web/health.py: no person, no session behind them
# No inline script or style anywhere: everything comes from /static on this host.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; object-src 'none'; "
       "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
PERSON = web.RequestKey("person", object)  # the logged-in Person, or None
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",  # a sign-in link or a code in the address never leaves in a Referer
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


@dataclass(frozen=True)
class Person:
    """Who is logged in: a customer (id of customers) or a staff member (id of staff)."""

    kind: str  # customer | staff
    id: int
    session: int = 0  # the id of this browser's row in web_sessions


def security_headers(https: bool):
    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            response = await handler(request)
        except web.HTTPException as exc:
            response = exc
            _stamp(response, https, request)
            raise
        _stamp(response, https, request)
        return response
    return middleware


def _stamp(response: web.StreamResponse, https: bool, request: web.Request) -> None:
    response.headers.update(HEADERS)
    if https:
        response.headers["Strict-Transport-Security"] = "max-age=31536000"
    if not request.path.startswith("/static/"):
        response.headers["Cache-Control"] = "no-store"  # pages are personal


def who_is_asking(sessions, clock):
    """request[PERSON]: the logged-in Person, or None. The cookie names a session kept in web_sessions
    (dispatch/web_access.py); one that was ended or is past its time is emptied here."""
    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        request[PERSON] = None
        if request.path.startswith("/static/") or request.path in MACHINES:
            return await handler(request)
        session = await get_session(request)
        token = session.get(SESSION_TOKEN)
        if isinstance(token, str):
            now = clock.now()
            async with sessions.begin() as db:
                row = await web_access.live_session(db, token, now)
            if row is not None:
                request[PERSON] = Person(row.kind, row.person_id, row.id)
                session.max_age = int((row.expires_at - now).total_seconds())  # a cookie written again keeps the end
            else:
                forget(session)
        return await handler(request)
    return middleware


def forget(session) -> None:
    """Logged out; the visitor keeps only a fresh CSRF token."""
    session.clear()
    session.max_age = None
    session[CSRF_FIELD] = secrets.token_urlsafe(32)


def csrf_guard(refuse: Handler):
    """`refuse` renders the page a refused form gets (403)."""
    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.method in SAFE_METHODS:
            return await handler(request)
        session = await get_session(request)
        expected = session.get(CSRF_FIELD)
        form = await request.post()
        given = form.get(CSRF_FIELD)
        if not (isinstance(expected, str) and isinstance(given, str) and hmac.compare_digest(expected, given)):
            return await refuse(request)
        return await handler(request)
    return middleware


async def csrf_token(request: web.Request) -> str:
    session = await get_session(request)
    token = session.get(CSRF_FIELD)
    if not isinstance(token, str):
        token = session[CSRF_FIELD] = secrets.token_urlsafe(32)
    return token


def client_address(request: web.Request, settings: WebConfig) -> str:
    """The client's IP address: X-Forwarded-For's last hop only from a proxy named in web.proxies."""
    return (forwarded_for(request, settings.proxies) or request.remote or "")[:64]


def forwarded_for(request: web.Request, proxies: Sequence[str]) -> str | None:
    """X-Forwarded-For's last hop (the one the proxy appended) when a proxy of `proxies` sent the request."""
    if (request.remote or "") not in proxies:
        return None
    hops = [hop.strip() for hop in request.headers.get("X-Forwarded-For", "").split(",") if hop.strip()]
    return hops[-1] if hops else None
