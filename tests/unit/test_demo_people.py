"""The demo's desk keeps the machine's time zone, so that the cards' times match the page's clock."""
import pytest

from deskbot.demo.people import local_zone


@pytest.mark.parametrize(("tz", "zone"), [
    ("Asia/Novosibirsk", "Asia/Novosibirsk"),
    (":Europe/Berlin", "Europe/Berlin"),  # the POSIX form with a colon
    ("Not/AZone", "UTC"),
])
def test_the_zone_comes_from_tz(monkeypatch, tz, zone):
    monkeypatch.setenv("TZ", tz)
    assert local_zone() == zone


def test_without_tz_the_zone_is_where_etc_localtime_points(monkeypatch):
    monkeypatch.delenv("TZ", raising=False)
    monkeypatch.setattr("os.path.realpath", lambda path: "/usr/share/zoneinfo/America/Chicago")
    assert local_zone() == "America/Chicago"
