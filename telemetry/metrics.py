"""The service's metrics (prometheus-client), counted where each event happens; README "Observing deskbot".

Counters and histograms are this process's own (Prometheus adds the instances up). What the database
knows (the outbox's backlog) is read at scrape time instead (`exposition.py`), so that any instance
tells the same. Label values come from short fixed lists, never from mail or people.
"""
from __future__ import annotations

from prometheus_client import Counter, Histogram, disable_created_metrics

disable_created_metrics()  # no *_created series: a counter's start is not worth a series of its own
SOURCES = {"pipe": "pipe", "web": "web"}  # the pseudo-mailboxes; any other is an IMAP mailbox: "mail"

TICKETS_CREATED = Counter(
    "deskbot_tickets_created", "Tickets opened, counted once their transaction commits.", ["source"])
MAILS_INGESTED = Counter(
    "deskbot_mails_ingested", "Mails stored by the intake, by what became of them.", ["source", "outcome"])
TIME_TO_ASSIGNMENT = Histogram(
    "deskbot_time_to_assignment_seconds", "From a ticket's creation to its assignment, when a waiting ticket is "
    "given to someone; counted once the assignment commits.", ["how"],
    buckets=(10, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 28800, 86400, 259200))
NAGS_SENT = Counter(
    "deskbot_nags_sent", "Reminders about unassigned tickets queued for the dispatcher chat (one a ticket).")
OUTBOX_SENT = Counter("deskbot_outbox_sent", "Outbox rows the other side took.", ["channel"])
OUTBOX_ERRORS = Counter(
    "deskbot_outbox_errors", "Failed outbox attempts: refused for good, told to wait, or trouble (retried).",
    ["channel", "outcome", "kind"])
IMAP_RECONNECTS = Counter("deskbot_imap_reconnects", "IMAP sessions opened again after one was lost.")
IMAP_FAILURES = Counter("deskbot_imap_failures", "Failed mailbox rounds, by the kind of trouble.", ["kind"])
SLA_ALERTS = Counter("deskbot_sla_alerts", "SLA warnings and breaches recorded.", ["level", "target"])


# Series that exist from the start, at 0: a rate over them needs no first event.
for _source in ("mail", "pipe", "web", "released"):
    TICKETS_CREATED.labels(_source)
for _channel in ("telegram", "email"):
    OUTBOX_SENT.labels(_channel)


def source(mailbox: str) -> str:
    """The `source` label of a mail or ticket stored under `mailbox`: mail, pipe or web."""
    return SOURCES.get(mailbox, "mail")
