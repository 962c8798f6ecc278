"""A real, throwaway Dovecot IMAP server on 127.0.0.1: one instance per test.

    def test_something(dovecot):
        uid = dovecot.append(raw_email)
        with dovecot.client() as imap: ...

Outside pytest: ``with Dovecot(parent="/dev/shm") as server: ...``.
Needs Debian's dovecot-imapd (``.ci/install-dovecot``) and root, because
Dovecot refuses to serve mail as uid 0 and we hand the Maildir to ``nobody``.
"""
from __future__ import annotations

import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from contextlib import suppress
from itertools import islice
from pathlib import Path
from typing import Iterable, Iterator

import pytest
from imapclient import IMAPClient

DOVECOT_BIN = "/usr/sbin/dovecot"
_APPENDUID = re.compile(rb"\[APPENDUID (\d+) ([0-9:,]+)\]")


class DovecotError(RuntimeError):
    pass


class Dovecot:
    """One Dovecot instance with a single Maildir user, ``address``.

    ``idle_check_interval`` (seconds) sets ``mailbox_idle_check_interval``,
    Dovecot's fallback stat() poll for IDLE (default 30 s), which matters only
    where inotify doesn't work. It can't remove the ~0.5 s by which Dovecot
    batches inotify events before telling an IDLE client: that delay is
    hard-coded in Dovecot 2.3 (NOTIFY_DELAY_MSECS in mailbox-watch.c).
    """

    host = "127.0.0.1"

    def __init__(self, *, address: str = "support@example.test",
                 password: str = "secret", idle_check_interval: int | None = None,
                 parent: str = "/tmp", tls: bool = False):
        if not os.path.exists(DOVECOT_BIN):
            raise DovecotError(f"{DOVECOT_BIN} missing: run .ci/install-dovecot")
        if os.geteuid() != 0:
            raise DovecotError("the Dovecot harness needs root (it runs mail as nobody)")
        self.address = self.user = address
        self.password = password
        self.port = _free_port()
        # Not pytest's tmp_path: that is 0700 and Dovecot's unprivileged
        # processes need o+x on every parent; also socket paths must stay short.
        # parent="/dev/shm" (tmpfs) makes appends several times faster.
        self.root = Path(tempfile.mkdtemp(prefix="dc", dir=parent))
        self.root.chmod(0o755)
        self.log_path = self.root / "dovecot.log"
        self._proc: subprocess.Popen | None = None
        mail_user = pwd.getpwnam("nobody")  # Dovecot won't serve mail as root
        home = self.root / "home"
        home.mkdir()
        os.chown(home, mail_user.pw_uid, mail_user.pw_gid)
        self.maildir = home / "Maildir"
        (self.root / "passwd").write_text(f"{address}:{{PLAIN}}{password}\n")
        (self.root / "passwd").chmod(0o644)  # auth runs unprivileged
        # With tls: STARTTLS on `port`, implicit TLS on `ssl_port`, a self-signed
        # certificate for 127.0.0.1 that clients trust through `ca_file`.
        self.ssl_port = _free_port() if tls else 0
        self.ca_file = _self_signed_certificate(self.root) if tls else None
        self._conf = self.root / "dovecot.conf"
        self._conf.write_text(_config(self, mail_user, home, idle_check_interval))

    # -- lifecycle -------------------------------------------------------
    @property
    def is_running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self, timeout: float = 10) -> None:
        if self.is_running:
            raise DovecotError("already running")
        self.stop()  # reap a crashed master and whatever it left behind
        (self.root / "run" / "master.pid").unlink(missing_ok=True)  # left by a SIGKILL
        with open(self.log_path, "ab") as log:  # early config errors go to stderr
            self._proc = subprocess.Popen(
                [DOVECOT_BIN, "-F", "-c", str(self._conf)], stdin=subprocess.DEVNULL,
                stdout=log, stderr=log, start_new_session=True)
        try:
            self.wait_ready(timeout)
        except BaseException:
            self.stop()
            raise

    def wait_ready(self, timeout: float = 10) -> None:
        """Wait for a successful LOGIN: the port greets long before auth works."""
        deadline = time.monotonic() + timeout
        while True:
            if not self.is_running:
                code = self._proc.returncode if self._proc else None
                raise DovecotError(f"dovecot is not running (exit code {code})" + self.log_tail())
            try:
                self.client(timeout=1).logout()
                return
            except (OSError, IMAPClient.Error) as exc:
                if time.monotonic() > deadline:
                    raise DovecotError(f"no LOGIN within {timeout}s: {exc!r}"
                                       + self.log_tail()) from exc
            time.sleep(0.01)

    def stop(self, grace: float = 0.5) -> None:
        """Kill the instance and every process of it; SIGKILL after ``grace`` s."""
        if self._proc is None:
            return
        proc, self._proc = self._proc, None
        start = time.monotonic()
        # SIGTERM the whole group, not just the master: imap processes then say
        # BYE at once and none outlives the master serving a lingering client.
        # Repeat it, as a process being forked can miss it. Then SIGKILL: the
        # master's own shutdown may sleep 1-5 s for children that are already
        # gone, and a throwaway server has nothing to save.
        while _group_alive(proc.pid):
            elapsed = time.monotonic() - start
            if elapsed > grace + 10:
                raise DovecotError(f"dovecot processes of group {proc.pid} survive SIGKILL")
            with suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM if elapsed < grace else signal.SIGKILL)
            resend = time.monotonic() + 0.1
            while time.monotonic() < resend and _group_alive(proc.pid):
                time.sleep(0.005)
        proc.wait()

    def restart(self) -> None:
        self.stop()
        self.start()  # same port: it is fixed in the config file

    def close(self) -> None:
        try:
            self.stop()
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> Dovecot:
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def log_tail(self, lines: int = 30) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n--- dovecot log (tail) ---\n" + "\n".join(text.splitlines()[-lines:])

    # -- IMAP helpers ----------------------------------------------------
    def client(self, timeout: float = 10) -> IMAPClient:
        """A logged-in IMAPClient; the caller closes it (``with`` works)."""
        client = IMAPClient(self.host, self.port, ssl=False, timeout=timeout)
        try:
            client.login(self.user, self.password)
        except BaseException:
            client.shutdown()
            raise
        return client

    def append(self, raw: bytes, folder: str = "INBOX", flags: Iterable = ()) -> int:
        with self.client() as c:
            return _appended_uids(c.append(folder, raw, flags=tuple(flags)))[0]

    def append_many(self, raws: Iterable[bytes], folder: str = "INBOX",
                    batch: int = 1000) -> list[int]:
        """MULTIAPPEND in batches over one connection: with LITERAL+ a batch
        streams without waiting for the server, so it costs one round trip."""
        uids: list[int] = []
        raws = iter(raws)
        with self.client() as c:
            while chunk := list(islice(raws, batch)):
                typ, data = c.multiappend(folder, chunk)
                if typ != "OK":
                    raise DovecotError(f"MULTIAPPEND failed: {typ} {data!r}")
                uids += _appended_uids(data[0])
        return uids

    def set_password(self, password: str) -> None:
        """Change the user's password on the running server, as an administrator would: the
        passwd-file is read again when it changes, so the next LOGIN needs the new one."""
        passwd = self.root / "passwd"
        before = passwd.stat().st_mtime_ns
        passwd.write_text(f"{self.address}:{{PLAIN}}{password}\n")
        os.utime(passwd, ns=(before + 2_000_000_000, before + 2_000_000_000))  # a changed mtime, even within a tick
        self.password = password

    def create_folder(self, name: str) -> None:
        with self.client() as c:
            c.create_folder(name)

    def uidvalidity(self, folder: str = "INBOX") -> int:
        with self.client() as c:
            return c.folder_status(folder, [b"UIDVALIDITY"])[b"UIDVALIDITY"]

    def uids(self, folder: str = "INBOX", criteria="ALL") -> list[int]:
        with self.client() as c:
            c.select_folder(folder, readonly=True)
            return sorted(c.search(criteria))

    def flags(self, uid: int, folder: str = "INBOX") -> set[str]:
        """Stored flags as str; \\Recent is left out as it depends on which
        session saw the message first."""
        with self.client() as c:
            c.select_folder(folder, readonly=True)
            found = c.get_flags([uid])
        if uid not in found:
            raise KeyError(f"no UID {uid} in {folder}")
        return {f.decode() for f in found[uid]} - {"\\Recent"}

    def reset_uidvalidity(self, folder: str = "INBOX") -> None:
        """Make the running server forget the folder's UIDs, as if its index
        were lost: the messages stay, renumbered from 1 under a new UIDVALIDITY."""
        old = self.uidvalidity(folder)  # also fails early for a missing folder
        box = self.maildir if folder.upper() == "INBOX" else self.maildir / f".{folder}"
        if not box.is_dir():  # Maildir++: "Archive.2024" lives in .Archive.2024
            raise DovecotError(f"no Maildir {box} for folder {folder!r}")
        self.stop()
        # The mailbox list index in the Maildir root caches UIDVALIDITY too.
        for path in [*box.glob("dovecot-uidlist*"), *box.glob("dovecot.index*"),
                     *self.maildir.glob("dovecot.list.index*")]:
            path.unlink()
        self.start()
        if self.uidvalidity(folder) == old:
            raise DovecotError(f"UIDVALIDITY of {folder} stayed {old}")


@pytest.fixture
def dovecot() -> Iterator[Dovecot]:
    server = Dovecot()
    try:
        server.start()
        yield server
    finally:
        server.close()


def _config(dc: Dovecot, user: pwd.struct_passwd, home: Path, idle: int | None) -> str:
    # Throwaway server: no fsync (append_many is benchmarked); verbose auth so
    # a failed LOGIN explains itself in the log tail, and no 2 s penalty for
    # it. Login and imap processes are preforked and reused: a fresh LOGIN
    # then takes ~1.5 ms instead of ~12 ms of fork+exec.
    return f"""\
base_dir = {dc.root}/run
state_dir = {dc.root}/state
log_path = {dc.log_path}
info_log_path = {dc.log_path}
protocols = imap
listen = {dc.host}
{_ssl_settings(dc)}
disable_plaintext_auth = no
auth_verbose = yes
auth_failure_delay = 0
mail_fsync = never
first_valid_uid = {user.pw_uid}
last_valid_uid = {user.pw_uid}
mail_location = maildir:~/Maildir
{f"mailbox_idle_check_interval = {idle} secs" if idle else ""}
passdb {{
  driver = passwd-file
  args = {dc.root}/passwd
}}
userdb {{
  driver = static
  args = uid={user.pw_uid} gid={user.pw_gid} home={home}
}}
protocol imap {{
  mail_max_userip_connections = 100
}}
service imap-login {{
  chroot =
  service_count = 0
  process_min_avail = 1
  inet_listener imap {{
    port = {dc.port}
  }}
  inet_listener imaps {{
    port = {dc.ssl_port}
  }}
}}
service imap {{
  service_count = 0
  process_min_avail = 1
  # Below the default 1024 so that auth's client_limit covers all services.
  process_limit = 100
}}
service anvil {{
  chroot =
}}
"""


def _ssl_settings(dc: Dovecot) -> str:
    if dc.ca_file is None:
        return "ssl = no"
    return f"ssl = yes\nssl_cert = <{dc.ca_file}\nssl_key = <{dc.root / 'key.pem'}"


def _self_signed_certificate(root: Path) -> Path:
    cert, key = root / "cert.pem", root / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )
    key.chmod(0o644)  # read by Dovecot's unprivileged login processes
    return cert


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _appended_uids(response: bytes) -> list[int]:
    match = _APPENDUID.search(response)
    if not match:
        raise DovecotError(f"no APPENDUID in {response!r}")
    uids: list[int] = []
    for part in match.group(2).split(b","):
        first, _, last = part.partition(b":")
        uids += range(int(first), int(last or first) + 1)
    return uids


def _group_alive(pgid: int) -> bool:
    """Any non-zombie process in the group? Children that outlive the master
    are reaped by init whenever it gets round to it, so zombies don't count."""
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:  # exited meanwhile
            continue
        fields = stat.rpartition(")")[2].split()  # state ppid pgrp ...
        if fields[2] == str(pgid) and fields[0] != "Z":
            return True
    return False
