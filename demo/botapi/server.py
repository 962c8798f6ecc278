"""FakeTelegram: the HTTP server (Bot API + control API) and the Bot API dispatch.

In a test::

    async with FakeTelegram() as fake:
        fake.add_user(1001, "Dana")
        bot = Bot(fake.token, session=AiohttpSession(api=fake.api_server()))
        ...
        await bot.session.close()

Everything runs on the test's event loop; ``wait_for`` waits on conditions
over the fake's state, re-checked after every change.
"""
from __future__ import annotations

import asyncio
import mimetypes
import socket
import ssl
import time
from collections import Counter, deque
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any, Callable, TypeVar

from aiohttp import web

from .errors import ApiError, too_many_requests
from .faults import NGINX_502, Faults
from .limits import RateLimiter, RateLimits
from .methods import METHODS, Ok, Params, Upload
from .control import Control
from .state import User, World
from .updates import UpdateQueue
from .webhook import Webhook

T = TypeVar("T")
DEFAULT_TOKEN = "123456789:AAFakeTelegramTokenForDeskbotTests_x1"


@dataclass(frozen=True)
class RequestRecord:
    method: str
    params: dict[str, Any]
    status: int
    description: str | None
    at: float  # the fake's clock


@dataclass(frozen=True)
class RateLimitRecord:
    """One 429 given to a sending call."""

    method: str
    chat_id: int
    retry_after: int
    scope: str  # "overall", "chat", "group" or "scripted"
    ignored_retry_after: bool  # the call came before an earlier retry_after ran out
    at: float


@dataclass
class Counters:
    requests: Counter[str] = field(default_factory=Counter)  # per Bot API method, every call
    too_many_requests: int = 0  # 429s given
    ignored_retry_after: int = 0  # calls that came back too early
    outages: int = 0  # calls answered by a scripted 502 / dropped connection
    rate_limited: list[RateLimitRecord] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"requests": dict(self.requests), "too_many_requests": self.too_many_requests,
                "ignored_retry_after": self.ignored_retry_after, "outages": self.outages,
                "rate_limited": [r.__dict__ for r in self.rate_limited]}


class WaitTimeout(AssertionError):
    """``wait_for`` ran out of time; the message shows the last Bot API calls."""


class FakeTelegram(Control):
    def __init__(self, token: str = DEFAULT_TOKEN, *, bot_username: str = "deskbot_test_bot",
                 bot_name: str = "Deskbot", limits: RateLimits | None = None,
                 clock: Callable[[], float] = time.monotonic, callback_query_ttl: float = 900.0,
                 strict_ampersand: bool = True, request_log_size: int = 10_000,
                 webhook_ssl: ssl.SSLContext | None = None):
        """`webhook_ssl`: whom to trust for an https webhook (Telegram trusts the public CAs; a test that
        puts a TLS proxy of its own in front of deskbot gives its throwaway certificate here)."""
        if ":" not in token or not token.split(":", 1)[0].isdigit():
            raise ValueError("a bot token looks like '<bot id>:<secret>'")
        self.token = token
        self.clock = clock
        self.callback_query_ttl = callback_query_ttl
        self.strict_ampersand = strict_ampersand
        self.webhook_ssl = webhook_ssl
        self._bot = User(int(token.split(":", 1)[0]), bot_name, bot_username, is_bot=True,
                         language_code=None)
        self._limits = limits if limits is not None else RateLimits()
        self._log_size = request_log_size
        self._changed = asyncio.Event()
        self.version = 0
        self._runner: web.AppRunner | None = None
        self.host = "127.0.0.1"
        self.port: int | None = None
        self._clear()
        self.app = self._make_app()

    def _clear(self) -> None:
        self.world = World(self._bot)
        self.updates = UpdateQueue(self.changed)
        self.limiter = RateLimiter(self._limits, self.clock)
        self.faults = Faults(self.clock)
        self.webhook = Webhook(self)
        self.counters = Counters()
        self.requests: deque[RequestRecord] = deque(maxlen=self._log_size)

    def _make_app(self) -> web.Application:
        from . import http_control

        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._bot_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._download)
        http_control.add_routes(app, self)
        return app

    # -- lifecycle --------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> FakeTelegram:
        # handler_cancellation: a client that hangs up (aiogram cancelling its
        # long poll on shutdown) cancels the handler instead of leaving it waiting.
        self._runner = web.AppRunner(self.app, handler_cancellation=True, shutdown_timeout=2.0,
                                     access_log=None)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((host, port))  # port 0: a free one, known before serving
            self.host, self.port = host, sock.getsockname()[1]
            await web.SockSite(self._runner, sock).start()
        except BaseException:
            sock.close()
            await self._runner.cleanup()
            self._runner = None
            raise
        return self

    async def stop(self) -> None:
        self.updates.close()  # answer waiting long polls so shutdown does not wait for them
        self.changed()  # and HTTP /_control/wait calls
        await self.webhook.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeTelegram:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def url(self) -> str:
        if self.port is None:
            raise RuntimeError("the fake is not started")
        return f"http://{self.host}:{self.port}"

    def api_server(self) -> Any:
        """aiogram's TelegramAPIServer for this fake (aiogram imported only here)."""
        from aiogram.client.telegram import TelegramAPIServer

        return TelegramAPIServer.from_base(self.url)

    @property
    def bot_user(self) -> User:
        return self.world.bot

    # -- the Bot API ----------------------------------------------------------------

    async def _bot_api(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info["method"]
        entry = METHODS.get(name.lower())
        name = entry[0] if entry else name
        self.counters.requests[name] += 1
        if request.match_info["token"] != self.token:
            return self._answer(name, {}, ApiError(401, "Unauthorized"))
        if entry is None:
            return self._answer(name, {}, ApiError(404, "Not Found"))
        outage = self.faults.outage_for(name)
        if outage is not None:
            return await self._outage(request, name, outage)
        try:
            params = await _read_params(request)
        except ApiError as e:
            return self._answer(name, {}, e)
        status, payload = await self.call(name, params)
        return web.json_response(payload, status=status)

    async def call(self, name: str, params: Params) -> tuple[int, dict[str, Any]]:
        """Run one Bot API method; (HTTP status, JSON answer). Also used for webhook answers."""
        entry = METHODS.get(name.lower())
        if entry is None:
            error = ApiError(404, "Not Found")
            self._record(name, params.summary(), error.code, error.description)
            return error.code, error.payload()
        name, func = entry
        try:
            result = await func(self, params)
        except ApiError as e:
            self._record(name, params.summary(), e.code, e.description)
            return e.code, e.payload()
        payload: dict[str, Any] = {"ok": True}
        if isinstance(result, Ok):
            payload["result"] = result.result
            if result.description:
                payload["description"] = result.description
        else:
            payload["result"] = result
        self._record(name, params.summary(), 200, None)
        return 200, payload

    def _answer(self, name: str, params: dict[str, Any], error: ApiError) -> web.Response:
        self._record(name, params, error.code, error.description)
        return web.json_response(error.payload(), status=error.code)

    async def _outage(self, request: web.Request, name: str, kind: str) -> web.StreamResponse:
        self.counters.outages += 1
        self._record(name, {}, 502 if kind != "drop" else 0, f"scripted outage: {kind}")
        if kind == "bad_gateway":
            return web.json_response({"ok": False, "error_code": 502, "description": "Bad Gateway"},
                                     status=502)
        if kind == "bad_gateway_html":
            return web.Response(status=502, text=NGINX_502, content_type="text/html")
        if request.transport is not None:
            request.transport.abort()
        # The hang-up cancels this handler (handler_cancellation); nothing is sent.
        await asyncio.sleep(3600)
        return web.Response(status=502)  # pragma: no cover

    async def _download(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return web.json_response(ApiError(401, "Unauthorized").payload(), status=401)
        for record in self.world.files.values():
            if record.path == request.match_info["path"] and record.content is not None:
                # As a header: aiohttp's content_type= refuses a type with "; charset=".
                return web.Response(body=record.content,
                                    headers={"Content-Type": record.mime_type or "application/octet-stream"})
        return web.json_response(ApiError(404, "Not Found").payload(), status=404)

    def admit(self, method: str, chat_id: int) -> None:
        """Flood control for one sending call into ``chat_id``: return, or raise 429."""
        refusal = self.limiter.refusal(chat_id)
        if refusal is None:
            flood = self.faults.flood_for(method)
            if flood is not None:
                refusal = self.limiter.block(chat_id, flood.retry_after, "scripted")
        if refusal is None:
            refusal = self.limiter.take(chat_id)
        if refusal is None:
            return
        self.counters.too_many_requests += 1
        self.counters.ignored_retry_after += refusal.ignored_retry_after
        self.counters.rate_limited.append(RateLimitRecord(
            method, chat_id, refusal.retry_after, refusal.scope, refusal.ignored_retry_after,
            self.clock()))
        raise too_many_requests(refusal.retry_after)

    def now(self) -> int:
        return int(time.time())

    def _record(self, method: str, params: dict[str, Any], status: int, description: str | None) -> None:
        self.requests.append(RequestRecord(method, params, status, description, self.clock()))
        self.changed()

    # -- change notification ----------------------------------------------------------

    def changed(self) -> None:
        """Wake everything waiting in wait_for(): the state may now satisfy it."""
        self.version += 1
        event, self._changed = self._changed, asyncio.Event()
        event.set()

    async def wait_for(self, predicate: Callable[[], T], timeout: float = 20.0,
                       what: str | None = None) -> T:
        """Wait until ``predicate()`` is truthy (re-checked after each change); return its value."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            value = predicate()
            if value:
                return value
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise WaitTimeout(self._timeout_report(what or getattr(predicate, "__name__", "condition"),
                                                       timeout))
            event = self._changed
            with suppress(asyncio.TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)
            # On Python 3.11 wait_for loses a cancel that lands as the event is set; the cancelled caller
            # would wait on (seen: `deskbot demo` not stopping on SIGTERM). The request is still counted.
            if (task := asyncio.current_task()) is not None and task.cancelling():
                raise asyncio.CancelledError

    async def wait_for_version(self, after: int, timeout: float) -> int:
        """Wait until the state changes past version ``after``; the version now."""
        with suppress(WaitTimeout):
            await self.wait_for(lambda: self.version > after, timeout)
        return self.version

    def _timeout_report(self, what: str, timeout: float) -> str:
        lines = [f"{what} not met within {timeout}s. Last Bot API calls:"]
        for record in list(self.requests)[-10:]:
            outcome = "ok" if record.status == 200 else f"{record.status} {record.description}"
            lines.append(f"  {record.method}: {outcome}")
        if self.updates.filtered:
            kinds = sorted({k for u in self.updates.filtered for k in u if k != "update_id"})
            lines.append(f"  {len(self.updates.filtered)} update(s) dropped by the bot's "
                         f"allowed_updates: {kinds}")
        if self.updates.pending:
            lines.append(f"  {len(self.updates.pending)} update(s) not fetched by the bot yet")
        return "\n".join(lines)


async def _read_params(request: web.Request) -> Params:
    values: dict[str, Any] = dict(request.query)
    files: dict[str, Upload] = {}
    if request.method == "POST" and request.body_exists:
        if request.content_type == "application/json":
            try:
                body = await request.json()
            except ValueError:
                raise ApiError(400, "Bad Request: can't parse JSON object") from None
            if not isinstance(body, dict):
                raise ApiError(400, "Bad Request: can't parse JSON object")
            values.update(body)
        elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            for key, value in (await request.post()).items():
                if isinstance(value, web.FileField):
                    content_type = value.content_type
                    if content_type in (None, "application/octet-stream"):
                        # aiogram uploads everything as octet-stream; Telegram
                        # guesses the type from the file name, so does the fake.
                        content_type = mimetypes.guess_type(value.filename or "")[0] or content_type
                    files[key] = Upload(value.filename, content_type, value.file.read())
                else:
                    values[key] = value
    return Params(values, files)
