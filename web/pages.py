"""Rendering: every page gets the words of the visitor's language, the CSRF token and who is asking."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import aiohttp_jinja2
from aiohttp import web

from deskbot.catalog.words import LANGUAGES, Catalog
from deskbot.web.guards import CSRF_FIELD, PERSON, csrf_token

CONFIG = web.AppKey("config", object)
SESSIONS = web.AppKey("sessions", object)
CLOCK = web.AppKey("clock", object)
KEY = web.AppKey("key", bytes)
WAKE_MAIL = web.AppKey("wake_mail", object)
TARIFF_WORDING = web.AppKey("tariff_wording", object)  # dispatch.tariffs.Wording, from bot/render (app/web.py)
# async (session, Done, now): queues the Telegram cards of a board assignment, as the bot's buttons do (app/web.py)
BOARD_ASSIGNED = web.AppKey("board_assigned", object)
WAKE_TELEGRAM = web.AppKey("wake_telegram", object)  # the Telegram outbox sender's wake, or None


def language(request: web.Request) -> str:
    """The first of en/ru in Accept-Language, else the desk's language."""
    for part in request.headers.get("Accept-Language", "").split(","):
        tag = part.split(";")[0].strip().lower()[:2]
        if tag in LANGUAGES:
            return tag
    return request.app[CONFIG].telegram.language


def words(request: web.Request) -> Catalog:
    return Catalog(language(request))  # a language's parsed catalog is kept once asked for (catalog/words.py)


async def render(request: web.Request, template: str, status: int = 200, **context) -> web.Response:
    config = request.app[CONFIG]
    catalog = words(request)
    zone = ZoneInfo(config.dispatch.timezone)

    def when(at: datetime | None) -> str:
        return at.astimezone(zone).strftime("%Y-%m-%d %H:%M") if at else ""

    context.update(t=catalog.plain, lang=catalog.lang, csrf=await csrf_token(request), csrf_field=CSRF_FIELD,
                   person=request.get(PERSON), when=when, duration=catalog.duration)
    return aiohttp_jinja2.render_template(template, request, context, status=status)


async def refused_form(request: web.Request) -> web.Response:
    return await render(request, "message.html", status=403, title="web-form-expired-title",
                        text="web-form-expired")


async def not_found(request: web.Request) -> web.Response:
    return await render(request, "message.html", status=404, title="web-not-found-title", text="web-not-found")
