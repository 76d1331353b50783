"""``python -m sandbox``: run the embedded AWS until SIGINT/SIGTERM; the launcher waits for the READY line."""
from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType

from sandbox.seed import DEFAULT_TABLE_PREFIX
from sandbox.server import Sandbox


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    parser = argparse.ArgumentParser(prog="python -m sandbox", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--aws-port", type=int, default=4566, help="moto server port (0: a free one)")
    parser.add_argument("--imds-port", type=int, default=1338, help="instance metadata port (0: a free one)")
    parser.add_argument("--region", default=region, help="default: AWS_REGION, AWS_DEFAULT_REGION, us-east-1")
    parser.add_argument("--no-seed", dest="seed", action="store_false", help="start with an empty account")
    parser.add_argument("--table-prefix", default=os.environ.get("CLOUDBUTLER_TABLE_PREFIX") or DEFAULT_TABLE_PREFIX,
                        help="of the size tracker's tables and queue (default: CLOUDBUTLER_TABLE_PREFIX, cloudbutler-)")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    # werkzeug logs every moto request; the launcher shows this process's output to people
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    # handlers first: a SIGTERM that arrives while seeding still ends in a clean stop
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    sandbox = Sandbox(host=args.host, aws_port=args.aws_port, imds_port=args.imds_port, region=args.region,
                      seed=args.seed, table_prefix=args.table_prefix)
    try:
        sandbox.start()
    except Exception as exc:  # one line for the launcher's log instead of a traceback
        print(f"SANDBOX FAILED {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
        return 1
    try:
        if not stop.is_set():
            print(f"SANDBOX READY aws={sandbox.aws_endpoint} imds={sandbox.imds_endpoint}", flush=True)
        # a timeout keeps the wait responsive to signals on every platform
        while not stop.wait(0.5):
            pass
    finally:
        sandbox.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
