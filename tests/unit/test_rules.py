from datetime import datetime, timedelta, timezone

import pytest

from deskbot.dispatch.rules import (
    DIGEST_CHARS,
    Action,
    Status,
    TransitionError,
    WaitingTicket,
    burst_landing,
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
        ("assigned", "wait", "waiting"),
        ("in_progress", "wait", "waiting"),
        ("waiting", "resume", "in_progress"),
        ("waiting", "reassign", "new"),
        ("waiting", "autoclose", "closed"),  # no time: nobody pressed Close
    ],
)
def test_allowed_moves(status, action, after):
    assert transition(status, action) == after
    assert transition(Status(status), Action(action)) is Status(after)


@pytest.mark.parametrize("status", ["assigned", "in_progress", "waiting"])
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
        ("waiting", "wait", "already_waiting"),
        ("in_progress", "resume", "not_waiting"),
        ("new", "wait", "not_assigned"),
        ("closed", "resume", "already_closed"),
        ("in_progress", "autoclose", "not_assigned"),  # only a waiting ticket closes by itself
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


def test_a_long_reminder_digest_is_split_into_messages_within_its_room():
    tickets = [waiting(n, 10, subject="x" * 200) for n in range(1, 101)]
    reminder = group_for_reminder(tickets, NOW, max_cards=3, room=10)
    assert len(reminder.digests) > 1
    assert [t for d in reminder.digests for t in d.tickets] == tickets
    assert all(d.more == 0 for d in reminder.digests)
    for digest in reminder.digests:
        assert sum(estimate_line(t) for t in digest.tickets) <= DIGEST_CHARS


def test_a_reminder_that_cannot_list_everything_counts_the_rest():
    tickets = [waiting(n, 10) for n in range(1, 101)]
    reminder = group_for_reminder(tickets, NOW, max_cards=3, room=2, measure=lambda t, style: 100, limit=1000)
    assert [len(d.tickets) for d in reminder.digests] == [10, 10]
    assert [(d.part, d.parts, d.more) for d in reminder.digests] == [(1, 2, 0), (2, 2, 80)]
    assert [t for d in reminder.digests for t in d.tickets] == tickets[:20]  # the oldest


# Bursts --------------------------------------------------------------------

def test_a_quiet_morning_gets_cards():
    tickets = [waiting(n) for n in range(1, 6)]
    plan = plan_announcements(tickets, 20)
    assert [a.card for a in plan] == tickets
    assert all(a.digest is None for a in plan)


def test_a_quarter_of_the_budget_is_never_spent_on_cards():
    assert [len(plan_announcements([waiting(n) for n in range(1, k + 1)], 20)) for k in (15, 16)] == [15, 1]
    assert all(a.digest for a in plan_announcements([waiting(n) for n in range(1, 17)], 20))


def shape(plan):
    return [(len(a.digest.tickets), a.digest.style) if a.digest else "card" for a in plan]


def by_style(*sizes: int):
    # Style 0 takes 100 characters a line, each narrower style 20 fewer.
    return lambda ticket, style: sizes[style]


def test_a_burst_is_listed_in_the_widest_lines_that_fit_the_budget_without_cards():
    tickets = [waiting(n) for n in range(1, 301)]
    # 1,000 characters a message: 10 lines of 100 or 20 of 50; 18 of 20 messages may be spent.
    plan = plan_announcements(tickets, 20, measure=by_style(100, 50), styles=2, limit=1000)
    assert shape(plan) == [(20, 1)] * 15
    assert [t for a in plan for t in a.digest.tickets] == tickets  # every ticket once, in order
    assert [(a.digest.part, a.digest.parts) for a in plan] == [(i, 15) for i in range(1, 16)]
    small = plan_announcements(tickets[:100], 20, measure=by_style(100, 50), styles=2, limit=1000)
    assert shape(small) == [(10, 0)] * 10  # the wide lines fit: no reason to cut them


def test_a_tenth_of_the_budget_is_kept_for_mail_that_lands_later():
    tickets = [waiting(n) for n in range(1, 191)]
    plan = plan_announcements(tickets, 20, measure=by_style(100, 50), styles=2, limit=1000)
    assert shape(plan) == [(20, 1)] * 9 + [(10, 1)]  # 19 wide messages would be one too many
    assert len(plan_announcements(tickets, 20, measure=by_style(100), limit=1000)) == 18


def test_when_even_the_narrowest_lines_exceed_the_budget_the_oldest_are_listed():
    tickets = [waiting(n) for n in range(1, 2001)]
    plan = plan_announcements(tickets, 5, measure=by_style(100, 50), styles=2, limit=1000)
    assert shape(plan) == [(20, 1)] * 5
    assert [t for a in plan for t in a.digest.tickets] == tickets[:100]
    assert plan[-1].digest.more == 1900


def test_a_line_longer_than_a_message_is_refused():
    with pytest.raises(ValueError):
        plan_announcements([waiting(n) for n in range(1, 10)], 2, measure=lambda t, style: 5000)


def test_a_burst_waits_while_it_is_still_landing_but_not_for_ever():
    second = timedelta(seconds=1)
    assert burst_landing([NOW - 3 * second, NOW - second / 2], NOW) is True
    assert burst_landing([NOW - 3 * second, NOW - second], NOW) is False  # a second of quiet: it has landed
    assert burst_landing([NOW - 10 * second, NOW], NOW) is False  # a steady stream is shown anyway
    assert burst_landing([], NOW) is False
    with pytest.raises(ValueError):
        burst_landing([NOW], NOW.replace(tzinfo=None))
