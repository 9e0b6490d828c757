"""Headless batch for scripts: the window's queue and pipelines, driven by a thread pool.

    python -m desktop_app.cli SOURCE... --output DIR [--engine auto|hitpaw|local]
                              [--timeout S] [--poll-interval S] [--concurrency N]

A SOURCE is an http(s) link or an image file. ``--engine local`` cuts out on this computer
(no key, no network for files); ``hitpaw`` sends to HitPaw (local files need the user's own
storage); ``auto`` sends links to HitPaw and cuts files out here unless storage is set up.
Writes ``DIR/<stem>-cutout.png`` and ``DIR/<stem>-mask.png`` per source, prints one line per
job, and exits 0 only when every job was saved, 1 if any failed, 2 for bad usage, or no key
or no storage where one is needed.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from desktop_app import __version__
from desktop_app.api.connection import Connection
from desktop_app.api.defaults import DEFAULT_BASE_URL, KEY_ENV, base_url_from_env
from desktop_app.export import ExportError, write_image
from desktop_app.jobs.control import Policy, ServiceTimeEstimator, Stopper
from desktop_app.jobs.limits import (
    DEFAULT_CONCURRENCY,
    MAX_CONCURRENCY,
    MAX_POLL,
    MIN_POLL,
    default_local_places,
)
from desktop_app.jobs.model import Engine, Job, JobState, choose_engine, format_duration
from desktop_app.jobs.pipeline import RunContext, run_job
from desktop_app.jobs.queue import JobQueue, QueueEvents
from desktop_app.jobs.sources import collect, local_path
from desktop_app.secrets import KeyStore, KeyStoreError
from desktop_app.storage import Storage, StorageError, storage_from_env

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
ENGINE_AUTO = "auto"
STORAGE_ENV = "CUTOUT_UPLOAD_BUCKET"


class _Usage(argparse.ArgumentParser):
    def error(self, message: str):  # exit 2 with a sentence, never a traceback
        self.print_usage(sys.stderr)
        print(f"cutout-cli: {message}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = _Usage(prog="cutout-cli", description="Remove the background of images (public "
                    "links or files), with the HitPaw API or on this computer, and save the "
                    "cut-out and the mask.")
    parser.add_argument("sources", nargs="+", metavar="SOURCE", help="public image links (JPG, "
                        "PNG, WebP) or image files (JPG, PNG, WebP, HEIC, TIFF)")
    parser.add_argument("--output", "-o", required=True, type=Path, metavar="DIR",
                        help="folder for <stem>-cutout.png and <stem>-mask.png")
    parser.add_argument("--engine", choices=[ENGINE_AUTO, *Engine], default=ENGINE_AUTO,
                        help="who cuts out: hitpaw (coins; files need your own storage), "
                        "local (this computer: free, no key), or auto (default: links to "
                        "HitPaw, files on this computer unless storage is set up)")
    parser.add_argument("--timeout", type=float, default=300.0, metavar="S",
                        help="give up on a job still processing after S seconds (default 300)")
    parser.add_argument("--poll-interval", type=float, default=3.0, metavar="S",
                        help=f"seconds between status checks, {MIN_POLL:g} to {MAX_POLL:g} "
                        "(default 3)")
    parser.add_argument("--concurrency", type=int, default=DEFAULT_CONCURRENCY, metavar="N",
                        help=f"jobs in flight at once, 1 to {MAX_CONCURRENCY} "
                        f"(default {DEFAULT_CONCURRENCY}); jobs cut out on this computer "
                        "run at most N and at most half the cores at once "
                        f"(here {default_local_places()}), beside HitPaw's N")
    parser.add_argument("--version", action="version", version=f"cutout-cli {__version__}")
    args = parser.parse_args(argv)
    if args.timeout <= 0:
        parser.error("--timeout must be more than 0 seconds")
    if not MIN_POLL <= args.poll_interval <= MAX_POLL:
        parser.error(f"--poll-interval must be between {MIN_POLL:g} and {MAX_POLL:g} seconds "
                     "(HitPaw's advice)")
    if not 1 <= args.concurrency <= MAX_CONCURRENCY:
        parser.error(f"--concurrency must be between 1 and {MAX_CONCURRENCY}")
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
    cwd = Path.cwd()
    found = collect(args.sources, cwd=cwd)
    for problem in found.problems:
        print(f"skipped: {problem.sentence}", file=sys.stderr)
    bad_files = sum(local_path(p.item, cwd=cwd) is not None for p in found.problems)
    items = found.sources
    if not items and not bad_files:
        print("cutout-cli: no image links or files to process: give links that start with "
              "http:// or https://, or image files.", file=sys.stderr)
        return EXIT_USAGE
    storage = storage_from_env()
    engines = [choose_engine(Job(item).is_local_file, args.engine,
                             storage_ready=storage is not None) for item in items]
    if args.engine == Engine.HITPAW and storage is None and (bad_files or found.files):
        print("cutout-cli: --engine hitpaw sends files through your own storage, which is not "
              f"set up: set {STORAGE_ENV} and your storage's AWS settings, or use --engine "
              "local to cut them out on this computer.", file=sys.stderr)
        return EXIT_USAGE
    connection = None
    if Engine.HITPAW in engines:
        connection = _connection()
        if connection is None:
            return EXIT_USAGE
    if not _writable(args.output):
        return EXIT_USAGE
    started = time.monotonic()
    batch = Batch(connection, args, storage=_swept(storage, items, engines))
    try:
        results = batch.run(items, engines) if items else []
    except KeyboardInterrupt:
        print("cutout-cli: interrupted.", file=sys.stderr)
        return EXIT_FAILED
    saved = sum(results)
    failed = len(results) - saved + len(found.problems)
    print(f"{saved} saved, {failed} failed, {batch.coins} coins, "
          f"{format_duration(time.monotonic() - started)}.")
    return EXIT_OK if failed == 0 else EXIT_FAILED


def _connection() -> Connection | None:
    """The API's address and the user's key, or None (said on stderr) without a key."""
    try:
        loaded = KeyStore().load()
    except KeyStoreError as err:
        print(f"cutout-cli: {err}", file=sys.stderr)
        return None
    if loaded is None:
        print(f"cutout-cli: no HitPaw API key: set {KEY_ENV}, or save a key in the Cutout app "
              "first.", file=sys.stderr)
        return None
    return Connection(base_url_from_env() or DEFAULT_BASE_URL, loaded.key)


def _swept(storage: Storage | None, items: list[str], engines: list[Engine]) -> Storage | None:
    """The user's bucket (``CUTOUT_UPLOAD_BUCKET`` and the AWS variables, issue 15), with what
    an earlier run left there (a crash) deleted first, when local files will go up; a batch
    that sends no file to HitPaw never touches the bucket."""
    if storage is not None and any(Job(item).is_local_file and engine == Engine.HITPAW
                                   for item, engine in zip(items, engines)):
        try:
            storage.delete_leftovers()
        except StorageError as err:
            print(f"cutout-cli: could not clean up earlier uploads: {err}", file=sys.stderr)
    return storage


def _writable(folder: Path) -> bool:
    """Whether results can be saved there, asked before any coin is spent."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = tempfile.NamedTemporaryFile(dir=folder, prefix=".cutout-probe-")
        probe.close()
    except OSError as err:
        print(f"cutout-cli: cannot write to {folder}: {err.strerror or err}.", file=sys.stderr)
        return False
    return True


class Batch:
    """The CLI's driver of the ``JobQueue``: runs in a thread pool what the queue starts.

    The queue decides, exactly as in the window: places, and a key, coin or plan problem
    pausing it, so the jobs not yet sent are never sent ("not sent, because ..."). The
    pool's threads report to the queue directly; its lock serialises them.
    """

    def __init__(self, connection: Connection | None, args: argparse.Namespace, *,
                 storage: Storage | None = None) -> None:
        self.connection = connection
        self.storage = storage     # for local files sent to HitPaw (issue 15)
        self.policy = Policy(poll_interval=args.poll_interval, processing_limit=args.timeout)
        self.estimator = ServiceTimeEstimator()
        self.names = OutputNames(args.output)
        self.concurrency: int = args.concurrency
        # Cut-outs here are CPU-bound: at most half the cores at once (one inference already
        # uses several), and never more than the N a script asked for (N=1: one at a time).
        self.local_concurrency = min(self.concurrency, default_local_places())
        self.queue: JobQueue | None = None
        self.halted: str | None = None        # why the queue paused, in the CLI's words
        self._results: dict[str, bool] = {}
        self._outputs: dict[str, tuple[Path, Path]] = {}
        self._local = threading.local()
        self._print_lock = threading.Lock()
        self._ended = threading.Event()
        self._pool: ThreadPoolExecutor | None = None

    @property
    def coins(self) -> int:
        return self.queue.session_coins if self.queue is not None else 0

    def run(self, urls: list[str], engines: list[Engine] | None = None) -> list[bool]:
        """Run every source to its end (each by its engine, HitPaw when None); True per
        source whose pair was saved, in the order given."""
        with tempfile.TemporaryDirectory(prefix="cutout-cli-") as tmp:
            queue = self.queue = JobQueue(QueueEvents(start=self._start), results_dir=Path(tmp),
                                          concurrency=self.concurrency,
                                          local_concurrency=self.local_concurrency)
            jobs = queue.add(urls, engines)
            # Named in the order given, not the order finished: "cat-2" is the second "cat".
            self._outputs = {job.id: self.names.reserve(job.stem) for job in jobs}
            # Twice the places: a job that is only downloading holds none (see JobQueue).
            threads = 2 * (self.concurrency + queue.local_concurrency)
            self._pool = ThreadPoolExecutor(threads, thread_name_prefix="job")
            try:
                # Jobs on this computer start without a connection (no key is needed).
                queue.set_connected(self.connection is not None)
                self._wait_until_idle()
            except KeyboardInterrupt:
                queue.close()
                self._pool.shutdown(wait=True, cancel_futures=True)
                raise
            self._pool.shutdown()
        for job in queue.waiting_jobs():
            reason = _lower_first(self.halted or "the batch was stopped.")
            self._say(f"failed  {job.url}: not sent, because {reason}")
        return [self._results.get(job.id, False) for job in jobs]

    def _wait_until_idle(self) -> None:
        while True:
            self._ended.clear()
            if self.queue.idle:
                return
            self._ended.wait(1.0)

    def _start(self, job: Job, stopper: Stopper) -> None:
        self._pool.submit(self._work, job, stopper)

    def _work(self, job: Job, stopper: Stopper) -> None:
        try:
            run_job(job, self._context(job), self.queue.workdir(job), stopper=stopper,
                    on_change=self.queue.job_changed)
            self._results[job.id] = self._report(job)
        except Exception as err:  # noqa: BLE001 - a bug fails its job, not the batch
            print(f"cutout-cli: {type(err).__name__}: {err}", file=sys.stderr)
            self.queue.crashed(job.id)
            self._say(f"failed  {job.url}: {command_line_sentence(self.queue.jobs[job.id])}")
        finally:
            self.queue.ended(job.id)
            self._ended.set()

    def _context(self, job: Job) -> RunContext:
        """One client per thread (a requests Session is not shared across threads); jobs on
        this computer need none."""
        if job.engine == Engine.LOCAL or self.connection is None:
            return RunContext(None, self.policy)
        if not hasattr(self._local, "context"):
            self._local.context = RunContext(self.connection.client(), self.policy,
                                             estimator=self.estimator, storage=self.storage)
        return self._local.context

    def _report(self, job: Job) -> bool:
        """Print the job's line and save its pair; True when both files were written."""
        if job.state != JobState.DONE:
            reason = command_line_sentence(job)
            if job.state == JobState.PAUSED:
                self.halted = self.halted or reason
            self._say(f"failed  {job.url}: {reason}")
            return False
        cutout, mask = self._outputs[job.id]
        try:
            write_image(Path(job.cutout_path), cutout, "RGBA")
            write_image(Path(job.mask_path), mask, "L")
        except ExportError as err:
            self._say(f"failed  {job.url}: {err}")
            return False
        coins = f"{job.coins} coins, " if job.coins is not None else ""
        self._say(f"saved   {job.url} -> {cutout}, {mask} ({coins}"
                  f"{format_duration(job.elapsed())})")
        return True

    def _say(self, line: str) -> None:
        with self._print_lock:
            print(line, flush=True)


_NEXT_STEP = {
    "key": f"set a valid key in {KEY_ENV} (or in the Cutout app), then run the command again.",
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
