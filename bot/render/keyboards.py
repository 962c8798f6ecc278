"""Inline keyboards, built in one place."""
from __future__ import annotations

from collections.abc import Callable, Sequence

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from deskbot.bot.render.callbacks import (
    AssignV2, DepartmentsV1, DepartmentV1, EscalateV1, HelpTimeV1, HelpV1, TicketActionV1, TimeSpentV1,
)
from deskbot.bot.render.texts import Texts
from deskbot.dispatch.timespent import QUICK_MINUTES

NO_CHARGE, CANCEL = 0, -1


def departments(ticket: int, choices: Sequence[tuple[int, str]]) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for department_id, name in choices:
        kb.button(text=name, callback_data=DepartmentV1(ticket=ticket, department=department_id))
    kb.adjust(2)
    return kb.as_markup()


def people(ticket: int, department: int, choices: Sequence[tuple[int, str]], texts: Texts) -> InlineKeyboardMarkup:
    return _people(choices, lambda staff_id: AssignV2(ticket=ticket, department=department, staff=staff_id),
                   DepartmentsV1(ticket=ticket), texts)


def _people(choices: Sequence[tuple[int, str]], pick: Callable[[int], CallbackData], back: CallbackData,
            texts: Texts) -> InlineKeyboardMarkup:
    """Two people a row, then Back."""
    kb = InlineKeyboardBuilder()
    for staff_id, name in choices:
        kb.button(text=name, callback_data=pick(staff_id))
    kb.button(text=texts.plain("button-back"), callback_data=back)
    kb.adjust(*([2] * (len(choices) // 2)), *([1] * (len(choices) % 2)), 1)
    return kb.as_markup()


def assignee_actions(ticket: int, texts: Texts, *, taken: bool, waiting: bool = False) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    if not taken:
        kb.button(text=texts.plain("button-take"), callback_data=TicketActionV1(ticket=ticket, action="take"))
    kb.button(text=texts.plain("button-answer"), callback_data=TicketActionV1(ticket=ticket, action="answer"))
    kb.button(text=texts.plain("button-escalate"), callback_data=TicketActionV1(ticket=ticket, action="escalate"))
    if waiting:
        kb.button(text=texts.plain("button-resume"), callback_data=TicketActionV1(ticket=ticket, action="resume"))
    else:
        kb.button(text=texts.plain("button-wait"), callback_data=TicketActionV1(ticket=ticket, action="wait"))
    kb.button(text=texts.plain("button-close"), callback_data=TicketActionV1(ticket=ticket, action="close"))
    kb.button(text=texts.plain("button-reassign"), callback_data=TicketActionV1(ticket=ticket, action="reassign"))
    kb.adjust(2)
    return kb.as_markup()


def escalate_departments(ticket: int, choices: Sequence[tuple[int, str]]) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for department_id, name in choices:
        kb.button(text=name, callback_data=EscalateV1(ticket=ticket, department=department_id, staff=0))
    kb.adjust(2)
    return kb.as_markup()


def escalate_people(ticket: int, department: int, choices: Sequence[tuple[int, str]],
                    texts: Texts) -> InlineKeyboardMarkup:
    return _people(choices, lambda staff_id: EscalateV1(ticket=ticket, department=department, staff=staff_id),
                   EscalateV1(ticket=ticket, department=0, staff=0), texts)


def helper_actions(ticket: int, texts: Texts) -> InlineKeyboardMarkup:
    """On a request for help: write a note back, record one's time."""
    kb = InlineKeyboardBuilder()
    kb.button(text=texts.plain("button-note"), callback_data=HelpV1(ticket=ticket, action="note"))
    kb.button(text=texts.plain("button-help-time"), callback_data=HelpV1(ticket=ticket, action="time"))
    return kb.as_markup()


def note_actions(ticket: int, texts: Texts, *, may_answer: bool) -> InlineKeyboardMarkup:
    """On a forwarded note: a note back; for the assignee, also the answer to the customer."""
    kb = InlineKeyboardBuilder()
    kb.button(text=texts.plain("button-note"), callback_data=HelpV1(ticket=ticket, action="note"))
    if may_answer:
        kb.button(text=texts.plain("button-answer"), callback_data=TicketActionV1(ticket=ticket, action="answer"))
    return kb.as_markup()


def help_time(ticket: int, texts: Texts) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for minutes in QUICK_MINUTES:
        kb.button(text=texts.duration(minutes), callback_data=HelpTimeV1(ticket=ticket, minutes=minutes))
    kb.button(text=texts.plain("button-cancel"), callback_data=HelpTimeV1(ticket=ticket, minutes=CANCEL))
    kb.adjust(len(QUICK_MINUTES), 1)
    return kb.as_markup()


def answer_button(ticket: int, texts: Texts) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=texts.plain("button-answer"), callback_data=TicketActionV1(ticket=ticket, action="answer"))
    return kb.as_markup()


def time_spent(ticket: int, texts: Texts) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for minutes in QUICK_MINUTES:
        kb.button(text=texts.duration(minutes), callback_data=TimeSpentV1(ticket=ticket, minutes=minutes))
    kb.button(text=texts.plain("button-no-charge"), callback_data=TimeSpentV1(ticket=ticket, minutes=NO_CHARGE))
    kb.button(text=texts.plain("button-cancel"), callback_data=TimeSpentV1(ticket=ticket, minutes=CANCEL))
    kb.adjust(len(QUICK_MINUTES), 2)
    return kb.as_markup()
