"""Headless batch: the same jobs as the window, for scripts.

    python -m desktop_app.cli URL... --output DIR [--timeout S] [--poll-interval S]
                                     [--concurrency N]

Writes ``DIR/<stem>-cutout.png`` and ``DIR/<stem>-mask.png`` per link, prints one line per
job, and exits 0 only when every job was saved, 1 if any failed, 2 for bad usage or no key.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from desktop_app import __version__
from desktop_app.api.client import HitPawClient
from desktop_app.api.defaults import DEFAULT_BASE_URL
from desktop_app.export import ExportError, write_image
from desktop_app.jobs.control import Policy, ServiceTimeEstimator, Stopper
from desktop_app.jobs.links import extract_links
from desktop_app.jobs.model import Job, JobState, format_duration
from desktop_app.jobs.pipeline import run_job
from desktop_app.secrets import ENV_VAR, KeyStore, KeyStoreError

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class _Usage(argparse.ArgumentParser):
    def error(self, message: str):  # exit 2 with a sentence, never a traceback
        self.print_usage(sys.stderr)
        print(f"cutout-cli: {message}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = _Usage(prog="cutout-cli", description="Remove the background of images given as "
                    "public links, with the HitPaw API, and save the cut-out and the mask.")
    parser.add_argument("urls", nargs="+", metavar="URL", help="public image links (JPG, PNG, "
                        "WebP)")
    parser.add_argument("--output", "-o", required=True, type=Path, metavar="DIR",
                        help="folder for <stem>-cutout.png and <stem>-mask.png")
    parser.add_argument("--timeout", type=float, default=300.0, metavar="S",
                        help="give up on a job still processing after S seconds (default 300)")
    parser.add_argument("--poll-interval", type=float, default=3.0, metavar="S",
                        help="seconds between status checks, 2 to 5 (default 3)")
    parser.add_argument("--concurrency", type=int, default=4, metavar="N",
                        help="jobs in flight at once (default 4)")
    parser.add_argument("--version", action="version", version=f"cutout-cli {__version__}")
    args = parser.parse_args(argv)
    if args.timeout <= 0:
        parser.error("--timeout must be more than 0 seconds")
    if not 2.0 <= args.poll_interval <= 5.0:
        parser.error("--poll-interval must be between 2 and 5 seconds (HitPaw's advice)")
    if not 1 <= args.concurrency <= 32:
        parser.error("--concurrency must be between 1 and 32")
    return args


class OutputNames:
    """Hands out ``<stem>-cutout.png`` / ``<stem>-mask.png`` pairs, never the same twice."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._taken: set[str] = set()
        self._lock = threading.Lock()

    def reserve(self, stem: str) -> tuple[Path, Path]:
        with self._lock:
            n = 1
            while True:
                candidate = stem if n == 1 else f"{stem}-{n}"
                if candidate not in self._taken:
                    self._taken.add(candidate)
                    return (self.folder / f"{candidate}-cutout.png",
                            self.folder / f"{candidate}-mask.png")
                n += 1


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    found = extract_links("\n".join(args.urls))
    for problem in found.problems:
        print(f"skipped: {problem}", file=sys.stderr)
    if not found.urls:
        print("cutout-cli: no image links to process: give links that start with http:// or "
              "https://.", file=sys.stderr)
        return EXIT_USAGE
    try:
        loaded = KeyStore().load()
    except KeyStoreError as err:
        print(f"cutout-cli: {err}", file=sys.stderr)
        return EXIT_USAGE
    if loaded is None:
        print(f"cutout-cli: no HitPaw API key: set {ENV_VAR}, or save a key in the Cutout app "
              "first.", file=sys.stderr)
        return EXIT_USAGE
    try:
        args.output.mkdir(parents=True, exist_ok=True)
        probe = tempfile.NamedTemporaryFile(dir=args.output, prefix=".cutout-probe-")
        probe.close()
    except OSError as err:
        print(f"cutout-cli: cannot write to {args.output}: {err.strerror or err}.",
              file=sys.stderr)
        return EXIT_USAGE

    base_url = os.environ.get("HITPAW_API_BASE", "").strip() or DEFAULT_BASE_URL
    policy = Policy(poll_interval=args.poll_interval, processing_limit=args.timeout)
    estimator = ServiceTimeEstimator()
    names = OutputNames(args.output)
    halted: list[str] = []            # set once the key or the coins fail: stop sending
    stoppers: list[Stopper] = []
    local = threading.local()
    print_lock = threading.Lock()

    def say(line: str) -> None:
        with print_lock:
            print(line, flush=True)

    def work(job: Job, workroot: Path) -> bool:
        if halted:
            say(f"failed  {job.url}: not sent, because {_lower_first(halted[0])}")
            return False
        if not hasattr(local, "client"):
            local.client = HitPawClient(base_url, loaded.key)
        stopper = Stopper()
        stoppers.append(stopper)
        run_job(job, local.client, workroot / job.id, policy, stopper=stopper,
                estimator=estimator)
        reason = command_line_sentence(job)
        if job.state == JobState.PAUSED:
            halted.append(reason)
        if job.state != JobState.DONE:
            say(f"failed  {job.url}: {reason}")
            return False
        cutout, mask = outputs[job.id]
        try:
            write_image(Path(job.cutout_path), cutout, "RGBA")
            write_image(Path(job.mask_path), mask, "L")
        except ExportError as err:
            say(f"failed  {job.url}: {err}")
            return False
        coins = f"{job.coins} coins, " if job.coins is not None else ""
        say(f"saved   {job.url} -> {cutout}, {mask} ({coins}{format_duration(job.elapsed())})")
        return True

    jobs = [Job(url) for url in found.urls]
    # Named in the order given, not the order finished: "cat-2" is always the second "cat".
    outputs = {job.id: names.reserve(job.stem) for job in jobs}
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="cutout-cli-") as tmp:
        pool = ThreadPoolExecutor(max_workers=args.concurrency, thread_name_prefix="job")
        try:
            results = list(pool.map(lambda j: work(j, Path(tmp)), jobs))
        except KeyboardInterrupt:
            for stopper in stoppers:
                stopper.stop(Stopper.SHUTDOWN)
            pool.shutdown(wait=True, cancel_futures=True)
            print("cutout-cli: interrupted.", file=sys.stderr)
            return EXIT_FAILED
        pool.shutdown()
    saved = sum(results)
    failed = len(results) - saved + len(found.problems)
    coins = sum(j.coins or 0 for j in jobs)
    print(f"{saved} saved, {failed} failed, {coins} coins, "
          f"{format_duration(time.monotonic() - started)}.")
    return EXIT_OK if failed == 0 else EXIT_FAILED


_NEXT_STEP = {
    "key": f"set a valid key in {ENV_VAR} (or in the Cutout app), then run the command again.",
    "coins": "top up, then run the command again.",
    "access": "check your HitPaw plan, then run the command again.",
}


def command_line_sentence(job: Job) -> str:
    """The job's sentence without the window's advice (Resume, Retry, Resubmit).

    Here nothing is kept for later: running the command again sends the links again, and
    that costs coins, so "Retry checks again without a new charge" would be untrue.
    """
    message = job.message or job.short_status
    if job.state == JobState.PAUSED:
        head = message.split(":")[0].rstrip(".")
        return f"{head}: {_NEXT_STEP.get(job.pause_kind, 'run the command again.')}"
    message = re.sub(r"\s*Retry [^.]*\.$", "", message)
    return re.sub(r"use Resubmit to try again|Resubmit sends the link again",
                  "run the command again to resend it", message)


def _lower_first(sentence: str) -> str:
    """"Your key..." -> "your key...", but "HitPaw ..." stays "HitPaw ..."."""
    first = sentence.split(" ", 1)[0]
    if first[1:] != first[1:].lower():
        return sentence
    return sentence[:1].lower() + sentence[1:]


if __name__ == "__main__":
    sys.exit(main())
