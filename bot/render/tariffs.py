"""A client's tariff change request as the contract's manager reads it in Telegram."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from aiogram.utils.keyboard import InlineKeyboardBuilder

from deskbot.bot.render.callbacks import TariffV1
from deskbot.bot.render.texts import Safe, Texts, cut
from deskbot.dispatch import tariffs


def message(asked: tariffs.Notice, texts: Texts) -> tuple[str, dict[str, Any]]:
    """The notice and its *Answered* button: what dispatch.tariffs.ask queues for each manager."""
    return notice(asked, texts), answered_button(asked.request_id, texts)


def answered_button(request_id: int, texts: Texts) -> dict[str, Any]:
    kb = InlineKeyboardBuilder()
    kb.button(text=texts.plain("button-tariff-answered"), callback_data=TariffV1(request=request_id))
    return kb.as_markup().model_dump(mode="json", exclude_none=True)


def notice(asked: tariffs.Notice, texts: Texts) -> Safe:
    terms, month = asked.terms, asked.month
    package = terms.package_hours
    left = "∞" if package is None else str(max(Decimal("0.00"), package - month.used_hours))
    lines = [
        texts.t("tariff-notice", organization=cut(asked.organization, 100), domain=asked.domain,
                who=cut(asked.asked_by, 200), change=texts.plain(f"web-tariff-change-{asked.change}")),
        texts.t("tariff-notice-terms", number=cut(asked.contract_number, 64), fee=str(terms.monthly_fee),
                currency=asked.currency,
                included="∞" if terms.hours_included is None else str(terms.hours_included),
                bonus=str(terms.bonus_hours), overage_rate=str(terms.overage_rate)),
        texts.t("tariff-notice-month", used=str(month.used_hours), left=left, beyond=str(month.overage_hours)),
    ]
    if asked.comment:
        lines.append(texts.t("tariff-notice-comment", comment=cut(asked.comment, 2000)))
    return Safe("\n".join(lines))
