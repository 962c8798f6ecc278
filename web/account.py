"""Who is logged in, this session's start and end, and the ways out (the forms post to web/login.py)."""
from __future__ import annotations

from datetime import datetime, timezone

from aiohttp import web
from aiohttp_session import get_session

from deskbot.web.cabinet import _viewer
from deskbot.web.pages import render


def routes() -> list[web.RouteDef]:
    return [web.get("/account", account)]


def _moment(value) -> datetime | None:
    return datetime.fromtimestamp(float(value), timezone.utc) if isinstance(value, (int, float)) else None


async def account(request: web.Request) -> web.Response:
    who = await _viewer(request)
    session = await get_session(request)
    return await render(request, "account.html", who=who, started=_moment(session.get("at")),
                        ends=_moment(session.get("exp")))
