"""`python -m launcher run`: train if needed, start everything, print the web-chat URL, stop cleanly on Ctrl-C."""
from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import threading

from launcher.config import ROOT, RunSettings, merged_environment, read_dotenv
from launcher.secrets import SecretError
from launcher.stack import GaveUp, Stack, StartupFailed


def train(env: dict[str, str]) -> None:
    """Rasa fingerprints data and config: an unchanged project reuses the newest model in models/."""
    subprocess.run(
        [sys.executable, "-m", "rasa", "train", "--data", "nlu", "--config", "config.yml",
         "--domain", "domain.yml", "--out", "models"],
        cwd=ROOT, env=env, check=True,
    )


def banner(settings: RunSettings, stack: Stack) -> str:
    if settings.mode == "sandbox":
        mode = f"SANDBOX (embedded AWS at {stack.aws_endpoint}, instance metadata at {stack.imds_endpoint})"
    else:
        mode = "AWS (your account, through the standard credential chain)"
    return "\n".join([
        "",
        "=" * 72,
        "CloudButler is running.",
        f"  Mode:      {mode}",
        f"  Web chat:  {stack.webchat_url}",
        f"  REST:      POST {stack.rasa_url}/webhooks/rest/webhook",
        f"  Dashboard: {stack.dashboard_url} (log in with CLOUDBUTLER_DASHBOARD_TOKEN: .env, else var/secrets.json)",
        "  Stop:      Ctrl-C",
        "=" * 72,
        "",
    ])


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt


def run(args: argparse.Namespace) -> int:
    env = merged_environment(os.environ, read_dotenv(ROOT / ".env"))
    try:
        settings = RunSettings.from_env(env)
    except ValueError as exc:
        print(f"cloudbutler: {exc}", file=sys.stderr)
        return 2
    if not args.no_train:
        train(env)
    (ROOT / "var").mkdir(exist_ok=True)
    verbose = args.verbose

    def echo(name: str, line: str) -> None:
        if verbose or "ERROR" in line or "Traceback" in line:
            print(f"[{name}] {line}", flush=True)

    stop = threading.Event()
    # Until everything is up, Ctrl-C raises KeyboardInterrupt and Stack.start stops what it started.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        stack = Stack(
            env=env, host=settings.host, rasa_port=settings.rasa_port, actions_port=settings.actions_port,
            sandbox=settings.mode == "sandbox", aws_port=settings.aws_port, imds_port=settings.imds_port,
            tracker_db=ROOT / "var" / "tracker.db", echo=echo, secrets_file=ROOT / "var" / "secrets.json",
            actions_host=settings.actions_host, dashboard_port=settings.dashboard_port,
            dashboard_host=settings.dashboard_host,
        )
    except SecretError as exc:
        print(f"cloudbutler: {exc}", file=sys.stderr)
        return 2
    print(f"Starting CloudButler in {settings.mode} mode (the Rasa server takes about a minute)...", flush=True)
    try:
        with stack:
            for sig in (signal.SIGINT, signal.SIGTERM):
                signal.signal(sig, lambda *_: stop.set())
            print(banner(settings, stack), flush=True)
            reported: set[int] = set()
            while not stop.wait(1.0):
                for child in stack.children:
                    if child.process.poll() is not None and child.process.pid not in reported:
                        reported.add(child.process.pid)
                        print(f"cloudbutler: {child.name} stopped unexpectedly; starting it again.", file=sys.stderr)
                for name in stack.supervise():
                    print(f"cloudbutler: {name} is running again.", flush=True)
            print("Stopping CloudButler...", flush=True)
    except KeyboardInterrupt:
        print("Interrupted; everything started so far was stopped.", flush=True)
        return 130
    except StartupFailed as exc:
        print(f"cloudbutler: start-up failed: {exc}", file=sys.stderr)
        return 1
    except GaveUp as exc:
        print(f"cloudbutler: {exc}; stopped everything. Run with --verbose to see why.", file=sys.stderr)
        return 1
    print("Stopped.", flush=True)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m launcher")
    sub = parser.add_subparsers(dest="command", required=True)
    run_p = sub.add_parser("run", help="train if needed and run the assistant")
    run_p.add_argument("--no-train", action="store_true", help="use the newest model as it is")
    run_p.add_argument("--verbose", action="store_true", help="show every line the processes print")
    sub.add_parser("train", help="train the model if data or config changed")
    args = parser.parse_args()
    if args.command == "train":
        train(merged_environment(os.environ, read_dotenv(ROOT / ".env")))
        return 0
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
