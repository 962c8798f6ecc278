"""Wiring of the web face: its key, its app and its server, when `web.listen` is set."""
from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Callable

from deskbot.bot.notify import Notifier
from deskbot.bot.render import tariffs as tariff_texts
from deskbot.bot.render.texts import Texts
from deskbot.dispatch.clock import Clock
from deskbot.dispatch.config import Config
from deskbot.dispatch.pipe_intake import WEB_PLACE, PipeIntake, parse_here, parse_options, pipe_intake
from deskbot.dispatch.web_access import web_key
from deskbot.web.app import build_app, serving

log = logging.getLogger("deskbot.service")


@contextlib.asynccontextmanager
async def web_face(config: Config, sessions, clock: Clock, wake_mail: Callable[[], None] | None = None,
                   on_intake: Callable[[object], None] | None = None,
                   wake_telegram: Callable[[], None] | None = None, probes=None) -> AsyncIterator[None]:
    """`on_intake`: told of the request form's Ingest, so that what it stores wakes the sweeps as mail does;
    `wake_telegram`: the Telegram outbox sender's wake (None without a bot): the board's assignments
    redraw the Telegram cards at once; `probes`: /healthz, /readyz, /metrics (app/probes.py)."""
    if not config.web.listen:
        yield
        return
    if not config.smtp.host:
        log.warning("smtp.host is not set: customers' log-in codes cannot be e-mailed")
    async with sessions.begin() as session:
        key = await web_key(session, config.web.secret.get_secret_value())
    texts = Texts(config.telegram.language)  # the managers' language, as the bot speaks to them
    intake = form_intake(config, sessions, clock)
    if intake is not None and on_intake is not None:
        on_intake(intake.ingest)
    app = build_app(config, sessions, clock, key, wake_mail, lambda notice: tariff_texts.message(notice, texts),
                    intake=intake, board_assigned=board_cards(config, texts) if wake_telegram else None,
                    wake_telegram=wake_telegram, probes=probes)
    async with serving(app, config.web.listen):
        yield


def form_intake(config: Config, sessions, clock: Clock) -> PipeIntake | None:
    """The request form's requests go in as piped mail does, stored under the pseudo-mailbox "web"."""
    if config.web.form == "off":
        return None
    return pipe_intake(config, sessions, clock, parse_here(parse_options(config), in_thread=True), place=WEB_PLACE)


def board_cards(config: Config, texts: Texts):
    """What a dispatcher's tap on a person does to the cards, for an assignment made on the staff board:
    the dispatcher chat's card says who assigned it to whom, the assignee gets the ticket privately."""
    notify = Notifier(config, texts)

    async def assigned(session, done, now) -> None:
        await notify.assigned(session, done, now, shown=None)
    return assigned
