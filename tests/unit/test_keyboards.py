"""Every button fits Telegram's 64-byte callback limit and reads right in both languages."""
import pytest

from deskbot.bot import keyboards
from deskbot.bot.callbacks import AssignV2, TicketActionV1, TimeSpentV1
from deskbot.bot.texts import Texts

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
    assert [TicketActionV1.unpack(b.callback_data).action for b in taken] == ["answer", "close", "reassign"]
