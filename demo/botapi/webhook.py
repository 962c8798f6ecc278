"""Webhook mode: while a webhook is set, pending updates are POSTed to it in order.

As Telegram does: each update is one JSON POST carrying
``X-Telegram-Bot-Api-Secret-Token`` when a secret was set; a 2xx answer
confirms it, anything else is retried later and reported by getWebhookInfo
(``last_error_date``, ``last_error_message``). A 2xx answer whose JSON body
names a ``method`` is executed as a Bot API call, as Telegram allows.
"""
from __future__ import annotations

import asyncio
import json
import time
from contextlib import suppress
from typing import TYPE_CHECKING, Any

import aiohttp

from .methods import Params, Upload

if TYPE_CHECKING:
    from .server import FakeTelegram


class Webhook:
    def __init__(self, fake: FakeTelegram, *, retry_delay: float = 0.2):
        self._fake = fake
        self.retry_delay = retry_delay
        self.url = ""
        self.secret_token: str | None = None
        self.max_connections = 40
        self.last_error_date: int | None = None
        self.last_error_message: str | None = None
        self.delivered: list[dict[str, Any]] = []  # updates the webhook accepted
        self._task: asyncio.Task[None] | None = None
        self._session: aiohttp.ClientSession | None = None

    def set(self, url: str, secret_token: str | None, max_connections: int) -> None:
        self.url, self.secret_token, self.max_connections = url, secret_token, max_connections
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._deliver())

    async def delete(self) -> None:
        self.url = ""
        self.secret_token = None
        self.last_error_date = self.last_error_message = None
        await self._stop_task()

    async def _stop_task(self) -> None:
        task, self._task = self._task, None
        if task is not None and task is not asyncio.current_task():
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task

    async def close(self) -> None:
        await self._stop_task()
        if self._session is not None:
            await self._session.close()
            self._session = None

    def info(self, pending: int, allowed: frozenset[str] | None) -> dict[str, Any]:
        data: dict[str, Any] = {"url": self.url, "has_custom_certificate": False,
                                "pending_update_count": pending}
        if self.url:
            data.update(ip_address="127.0.0.1", max_connections=self.max_connections)
            if allowed:
                data["allowed_updates"] = sorted(allowed)
        if self.last_error_date is not None:
            data.update(last_error_date=self.last_error_date, last_error_message=self.last_error_message)
        return data

    async def _deliver(self) -> None:
        queue = self._fake.updates
        failures = 0
        while self.url and not queue.closing:
            if not queue.pending:
                await queue.wait_pending()
                continue
            update = queue.pending[0]
            error = await self._post(update)
            if error is None:
                failures = 0
                if queue.pending and queue.pending[0] is update:
                    queue.pending.pop(0)
                self.delivered.append(update)
                self._fake.changed()
                continue
            failures += 1
            self.last_error_date, self.last_error_message = int(time.time()), error
            self._fake.changed()
            await asyncio.sleep(min(self.retry_delay * failures, 2.0))

    async def _post(self, update: dict[str, Any]) -> str | None:
        """POST one update; None when the webhook took it, else Telegram's error text."""
        if self._session is None:
            self._session = aiohttp.ClientSession()
        headers = {"X-Telegram-Bot-Api-Secret-Token": self.secret_token} if self.secret_token else {}
        try:
            async with self._session.post(self.url, json=update, headers=headers,
                                          ssl=self._fake.webhook_ssl or True,
                                          timeout=aiohttp.ClientTimeout(total=10)) as response:
                if not 200 <= response.status < 300:
                    return f"Wrong response from the webhook: {response.status} {response.reason}"
                call = await _call_in_response(response)
        except asyncio.TimeoutError:
            return "Timeout expired"
        except aiohttp.ClientError as e:
            return f"Connection failed: {e}"
        if call is not None:
            await self._fake.call(*call)
        return None


async def _call_in_response(response: aiohttp.ClientResponse) -> tuple[str, Params] | None:
    """A Bot API call the webhook answered with: JSON, or multipart form as aiogram sends it."""
    values: dict[str, Any] = {}
    files: dict[str, Upload] = {}
    if response.content_type == "multipart/form-data":
        reader = aiohttp.MultipartReader.from_response(response)
        async for part in reader:
            if not isinstance(part, aiohttp.BodyPartReader) or not part.name:
                continue
            if part.filename:
                files[part.name] = Upload(part.filename, part.headers.get("Content-Type"),
                                          bytes(await part.read()))
            else:
                values[part.name] = await part.text()
    else:
        try:
            payload = json.loads(await response.read() or b"null")
        except ValueError:
            return None
        if isinstance(payload, dict):
            values = payload
    method = values.pop("method", None)
    return (method, Params(values, files)) if isinstance(method, str) else None
