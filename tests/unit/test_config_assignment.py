"""[[departments]] assign / max_open / take_within and [[staff]] hours / leave, with one line per mistake."""
from datetime import date, timedelta

import pytest

from deskbot.dispatch.config import ConfigError, load_config

MINIMAL = '[mailbox]\nhost = "imap.test"\nusername = "support@desk.test"\n'
DESK = """
[calendars.night]
weekdays = "22:00-06:00"

[[departments]]
key = "support"
name = "Support"
assign = "least_loaded"
max_open = 5
take_within = "30m"

[[departments]]
key = "network"
name = "Network"

[[staff]]
name = "Sam"
telegram_id = 1
departments = ["support"]
hours = "night"
leave = ["2026-12-20..2026-12-31", "2027-01-15", 2027-02-01]
"""


def load(tmp_path, text: str):
    path = tmp_path / "config.toml"
    path.write_text(MINIMAL + text, encoding="utf-8")
    return load_config(path, environ={})


def test_the_keys_are_read(tmp_path):
    config = load(tmp_path, DESK)
    support, network = config.departments
    assert (support.assign, support.max_open, support.take_within) == ("least_loaded", 5, timedelta(minutes=30))
    assert (network.assign, network.max_open, network.take_within) == ("manual", 0, None)
    sam = config.member(1)
    assert sam.leave == [(date(2026, 12, 20), date(2026, 12, 31)), (date(2027, 1, 15), date(2027, 1, 15)),
                         (date(2027, 2, 1), date(2027, 2, 1))]
    assert config.working_hours(sam) is config.business_hours("night")
    assert config.department("support") is support and config.department("nope") is None


def test_a_person_without_hours_works_the_desks(tmp_path):
    config = load(tmp_path, DESK.replace('hours = "night"\n', ""))
    assert config.working_hours(config.member(1)) is config.business_hours()


@pytest.mark.parametrize("change, line", [
    (('hours = "night"', 'hours = "day"'), "[[staff]] #1 hours: no [calendars.day] (known: night) (got 'day')"),
    (('"2027-01-15"', '"2027-01-32"'), "[[staff]] #1 leave.1: not a date (got '2027-01-32')"),
    (('"2027-01-15"', '"soon"'), "[[staff]] #1 leave.1: use YYYY-MM-DD or YYYY-MM-DD..YYYY-MM-DD (got 'soon')"),
    (('assign = "least_loaded"', 'assign = "random"'), "[[departments]] #1 assign: Input should be"),
    (('max_open = 5', 'max_open = -1'), "[[departments]] #1 max_open: Input should be greater than or equal to 0"),
    (('assign = "least_loaded"', 'assign = "manual"'),
     '[[departments]] #1: take_within needs assign = "round_robin" or "least_loaded"'),
    (('take_within = "30m"', 'take_within = "soon"'), "[[departments]] #1 take_within: "),
])
def test_mistakes_are_one_line_each(tmp_path, change, line):
    with pytest.raises(ConfigError) as raised:
        load(tmp_path, DESK.replace(*change))
    assert line in str(raised.value) and "\n" not in str(raised.value)


def test_take_within_empty_is_off(tmp_path):
    config = load(tmp_path, DESK.replace('take_within = "30m"', 'take_within = ""'))
    assert config.departments[0].take_within is None
