"""Debian's nginx (.ci/install-nginx) as a throwaway reverse proxy: the example of deploy/nginx.conf
rendered onto loopback ports and a self-signed certificate, run in the foreground in a temporary prefix."""
from __future__ import annotations

import asyncio
import datetime
import ipaddress
import os
import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from harness.mails import eventually
from harness.pipe import pipe_config

NGINX = "/usr/sbin/nginx"
EXAMPLE = Path(__file__).resolve().parents[2] / "deploy" / "nginx.conf"


@dataclass
class Certificate:
    cert: Path
    key: Path

    def trusted(self) -> ssl.SSLContext:
        """A client's context that trusts this certificate alone."""
        return ssl.create_default_context(cafile=str(self.cert))


def self_signed(folder: Path, host: str = "127.0.0.1") -> Certificate:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(host))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    made = Certificate(folder / "cert.pem", folder / "key.pem")
    made.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    made.key.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return made


@dataclass
class Front:
    """Where the rendered example listens: HTTPS (with `cert`) and plain HTTP, on loopback."""
    cert: Certificate
    tls: int
    plain: int

    @property
    def public(self) -> str:
        return f"https://127.0.0.1:{self.tls}"

    def site(self, text: str, servers: dict[str, int]) -> str:
        """`text` (the example, or it with other upstreams) on loopback: `servers` maps each upstream
        server's address to the port of a deskbot here."""
        return render(text, {
            "listen 80;": f"listen 127.0.0.1:{self.plain};", "listen [::]:80;\n": "",
            "listen 443 ssl http2;": f"listen 127.0.0.1:{self.tls} ssl http2;", "listen [::]:443 ssl http2;\n": "",
            "/etc/letsencrypt/live/desk.example.com/fullchain.pem": str(self.cert.cert),
            "/etc/letsencrypt/live/desk.example.com/privkey.pem": str(self.cert.key),
            **{f"server {address};": f"server 127.0.0.1:{port};" for address, port in servers.items()}})


def desk_behind(front: Front, path: Path, db_url: str, fake, web_port: int, hook_port: int, secret: str) -> Path:
    """A deskbot config for a desk behind `front`: pipe mode, the web face, Telegram by webhook."""
    return pipe_config(path, db_url, extra=f"""
[telegram]
token = "{fake.token}"
api_server = "{fake.url}"
mode = "webhook"
webhook_url = "{front.public}/telegram"
webhook_listen = "127.0.0.1:{hook_port}"
webhook_secret = "{secret}"
[web]
listen = "127.0.0.1:{web_port}"
base_url = "{front.public}"
proxies = ["127.0.0.1"]
""")


def render(text: str, changes: dict[str, str]) -> str:
    """`text` with each of `changes` made; every one must be there, so that a changed example fails here
    rather than being tested half."""
    for old, new in changes.items():
        assert old in text, f"deploy/nginx.conf no longer has {old!r}"
        text = text.replace(old, new)
    return text


def main_config(prefix: Path, site: Path) -> str:
    """nginx.conf around the site: everything nginx writes stays in `prefix`."""
    temps = "".join(f"    {kind}_temp_path {prefix / kind};\n" for kind in ("client_body", "proxy", "fastcgi",
                                                                             "uwsgi", "scgi"))
    # As root nginx would hand its workers to "nobody", who cannot enter the test's private folder.
    user = "user root;\n" if os.geteuid() == 0 else ""
    # The access log says which upstream server took each request (several, comma-separated, when one failed).
    return (f"{user}daemon off;\nworker_processes 1;\npid {prefix / 'nginx.pid'};\nerror_log stderr notice;\n"
            f"events {{ worker_connections 64; }}\n"
            f"http {{\n    log_format upstreams '$request_method $uri $status $upstream_addr';\n"
            f"    access_log {prefix / 'access.log'} upstreams;\n{temps}    include {site};\n}}\n")


@asynccontextmanager
async def running_nginx(prefix: Path, site_text: str, port: int) -> AsyncIterator[Path]:
    """nginx serving `site_text` until the block ends, ready once `port` answers: its access log."""
    prefix.mkdir(parents=True, exist_ok=True)
    site = prefix / "deskbot.conf"
    site.write_text(site_text)
    conf = prefix / "nginx.conf"
    conf.write_text(main_config(prefix, site))
    log = prefix / "error.log"
    with log.open("wb") as out:
        proc = await asyncio.create_subprocess_exec(NGINX, "-p", str(prefix), "-c", str(conf), "-e", "stderr",
                                                    stdout=out, stderr=out)
    async def up() -> bool:
        assert proc.returncode is None, f"nginx exited with {proc.returncode}: {log.read_text(errors='replace')}"
        return await listens(port)
    try:
        await eventually(up, timeout=20, interval=0.05, what=f"nginx listening on {port}")
        yield prefix / "access.log"
    finally:
        if proc.returncode is None:
            proc.terminate()  # SIGTERM: nginx's fast shutdown
            await asyncio.wait_for(proc.wait(), 20)


async def listens(port: int) -> bool:
    """Whether something on 127.0.0.1 takes a connection on `port`."""
    try:
        _, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        return False
    writer.close()
    await writer.wait_closed()
    return True
