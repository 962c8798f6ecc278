"""The web face's aiohttp application, and serving it on `web.listen`.

Middlewares, outermost first: security headers on every answer; the session (a signed cookie:
aiohttp-session's storage, signed with itsdangerous, web/cookie.py); who is asking;
the CSRF guard; unknown addresses rendered as our own 404 page. Views hold only their logic.
"""
from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from importlib.resources import files

import aiohttp_jinja2
import jinja2
from aiohttp import web
from aiohttp_session import session_middleware

from deskbot.dispatch.clock import Clock
from deskbot.dispatch.config import Config
from deskbot.web import account, board, cabinet, contract, form, health, login, staff
from deskbot.web.cookie import SignedCookieStorage
from deskbot.web.guards import csrf_guard, security_headers, who_is_asking
from deskbot.web.pages import (
    BOARD_ASSIGNED, CLOCK, CONFIG, KEY, SESSIONS, TARIFF_WORDING, WAKE_MAIL, WAKE_TELEGRAM, not_found, refused_form,
)

log = logging.getLogger("deskbot.web")
COOKIE = "deskbot_session"
MAX_FORM = 64 * 1024  # the forms are a few short fields


def build_app(config: Config, sessions, clock: Clock, key: bytes, wake_mail: Callable[[], None] | None = None,
              tariff_wording: Callable | None = None, intake=None, board_assigned: Callable | None = None,
              wake_telegram: Callable[[], None] | None = None, probes: health.Probes | None = None) -> web.Application:
    """`key`: 32 bytes (dispatch.web_access.web_key); `wake_mail`: called when a code mail is queued;
    `tariff_wording`: words a tariff request for its manager in Telegram (bot/render/tariffs.py);
    `intake`: the PipeIntake of the request form (web/form.py), None: no form;
    `board_assigned`, `wake_telegram`: the Telegram cards of an assignment on the staff board (web/board.py);
    `probes`: /healthz, /readyz and /metrics (web/health.py) are served too."""
    storage = SignedCookieStorage(key, cookie_name=COOKIE, secure=config.web.https)
    # The request form's files are the one big body: up to twice their cap is read, so that the page can say
    # "too big" with the person's text kept; a bigger body gets aiohttp's bare 413.
    biggest = MAX_FORM if intake is None else 2 * config.web.form_max_upload + config.web.form_max_text * 4 + MAX_FORM
    app = web.Application(client_max_size=biggest, middlewares=[
        security_headers(config.web.https), session_middleware(storage), who_is_asking(sessions, clock),
        csrf_guard(refused_form), _our_404])
    app[CONFIG], app[SESSIONS], app[CLOCK], app[KEY], app[WAKE_MAIL] = config, sessions, clock, key, wake_mail
    app[TARIFF_WORDING] = tariff_wording
    app[BOARD_ASSIGNED], app[WAKE_TELEGRAM] = board_assigned, wake_telegram
    folder = files("deskbot.web")
    aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(str(folder.joinpath("templates"))),
                         autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
                         undefined=jinja2.StrictUndefined)
    app.add_routes([*cabinet.routes(), *contract.routes(), *account.routes(), *login.routes(), *staff.routes(),
                    *board.routes(),
                    web.static("/static", str(folder.joinpath("static")))])
    form.setup(app, intake)
    if probes is not None:
        app[health.PROBES] = probes
        app.add_routes(health.routes())
    return app


@web.middleware
async def _our_404(request: web.Request, handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPNotFound:
        return await not_found(request)


@contextlib.asynccontextmanager
async def serving(app: web.Application, listen: str, what: str = "web face") -> AsyncIterator[web.AppRunner]:
    """The app on host:port until the block ends."""
    host, _, port = listen.rpartition(":")
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, int(port)).start()
        log.info("%s on http://%s", what, listen)
        yield runner
    finally:
        await runner.cleanup()
