"""One IMAP connection, blocking (imapclient): used from a single worker thread only."""
from __future__ import annotations

import logging
import socket
import ssl
import threading
import time
from dataclasses import dataclass

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError

log = logging.getLogger("deskbot.imap")

# What a dropped or confused connection raises; the poller tears it down and starts afresh.
CONNECTION_ERRORS = (IMAPClientError, OSError, EOFError, ssl.SSLError, socket.timeout)
IDLE_SETTLE = 1.0  # seconds; see ImapConnection.idle_until_change


@dataclass(frozen=True, slots=True)
class ImapSettings:
    host: str
    port: int
    security: str  # ssl | starttls | none
    username: str
    password: str
    folder: str = "INBOX"
    processed_folder: str = ""
    ca_file: str = ""
    timeout: float = 60.0

    def __repr__(self) -> str:  # never show the password, also not in a traceback
        return f"ImapSettings({self.username}@{self.host}:{self.port}/{self.folder}, {self.security})"


class ImapConnection:
    def __init__(self, settings: ImapSettings) -> None:
        self.settings = settings
        self.client: IMAPClient | None = None
        self.uidvalidity = 0
        self.uidnext = 1
        self.can_idle = False
        self.can_move = False

    def open(self) -> None:
        s = self.settings
        context = ssl.create_default_context(cafile=s.ca_file or None)
        client = IMAPClient(s.host, port=s.port, ssl=s.security == "ssl", ssl_context=context, timeout=s.timeout)
        try:
            if s.security == "starttls":
                client.starttls(context)
            client.login(s.username, s.password)
            status = client.select_folder(s.folder)
            caps = client.capabilities()
        except BaseException:
            _quietly_close(client)
            raise
        self.client = client
        self.uidvalidity = int(status[b"UIDVALIDITY"])
        self.uidnext = int(status.get(b"UIDNEXT", 1))
        self.can_idle = b"IDLE" in caps
        self.can_move = b"MOVE" in caps
        if s.processed_folder and not client.folder_exists(s.processed_folder):
            client.create_folder(s.processed_folder)

    def close(self) -> None:
        client, self.client = self.client, None
        if client is not None:
            _quietly_close(client)

    def new_mail_announced(self) -> bool:
        """Whether the server announced new mail (EXISTS) since the last call.

        Mail that arrives while other commands run is announced in their responses,
        which imapclient leaves in imaplib's `untagged_responses`; the server will not
        announce it again in IDLE, so without this check it would wait for the next poll.
        """
        return bool(self._client._imap.untagged_responses.pop("EXISTS", None))

    def uids_after(self, last_uid: int) -> list[int]:
        # "n:*" always matches the highest UID, even below n: filter it out.
        found = self._client.search(["UID", f"{last_uid + 1}:*"])
        return sorted(uid for uid in found if uid > last_uid)

    def uids_up_to(self, last_uid: int, criteria: str) -> list[int]:
        if last_uid < 1:
            return []
        return sorted(self._client.search([criteria, "UID", f"1:{last_uid}"]))

    def sizes(self, uids: list[int]) -> dict[int, int]:
        found = self._client.fetch(uids, ["RFC822.SIZE"])
        return {uid: int(data[b"RFC822.SIZE"]) for uid, data in found.items()}

    def fetch(self, uids: list[int]) -> dict[int, bytes]:
        found = self._client.fetch(uids, ["BODY.PEEK[]"])
        return {uid: found[uid][b"BODY[]"] for uid in sorted(found) if b"BODY[]" in found[uid]}

    def mark_processed(self, uids: list[int]) -> None:
        """Only called once the messages are committed to the database."""
        if not uids:
            return
        client, target = self._client, self.settings.processed_folder
        if not target:
            client.add_flags(uids, [b"\\Seen"], silent=True)
        elif self.can_move:
            client.move(uids, target)
        else:
            client.copy(uids, target)
            client.delete_messages(uids, silent=True)
            client.uid_expunge(uids)

    def idle_until_change(self, timeout: float, stop: threading.Event, poke: threading.Event | None = None) -> bool:
        """IDLE until the folder changes or `poke` is set (True), `timeout` passes or `stop` is set (False).

        Dovecot's IDLE reports only mail that arrives after it starts watching, and mail
        landing while IDLE starts can fall between its sync and its watch. So a NOOP comes
        first, and the first IDLE lasts only IDLE_SETTLE seconds before another NOOP: such
        mail then waits about a second, not until the next poll.
        """
        deadline = time.monotonic() + timeout
        first = True
        while not stop.is_set():
            if self._noop_found_mail() or (poke is not None and poke.is_set()):
                return True
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            if self._idle_for(min(IDLE_SETTLE, remaining) if first else remaining, stop, poke):
                return True
            first = False
        return False

    def refresh(self) -> None:
        """NOOP: the server brings this session's view of the folder up to date.

        Dovecot shows mail delivered since the last command only after a command
        that lets it sync the view: a SEARCH sent straight away would not see it.
        """
        self._client.noop()

    def _noop_found_mail(self) -> bool:
        _tagged, untagged = self._client.noop()
        return self.new_mail_announced() or any(len(r) > 1 and r[1] == b"EXISTS" for r in untagged)

    def _idle_for(self, seconds: float, stop: threading.Event, poke: threading.Event | None) -> bool:
        client = self._client
        client.idle()
        deadline = time.monotonic() + seconds
        changed, empty_wakeups = False, 0
        try:
            while not stop.is_set() and not changed:
                if poke is not None and poke.is_set():
                    changed = True
                    break
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                wait = min(1.0, remaining)
                started = time.monotonic()
                responses = client.idle_check(timeout=wait)
                if any(r and r[0] == b"BYE" for r in responses):
                    raise EOFError("server said BYE during IDLE")
                # imapclient swallows EOF: a closed socket shows as instant, empty wake-ups.
                early_and_empty = not responses and time.monotonic() - started < wait * 0.5
                empty_wakeups = empty_wakeups + 1 if early_and_empty else 0
                if empty_wakeups >= 3:
                    raise EOFError("connection closed during IDLE")
                changed = any(len(r) > 1 and r[1] in (b"EXISTS", b"RECENT") for r in responses)
        finally:
            if empty_wakeups < 3:
                client.idle_done()
        return changed

    @property
    def _client(self) -> IMAPClient:
        if self.client is None:
            raise EOFError("not connected")
        return self.client


def _quietly_close(client: IMAPClient) -> None:
    try:
        client.logout()
    except Exception:  # noqa: BLE001 - the connection is being thrown away anyway
        try:
            client.shutdown()
        except Exception:  # noqa: BLE001
            pass
