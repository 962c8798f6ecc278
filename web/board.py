"""The staff board at /staff: tickets by state, filters, and assignment for dispatchers.

The page works without script (a Refresh link; assignment is a plain form, answered with a
redirect and a one-time message); /static/board.js swaps in /staff/columns every few seconds.
The Telegram cards follow an assignment through BOARD_ASSIGNED (app/web.py: the bot's Notifier).
"""
from __future__ import annotations

from urllib.parse import urlencode

from aiohttp import web
from aiohttp_session import get_session
from sqlalchemy import select

from deskbot.dispatch import board, rules, tickets
from deskbot.dispatch.tickets import Refused
from deskbot.storage.models import Staff
from deskbot.web.guards import PERSON
from deskbot.web.pages import BOARD_ASSIGNED, CLOCK, CONFIG, SESSIONS, WAKE_TELEGRAM, not_found, render, words

_FLASH = "board_flash"


def routes() -> list[web.RouteDef]:
    return [web.get("/staff", page), web.get("/staff/columns", columns), web.post("/staff/assign", assign)]


class _NotStaff(Exception):
    def __init__(self, status: int) -> None:
        self.status = status


async def _staff(request: web.Request, db) -> Staff:
    person = request[PERSON]
    if person is None:
        raise _NotStaff(401)
    if person.kind != "staff":
        raise _NotStaff(404)  # a customer learns nothing about the staff's pages
    staff = await db.scalar(select(Staff).where(Staff.id == person.id, Staff.active.is_(True)))
    if staff is None:
        raise _NotStaff(404)
    return staff


async def _refused(request: web.Request, refusal: _NotStaff) -> web.Response:
    if refusal.status == 401:
        return await render(request, "message.html", status=401, title="web-staff-sign-in-title",
                            text="web-staff-sign-in")
    return await not_found(request)


def _number(text: str | None) -> int | None:
    return int(text) if text and text.isdigit() and len(text) < 10 else None


def _filters(query) -> board.Filters:
    return board.Filters(_number(query.get("department")), _number(query.get("person")))


def _query(filters: board.Filters) -> str:
    pairs = [(k, v) for k, v in (("department", filters.department_id), ("person", filters.staff_id)) if v]
    return urlencode(pairs)


async def _context(request: web.Request) -> dict:
    app, filters = request.app, _filters(request.query)
    now = app[CLOCK].now()
    async with app[SESSIONS]() as db:
        staff = await _staff(request, db)
        team = await board.team(db)
        shown = await board.board(db, app[CONFIG], filters, now)
    query = _query(filters)
    return dict(staff=staff, roles=sorted(staff.role_set), team=team, columns=shown, filters=filters, now=now,
                may_assign=rules.may_assign(staff.role_set), here="/staff" + (f"?{query}" if query else ""),
                query=query, age=words(request).age)


async def page(request: web.Request) -> web.Response:
    try:
        context = await _context(request)
    except _NotStaff as refusal:
        return await _refused(request, refusal)
    session = await get_session(request)
    return await render(request, "board.html", flash=session.pop(_FLASH, None), **context)


async def columns(request: web.Request) -> web.Response:
    """The columns alone, for board.js."""
    try:
        context = await _context(request)
    except _NotStaff as refusal:
        return web.Response(status=refusal.status)
    return await render(request, "board_columns.html", **context)


async def assign(request: web.Request) -> web.StreamResponse:
    app, form = request.app, await request.post()
    filters = _filters(form)
    back = "/staff" + (f"?{_query(filters)}" if _query(filters) else "")
    number = _number(form.get("ticket"))
    department_id, _, person_id = str(form.get("to", "")).partition(":")
    department_id, person_id = _number(department_id), _number(person_id)
    now = app[CLOCK].now()
    try:
        async with app[SESSIONS].begin() as db:
            actor = await _staff(request, db)
            if number is None or person_id is None:
                raise Refused("web-board-choose-person")
            done = await tickets.assign(db, number, actor, person_id, now, department_id=department_id)
            if app[BOARD_ASSIGNED] is not None:
                await app[BOARD_ASSIGNED](db, done, now)  # the Telegram cards, as a button's tap redraws them
            flash = {"ok": True, "key": "web-board-assigned", "args": {"number": number, "whom": done.assignee.name}}
    except _NotStaff as refusal:
        return await _refused(request, refusal)
    except Refused as refusal:
        flash = {"ok": False, "key": refusal.key, "args": dict(refusal.args_for_text)}
    else:
        if app[WAKE_TELEGRAM] is not None:
            app[WAKE_TELEGRAM]()
    (await get_session(request))[_FLASH] = flash
    raise web.HTTPSeeOther(back)
