"""Upload/download of a large file through the storage skill's service vs. boto3's own managed transfer.

Both talk to the same moto server (its own process, so it does not share our GIL) in the same run, alternating,
three rounds each; the ratio is boto3 time / skill time (>= 0.9 means the skill is at most ~10 % slower).
Prints a table and writes bench/results/transfer.json. Run: .venv/bin/python bench/transfer_bench.py [--mb 200]
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from actions.aws.clients import AwsSettings, ClientFactory  # noqa: E402
from actions.aws.objects import ObjectService  # noqa: E402
from launcher.stack import free_port  # noqa: E402

RESULTS = ROOT / "bench" / "results"


def start_moto() -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    endpoint = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            requests.get(f"{endpoint}/moto-api/", timeout=1)
            return process, endpoint
        except requests.RequestException:
            time.sleep(0.1)
    raise RuntimeError("moto server did not start")


def timed(func) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    func()
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench")
    process, endpoint = start_moto()
    try:
        s3 = ClientFactory(AwsSettings(region="us-east-1", endpoint_url=endpoint)).client("s3")
        skill = ObjectService(s3)
        s3.create_bucket(Bucket="bench")
        with tempfile.TemporaryDirectory(prefix="transfer-bench-") as tmp:
            source = Path(tmp) / "big.bin"
            with source.open("wb") as fh:
                for _ in range(args.mb):
                    fh.write(os.urandom(1024 * 1024))
            progress_calls = []

            def progress(done: int, total: int | None) -> None:
                progress_calls.append(done)  # what the chat job does: remember, report every few seconds

            times: dict[str, list[float]] = {"boto3 upload": [], "skill upload": [],
                                             "boto3 download": [], "skill download": []}
            for round_no in range(args.rounds):
                times["boto3 upload"].append(timed(lambda: s3.upload_file(str(source), "bench", "raw.bin")))
                times["skill upload"].append(timed(
                    lambda: skill.upload("bench", "skill.bin", source, overwrite=True, progress=progress)))
                for name in ("raw.bin", "skill.bin"):
                    (Path(tmp) / name).unlink(missing_ok=True)
                times["boto3 download"].append(timed(
                    lambda: s3.download_file("bench", "raw.bin", str(Path(tmp) / "raw.bin"))))
                times["skill download"].append(timed(
                    lambda: skill.download("bench", "skill.bin", tmp, overwrite=True, progress=progress)))
                assert (Path(tmp) / "skill.bin").stat().st_size == source.stat().st_size, round_no
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    medians = {k: statistics.median(v) for k, v in times.items()}
    result = {
        "file_mb": args.mb,
        "rounds": args.rounds,
        "seconds_median": {k: round(v, 2) for k, v in medians.items()},
        "upload_ratio": round(medians["boto3 upload"] / medians["skill upload"], 2),
        "download_ratio": round(medians["boto3 download"] / medians["skill download"], 2),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "transfer.json").write_text(json.dumps(result, indent=2))
    print(f"{'transfer of ' + str(args.mb) + ' MB':<24}{'median s':>10}{'MB/s':>8}")
    for key, value in medians.items():
        print(f"{key:<24}{value:>10.2f}{args.mb / value:>8.0f}")
    print(f"{'upload ratio (>=0.9)':<24}{result['upload_ratio']:>10}")
    print(f"{'download ratio (>=0.9)':<24}{result['download_ratio']:>10}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
