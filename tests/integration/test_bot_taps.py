"""A tap is answered as soon as its decision is committed, even when the chat's flood budget is spent.

The real Dispatcher polls the strict fake Telegram. The sender's flood control and the
fake's limits follow one clock that stands still until the test moves it, and the
sender's sleep waits for that clock: while a reply waits for the chat's window, the test
sees what Telegram has received so far, and moves time on when it has checked it. No
real waiting, and the fake's request log gives the order of the calls.
"""
from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import pytest
from aiogram import Dispatcher, F, Router
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.callback_answer import CallbackAnswer, CallbackAnswerMiddleware

from deskbot.bot.app import build_dispatcher
from deskbot.bot.delivery import TelegramSender
from deskbot.bot.middleware import Transaction
from deskbot.bot.render.callbacks import DepartmentV1
from deskbot.dispatch import outbox
from deskbot.storage.db import session_factory
from harness.fake_telegram import FakeTelegram
from harness.fake_telegram.fixtures import aiogram_bot
from harness.fake_telegram.server import RequestRecord
from harness.bot_desk import (
    CONFIG, DAN, DINA, DISPATCHERS, EN, SAM, START, SUPPORT, add_ticket, queue_card, recording_handled, seed, to,
)


class StillClock:
    """Time that moves only when the test moves it; `sleep` (the sender's) waits for it to."""

    def __init__(self, start: datetime) -> None:
        self.at = start
        self._moved = asyncio.Event()

    def now(self) -> datetime:
        return self.at

    def timestamp(self) -> float:
        return self.at.timestamp()

    def advance(self, seconds: float) -> None:
        self.at += timedelta(seconds=seconds)
        self._moved.set()
        self._moved = asyncio.Event()

    async def sleep(self, seconds: float) -> None:
        until = self.at + timedelta(seconds=seconds)
        while self.at < until:
            await self._moved.wait()


class Taps:
    def __init__(self, fake: FakeTelegram, sessions, clock: StillClock, sender: TelegramSender) -> None:
        self.fake, self.sessions, self.clock, self.sender = fake, sessions, clock, sender
        self.handled: set[str] = set()

    async def card(self, number: int):
        """The ticket's card, queued in the outbox and sent (when the chat's limits allow it now)."""
        await queue_card(self.sessions, number, self.clock.now())
        await self.drain()
        return await self.fake.wait_for_bot_message(DISPATCHERS, text_contains=f"#{number} ")

    async def drain(self) -> None:
        """Send everything queued, moving the clock to each moment the chat's limits allow."""
        await self.sender.drain_once()
        for _ in range(100):
            async with self.sessions() as s:
                if not await outbox.due(s, now=self.clock.now() + timedelta(days=1), limit=1):
                    return
            self.clock.advance(self.sender.flood.delay(DISPATCHERS))
            await self.sender.drain_once()
        raise AssertionError("the outbox was not drained")

    def open_window(self) -> float:
        """Move the clock to the moment the chat's window opens; that moment."""
        self.clock.advance(self.sender.flood.delay(DISPATCHERS))
        return self.clock.timestamp()

    async def handled_all(self, *queries: str) -> None:
        await self.fake.wait_for(lambda: self.handled.issuperset(queries), what=f"taps {queries} handled")

    async def answered(self, *queries: str) -> list[RequestRecord]:
        """The answerCallbackQuery calls of the presses, once all are recorded."""
        def records():
            found = {r.params["callback_query_id"]: r for r in self.fake.calls("answerCallbackQuery")}
            return [found[q] for q in queries] if all(q in found for q in queries) else None
        return await self.fake.wait_for(records, what=f"presses {queries} answered")

    def edits_of(self, message_id: int) -> list[RequestRecord]:
        return [r for r in self.fake.requests if r.method.startswith("editMessage")
                and int(r.params["chat_id"]) == DISPATCHERS and int(r.params["message_id"]) == message_id]

    def position(self, record: RequestRecord) -> int:
        return list(self.fake.requests).index(record)


@pytest.fixture
async def taps(engine):
    sessions = session_factory(engine)
    await seed(sessions)
    clock = StillClock(START)
    async with FakeTelegram(clock=clock.timestamp) as fake, aiogram_bot(fake) as bot:
        for telegram_id, name in [(DINA, "Dina"), (DAN, "Dan"), (SAM, "Sam")]:
            fake.add_user(telegram_id, name)
        fake.add_group(DISPATCHERS, "Dispatchers", members=[DINA, DAN, SAM])
        sender = TelegramSender(bot, sessions, clock, sleep=clock.sleep)
        taps = Taps(fake, sessions, clock, sender)
        dp = build_dispatcher(CONFIG, sessions, clock, sender, EN)
        dp.callback_query.outer_middleware(recording_handled(fake, taps.handled))
        async with _polling(dp, bot, fake):
            yield taps


class _polling:
    def __init__(self, dp: Dispatcher, bot, fake: FakeTelegram) -> None:
        self.dp, self.bot, self.fake = dp, bot, fake

    async def __aenter__(self) -> None:
        self.task = asyncio.create_task(self.dp.start_polling(self.bot, handle_signals=False,
                                                              close_bot_session=False))
        await self.fake.wait_for(lambda: self.fake.calls("getMe"), what="the bot starting to poll")

    async def __aexit__(self, *_) -> None:
        await self.dp.stop_polling()
        await asyncio.wait_for(self.task, 5)


def support(ticket: int) -> str:
    return DepartmentV1(ticket=ticket, department=SUPPORT).pack()


async def test_taps_in_a_busy_group_are_answered_at_once_and_before_their_edits(taps):
    await add_ticket(taps.sessions, 1)
    card = await taps.card(1)  # the chat's message for this second
    query = taps.fake.press_button(DINA, DISPATCHERS, card.message_id, support(1))
    [answer] = await taps.answered(query)
    assert taps.fake.callback_answer(query).text == "Choose a person in Support:"
    assert taps.edits_of(card.message_id) == []  # the edit waits for the chat's window; the answer did not
    opens = taps.open_window()
    await taps.handled_all(query)
    [edit] = taps.edits_of(card.message_id)
    assert answer.at < opens == edit.at and edit.status == 200
    assert taps.position(answer) < taps.position(edit)

    # Two dispatchers pick a person at once, the chat's window used by the edit just made:
    # both presses are answered before any edit, the loser with the alert saying who won.
    dina = taps.fake.press_button(DINA, DISPATCHERS, card.message_id, to(SAM))
    dan = taps.fake.press_button(DAN, DISPATCHERS, card.message_id, to(SAM))
    answers = await taps.answered(dina, dan)
    assert taps.edits_of(card.message_id) == [edit]
    alerts = [a for a in map(taps.fake.callback_answer, (dina, dan)) if a.show_alert]
    assert [a.text for a in alerts] in (["Already assigned by Dina Dispatcher to Sam Specialist."],
                                        ["Already assigned by Dan Dispatcher to Sam Specialist."])
    opens = taps.open_window()
    await taps.handled_all(dina, dan)
    await taps.drain()  # the second edit found the window taken again: through the outbox
    edits = taps.edits_of(card.message_id)[1:]
    assert edits and all(a.at < opens for a in answers) and all(e.at >= opens for e in edits)
    assert max(map(taps.position, answers)) < min(map(taps.position, edits))
    assert "Assigned by" in taps.fake.message(DISPATCHERS, card.message_id).text


async def test_a_tap_in_a_group_whose_minute_is_spent_is_answered_at_once_and_edited_through_the_outbox(taps):
    await add_ticket(taps.sessions, 1)
    card = await taps.card(1)
    async with taps.sessions.begin() as s:  # a burst being listed: the group's 20 messages a minute
        for i in range(19):
            outbox.send_message(s, chat_id=DISPATCHERS, purpose="digest", text=f"digest {i}", now=taps.clock.now())
    await taps.drain()
    taps.clock.advance(2)
    opens = taps.clock.timestamp() + taps.sender.flood.delay(DISPATCHERS)
    assert opens - taps.clock.timestamp() > 30  # far beyond what a reply waits for: the outbox takes the edit

    query = taps.fake.press_button(DINA, DISPATCHERS, card.message_id, support(1))
    await taps.handled_all(query)
    [answer] = await taps.answered(query)
    assert answer.at < opens and taps.edits_of(card.message_id) == []
    assert taps.fake.callback_answer(query).text == "Choose a person in Support:"

    await taps.drain()
    [edit] = taps.edits_of(card.message_id)
    assert taps.position(answer) < taps.position(edit) and edit.status == 200
    assert edit.at == opens  # as soon as the chat's limits allow
    assert taps.fake.counters.too_many_requests == 0


async def test_a_refusal_in_a_busy_group_still_shows_its_alert_at_once(taps):
    await add_ticket(taps.sessions, 1)
    card = await taps.card(1)
    query = taps.fake.press_button(SAM, DISPATCHERS, card.message_id, support(1))
    await taps.handled_all(query)  # the clock stands still: nothing waited for the chat's window
    answer = taps.fake.callback_answer(query)
    assert (answer.text, answer.show_alert) == ("Only a dispatcher can assign tickets.", True)
    assert taps.edits_of(card.message_id) == []


def _failing_router() -> Router:
    router = Router(name="failing")

    @router.callback_query(F.data == "fail")
    async def fail(query: CallbackQuery, replies, callback_answer: CallbackAnswer) -> None:
        callback_answer.text = "Saved."  # what it would have said: the change is rolled back
        replies.edit_pressed(query, "saved", None)
        raise RuntimeError("the handler failed")

    return router


async def test_a_failing_tap_is_still_answered_and_claims_nothing(engine):
    sessions = session_factory(engine)
    async with FakeTelegram() as fake, aiogram_bot(fake) as bot:
        fake.add_user(SAM, "Sam")
        dp = Dispatcher(sessions=sessions, texts=EN, sender=TelegramSender(bot, sessions, StillClock(START)))
        dp.callback_query.middleware(CallbackAnswerMiddleware())
        dp.callback_query.middleware(Transaction())
        dp.include_router(_failing_router())
        sent = await bot.send_message(SAM, "Save?", reply_markup=InlineKeyboardMarkup(
            inline_keyboard=[[InlineKeyboardButton(text="Save", callback_data="fail")]]))
        async with _polling(dp, bot, fake):
            query = fake.press_button(SAM, SAM, sent.message_id, "fail")
            answer = await fake.wait_for(lambda: fake.callback_answer(query), what="the failed tap answered")
        assert (answer.text, answer.show_alert) == (None, False)
        assert fake.message(SAM, sent.message_id).text == "Save?"
