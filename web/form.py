"""The request form at /new: a person writes a request without knowing e-mail etiquette.

What they send becomes a mail (dispatch/web_form.py) handed to the same intake as piped mail, so
it is stored, threaded, acknowledged and announced as any mail. Anti-abuse: the CSRF guard, a
rate limit per client address, caps on text and attachments, and a honeypot field: a filled
honeypot gets the same "received" page and nothing is stored (a robot learns nothing, a person
never fills a field they cannot see).
"""
from __future__ import annotations

import logging

from aiohttp import web

from deskbot.dispatch import web_form
from deskbot.dispatch.intake import Outcome
from deskbot.dispatch.pipe_intake import PipeIntake
from deskbot.web.guards import PERSON, client_address
from deskbot.web.pages import CLOCK, CONFIG, SESSIONS, language, not_found, render

log = logging.getLogger("deskbot.web")
INTAKE = web.AppKey("form_intake", object)
HONEYPOT = "website"


def setup(app: web.Application, intake: PipeIntake | None) -> None:
    """The form's routes, with the intake its requests go to (None: the form is off)."""
    app[INTAKE] = intake
    app.add_routes([web.get("/new", blank), web.post("/new", send)])


async def _gate(request: web.Request) -> web.StreamResponse | None:
    """Not found when the form is off; the log-in page when it is for customers only."""
    config = request.app[CONFIG]
    if config.web.form == "off" or request.app[INTAKE] is None:
        return await not_found(request)
    person = request[PERSON]
    if config.web.form == "customers" and (person is None or person.kind != "customer"):
        raise web.HTTPSeeOther("/login")
    return None


async def _customer_address(request: web.Request) -> tuple[str, str] | None:
    person = request[PERSON]
    if person is None or person.kind != "customer":
        return None
    async with request.app[SESSIONS]() as db:
        return await web_form.customer_address(db, person.id)


async def blank(request: web.Request) -> web.StreamResponse:
    if (refused := await _gate(request)) is not None:
        return refused
    name, email = await _customer_address(request) or ("", "")
    return await _form(request, web_form.FormRequest(name, email, "", "", ""), [])


async def _form(request: web.Request, typed: web_form.FormRequest, errors: list[str], status: int = 200):
    config = request.app[CONFIG]
    lang = language(request)
    kinds = [(kind.key, kind.name(lang), kind.required) for kind in config.web.request_types]
    return await render(request, "form.html", status=status, typed=typed, errors=errors, kinds=kinds,
                        fixed_email=await _customer_address(request) is not None, honeypot=HONEYPOT,
                        max_text=config.web.form_max_text, max_upload_mb=max(1, config.web.form_max_upload >> 20))


async def send(request: web.Request) -> web.StreamResponse:
    if (refused := await _gate(request)) is not None:
        return refused
    app, form = request.app, await request.post()
    config, now = app[CONFIG], app[CLOCK].now()
    typed = _typed(form)
    known = await _customer_address(request)
    if known is not None:  # a logged-in customer writes as themselves
        typed = web_form.FormRequest(typed.name or known[0], known[1], typed.type_key, typed.subject, typed.text,
                                     typed.uploads)
    errors = web_form.problems(typed, config)
    if errors:
        return await _form(request, typed, errors, status=413 if "web-form-files-too-big" in errors else 400)
    try:
        async with app[SESSIONS].begin() as db:
            allowed = await web_form.allow(db, client_address(request, config.web), config.web.form_per_hour, now)
    except Exception:  # the database away: the person keeps their text and tries again
        log.exception("web form: the request could not be counted")
        return await _form(request, typed, ["web-form-not-stored"], status=503)
    if not allowed:
        return await _form(request, typed, ["web-form-too-many"], status=429)
    if str(form.get(HONEYPOT, "")).strip():
        log.info("web form: honeypot filled by %s; nothing stored", client_address(request, config.web))
        return await render(request, "form_sent.html", number=None, outcome="", email=typed.email)
    try:
        stored = await app[INTAKE].hand_in(web_form.as_mail(typed, config, now, verified=known is not None))
    except Exception:  # the database away: the person keeps their text and tries again
        log.exception("web form: the request could not be stored")
        return await _form(request, typed, ["web-form-not-stored"], status=503)
    kind = web_form.request_type(config, typed.type_key)
    if stored.outcome is Outcome.TICKET and stored.ticket_id is not None and kind and kind.department:
        async with app[SESSIONS].begin() as db:
            await web_form.route(db, stored.ticket_id, kind.department, now, config)
    number = stored.ticket_id if stored.outcome in (Outcome.TICKET, Outcome.REPLY) else None
    return await render(request, "form_sent.html", number=number, outcome=stored.outcome.value, email=typed.email)


def _typed(form) -> web_form.FormRequest:
    def text(name: str, limit: int) -> str:
        value = form.get(name, "")
        return value.strip()[:limit] if isinstance(value, str) else ""

    uploads = [web_form.Upload(part.filename or "", part.content_type or "", part.file.read())
               for part in form.getall("files", []) if isinstance(part, web.FileField) and part.filename]
    # The text is kept a little past its cap so that "too long" is told, not silently cut.
    return web_form.FormRequest(text("name", web_form.MAX_NAME), text("email", 320).lower(), text("type", 64),
                                text("subject", web_form.MAX_SUBJECT), text("text", 2_000_000), uploads)
