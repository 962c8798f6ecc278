"""The two ways a call can fail: as Telegram answers a bot, or as a test misused the fake."""
from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """A Bot API error answer: ``{"ok": false, "error_code": ..., "description": ...}``.

    The HTTP status equals ``error_code``, as with Telegram; aiogram picks its
    exception class (TelegramBadRequest, TelegramRetryAfter, ...) from both.
    """

    def __init__(self, code: int, description: str, *, retry_after: int | None = None):
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after

    def payload(self) -> dict[str, Any]:
        body: dict[str, Any] = {"ok": False, "error_code": self.code, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(detail: str) -> ApiError:
    return ApiError(400, f"Bad Request: {detail}")


def forbidden(detail: str) -> ApiError:
    return ApiError(403, f"Forbidden: {detail}")


def too_many_requests(retry_after: int) -> ApiError:
    return ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after)


class ControlError(ValueError):
    """The test asked the fake for something impossible (unknown chat, no such button...).

    Raised in-process; the HTTP control API turns it into a 400 ``{"error": ...}``.
    """
