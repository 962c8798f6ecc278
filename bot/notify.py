"""What the bot shows and tells about a ticket: its cards, their buttons, and the notices for other chats.

Handlers stay thin: they change the ticket with `dispatch.tickets` and ask a `Notifier`
for the rest. Each notice method queues what goes to OTHER chats through the outbox, in
the caller's transaction (the assignee's private card, the dispatcher chat's card), and
returns the text for the message the person tapped, which the handler edits itself.

Every method reads through `dispatch.cards` (and `dispatch.staff`, `dispatch.outbox`),
draws with `bot/render/cards.py` and queues with `dispatch.outbox`: a card can be
redrawn from the database at any time. The sweeps use it too (a reopened ticket's
cards, the auto-close, the stale nudge's buttons).
"""
from __future__ import annotations

from zoneinfo import ZoneInfo

from aiogram.types import Chat, InlineKeyboardMarkup
from sqlalchemy.ext.asyncio import AsyncSession

from deskbot.bot.render import cards as drawn
from deskbot.bot.render import keyboards
from deskbot.bot.render.texts import Safe, Texts
from deskbot.dispatch import cards, outbox, rules
from deskbot.dispatch.config import Config
from deskbot.dispatch.escalation import Noted
from deskbot.dispatch.rules import Status
from deskbot.dispatch.staff import active_department_name, active_departments, department_people
from deskbot.dispatch.tickets import Done
from deskbot.storage.models import Staff, Ticket

NOTE = "note"  # the outbox purpose of a forwarded internal note


Shown = tuple[int, int]  # (chat id, message id) of the card the person tapped


class Notifier:
    def __init__(self, config: Config, texts: Texts) -> None:
        self.texts = texts
        self.zone = ZoneInfo(config.dispatch.timezone)
        self.dispatcher_chat = config.telegram.dispatcher_chat_id

    # The cards ----------------------------------------------------------------------------

    async def dispatcher_card(self, session: AsyncSession, ticket: Ticket, *,
                              extra: Safe | None = None) -> Safe:
        mail, history = await cards.card_of(session, ticket)
        return drawn.dispatcher_card(mail, history, self.texts, self.zone, extra=extra)

    async def assignee_card(self, session: AsyncSession, ticket: Ticket, *, extra: Safe | None = None) -> Safe:
        mail, history = await cards.card_of(session, ticket)
        return drawn.assignee_card(mail, history, self.texts, self.zone, extra=extra)

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
        status = drawn.unassigned(self.texts) if ticket.status == Status.NEW else None
        may_assign = chat.id == self.dispatcher_chat or rules.may_assign(viewer.role_set)
        buttons = await self.departments(session, ticket) if may_assign else None
        return await self.dispatcher_card(session, ticket, extra=status), buttons

    # The buttons --------------------------------------------------------------------------

    async def departments(self, session: AsyncSession, ticket: Ticket) -> InlineKeyboardMarkup | None:
        """The departments to pick from while the ticket waits; no buttons once a person assigned it, except
        while the department's automatic choice or a routing rule's stands and has not been taken (the
        dispatcher's override): the department's people, or the departments when none was set."""
        if rules.overridable(ticket.status, ticket.assigned_how, ticket.assigned_by_rule) \
                and ticket.department_id is not None:
            choices = await department_people(session, ticket.department_id)
            return keyboards.people(ticket.id, ticket.department_id, choices, self.texts) if choices else None
        if not rules.assignable(ticket.status, ticket.assigned_how, ticket.assigned_by_rule):
            return None
        choices = await active_departments(session)
        return keyboards.departments(ticket.id, choices) if choices else None

    async def department_list(self, session: AsyncSession, ticket: Ticket) -> InlineKeyboardMarkup | None:
        """Every active department, also for an automatic choice the dispatcher is overriding."""
        choices = await active_departments(session)
        return keyboards.departments(ticket.id, choices) if choices else None

    async def people(self, session: AsyncSession, ticket: Ticket,
                     department_id: int) -> tuple[str, InlineKeyboardMarkup | None] | None:
        """(the department's name, its active people to pick from, or None when nobody works there)."""
        name = await active_department_name(session, department_id)
        if name is None:
            return None
        choices = await department_people(session, department_id)
        return name, keyboards.people(ticket.id, department_id, choices, self.texts) if choices else None

    def actions(self, ticket: Ticket, viewer: Staff | None) -> InlineKeyboardMarkup | None:
        """Take, Close, Reassign: for the assignee of an open ticket only."""
        return drawn.actions(ticket, viewer, self.texts)

    # The notices: queued for other chats, the text for the card in hand returned -----------

    async def assigned(self, session: AsyncSession, done: Done, now, *, shown: Shown | None) -> Safe:
        """The assignee gets the ticket privately; the dispatcher card says who assigned it to whom."""
        ticket, assignee = done.ticket, done.assignee
        outbox.send_message(session, chat_id=assignee.telegram_id, purpose=outbox.CARD, ticket_id=ticket.id,
                            text=await self.assignee_card(session, ticket),
                            reply_markup=self.actions(ticket, assignee), now=now)
        await self._redraw_cards(session, Done(ticket, done.actor), now, shown)
        if done.previous is not None:  # an override, or take_within: the one it was given to loses the buttons
            if done.actor is None:
                line = self.texts.t("card-passed-on", assignee=assignee.name)
            elif done.actor.id == assignee.id:
                line = self.texts.t("card-taken-over", dispatcher=done.actor.name)
            else:
                line = self.texts.t("card-taken-off", dispatcher=done.actor.name, assignee=assignee.name)
            await self._took_off(session, ticket, done.previous, line, now)
        return await self.dispatcher_card(session, ticket)

    async def auto_assigned(self, session: AsyncSession, done: Done, now, *, new_card: bool = True) -> int:
        """Assigned by the department, outside a tap (the web form, a rule, take_within): the assignee gets
        the ticket as from a tap, and the dispatcher chat's card shows who and why, with the override
        (a new card when there is none and `new_card`). How many new cards went to the dispatcher chat."""
        ticket = done.ticket
        await self.assigned(session, done, now, shown=None)
        if new_card and self.dispatcher_chat and await outbox.card_message_id(session, ticket_id=ticket.id,
                                                                 chat_id=self.dispatcher_chat) is None \
                and not await cards.card_on_its_way(session, ticket.id, self.dispatcher_chat):
            outbox.send_message(session, chat_id=self.dispatcher_chat, purpose=outbox.CARD, ticket_id=ticket.id,
                                text=await self.dispatcher_card(session, ticket),
                                reply_markup=await self.departments(session, ticket), now=now)
            if ticket.announced_at is None:
                ticket.announced_at = now
            return 1
        return 0

    async def not_taken(self, session: AsyncSession, done: Done, now) -> None:
        """take_within: the one who did not take it loses it; nobody left, the dispatcher chat gets it back."""
        ticket, previous = done.ticket, done.previous
        if done.assignee is not None:
            await self.auto_assigned(session, done, now)
            return
        await self._redraw_cards(session, Done(ticket, None), now, None)
        if self.dispatcher_chat:
            outbox.send_message(session, chat_id=self.dispatcher_chat, purpose=outbox.CARD, ticket_id=ticket.id,
                                text=await self.dispatcher_card(session, ticket, extra=self.texts.t(
                                    "card-not-taken", who=previous.name if previous else "?")),
                                reply_markup=await self.departments(session, ticket), now=now)
        if previous is not None:
            await self._took_off(session, ticket, previous, self.texts.t("card-passed-back"), now)

    async def _took_off(self, session: AsyncSession, ticket: Ticket, person: Staff, line: Safe, now) -> None:
        await self._redraw(session, ticket, person.telegram_id, await self.dispatcher_card(session, ticket, extra=line),
                           None, now, None)

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
        for helper in noted.readers:
            text = drawn.help_request(await cards.mail_of(session, ticket), noted.writer.name, noted.note.body,
                                      self.texts)
            outbox.send_message(session, chat_id=helper.telegram_id, purpose=outbox.HELP, ticket_id=ticket.id,
                                text=text, reply_markup=keyboards.helper_actions(ticket.id, self.texts), now=now)

    async def noted(self, session: AsyncSession, noted: Noted, now) -> None:
        """An internal note reaches the ticket's other people, under the message that shows them the ticket."""
        ticket = noted.ticket
        for reader in noted.readers:
            chat = reader.telegram_id
            assignee = reader.id == ticket.assignee_id and ticket.status in rules.OPEN
            shown = await outbox.card_message_id(session, ticket_id=ticket.id, chat_id=chat) or \
                await outbox.card_message_id(session, ticket_id=ticket.id, chat_id=chat, purpose=outbox.HELP)
            text = drawn.note(ticket.id, ticket.subject, noted.writer.name, noted.note.body, self.texts)
            outbox.send_message(session, chat_id=chat, purpose=NOTE, ticket_id=ticket.id, text=text, now=now,
                                reply_markup=keyboards.note_actions(ticket.id, self.texts, may_answer=assignee),
                                reply_to=shown)

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
        return drawn.sent_back(await cards.mail_of(session, ticket), self.texts)

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
        if message_id is None and not await cards.card_on_its_way(session, ticket.id, chat_id):
            return
        if message_id is not None and shown == (chat_id, message_id):
            return
        outbox.edit_card(session, ticket_id=ticket.id, chat_id=chat_id, text=text, reply_markup=markup, now=now)
