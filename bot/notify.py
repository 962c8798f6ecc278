"""What the bot shows and tells about a ticket: its cards, their buttons, and the notices for other chats.

Handlers stay thin: they change the ticket with `dispatch.tickets` and ask a `Notifier`
for the rest. Each notice method queues what goes to OTHER chats through the outbox, in
the caller's transaction (the assignee's private card, the dispatcher chat's card), and
returns the text for the message the person tapped, which the handler edits itself.

A ticket's card is the same everywhere: the mail (`Texts.card`) and one line per thing
that happened to it (assigned by whom to whom and when, taken, closed), read from the
ticket's columns, so that any card can be redrawn from the database at any time.
"""
from __future__ import annotations

from zoneinfo import ZoneInfo

from aiogram.types import Chat, InlineKeyboardMarkup
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from deskbot.bot.render import keyboards
from deskbot.bot.sweeps.announce import ticket_cards
from deskbot.bot.render.texts import Safe, TicketCard, Texts, cut
from deskbot.dispatch import outbox, rules
from deskbot.dispatch.config import Config
from deskbot.dispatch.escalation import Noted
from deskbot.dispatch.rules import Status
from deskbot.dispatch.staff import active_departments, department_people
from deskbot.dispatch.tickets import Done
from deskbot.storage.models import (
    Department, OutboxMessage, Staff, Ticket, TicketEvent, TimeEntry,
)

_OPEN = rules.OPEN
NOTE = "note"  # the outbox purpose of a forwarded internal note
QUESTION_CHARS = 1500  # of a request for help, under the ticket's card (the whole is a note on the ticket)
Shown = tuple[int, int]  # (chat id, message id) of the card the person tapped


class Notifier:
    def __init__(self, config: Config, texts: Texts) -> None:
        self.texts = texts
        self.zone = ZoneInfo(config.dispatch.timezone)
        self.dispatcher_chat = config.telegram.dispatcher_chat_id

    # The cards ----------------------------------------------------------------------------

    async def dispatcher_card(self, session: AsyncSession, ticket: Ticket, *,
                              extra: Safe | None = None) -> Safe:
        lines = await self._history(session, ticket)
        return self.texts.card(await _mail(session, ticket), footer=_lines(*lines, extra))

    async def assignee_card(self, session: AsyncSession, ticket: Ticket, *, extra: Safe | None = None) -> Safe:
        dispatcher = await _name(session, ticket.assigned_by_id)
        header = self.texts.t("assigned-to-you", dispatcher=dispatcher) if dispatcher else None
        lines = await self._history(session, ticket)
        return self.texts.card(await _mail(session, ticket), header=header, footer=_lines(*lines, extra))

    async def asking_time(self, session: AsyncSession, ticket: Ticket) -> Safe:
        return await self.assignee_card(session, ticket, extra=self.texts.t("ask-time-spent", number=ticket.id))

    async def view(self, session: AsyncSession, ticket: Ticket, viewer: Staff,
                   chat: Chat) -> tuple[Safe, InlineKeyboardMarkup | None]:
        """The ticket opened with /ticket: the assignee's card with their buttons in their private
        chat; otherwise the dispatcher's card, with the departments while it waits for someone who
        may assign it (in the dispatcher chat, or a dispatcher)."""
        actions = self.actions(ticket, viewer) if chat.type == "private" else None
        if actions is not None:
            return await self.assignee_card(session, ticket), actions
        status = None
        if ticket.status == Status.NEW:
            status = self.texts.t("card-status", status=self.texts.plain("status-new"),
                                  assignee=self.texts.plain("nobody"))
        may_assign = chat.id == self.dispatcher_chat or rules.may_assign(viewer.role_set)
        buttons = await self.departments(session, ticket) if may_assign else None
        return await self.dispatcher_card(session, ticket, extra=status), buttons

    async def _history(self, session: AsyncSession, ticket: Ticket) -> list[Safe]:
        t, lines = self.texts, []
        assignee = await _name(session, ticket.assignee_id)
        if assignee and ticket.assigned_at:
            lines.append(t.t("card-assigned", dispatcher=await _name(session, ticket.assigned_by_id) or "?",
                             assignee=assignee, time=self._local_time(ticket)))
        if assignee and ticket.taken_at:
            lines.append(t.t("card-taken", assignee=assignee))
        if ticket.status == Status.WAITING and ticket.waiting_since:
            lines.append(t.t("card-waiting", since=self._local(ticket.waiting_since)))
        if ticket.status == Status.CLOSED:
            closer = await session.scalar(
                select(TicketEvent.staff_id).where(TicketEvent.ticket_id == ticket.id, TicketEvent.kind == "closed")
                .order_by(TicketEvent.id.desc()).limit(1))
            if closer is None:  # nobody pressed Close: the customer stayed silent
                lines.append(t.t("card-autoclosed"))
            else:
                who = await _name(session, closer) or "?"
                lines.append(t.t("card-closed-no-charge", who=who) if ticket.no_charge else
                             t.t("card-closed", who=who, time_spent=t.duration(ticket.time_spent_minutes or 0)))
        return lines

    def _local(self, moment) -> str:
        return moment.astimezone(self.zone).strftime("%d.%m %H:%M")

    def _local_time(self, ticket: Ticket) -> str:
        return ticket.assigned_at.astimezone(self.zone).strftime("%H:%M")

    # The buttons --------------------------------------------------------------------------

    async def departments(self, session: AsyncSession, ticket: Ticket) -> InlineKeyboardMarkup | None:
        """The departments to pick from while the ticket waits; no buttons once it is assigned."""
        if ticket.status != Status.NEW:
            return None
        choices = await active_departments(session)
        return keyboards.departments(ticket.id, choices) if choices else None

    async def people(self, session: AsyncSession, ticket: Ticket,
                     department_id: int) -> tuple[str, InlineKeyboardMarkup | None] | None:
        """(the department's name, its active people to pick from, or None when nobody works there)."""
        department = await session.get(Department, department_id)
        if department is None or not department.active:
            return None
        choices = await department_people(session, department_id)
        return department.name, keyboards.people(ticket.id, department_id, choices, self.texts) if choices else None

    def actions(self, ticket: Ticket, viewer: Staff | None) -> InlineKeyboardMarkup | None:
        """Take, Close, Reassign: for the assignee of an open ticket only."""
        if viewer is None or ticket.status not in _OPEN or ticket.assignee_id != viewer.id:
            return None
        return keyboards.assignee_actions(ticket.id, self.texts, taken=ticket.status != Status.ASSIGNED,
                                          waiting=ticket.status == Status.WAITING)

    # The notices: queued for other chats, the text for the card in hand returned -----------

    async def assigned(self, session: AsyncSession, done: Done, now, *, shown: Shown | None) -> Safe:
        """The assignee gets the ticket privately; the dispatcher card says who assigned it to whom."""
        ticket, assignee = done.ticket, done.assignee
        outbox.send_message(session, chat_id=assignee.telegram_id, purpose=outbox.CARD, ticket_id=ticket.id,
                            text=await self.assignee_card(session, ticket),
                            reply_markup=self.actions(ticket, assignee), now=now)
        await self._redraw_cards(session, Done(ticket, done.actor), now, shown)
        return await self.dispatcher_card(session, ticket)

    async def taken(self, session: AsyncSession, done: Done, now, *, shown: Shown | None) -> Safe:
        """Taken, waiting, back in work: the cards redrawn; the assignee's card for the one in hand."""
        await self._redraw_cards(session, done, now, shown)
        return await self.assignee_card(session, done.ticket)

    async def auto_closed(self, session: AsyncSession, done: Done, now) -> None:
        """The customer stayed silent: the cards say so, and the assignee hears of it under their card."""
        await self._redraw_cards(session, done, now, None)
        if done.assignee is not None:
            card = await outbox.card_message_id(session, ticket_id=done.ticket.id, chat_id=done.assignee.telegram_id)
            outbox.send_message(session, chat_id=done.assignee.telegram_id, purpose="notice", ticket_id=done.ticket.id,
                                text=self.texts.t("autoclosed", number=done.ticket.id), now=now, reply_to=card)

    async def escalated(self, session: AsyncSession, noted: Noted, now) -> None:
        """The colleague gets the ticket and the question, with Note and My time."""
        ticket = noted.ticket
        header = self.texts.t("help-request", who=noted.writer.name, number=ticket.id)
        question = self.texts.t("help-question", question=cut(noted.note.body, QUESTION_CHARS))
        for helper in noted.readers:
            outbox.send_message(session, chat_id=helper.telegram_id, purpose=outbox.HELP, ticket_id=ticket.id,
                                text=self.texts.card(await _mail(session, ticket), header=header, footer=question),
                                reply_markup=keyboards.helper_actions(ticket.id, self.texts), now=now)

    async def noted(self, session: AsyncSession, noted: Noted, now) -> None:
        """An internal note reaches the ticket's other people, under the message that shows them the ticket."""
        ticket, t = noted.ticket, self.texts
        for reader in noted.readers:
            chat = reader.telegram_id
            assignee = reader.id == ticket.assignee_id and ticket.status in _OPEN
            shown = await outbox.card_message_id(session, ticket_id=ticket.id, chat_id=chat) or \
                await outbox.card_message_id(session, ticket_id=ticket.id, chat_id=chat, purpose=outbox.HELP)
            text = t.with_body(t.t("note-forwarded", who=noted.writer.name, number=ticket.id,
                                   subject=(ticket.subject or "").strip()[:200]), noted.note.body)
            outbox.send_message(session, chat_id=chat, purpose=NOTE, ticket_id=ticket.id, text=text, now=now,
                                reply_markup=keyboards.note_actions(ticket.id, t, may_answer=assignee), reply_to=shown)

    async def closed(self, session: AsyncSession, done: Done, now, *, shown: Shown | None) -> Safe:
        """The closed card for the person who closed it; the ticket's other cards follow."""
        await self._redraw_cards(session, done, now, shown)
        return await self.assignee_card(session, done.ticket)

    async def sent_back(self, session: AsyncSession, done: Done, now) -> Safe:
        """Reassign: a new card with the departments in the dispatcher chat (its nags start again)."""
        ticket = done.ticket
        if self.dispatcher_chat:
            reassigned = self.texts.t("card-reassigned", who=done.actor.name)
            outbox.send_message(session, chat_id=self.dispatcher_chat, purpose=outbox.CARD, ticket_id=ticket.id,
                                text=await self.dispatcher_card(session, ticket, extra=reassigned),
                                reply_markup=await self.departments(session, ticket), now=now)
        return self.texts.card(await _mail(session, ticket), footer=self.texts.t("reassigned", number=ticket.id))

    async def _redraw_cards(self, session: AsyncSession, done: Done, now, shown: Shown | None) -> None:
        """The dispatcher chat's card and the assignee's card show what just happened."""
        ticket = done.ticket
        if self.dispatcher_chat:
            await self._redraw(session, ticket, self.dispatcher_chat, await self.dispatcher_card(session, ticket),
                               await self.departments(session, ticket), now, shown)
            if ticket.status != Status.NEW:  # reminders offer buttons too: not for a ticket that is taken care of
                keep = shown[1] if shown and shown[0] == self.dispatcher_chat else None
                await outbox.retire_reminder(session, ticket_id=ticket.id, chat_id=self.dispatcher_chat, now=now,
                                             keep=keep)
        if done.assignee is not None:
            await self._redraw(session, ticket, done.assignee.telegram_id, await self.assignee_card(session, ticket),
                               self.actions(ticket, done.assignee), now, shown)

    async def _redraw(self, session: AsyncSession, ticket: Ticket, chat_id: int, text: Safe,
                      markup: InlineKeyboardMarkup | None, now, shown: Shown | None) -> None:
        """Queue an edit of the ticket's card in `chat_id`, unless that card is the one in hand
        (its handler edits it) or there is none (a card still waiting in the outbox counts)."""
        message_id = await outbox.card_message_id(session, ticket_id=ticket.id, chat_id=chat_id)
        if message_id is None and not await _card_on_its_way(session, ticket.id, chat_id):
            return
        if message_id is not None and shown == (chat_id, message_id):
            return
        outbox.edit_card(session, ticket_id=ticket.id, chat_id=chat_id, text=text, reply_markup=markup, now=now)


def _lines(*lines: Safe | None) -> Safe | None:
    kept = [line for line in lines if line]
    return Safe("\n".join(kept)) if kept else None


async def _name(session: AsyncSession, staff_id: int | None) -> str | None:
    staff = await session.get(Staff, staff_id) if staff_id is not None else None
    return staff.name if staff else None


async def _card_on_its_way(session: AsyncSession, ticket_id: int, chat_id: int) -> bool:
    return await session.scalar(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.ticket_id == ticket_id, OutboxMessage.chat_id == chat_id,
        OutboxMessage.purpose == outbox.CARD, OutboxMessage.method == "sendMessage",
        OutboxMessage.status == outbox.PENDING)) > 0


async def _mail(session: AsyncSession, ticket: Ticket) -> TicketCard:
    """What the customer wrote, exactly as the announced card shows it (so a redraw changes only the history)."""
    return (await ticket_cards(session, [ticket.id]))[ticket.id]
