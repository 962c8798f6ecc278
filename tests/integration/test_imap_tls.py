"""SSL and STARTTLS against a Dovecot with a self-signed certificate; verification is never skipped."""
import ssl

import pytest
from harness.desk import open_desk
from harness.dovecot import Dovecot
from harness.mails import make_mail

pytestmark = pytest.mark.dovecot


@pytest.fixture
def tls_dovecot():
    server = Dovecot(tls=True)
    try:
        server.start()
        yield server
    finally:
        server.close()


@pytest.mark.parametrize("security", ["ssl", "starttls"])
async def test_mail_arrives_over_tls(tmp_path, tls_dovecot, security):
    port = tls_dovecot.ssl_port if security == "ssl" else tls_dovecot.port
    desk = await open_desk(tmp_path, tls_dovecot, security=security, port=port, ca_file=str(tls_dovecot.ca_file))
    try:
        tls_dovecot.append(make_mail(f"Over {security}"))
        await desk.poll_once()
        assert [t.subject for t in await desk.tickets()] == [f"Over {security}"]
    finally:
        await desk.close()


async def test_an_untrusted_certificate_is_refused(tmp_path, tls_dovecot):
    desk = await open_desk(tmp_path, tls_dovecot, security="ssl", port=tls_dovecot.ssl_port)
    try:
        with pytest.raises(ssl.SSLCertVerificationError):
            await desk.poll_once()
    finally:
        await desk.close()
