"""What the dispatcher chat can still take within the next minute, which the sweeps that post there share.

Telegram lets about 20 messages a minute into a group: the announcer, the nagger and the
quarantine notices spend that budget (one of them at a time, `app/sweeps.py`), so that what
they queue is shown within a minute and a burst never floods the chat.
"""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from deskbot.bot.limits import TELEGRAM_LIMITS, Limits
from deskbot.dispatch import outbox
from deskbot.storage.models import OutboxMessage, OutboxStatus

HORIZON = 60.0  # seconds: after a burst, every ticket must be visible within a minute


def messages_per_minute(chat_id: int, limits: Limits = TELEGRAM_LIMITS) -> int:
    """What Telegram lets into the chat within HORIZON: 20 into a group, 60 into a private chat."""
    rates = [limits.per_chat, limits.per_group if chat_id < 0 else None]
    counts = [int(rate.count * HORIZON / rate.period) for rate in rates if rate]
    return min(counts, default=int(HORIZON))


async def chat_budget(session: AsyncSession, chat_id: int, limits: Limits = TELEGRAM_LIMITS) -> int:
    """How many more messages the chat can take within the next minute.

    Every pending row of the chat (whatever its purpose) leaves before anything
    queued now, and within the horizon a sliding window lets exactly its rate
    through, whatever was sent just before: so the rate less what is pending.
    """
    capacity = messages_per_minute(chat_id, limits)
    waiting = select(OutboxMessage.id).where(
        OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.chat_id == chat_id,
        OutboxMessage.channel == outbox.TELEGRAM,
    ).limit(capacity)  # counting stops at the capacity: a long backlog costs no more
    pending = await session.scalar(select(func.count()).select_from(waiting.subquery()))
    return max(0, capacity - (pending or 0))
