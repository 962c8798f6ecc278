"""Which ticket a message of ours is about (`bot.handlers.about.replied_about` over `dispatch.outbox.ticket_shown`),
on both databases: cards, notes and replies sent at once or late through the outbox, and buttons alone."""
from __future__ import annotations

from datetime import timezone

from aiogram.types import Chat, InlineKeyboardButton, InlineKeyboardMarkup, Message, User

from deskbot.bot.handlers.about import About, replied_about
from deskbot.bot.notify import NOTE
from deskbot.dispatch import outbox
from deskbot.storage.models import OutboxStatus
from harness.outbox_run import DANA, START, all_rows, new_ticket, reply, running, sender_for, until_settled

BOT = User(id=42, is_bot=True, first_name="Deskbot")


def replying_to(message_id: int, *buttons: str, from_bot: bool = True) -> Message:
    """Dana's reply to message `message_id` of her chat, which carries `buttons` (callback data)."""
    chat = Chat(id=DANA, type="private")
    markup = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text=d, callback_data=d)] for d in buttons])
    replied = Message(message_id=message_id, date=START.astimezone(timezone.utc), chat=chat, text="…",
                      from_user=BOT if from_bot else User(id=DANA, is_bot=False, first_name="Dana"),
                      reply_markup=markup if buttons else None)
    return Message(message_id=10_000, date=START, chat=chat, text="hi", reply_to_message=replied,
                   from_user=User(id=DANA, is_bot=False, first_name="Dana"))


async def about(sessions, message: Message) -> About | None:
    async with sessions() as session:
        return await replied_about(session, message)


async def test_cards_notes_and_replies_sent_now_or_later_are_known_by_their_ticket(fake, bot, sessions, clock):
    async with sessions.begin() as s:
        one, two, three = [await new_ticket(s, clock, f"T{n}") for n in range(3)]
        outbox.send_message(s, chat_id=DANA, text="card", purpose=outbox.CARD, ticket_id=one.id, now=clock.now())
        outbox.send_message(s, chat_id=DANA, text="a note", purpose=NOTE, ticket_id=two.id, now=clock.now())
        outbox.send_message(s, chat_id=DANA, text="a digest", purpose="digest", now=clock.now())
    sender = sender_for(bot, sessions, clock)
    async with running(sender):
        await until_settled(fake, sessions)
    card, note, digest = fake.bot_messages(DANA)
    await sender.send_now(DANA, "sendMessage", reply("a /ticket view"), ticket_id=three.id)  # at once
    fake.flood(calls=1, retry_after=5, methods=["sendMessage"])  # Telegram says wait: through the outbox
    await sender.send_now(DANA, "sendMessage", reply("a page, late"), ticket_id=three.id)
    assert (await all_rows(sessions))[-1].status == OutboxStatus.PENDING
    async with running(sender):
        await until_settled(fake, sessions)
    view, page = fake.bot_messages(DANA)[3:]

    assert await about(sessions, replying_to(card.message_id)) == About(one.id, note=False)
    assert await about(sessions, replying_to(note.message_id)) == About(two.id, note=True)
    assert await about(sessions, replying_to(view.message_id)) == About(three.id, note=False)
    assert await about(sessions, replying_to(page.message_id)) == About(three.id, note=False)
    assert await about(sessions, replying_to(digest.message_id)) is None  # about many tickets: none


async def test_buttons_alone_name_the_ticket_but_never_a_question_of_ours(sessions):
    assert await about(sessions, replying_to(500, "t1:7:answer")) == About(7, note=False)
    assert await about(sessions, replying_to(501, "h1:8:note", "h1:8:time")) == About(8, note=True)
    assert await about(sessions, replying_to(502, "c1:9:2")) == About(9, note=False)
    # Whom to ask, a helper's time: a reply to those questions is their answer, not mail to a customer.
    assert await about(sessions, replying_to(503, "e1:7:2:0")) is None
    assert await about(sessions, replying_to(504, "h2:7:30")) is None
    assert await about(sessions, replying_to(505, "t1:7:answer", from_bot=False)) is None  # not ours
    assert await about(sessions, replying_to(506)) is None
