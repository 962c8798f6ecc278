"""The dispatcher's taps on a ticket's card: a department, back to the departments, a person.

The buttons change in the same message; a person's tap assigns the ticket, redraws the
card with who assigned it to whom and when, and sends the assignee the ticket privately.
A card whose ticket is no longer waiting loses its buttons at the first tap.
"""
from __future__ import annotations

from aiogram import Router
from aiogram.types import CallbackQuery
from aiogram.utils.callback_answer import CallbackAnswer
from sqlalchemy.ext.asyncio import AsyncSession

from deskbot.bot.middleware import Replies, must_be_staff, pressed
from deskbot.bot.notify import Notifier
from deskbot.bot.render.cards import why_assigned
from deskbot.bot.render.callbacks import AssignV2, DepartmentsV1, DepartmentV1
from deskbot.bot.render.texts import Texts
from deskbot.dispatch import assignment, rules, tickets
from deskbot.dispatch.clock import Clock
from deskbot.dispatch.config import Config
from deskbot.dispatch.rules import Status
from deskbot.dispatch.tickets import Refused
from deskbot.storage.models import Staff, Ticket

# A lost race or a card left over: the card is redrawn as the ticket is now.
_STALE = frozenset({"alert-already-assigned", "alert-already-closed"})


def router() -> Router:
    r = Router(name=__name__)
    r.callback_query.register(show_people, DepartmentV1.filter())
    r.callback_query.register(show_departments, DepartmentsV1.filter())
    r.callback_query.register(assign, AssignV2.filter())
    return r


async def show_people(query: CallbackQuery, callback_data: DepartmentV1, session: AsyncSession,
                      staff: Staff | None, config: Config, clock: Clock, notify: Notifier, texts: Texts,
                      replies: Replies, callback_answer: CallbackAnswer) -> None:
    ticket = await _waiting(query, callback_data.ticket, session, staff, notify, replies)
    if ticket is None:
        return
    if ticket.status == Status.NEW and \
            await assignment.department_mode(session, config, callback_data.department) in assignment.MODES:
        if await _automatic(query, ticket, callback_data.department, session, staff, config, clock, notify, texts,
                            replies, callback_answer):
            return
    found = await notify.people(session, ticket, callback_data.department)
    if found is None:  # a department removed from the config since the card was sent
        replies.buttons(query, await notify.departments(session, ticket))
        return
    department, people = found
    if people is None:
        callback_answer.text = texts.alert("department-empty", department=department)
        return
    if not callback_answer.text:  # not already saying why nobody was assigned automatically
        callback_answer.text = texts.alert("choose-person", department=department)
    replies.buttons(query, people)


async def show_departments(query: CallbackQuery, callback_data: DepartmentsV1, session: AsyncSession,
                           staff: Staff | None, notify: Notifier, replies: Replies) -> None:
    ticket = await _waiting(query, callback_data.ticket, session, staff, notify, replies)
    if ticket is not None:
        replies.buttons(query, await notify.department_list(session, ticket))


async def _automatic(query: CallbackQuery, ticket: Ticket, department: int, session: AsyncSession, staff: Staff,
                     config: Config, clock: Clock, notify: Notifier, texts: Texts, replies: Replies,
                     callback_answer: CallbackAnswer) -> bool:
    """The department assigns by itself: the person at once, the card with who and why and the people to
    choose another. False when nobody is available: the dispatcher chooses, as in a manual department."""
    now = clock.now()
    placed = await assignment.place(session, config, ticket.id, department, now, actor=staff, told=True)
    if placed.assignee is None:
        if placed.reason:
            callback_answer.text = texts.alert("alert-nobody-available", reason=placed.reason)
            callback_answer.show_alert = True
        return False
    done = placed.done(staff)
    text = await notify.assigned(session, done, now, shown=pressed(query))
    replies.edit_pressed(query, text, await notify.departments(session, done.ticket))
    callback_answer.text = texts.alert("alert-auto-assigned", assignee=placed.assignee.name,
                                       why=why_assigned(done.ticket.assigned_how, texts))
    return True


async def assign(query: CallbackQuery, callback_data: AssignV2, session: AsyncSession, staff: Staff | None,
                 clock: Clock, notify: Notifier, replies: Replies) -> None:
    now = clock.now()
    try:
        done = await tickets.assign(session, callback_data.ticket, must_be_staff(staff), callback_data.staff, now,
                                    department_id=callback_data.department)
    except Refused as refusal:
        if refusal.key in _STALE:
            await _redraw(query, callback_data.ticket, session, notify, replies)
        raise
    replies.edit_pressed(query, await notify.assigned(session, done, now, shown=pressed(query)), None)


async def _waiting(query: CallbackQuery, number: int, session: AsyncSession, staff: Staff | None,
                   notify: Notifier, replies: Replies) -> Ticket | None:
    """The ticket, while it waits for assignment (or for the override of an automatic choice) and the
    person may assign it; else the card is redrawn."""
    if not rules.may_assign(must_be_staff(staff).role_set):
        raise Refused("alert-dispatcher-only")
    ticket = await session.get(Ticket, number, populate_existing=True)
    if ticket is None:
        raise Refused("alert-ticket-not-found", number=number)
    if not rules.assignable(ticket.status, ticket.assigned_how, ticket.assigned_by_rule):
        await _redraw(query, number, session, notify, replies)
        return None
    return ticket


async def _redraw(query: CallbackQuery, number: int, session: AsyncSession, notify: Notifier,
                  replies: Replies) -> None:
    ticket = await session.get(Ticket, number, populate_existing=True)
    if ticket is not None:
        replies.edit_pressed(query, await notify.dispatcher_card(session, ticket),
                             await notify.departments(session, ticket))
