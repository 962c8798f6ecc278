"""Who may read /metrics (`[metrics] allow`): the connecting address, or the client a known proxy names."""
from unittest import mock

import pytest
from aiohttp.test_utils import make_mocked_request

from deskbot.dispatch.health import Readiness
from deskbot.web.health import Probes


def _request(peer: str, forwarded: str | None = None):
    transport = mock.Mock()
    transport.get_extra_info.side_effect = lambda name, default=None: (peer, 40000) if name == "peername" else default
    headers = {} if forwarded is None else {"X-Forwarded-For": forwarded}
    return make_mocked_request("GET", "/metrics", headers=headers, transport=transport)


def _probes(allow: list[str], proxies: list[str] = ()) -> Probes:
    return Probes(Readiness(), sessions=None, clock=None, allow=allow, proxies=list(proxies))


@pytest.mark.parametrize(("allow", "peer", "forwarded", "may"), [
    (["127.0.0.1", "::1"], "127.0.0.1", None, True),
    (["127.0.0.1", "::1"], "::1", None, True),
    (["127.0.0.1", "::1"], "10.1.2.3", None, False),
    (["10.0.0.0/8"], "10.1.2.3", None, True),
    ([], "203.0.113.9", None, True),  # [] anyone
    (["127.0.0.1"], "127.0.0.1", "203.0.113.9", False),  # a proxy not in [web] proxies: its client is unknown
])
def test_the_connecting_address_decides(allow, peer, forwarded, may):
    assert _probes(allow).may_scrape(_request(peer, forwarded)) is may


def test_through_a_known_proxy_the_client_it_names_decides():
    probes = _probes(["10.0.0.0/8"], proxies=["127.0.0.1"])
    assert probes.may_scrape(_request("127.0.0.1", "198.51.100.1, 10.9.8.7"))  # the last hop: the proxy's client
    assert not probes.may_scrape(_request("127.0.0.1", "203.0.113.9"))
    assert not probes.may_scrape(_request("127.0.0.1", "not an address"))
