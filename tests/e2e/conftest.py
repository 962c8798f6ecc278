"""Fixtures of the e2e tests."""
import pytest

from harness.desk import write_config


@pytest.fixture
def config(tmp_path, dovecot):
    return write_config(tmp_path / "config.toml", dovecot, f"sqlite+aiosqlite:///{tmp_path / 'cli.sqlite3'}")
