"""Mail server incidents on both databases: told once, ended once, remembered across a restart."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from deskbot.bot.render.mail import incident_text
from deskbot.bot.render.texts import Texts
from deskbot.dispatch.clock import FrozenClock
from deskbot.dispatch.incidents import OUTAGE_NOTICE, Incidents
from deskbot.mailbox.failures import Failure, Kind
from deskbot.storage.db import session_factory
from deskbot.storage.models import OutboxMessage

START = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
CHAT = -1001
LOGIN = Failure(Kind.AUTHENTICATION, "LoginError: b'[AUTHENTICATIONFAILED] Authentication failed.'")
DOWN = Failure(Kind.CONNECTION, "ConnectionRefusedError: [Errno 111] Connection refused")


def watch(sessions, clock, server: str = "mailbox", chat: int = CHAT, lang: str = "en"):
    """A fresh process's view: nothing in memory, only what the outbox holds."""
    texts = Texts(lang)
    return Incidents(sessions, clock, chat, lambda notice: incident_text(texts, notice)).watch(server, "box (imap)")


async def notices(sessions) -> list[tuple[str, str]]:
    async with sessions() as s:
        rows = await s.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
        return [(r.purpose, r.payload) for r in rows]


async def test_a_refused_login_is_told_once_even_across_a_restart_and_its_end_once(engine):
    sessions, clock = session_factory(engine), FrozenClock(START)
    first = watch(sessions, clock)
    await first.working()  # a good start: nothing to say
    await first.failing(LOGIN)
    clock.advance(timedelta(minutes=1))
    await first.failing(LOGIN)
    assert [p for p, _ in await notices(sessions)] == ["incident:mailbox:authentication"]

    restarted = watch(sessions, clock)  # the service restarts with the same wrong password
    clock.advance(timedelta(minutes=1))
    await restarted.failing(LOGIN)
    assert len(await notices(sessions)) == 1
    clock.advance(timedelta(minutes=88))
    fixed = watch(sessions, clock)  # restarted again, with the right password this time
    await fixed.working()
    await fixed.working()
    told = await notices(sessions)
    assert [p for p, _ in told] == ["incident:mailbox:authentication", "recovered:mailbox"]
    assert "works again (after 1 h 30 min)" in told[1][1]
    await watch(sessions, clock).working()  # yet another start: the incident is over, nothing to say
    assert len(await notices(sessions)) == 2


async def test_an_outage_is_told_only_when_it_lasts_and_each_server_on_its_own(engine):
    sessions, clock = session_factory(engine), FrozenClock(START)
    mailbox, smtp = watch(sessions, clock), watch(sessions, clock, "smtp", lang="ru")
    await mailbox.failing(DOWN)
    await smtp.failing(DOWN)
    clock.advance(OUTAGE_NOTICE - timedelta(seconds=1))
    await mailbox.failing(DOWN)
    await mailbox.working()  # back in time: nobody needed to know
    clock.advance(timedelta(seconds=2))
    await smtp.failing(DOWN)
    await mailbox.failing(DOWN)
    told = await notices(sessions)
    assert [p for p, _ in told] == ["incident:smtp:down"]
    assert "не может связаться с почтовым сервером box (imap)" in told[0][1] and "Errno" not in told[0][1]


async def test_without_a_dispatcher_chat_nothing_is_queued(engine):
    sessions, clock = session_factory(engine), FrozenClock(START)
    quiet = watch(sessions, clock, chat=0)
    await quiet.failing(LOGIN)
    await quiet.working()
    assert await notices(sessions) == []


async def test_a_database_failure_does_not_reach_the_mail_loop(engine, caplog):
    sessions, clock = session_factory(engine), FrozenClock(START)
    broken = watch(sessions, clock)
    broken.incidents.words = lambda notice: 1 / 0  # anything failing while the notice is written
    await broken.failing(LOGIN)  # logged, not raised
    assert await notices(sessions) == [] and "could not be recorded" in caplog.text
    broken.incidents.words = lambda notice: "told"
    await broken.failing(LOGIN)  # the next attempt tells it
    assert [p for p, _ in await notices(sessions)] == ["incident:mailbox:authentication"]
