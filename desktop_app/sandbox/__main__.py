"""``python -m desktop_app.sandbox``: run the sandbox in the foreground for demos and manual trials."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from types import FrameType

from desktop_app.sandbox.server import DEFAULT_API_KEY, SandboxServer

SAMPLE_NAMES = ("portrait.png", "product.jpg", "still-life.webp")


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m desktop_app.sandbox",
        description="A local stand-in for the HitPaw Image Segmentation API, on 127.0.0.1.",
    )
    parser.add_argument("--port", type=int, default=8765, help="port to listen on (0 picks a free one)")
    parser.add_argument(
        "--key",
        action="append",
        dest="keys",
        metavar="KEY",
        help=f"an accepted API key; repeat for several (default: {DEFAULT_API_KEY})",
    )
    parser.add_argument(
        "--processing-time", type=float, default=3.0, metavar="S", help="seconds a job stays CONVERTING"
    )
    parser.add_argument("--coins", type=int, default=20, metavar="N", help="coins reported per job")
    args = parser.parse_args(argv)
    if not 0 <= args.port <= 65535:
        parser.error("--port must be between 0 and 65535")
    if args.processing_time < 0:
        parser.error("--processing-time cannot be negative")
    return args


def main(argv: list[str] | None = None) -> int:
    """Serve until Ctrl+C or SIGTERM; 0 on a clean stop, 1 if the port cannot be used."""
    args = _parse(argv)
    keys = tuple(args.keys or (DEFAULT_API_KEY,))
    server = SandboxServer(
        port=args.port, api_keys=keys, processing_time=args.processing_time, coins_per_job=args.coins
    )
    try:
        server.start()
    except OSError as exc:
        print(f"Cannot listen on 127.0.0.1:{args.port}: {exc.strerror or exc}", file=sys.stderr)
        return 1

    done = threading.Event()

    def _on_signal(signum: int, frame: FrameType | None) -> None:
        done.set()

    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    samples = " ".join(server.sample_url(name) for name in SAMPLE_NAMES)
    print(
        f"Sandbox API at {server.base_url}  key: {', '.join(keys)}  samples: {samples}  (Ctrl+C stops)",
        flush=True,
    )
    try:
        while not done.wait(0.5):  # a timed wait lets the signal handler run promptly
            pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
