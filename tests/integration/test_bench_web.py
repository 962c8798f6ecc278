"""benchmarks/web.py still runs, at a tiny size, on both databases (its figures are in benchmarks/README.md)."""
from __future__ import annotations

import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

BENCHMARK = Path(__file__).resolve().parents[2] / "benchmarks" / "web.py"


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_the_web_benchmark_runs_at_a_tiny_size(kind, tmp_path):
    name = f"deskbot_test_{uuid.uuid4().hex[:12]}"  # made and dropped by the benchmark
    db = [] if kind == "sqlite" else ["--db", f"postgresql+asyncpg://postgres@127.0.0.1/{name}"]
    done = subprocess.run([sys.executable, str(BENCHMARK), "--tickets", "2000", "--orgs", "20", "--requests", "5", *db],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    for kind_of_request in ("list", "status", "search", "deep page", "ticket"):
        assert re.search(rf"^{kind_of_request} +all +5 ", done.stdout, re.M), done.stdout
    weights = [int(n.replace(",", "")) for n in re.findall(r"with CSS and JS ([\d,]+) bytes", done.stdout)]
    assert len(weights) == 2 and all(0 < weight < 100_000 for weight in weights), done.stdout
