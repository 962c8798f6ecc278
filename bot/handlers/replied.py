"""A Telegram reply acts on the ticket of the message it replies to (`handlers/about.py`), whatever prompt waits.

The reply is a note when it answers a request for help or a note (text only: a note is
text), otherwise an answer to the customer. Two routers, around the prompts' own:

- `elsewhere()`, before them: while a prompt waits for typed input (the answer, the
  question for a colleague, a note, the time spent, a helper's time), a reply to a
  message about ANOTHER ticket acts on that other ticket, and so does a reply to a note
  while the prompt would mail the customer (a note is never mail). The prompt is kept,
  and the person is told so: "still waiting for the time spent on #M; /cancel to stop".
  Kept rather than dropped because the person meant to come back to it: a specialist on
  a phone answers another customer between two steps, and picking the colleague again
  or pressing Close again would be work thrown away; the notice names the ticket the
  next typed text goes to, so nothing goes anywhere unannounced.
- `router()`, after them: a reply that no prompt took (none waits, or the reply is
  about the prompt's own ticket or about no ticket but is no input for it, a photo
  while the time is asked).

A reply to a message about no ticket while a prompt waits is the prompt's input, as
any typed text; a reply to the prompt's own ticket's messages too.
"""
from __future__ import annotations

from dataclasses import dataclass

from aiogram import Bot, F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from deskbot.bot.handlers.about import About, replied_about
from deskbot.bot.handlers.answer import ANSWER, Answering, send_answer
from deskbot.bot.handlers.close import Closing
from deskbot.bot.handlers.escalate import Escalating, HelpTime, Noting, save_note
from deskbot.bot.middleware import Replies, must_be_staff
from deskbot.bot.notify import Notifier
from deskbot.bot.render.texts import Texts
from deskbot.dispatch.clock import Clock
from deskbot.dispatch.config import Config
from deskbot.dispatch.tickets import Refused
from deskbot.storage.models import Staff

# Every prompt for typed input, and the catalog text that says it still waits.
PROMPTS = {
    Answering.text.state: "prompt-kept-answer",
    Closing.time_spent.state: "prompt-kept-time",
    Escalating.question.state: "prompt-kept-question",
    Noting.text.state: "prompt-kept-note",
    HelpTime.minutes.state: "prompt-kept-help-time",
}


@dataclass(frozen=True, slots=True)
class Waiting:
    key: str  # the prompt's "still waiting" text
    ticket: int
    helper: int | None  # the colleague a question is for


async def waiting_for(state: FSMContext) -> Waiting | None:
    key = PROMPTS.get(await state.get_state())
    if key is None:
        return None
    data = await state.get_data()
    return Waiting(key, data.get("ticket"), data.get("helper"))


def elsewhere() -> Router:
    r = Router(name=f"{__name__}.elsewhere")
    r.message.register(replied, StateFilter(*PROMPTS), F.reply_to_message, ANSWER, _aimed_elsewhere)
    return r


def router() -> Router:
    r = Router(name=__name__)
    r.message.register(replied, F.reply_to_message, ANSWER)
    return r


async def _aimed_elsewhere(message: Message, state: FSMContext,
                           sessions: async_sessionmaker[AsyncSession]) -> dict | bool:
    """Routing, before the prompts read the message: its own short read, since the update's
    transaction (`Transaction`) opens only once a handler is chosen."""
    waiting = await waiting_for(state)
    if waiting is None:
        return False
    async with sessions() as session:
        about = await replied_about(session, message)
    if about is None:
        return False
    note_while_mailing = about.note and bool(message.text) and waiting.key == PROMPTS[Answering.text.state]
    if about.ticket == waiting.ticket and not note_while_mailing:
        return False
    return {"about": about, "waiting": waiting}


async def replied(message: Message, bot: Bot, session: AsyncSession, staff: Staff | None, clock: Clock,
                  config: Config, notify: Notifier, texts: Texts, replies: Replies,
                  about: About | None = None, waiting: Waiting | None = None) -> None:
    if about is None:
        about = await replied_about(session, message)
    if about is None:
        replies.answer(message, texts.t("answer-which-ticket"))
        return
    actor = must_be_staff(staff)
    try:
        if about.note and message.text:
            await save_note(message, about.ticket, session, actor, clock, notify, texts, replies)
        else:
            await send_answer(message, about.ticket, bot, session, actor, clock, config, texts, replies)
    except Refused as refusal:
        if waiting is None:
            raise  # the transaction says why, as for any refusal
        await session.rollback()  # what `Transaction` does with a refusal; the notice below still goes
        replies.answer(message, texts.t(refusal.key, **refusal.args_for_text))
    if waiting is not None:
        helper = await session.get(Staff, waiting.helper) if waiting.helper is not None else None
        replies.answer(message, texts.t(waiting.key, replied=about.ticket, number=waiting.ticket,
                                        name=helper.name if helper else ""))
