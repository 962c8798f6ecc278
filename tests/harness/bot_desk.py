"""The running bot that the test_bot_* modules drive (the `desk` fixture is in tests/integration/conftest.py).

`desk` runs the real Dispatcher (long polling) and a TelegramSender draining the outbox,
both against the in-process strict fake Telegram, on SQLite and on PostgreSQL. Time is
real time from a fixed start, plus the pauses a test makes (`desk.pause()`): people tap
seconds apart, and the fake's flood limits follow the same clock. Every wait is on a
condition of the fake or of the database, with a timeout.
"""
from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email import message_from_bytes
from email.policy import default

from aiogram import Bot, Dispatcher
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from deskbot.bot.delivery import TelegramSender
from deskbot.bot.notify import Notifier
from deskbot.bot.render.callbacks import AssignV2, DepartmentV1
from deskbot.bot.render.texts import Texts
from deskbot.dispatch import outbox
from deskbot.dispatch.config import Config
from deskbot.storage.models import (
    Customer, Department, Message, Organization, OutboxMessage, OutboxStatus, Staff, StaffDepartment, Ticket,
)
from deskbot.demo.botapi import CallbackAnswer, FakeTelegram

START = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)  # 12:00 in Moscow
DISPATCHERS = -1001
# Telegram ids; the staff table's ids are the same numbers minus 1000 (see `seed`).
DINA, DAN, SAM, PAT, NINA, STRANGER = 1001, 1002, 1003, 1004, 1005, 4242
SUPPORT, NETWORK = 1, 2
HOSTILE_SUBJECT = "Printer <b>on</b> fire & smoke"

CONFIG = Config.model_validate({
    "mailbox": {"host": "imap.test", "username": "support@desk.test"},
    "telegram": {"dispatcher_chat_id": DISPATCHERS, "language": "en"},
    "dispatch": {"timezone": "Europe/Moscow", "nag_every": "5m"},
})
EN = Texts("en")


def staff_id(telegram_id: int) -> int:
    return telegram_id - 1000


class PacedClock:
    """Real time from `start`, plus what `advance` skipped."""

    def __init__(self, start: datetime) -> None:
        self.start, self.began, self.skipped = start, time.monotonic(), 0.0

    def now(self) -> datetime:
        return self.start + timedelta(seconds=time.monotonic() - self.began + self.skipped)

    def timestamp(self) -> float:
        return self.now().timestamp()

    def advance(self, seconds: float) -> None:
        self.skipped += seconds


async def seed(sessions: async_sessionmaker[AsyncSession]) -> None:
    """Departments and staff, numbered by the database's own sequences (a fresh database counts from 1)."""
    async with sessions.begin() as s:
        for position, (key, name) in enumerate([("support", "Support"), ("network", "Network")]):
            s.add(Department(key=key, name=name, position=position))
            await s.flush()
        for telegram_id, name, roles, departments in [
            (DINA, "Dina Dispatcher", "dispatcher", []),
            (DAN, "Dan Dispatcher", "dispatcher,specialist", [SUPPORT]),
            (SAM, "Sam Specialist", "specialist", [SUPPORT]),
            (PAT, "Pat Specialist", "specialist", [SUPPORT]),
            (NINA, "Nina Network", "specialist", [NETWORK]),
        ]:
            person = Staff(telegram_id=telegram_id, name=name, roles=roles)
            s.add(person)
            await s.flush()
            assert person.id == staff_id(telegram_id)
            s.add_all(StaffDepartment(staff_id=person.id, department_id=d) for d in departments)
        assert await s.scalar(select(Department.id).where(Department.key == "network")) == NETWORK


async def add_ticket(sessions, number: int, subject: str = "Printer on fire", *, status: str = "new",
                     created: datetime = START, assignee: int | None = None, customer: str = "Ann Lee",
                     body: str = "It smokes.\n> old quoted mail\n-- \nAnn, Example Ltd") -> None:
    async with sessions.begin() as s:
        organization = await s.scalar(select(Organization).where(Organization.domain == "example.com"))
        if organization is None:
            organization = Organization(domain="example.com", name="Example Ltd", created_at=START)
            s.add(organization)
            await s.flush()
        email = f"{customer.split()[0].lower()}@example.com"
        person = await s.scalar(select(Customer).where(Customer.email == email))
        if person is None:
            person = Customer(email=email, name=customer, organization_id=organization.id, created_at=START)
            s.add(person)
            await s.flush()
        s.add(Ticket(id=number, subject=subject, status=status, customer_id=person.id, organization_id=organization.id,
                     created_at=created, updated_at=created, next_nag_at=created + timedelta(minutes=5),
                     assignee_id=staff_id(assignee) if assignee else None,
                     assigned_by_id=staff_id(DINA) if assignee else None, assigned_at=created if assignee else None))
        await s.flush()
        s.add(Message(ticket_id=number, direction="in", sender_email=email, sender_name=customer, subject=subject,
                      body=body, created_at=created))


@dataclass
class Desk:
    fake: FakeTelegram
    bot: Bot
    sessions: async_sessionmaker[AsyncSession]
    clock: PacedClock
    sender: TelegramSender
    handled: set[str]  # callback query ids whose update the Dispatcher has finished with

    def pause(self, seconds: float = 3.0) -> None:
        """A person reads, thinks and taps: seconds pass (and Telegram's per-chat limit with them)."""
        self.clock.advance(seconds)

    async def card(self, number: int):
        """The ticket's card in the dispatcher chat, queued in the outbox as the announcer does."""
        await queue_card(self.sessions, number, self.clock.now())
        self.sender.wake()
        return await self.fake.wait_for_bot_message(DISPATCHERS, text_contains=f"#{number} ")

    async def press(self, user: int, chat: int, message_id: int, data: str) -> CallbackAnswer:
        """Tap a button on the message as it is now; the bot's answer, once the tap is handled (edits made)."""
        query = self.fake.press_button(user, chat, message_id, data)
        return await self.answer(query)

    async def answer(self, query: str) -> CallbackAnswer:
        """The answer to the press, returned once the bot has finished with it: the press is answered
        first, at the commit, and the edits follow (see bot/middleware.py)."""
        return await self.fake.wait_for(lambda: query in self.handled and self.fake.callback_answer(query),
                                        what=f"answer to {query}")

    async def reply_to(self, user: int, text: str, *, chat: int | None = None, contains: str = ""):
        """Write in a chat and wait for the bot's next message there."""
        chat = user if chat is None else chat
        before = len(self.fake.bot_messages(chat))
        self.fake.user_message(user, text, chat_id=chat)
        found = await self.fake.wait_for(lambda: self._after(chat, before, contains), what=f"reply to {text!r}")
        self.pause()
        return found

    def _after(self, chat: int, before: int, contains: str):
        return next((m for m in self.fake.bot_messages(chat)[before:] if contains in (m.text or "")), None)

    async def until(self, condition: Callable[[], object], what: str):
        return await self.fake.wait_for(condition, what=what)

    async def ticket(self, number: int) -> Ticket:
        async with self.sessions() as s:
            return await s.get(Ticket, number)

    async def outbox_drained(self) -> None:
        async def pending() -> int:
            async with self.sessions() as s:
                return await s.scalar(select(func.count()).select_from(OutboxMessage)
                                      .where(OutboxMessage.status == OutboxStatus.PENDING))
        deadline = time.monotonic() + 20  # generous: the suite runs on parallel workers
        while await pending():
            assert time.monotonic() < deadline, "the outbox was not drained in 20 s"
            await asyncio.sleep(0.01)


def recording_handled(fake: FakeTelegram, handled: set[str]):
    """An outer middleware: a press's id joins `handled` once its update is done with; the fake's waiters look again."""
    async def middleware(handler, event, data):
        try:
            return await handler(event, data)
        finally:
            handled.add(event.id)
            fake.changed()
    return middleware


@asynccontextmanager
async def running(dp: Dispatcher, bot: Bot, sender: TelegramSender, fake: FakeTelegram):
    stop = asyncio.Event()
    sending = asyncio.create_task(sender.run(stop))
    polling = asyncio.create_task(dp.start_polling(bot, handle_signals=False, close_bot_session=False))
    try:
        await fake.wait_for(lambda: fake.calls("getMe"), what="the bot starting to poll")
        yield
    finally:
        await dp.stop_polling()
        stop.set()
        await asyncio.wait_for(asyncio.gather(polling, sending), 5)


@asynccontextmanager
async def running_desk(engine, config: Config):
    """The `desk` of the test_bot_* modules: the seeded staff, the fake Telegram with its people and the
    dispatcher group, and the bot with `config`, polling and sending."""
    from deskbot.bot.app import build_dispatcher
    from deskbot.storage.db import session_factory
    from harness.telegram import aiogram_bot

    sessions = session_factory(engine)
    await seed(sessions)
    clock = PacedClock(START)
    async with FakeTelegram(clock=clock.timestamp) as fake, aiogram_bot(fake) as bot:
        for telegram_id, name in [(DINA, "Dina"), (DAN, "Dan"), (SAM, "Sam"), (PAT, "Pat"), (NINA, "Nina"),
                                  (STRANGER, "Stranger")]:
            fake.add_user(telegram_id, name)
        fake.add_group(DISPATCHERS, "Dispatchers", members=[DINA, DAN])
        sender = TelegramSender(bot, sessions, clock)
        dp, handled = build_dispatcher(config, sessions, clock, sender, EN), set()
        dp.callback_query.outer_middleware(recording_handled(fake, handled))
        async with running(dp, bot, sender, fake):
            yield Desk(fake, bot, sessions, clock, sender, handled)


# Shared steps of the test_bot_* modules ----------------------------------------------------


DEPARTMENTS = [DepartmentV1(ticket=1, department=SUPPORT).pack(), DepartmentV1(ticket=1, department=NETWORK).pack()]


def to(person: int) -> str:
    return AssignV2(ticket=1, department=SUPPORT, staff=staff_id(person)).pack()


def labels(message) -> list[str]:
    return [button["text"] for button in message.buttons()]


async def assigned(desk, person: int = SAM):
    """Ticket 1, assigned to `person` from the dispatcher chat: (the dispatcher card, the private card)."""
    await add_ticket(desk.sessions, 1, HOSTILE_SUBJECT)
    card = await desk.card(1)
    desk.pause()
    await desk.press(DINA, DISPATCHERS, card.message_id, DepartmentV1(ticket=1, department=SUPPORT).pack())
    desk.pause()
    await desk.press(DINA, DISPATCHERS, card.message_id, AssignV2(ticket=1, department=SUPPORT, staff=staff_id(person)).pack())
    private = await desk.fake.wait_for_bot_message(person, text_contains="assigned you a ticket")
    desk.pause()
    return card, private


def shows(desk, chat: int, message_id: int, text: str):
    def check():
        return text in desk.fake.message(chat, message_id).text
    return check


async def open_support(desk, card, who: int = DINA) -> None:
    desk.pause()
    await desk.press(who, DISPATCHERS, card.message_id, DEPARTMENTS[0])
    desk.pause()


async def mails(desk) -> list[OutboxMessage]:
    async with desk.sessions() as s:
        return list(await s.scalars(select(OutboxMessage).where(OutboxMessage.channel == "email")))


def email_of(row: OutboxMessage):
    return message_from_bytes(json.loads(row.payload)["data"].encode(), policy=default)


async def with_message_id(desk) -> None:
    async with desk.sessions.begin() as s:  # the customer's mail, as ingest stores it
        await s.execute(update(Message).where(Message.ticket_id == 1).values(message_id="first@example.com"))


def desk_data(message, label: str) -> str:
    return next(b["callback_data"] for b in message.buttons() if b["text"] == label)


async def queue_card(sessions: async_sessionmaker[AsyncSession], number: int, now) -> None:
    """The ticket's card for the dispatcher chat, queued in the outbox as the announcer does."""
    notify = Notifier(CONFIG, EN)
    async with sessions.begin() as s:
        ticket = await s.get(Ticket, number)
        outbox.send_message(s, chat_id=DISPATCHERS, purpose=outbox.CARD, ticket_id=number, now=now,
                            text=await notify.dispatcher_card(s, ticket),
                            reply_markup=await notify.departments(s, ticket))
