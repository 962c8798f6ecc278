from datetime import datetime, timedelta, timezone

import pytest

from deskbot.dispatch.rules import (
    DIGEST_CHARS,
    Action,
    Status,
    TransitionError,
    WaitingTicket,
    estimate_line,
    group_for_reminder,
    may_assign,
    may_close,
    may_reassign,
    may_take,
    nag_due,
    next_nag_at,
    plan_announcements,
    transition,
)

NOW = datetime(2024, 3, 4, 9, 0, tzinfo=timezone.utc)
DANA, SPEC, OTHER = 1, 2, 3


def waiting(number: int, minutes_ago: int = 0, subject: str = "Printer", sender: str = "Ann") -> WaitingTicket:
    return WaitingTicket(number, subject, sender, NOW - timedelta(minutes=minutes_ago))


# Roles ---------------------------------------------------------------------

def test_only_a_dispatcher_assigns():
    assert may_assign(["dispatcher"]) is True
    assert may_assign(["specialist", "dispatcher"]) is True
    assert may_assign(["specialist"]) is False
    assert may_assign(["manager"]) is False
    assert may_assign([]) is False


def test_the_assignee_or_a_dispatcher_closes_and_reassigns():
    for rule in (may_close, may_reassign):
        assert rule(["specialist"], SPEC, SPEC) is True
        assert rule(["dispatcher"], DANA, SPEC) is True
        assert rule(["specialist"], OTHER, SPEC) is False
        assert rule(["manager"], OTHER, SPEC) is False
        assert rule(["specialist"], SPEC, None) is False


def test_only_the_assignee_takes():
    assert may_take(["specialist"], SPEC, SPEC) is True
    assert may_take(["dispatcher"], DANA, SPEC) is False
    assert may_take(["specialist"], OTHER, SPEC) is False
    assert may_take(["specialist"], SPEC, None) is False


# Transitions ---------------------------------------------------------------

@pytest.mark.parametrize(
    ("status", "action", "after"),
    [
        ("new", "assign", "assigned"),
        ("assigned", "take", "in_progress"),
        ("assigned", "reassign", "new"),
        ("in_progress", "reassign", "new"),
    ],
)
def test_allowed_moves(status, action, after):
    assert transition(status, action) == after
    assert transition(Status(status), Action(action)) is Status(after)


@pytest.mark.parametrize("status", ["assigned", "in_progress"])
def test_close_needs_the_time_or_no_charge(status):
    assert transition(status, "close", time_spent=45) is Status.CLOSED
    assert transition(status, "close", no_charge=True) is Status.CLOSED
    for time_spent in (None, 0, -5):
        with pytest.raises(TransitionError) as caught:
            transition(status, "close", time_spent=time_spent)
        assert caught.value.reason == "time_not_recorded"


@pytest.mark.parametrize(
    ("status", "action", "reason"),
    [
        ("assigned", "assign", "already_assigned"),  # the second of two dispatchers
        ("in_progress", "assign", "already_assigned"),
        ("closed", "assign", "already_closed"),
        ("new", "take", "not_assigned"),
        ("in_progress", "take", "already_taken"),
        ("closed", "take", "already_closed"),
        ("new", "reassign", "not_assigned"),
        ("closed", "reassign", "already_closed"),
        ("new", "close", "not_assigned"),
        ("closed", "close", "already_closed"),
        ("new", "delete", "unknown_action"),
    ],
)
def test_refused_moves_say_why(status, action, reason):
    with pytest.raises(TransitionError) as caught:
        transition(status, action, time_spent=30)
    assert (caught.value.status, caught.value.action, caught.value.reason) == (status, action, reason)


# Nags ----------------------------------------------------------------------

def test_next_nag_is_one_period_later():
    assert next_nag_at(NOW, timedelta(minutes=5)) == datetime(2024, 3, 4, 9, 5, tzinfo=timezone.utc)


def test_nag_period_and_times_are_checked():
    with pytest.raises(ValueError):
        next_nag_at(NOW, timedelta(0))
    with pytest.raises(ValueError):
        next_nag_at(datetime(2024, 3, 4, 9, 0), timedelta(minutes=5))
    with pytest.raises(ValueError):
        nag_due("new", NOW, datetime(2024, 3, 4, 9, 0))


def test_nag_is_due_only_for_an_unassigned_ticket_whose_time_came():
    due = NOW - timedelta(seconds=1)
    assert nag_due("new", due, NOW) is True
    assert nag_due("new", NOW, NOW) is True
    assert nag_due("new", NOW + timedelta(seconds=1), NOW) is False
    assert nag_due("new", None, NOW) is False
    for status in ("assigned", "in_progress", "closed"):
        assert nag_due(status, due, NOW) is False


def test_nag_times_in_other_zones_compare_as_instants():
    moscow = timezone(timedelta(hours=3))
    assert nag_due("new", datetime(2024, 3, 4, 11, 59, tzinfo=moscow), NOW) is True
    assert nag_due("new", datetime(2024, 3, 4, 12, 1, tzinfo=moscow), NOW) is False


def test_few_waiting_tickets_get_a_card_each():
    tickets = [waiting(1, 65), waiting(2, 7)]
    reminder = group_for_reminder(tickets, NOW, max_cards=3)
    assert reminder.cards == tuple(tickets)
    assert reminder.digests == ()
    assert reminder.ages == {1: timedelta(minutes=65), 2: timedelta(minutes=7)}


def test_many_waiting_tickets_get_one_digest():
    tickets = [waiting(n, 10) for n in range(1, 5)]
    reminder = group_for_reminder(tickets, NOW, max_cards=3)
    assert reminder.cards == ()
    assert len(reminder.digests) == 1
    assert reminder.digests[0].tickets == tuple(tickets)
    assert (reminder.digests[0].part, reminder.digests[0].parts) == (1, 1)


def test_a_long_reminder_digest_is_split_into_messages():
    tickets = [waiting(n, 10, subject="x" * 200) for n in range(1, 101)]
    reminder = group_for_reminder(tickets, NOW, max_cards=3)
    assert len(reminder.digests) > 1
    assert [t for d in reminder.digests for t in d.tickets] == tickets
    for digest in reminder.digests:
        assert sum(estimate_line(t) for t in digest.tickets) <= DIGEST_CHARS


# Bursts --------------------------------------------------------------------

def test_a_quiet_morning_gets_cards():
    tickets = [waiting(n) for n in range(1, 6)]
    plan = plan_announcements(tickets, cards_budget=20)
    assert [a.card for a in plan] == tickets
    assert all(a.digest is None for a in plan)


def test_a_burst_fits_the_budget_and_lists_every_ticket():
    tickets = [waiting(n, subject=f"Mail {n} " + "y" * 60) for n in range(1, 301)]
    plan = plan_announcements(tickets, cards_budget=20)
    assert len(plan) <= 20
    cards = [a.card for a in plan if a.card]
    digests = [a.digest for a in plan if a.digest]
    listed = cards + [t for d in digests for t in d.tickets]
    assert listed == tickets  # every ticket once, in order
    assert cards == tickets[:len(cards)] and len(cards) > 0
    assert [(d.part, d.parts) for d in digests] == [(i, len(digests)) for i in range(1, len(digests) + 1)]
    for digest in digests:
        assert sum(estimate_line(t) for t in digest.tickets) <= DIGEST_CHARS
    # The budget is spent on cards, not left idle: one card more would take one message too many.
    assert len(plan) == 20


def shape(plan):
    return [len(a.digest.tickets) if a.digest else "card" for a in plan]


def test_the_bots_own_measure_decides_the_split():
    tickets = [waiting(n) for n in range(1, 11)]
    four_a_digest = {"measure": lambda t: 100, "limit": 400}
    # 1 card + 3 digests would be 4 messages: over a budget of 3.
    assert shape(plan_announcements(tickets, cards_budget=3, **four_a_digest)) == [4, 4, 2]
    assert shape(plan_announcements(tickets, cards_budget=4, **four_a_digest)) == ["card", "card", 4, 4]
    assert shape(plan_announcements(tickets, cards_budget=10, **four_a_digest)) == ["card"] * 10


def test_when_even_digests_exceed_the_budget_every_ticket_is_still_listed():
    tickets = [waiting(n) for n in range(1, 2001)]
    plan = plan_announcements(tickets, cards_budget=5, measure=lambda t: 100, limit=1000)
    assert all(a.digest for a in plan)
    assert len(plan) == 200
    assert [t for a in plan for t in a.digest.tickets] == tickets


def test_a_line_longer_than_a_message_is_refused():
    with pytest.raises(ValueError):
        plan_announcements([waiting(1), waiting(2)], cards_budget=0, measure=lambda t: 5000)
