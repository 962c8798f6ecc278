"""The session cookie: aiohttp-session's storage, signed with itsdangerous (HMAC-SHA1 over a key derived
from the web key) rather than encrypted.

What the cookie holds needs no secrecy from its own browser: a random session token (its hash names a row
of web_sessions), the CSRF token and, on the staff board, the last assignment's line. It needs integrity,
so that no one can plant a CSRF token or a token of their choosing; a signature gives that. Encryption
(EncryptedCookieStorage, Fernet) cost 7-8 MB of resident memory for `cryptography`, about a twelfth of the
idle service (benchmarks/README.md, *Memory*). Cookies written by the encrypted storage fail the signature
check: those browsers get a fresh session (their person logs in once more).
"""
from __future__ import annotations

import json
import logging

from aiohttp import web
from aiohttp_session import AbstractStorage, Session
from itsdangerous import BadSignature, URLSafeSerializer

log = logging.getLogger("deskbot.web")
SALT = "deskbot web session"


class SignedCookieStorage(AbstractStorage):
    def __init__(self, key: bytes, *, cookie_name: str, secure: bool) -> None:
        super().__init__(cookie_name=cookie_name, httponly=True, secure=secure, samesite="Lax", max_age=None)
        self._signer = URLSafeSerializer(key, salt=SALT, serializer=json)

    async def load_session(self, request: web.Request) -> Session:
        cookie = self.load_cookie(request)
        if cookie:
            try:
                return Session(None, data=self._signer.loads(cookie), new=False, max_age=self.max_age)
            except BadSignature:
                log.info("a session cookie with a wrong signature: a fresh session instead")
        return Session(None, data=None, new=True, max_age=self.max_age)

    async def save_session(self, request: web.Request, response: web.StreamResponse, session: Session) -> None:
        if session.empty:
            return self.save_cookie(response, "", max_age=session.max_age)
        self.save_cookie(response, self._signer.dumps(self._get_session_data(session)), max_age=session.max_age)
