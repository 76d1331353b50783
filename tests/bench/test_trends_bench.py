"""bench/trends_bench.py in its quick mode: it runs end to end and writes the results it prints."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from launcher.config import ROOT


def test_the_quick_run_writes_positive_measurements(tmp_path: Path) -> None:
    out = tmp_path / "trends.json"
    run = subprocess.run([sys.executable, "-W", "ignore", str(ROOT / "bench" / "trends_bench.py"), "--quick",
                          "--out", str(out)], capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    results = json.loads(out.read_text(encoding="utf-8"))
    assert results["quick"] is True
    consumer = results["consumer"]
    assert consumer["events"] == 200 and consumer["floor"]["received"] == 200
    assert consumer["tracker"]["applied"] + consumer["tracker"]["duplicates"] == 200
    assert consumer["tracker"]["rejected"] == consumer["tracker"]["failed"] == 0
    for name in ("ratio", "cpu_ratio", "tracker_events_per_s", "floor_events_per_s"):
        assert consumer[name] > 0, name
    answer = results["history_answer"]
    assert answer["days"] == 90 and answer["samples"] > 0 and answer["png_bytes"] > 0
    assert 0 < answer["chart_points"] <= 250 and answer["p50_ms"] > 0 and answer["cpu_p50_ms"] > 0
    rolled = results["roll_up"]  # the history, written at once, is rolled up before the answer reads it
    assert rolled["days"] >= 90 + 30 + 365 and rolled["seconds"] > 0
    memory = results["memory"]
    assert sorted(m["days"] for m in memory["lengths"].values()) == [30, 90, 365]
    assert all(m["peak_kb"] > 0 and m["samples"] > 0 for m in memory["lengths"].values())
    assert isinstance(memory["spread_mb"], float)
    assert set(results["verdicts"]) >= {"consumer / floor", "90-day answer p50", "peak RSS, 365 vs 90 days"}
    assert set(results["verdicts"].values()) <= {"PASS", "MISS"}
    for line in ("consumer / floor", "90-day answer p50", "roll-up of closed days", "peak RSS, 365 vs 90 days"):
        assert line in run.stdout
