"""scripts/tls_cost.py: its quick run times plain and TLS crowds in turn, and every crowd hears every line."""

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_the_quick_run_times_both_kinds_and_loses_no_line() -> None:
    command = [sys.executable, str(REPO / "scripts" / "tls_cost.py"), "--quick", "--json", "--seconds", "60"]
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=100)
    assert result.returncode == 0, result.stdout + result.stderr
    rounds = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert [row["connection"] for row in rounds] == ["plain", "TLS", "plain", "TLS"]
    assert all(row["heard_all"] and row["people"] == 3 and row["lines"] == 20 for row in rounds)
    assert "TLS / plain, medians: wall time" in result.stdout
