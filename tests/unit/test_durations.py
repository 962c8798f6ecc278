from datetime import timedelta

import pytest

from deskbot.dispatch.durations import parse_duration, parse_size


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30s", timedelta(seconds=30)),
        ("5m", timedelta(minutes=5)),
        ("1h30m", timedelta(hours=1, minutes=30)),
        ("1h 30m", timedelta(hours=1, minutes=30)),
        ("14d", timedelta(days=14)),
        ("1.5h", timedelta(minutes=90)),
        (" 2M ", timedelta(minutes=2)),
        ("0.5s", timedelta(milliseconds=500)),
    ],
)
def test_reads_human_durations(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "5", "m", "5 minutes", "5m x", "x5m", "-5m", "1h-30m"])
def test_refuses_anything_else(text):
    with pytest.raises(ValueError):
        parse_duration(text)


@pytest.mark.parametrize(
    ("text", "expected"), [("25MB", 25 * 1024 * 1024), ("512kb", 512 * 1024), ("100", 100), (7, 7), ("1.5 GB", 1610612736)]
)
def test_reads_sizes(text, expected):
    assert parse_size(text) == expected


def test_refuses_bad_size():
    with pytest.raises(ValueError):
        parse_size("lots")
