"""The text Prometheus reads at /metrics: this process's metrics, and the outbox's backlog as of now.

The backlog comes from the database at each scrape (the caller's one query, `dispatch.outbox.backlog`),
so that every instance of a desk shows the same figures, whichever is scraped.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from deskbot.telemetry import metrics  # noqa: F401  (registers the service's metrics)

CHANNELS = ("telegram", "email")


class _Backlog(Collector):
    """Pending outbox rows per channel and the age of the oldest, from the snapshot of this scrape."""

    def __init__(self) -> None:
        self.snapshot: Mapping[str, tuple[int, float]] | None = None

    def describe(self) -> list:
        return []

    def collect(self) -> Iterator[GaugeMetricFamily]:
        if self.snapshot is None:
            return
        depth = GaugeMetricFamily("deskbot_outbox_pending", "Outbox rows waiting to leave.", labels=["channel"])
        age = GaugeMetricFamily("deskbot_outbox_oldest_pending_age_seconds",
                                "How long the oldest waiting outbox row has waited (0: none).", labels=["channel"])
        for channel in CHANNELS:
            count, seconds = self.snapshot.get(channel, (0, 0.0))
            depth.add_metric([channel], count)
            age.add_metric([channel], seconds)
        yield depth
        yield age


_BACKLOG = _Backlog()
REGISTRY.register(_BACKLOG)


def render(backlog: Mapping[str, tuple[int, float]] | None) -> tuple[bytes, str]:
    """The exposition (body, content type); `backlog`: channel -> (pending rows, oldest's age in seconds),
    None: unknown (the database away), left out."""
    _BACKLOG.snapshot = backlog  # no await between this and the rendering: no other scrape interleaves
    try:
        return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
    finally:
        _BACKLOG.snapshot = None
