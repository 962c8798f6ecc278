"""A local stand-in for the Telegram Bot API, as strict as Telegram: the tests' fake and `deskbot demo`'s Telegram.

See DEVELOPERS.md, "The fake Telegram Bot API". Modules:

- server:   FakeTelegram: HTTP server, Bot API dispatch, flood admission, wait_for
- control:  its in-process control API (users' actions, what the bot did, faults)
- http_control: the same control API over HTTP (/_control/...)
- methods:  the Bot API methods
- rules:    what Telegram refuses (texts, keyboards, commands...) and its wording
- entities: Telegram's parse_mode=HTML parser
- limits:   flood control (429 / retry_after)
- faults:   scripted outages and 429 storms
- updates:  pending updates, getUpdates long polling
- webhook:  webhook delivery
- state:    users, chats, messages, files, callback queries
"""
from .errors import ApiError, ControlError
from .limits import Limit, RateLimits
from .server import DEFAULT_TOKEN, Counters, FakeTelegram, RateLimitRecord, RequestRecord, WaitTimeout
from .state import CallbackAnswer, Chat, FileRecord, Message, User, Version

__all__ = [
    "ApiError", "CallbackAnswer", "Chat", "ControlError", "Counters", "DEFAULT_TOKEN", "FakeTelegram",
    "FileRecord", "Limit", "Message", "RateLimitRecord", "RateLimits", "RequestRecord", "User",
    "Version", "WaitTimeout",
]
