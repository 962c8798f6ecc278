"""Our mailbox/ folder must never shadow the standard library's mailbox, and the wheel must work alone."""
import subprocess
import sys
import sysconfig
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
STDLIB = Path(sysconfig.get_paths()["stdlib"])


def test_stdlib_mailbox_in_the_test_process():
    import mailbox

    import deskbot.mailbox.inbound

    assert Path(mailbox.__file__).parent == STDLIB
    assert hasattr(mailbox, "Maildir")
    assert Path(deskbot.mailbox.inbound.__file__).parent == REPO / "mailbox"


def test_stdlib_mailbox_even_with_the_repo_root_first_on_sys_path():
    # `python -c` from the repo root puts the root first on sys.path: still the standard library's.
    out = subprocess.run(
        [sys.executable, "-c", "import mailbox; print(mailbox.__file__, hasattr(mailbox, 'Maildir'))"],
        cwd=REPO, capture_output=True, text=True, check=True,
    ).stdout.split()
    assert Path(out[0]).parent == STDLIB and out[1] == "True"


def test_console_script_runs_from_the_repo_root():
    script = Path(sys.executable).parent / "deskbot"
    done = subprocess.run([script, "--help"], cwd=REPO, capture_output=True, text=True, check=True)
    assert "poll-once" in done.stdout and "check-config" in done.stdout


def test_built_wheel_works_outside_the_checkout(tmp_path):
    wheel_dir, target = tmp_path / "wheel", tmp_path / "site"
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--verbose", "--no-deps", "--no-build-isolation", "-w", wheel_dir, REPO],
        check=True, capture_output=True, text=True,
    )
    assert "absent from the `packages` configuration" not in built.stdout + built.stderr  # data folders listed
    wheel = next(wheel_dir.glob("deskbot-*.whl"))
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", target, wheel],
        check=True, capture_output=True,
    )
    for shipped in ("web/templates/base.html", "web/templates/tickets.html", "web/static/deskbot.css",
                    "demo/web/index.html", "demo/web/static/main.js", "demo/web/static/demo.css",
                    "demo/web/static/icon.svg", "demo/api.py"):
        assert (target / "deskbot" / shipped).is_file(), shipped  # package-data: the web face's and the demo's pages
    config = tmp_path / "config.toml"
    config.write_text(
        f'[database]\nurl = "sqlite+aiosqlite:///{tmp_path / "db.sqlite3"}"\n'
        '[mailbox]\nhost = "imap.test"\nusername = "support@desk.test"\n'
    )
    deps = sysconfig.get_paths()["purelib"]
    # -S: no site-packages processing, so the editable install of the checkout is out of sight.
    code = (
        f"import sys; sys.path[:0] = [{str(target)!r}]; sys.path.append({deps!r});"
        "import mailbox, deskbot.mailbox.inbound as i, deskbot.app.cli as cli;"
        f"assert i.__file__.startswith({str(target)!r}), i.__file__;"
        "assert hasattr(mailbox, 'Maildir');"
        f"sys.exit(cli.main(['db', 'upgrade', '-c', {str(config)!r}]))"
    )
    done = subprocess.run([sys.executable, "-S", "-c", code], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "database at revision" in done.stdout
