"""Which SLA terms a ticket counts by ([sla], per priority, a contract's own), the config's words, and nags in hours."""
from datetime import datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from deskbot.dispatch import rules
from deskbot.dispatch.config import Config, ConfigError, load_config
from deskbot.dispatch.sla_watch import terms_of, unknown_calendars

MOSCOW = ZoneInfo("Europe/Moscow")
H = timedelta(hours=1)


def config(**sections) -> Config:
    return Config.model_validate({"mailbox": {"host": "imap.test", "username": "s@desk.test"}, **sections})


def contract(calendar=None, first=None, resolution=None):
    return SimpleNamespace(sla_calendar=calendar, first_response_minutes=first, resolution_minutes=resolution)


def test_no_sla_section_means_no_targets():
    assert not config().sla.targets().any


def test_desk_priority_and_contract_targets():
    desk = config(sla={"first_response": "4h", "resolution": "27h", "warn_at": 0.9,
                       "priorities": {"urgent": {"first_response": "30m"}}},
                  calendars={"night": {"weekdays": "22:00-06:00"}})
    assert terms_of(desk, None).targets.first_response == 4 * H
    urgent = terms_of(desk, None, "urgent").targets
    assert (urgent.first_response, urgent.resolution, urgent.warn_at) == (timedelta(minutes=30), 27 * H, 0.9)
    own = terms_of(desk, contract("night", 90, 0))
    assert (own.targets.first_response, own.targets.resolution) == (timedelta(minutes=90), None)  # 0: none
    assert own.calendar is desk.business_hours("night")
    assert terms_of(desk, contract(None, None, None)).targets.resolution == 27 * H  # NULL: the desk's
    assert terms_of(desk, contract("gone")).calendar is desk.business_hours()  # said at start-up, desk's meanwhile


def test_a_contract_calendar_the_config_lost_is_one_clear_line():
    desk = config(calendars={"night": {"weekdays": "22:00-06:00"}})
    assert unknown_calendars(desk, [("a.test", "night"), ("b.test", "weekend"), ("c.test", None)]) == [
        "contract of b.test: calendar 'weekend' is not in [calendars] (known: night); its SLA counts the desk's "
        "[calendar]"]


@pytest.mark.parametrize("text, words", [
    ('first_response = "soon"', "[sla] first_response: not a duration"),
    ("warn_at = 1.5", "[sla] warn_at: Input should be less than 1"),
    ('[sla.priorities.top]\nfirst_response = "1h"', "[sla] priorities.top"),
])
def test_config_mistakes_name_the_key(tmp_path, text, words):
    file = tmp_path / "config.toml"
    file.write_text(f'[mailbox]\nhost = "imap.test"\nusername = "s@desk.test"\n[sla]\n{text}\n')
    with pytest.raises(ConfigError) as caught:
        load_config(file, environ={})
    assert words in str(caught.value)


def test_an_empty_target_is_none():
    assert config(sla={"first_response": "", "resolution": "2d"}).sla.targets().first_response is None


def test_nags_wait_for_the_desks_opening_unless_told_otherwise():
    office = {"weekdays": "09:00-18:00"}
    closed = config(calendar=office, dispatch={"timezone": "Europe/Moscow"})
    friday = datetime(2026, 12, 4, 17, 58, tzinfo=MOSCOW)
    assert rules.next_nag_at(friday, 5 * timedelta(minutes=1), closed.nag_hours()) == \
        datetime(2026, 12, 7, 9, 0, tzinfo=MOSCOW)
    assert rules.next_nag_at(friday - H, timedelta(minutes=5), closed.nag_hours()) == friday - H + timedelta(minutes=5)
    anytime = config(calendar=office, dispatch={"timezone": "Europe/Moscow", "nag_outside_hours": True})
    assert anytime.nag_hours() is None
    assert config().nag_hours() is None  # no [calendar]: round the clock
