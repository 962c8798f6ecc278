"""Where `deskbot ingest` looks for the service (mailbox/pipe.py): read without validating the config."""
from __future__ import annotations

import pytest

from deskbot.dispatch.config import load_config
from deskbot.mailbox.pipe import configured_socket

PIPE_ONLY = '[mailbox]\nmode = "pipe"  # no socket key here, only in this comment\n'


def test_without_a_socket_key_it_is_ingest_sock_beside_the_config_as_the_service_says(tmp_path, monkeypatch):
    config = tmp_path / "desk" / "config.toml"
    config.parent.mkdir()
    config.write_text(PIPE_ONLY + "# socket = \"/elsewhere.sock\"\n")
    monkeypatch.chdir(tmp_path)  # the MTA's working directory is not the config's folder

    assert configured_socket("desk/config.toml", {}) == str(config.parent / "ingest.sock")
    assert load_config(config, environ={}).pipe_socket == config.parent / "ingest.sock"


@pytest.mark.parametrize("setting", ['[pipe]\nsocket = "/run/deskbot/in.sock"\n',
                                     '[pipe]\nsocket_mode = "0600"\nsocket = "/run/deskbot/in.sock"\n'])
def test_a_socket_key_is_read_from_the_toml(tmp_path, setting):
    config = tmp_path / "config.toml"
    config.write_text(PIPE_ONLY + setting)

    assert configured_socket(config, {}) == "/run/deskbot/in.sock"
    assert str(load_config(config, environ={}).pipe_socket) == "/run/deskbot/in.sock"


def test_the_environment_wins_as_for_every_key(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text(PIPE_ONLY + '[pipe]\nsocket = "/run/deskbot/in.sock"\n')
    env = {"DESKBOT_PIPE_SOCKET": "/tmp/other.sock"}

    assert configured_socket(config, env) == "/tmp/other.sock"
    assert str(load_config(config, environ=env).pipe_socket) == "/tmp/other.sock"


def test_an_unreadable_config_raises_for_the_slow_path_to_report(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text("[pipe\nsocket = 1\n")
    with pytest.raises(ValueError):
        configured_socket(config, {})
    with pytest.raises(OSError):
        configured_socket(tmp_path / "missing.toml", {})
