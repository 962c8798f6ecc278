"""Every button fits Telegram's 64-byte callback limit and reads right in both languages."""
import pytest

from deskbot.bot.render import conversation, keyboards
from deskbot.bot.render.callbacks import AssignV2, HelpV1, TicketActionV1, TimeSpentV1
from deskbot.bot.render.texts import Texts

BIG = 2_147_483_647  # the largest ticket or staff number a database integer holds


def all_buttons(markup):
    return [button for row in markup.inline_keyboard for button in row]


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_callback_data_stays_within_64_bytes(lang):
    texts = Texts(lang)
    markups = [
        keyboards.departments(BIG, [(BIG, "Support"), (BIG - 1, "Сеть")]),
        keyboards.people(BIG, BIG, [(BIG, "Анна"), (BIG - 1, "Bob"), (BIG - 2, "Carl")], texts),
        keyboards.assignee_actions(BIG, texts, taken=False),
        keyboards.time_spent(BIG, texts),
        conversation.keyboard(BIG, BIG - 2, BIG, texts),  # all four: older, newer, first, latest
    ]
    for markup in markups:
        for button in all_buttons(markup):
            assert 1 <= len(button.callback_data.encode()) <= 64, button.callback_data


def test_people_end_with_back_and_unpack():
    texts = Texts("en")
    buttons = all_buttons(keyboards.people(7, 4, [(1, "Anna"), (2, "Bob"), (3, "Carl")], texts))
    assert [b.text for b in buttons] == ["Anna", "Bob", "Carl", "« Back"]
    assert AssignV2.unpack(buttons[1].callback_data) == AssignV2(ticket=7, department=4, staff=2)


def test_time_buttons_in_russian():
    buttons = all_buttons(keyboards.time_spent(5, Texts("ru")))
    assert [b.text for b in buttons][-2:] == ["Без оплаты", "Отмена"]
    assert TimeSpentV1.unpack(buttons[0].callback_data) == TimeSpentV1(ticket=5, minutes=15)


def test_taken_ticket_has_no_take_button():
    texts = Texts("en")
    taken = all_buttons(keyboards.assignee_actions(3, texts, taken=True))
    assert [TicketActionV1.unpack(b.callback_data).action for b in taken] == [
        "answer", "escalate", "wait", "close", "reassign"]


def test_a_waiting_ticket_offers_back_in_work_instead_of_wait():
    waiting = all_buttons(keyboards.assignee_actions(3, Texts("en"), taken=True, waiting=True))
    assert [b.text for b in waiting] == ["Answer", "Ask a colleague", "Back in work", "Close", "Reassign"]


def test_help_buttons_carry_the_ticket_and_fit_in_64_bytes():
    texts = Texts("ru")
    buttons = [*all_buttons(keyboards.helper_actions(999_999_999, texts)),
               *all_buttons(keyboards.note_actions(999_999_999, texts, may_answer=True)),
               *all_buttons(keyboards.help_time(999_999_999, texts)),
               *all_buttons(keyboards.escalate_people(999_999_999, 2**31, [(2**31, "Имя")], texts))]
    assert all(len(b.callback_data.encode()) <= 64 for b in buttons)
    assert [b.text for b in buttons[:4]] == ["Заметка", "Моё время", "Заметка", "Ответить"]
    assert HelpV1.unpack(buttons[0].callback_data) == HelpV1(ticket=999_999_999, action="note")
