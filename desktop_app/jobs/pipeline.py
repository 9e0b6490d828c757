"""One job's life, from link to cached results, shared by the GUI workers and the CLI.

``run_job`` is plain blocking Python: a GUI worker thread or a CLI thread calls it and hears
about every state change through ``on_change`` (given a snapshot, never the live object). It
resumes where a job stopped: a job that has a ``job_id`` is never submitted again, so a
restart, a retry after a network fault or a new key costs no coins.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import requests

from desktop_app.api import (
    BadRequestError,
    CutoutError,
    DownloadError,
    DownloadLimits,
    HitPawClient,
    KeyProblem,
    NoAccessError,
    NotSentError,
    OutOfCoinsError,
    ResultExpiredError,
    ServerFaultError,
    TransientError,
    UnknownOutcomeError,
    download_image,
)
from desktop_app.jobs.model import Job, JobState, format_duration
from desktop_app.jobs.store import HistoryStore

log = logging.getLogger(__name__)

MIN_POLL, MAX_POLL = 2.0, 5.0


@dataclass(frozen=True)
class Policy:
    poll_interval: float = 3.0
    first_poll_delay: float = 2.0
    processing_limit: float = 300.0   # seconds a job may stay CONVERTING
    submit_attempts: int = 4          # only for failures that surely cost nothing
    poll_failures_allowed: int = 6    # consecutive failed polls before giving up
    backoff_base: float = 1.0
    backoff_max: float = 16.0
    download: DownloadLimits = field(default_factory=DownloadLimits)

    def __post_init__(self) -> None:
        object.__setattr__(self, "poll_interval",
                           min(MAX_POLL, max(MIN_POLL, float(self.poll_interval))))

    def backoff(self, attempt: int) -> float:
        return min(self.backoff_max, self.backoff_base * (2 ** (attempt - 1)))


class ServiceTimeEstimator:
    """Learns how long HitPaw takes, so a job's first poll lands just after it is done.

    HitPaw says nothing about how long a job will take, and asks for at least 2 s between
    polls, so a poll that comes too early costs 2 s and one that comes late costs the delay.
    Every answer narrows the service time down: a "still working" answer at ``t`` s after
    submit says it is longer than ``t``, a "completed" one that it is at most ``t``.

    - Nothing known yet (the first jobs of a session): first polls are spread over 2 to 4 s,
      so the first wave both finishes and teaches.
    - The answers agree on a window ``(low, high]``: poll at ``high``. While that window is
      wider than ``tolerance``, one job at a time probes its middle, halving it (a miss there
      costs that one job 2 s; every later job gains).
    - The answers disagree (the service varies, or one job was slow): poll at the median time
      by which recent jobs were seen done.

    Always between the 2 s HitPaw asks for and 5 s. Thread-safe: one instance serves a batch;
    ``token`` names the job (its local id).
    """

    def __init__(self, *, floor: float = MIN_POLL, window: int = 20, probes: int = 6,
                 spread: float = 2.0, tolerance: float = 0.25,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._floor, self._window, self._probes = floor, window, probes
        self._spread, self._tolerance, self._clock = spread, tolerance, clock
        self._done: list[tuple[float, float]] = []   # finished jobs: (last "working", "done")
        self._working: dict[str, float] = {}        # running jobs: their last "working"
        self._turn = 0
        self._probe_free_at = float("-inf")
        self._lock = threading.Lock()

    def first_poll(self, default: float) -> float:
        """Seconds after submit for a new job's first poll (``default`` when nothing is known)."""
        earliest = max(self._floor, default)
        with self._lock:
            if not self._done:
                step = self._turn % self._probes
                self._turn += 1
                return self._clamp(earliest + self._spread * step / max(1, self._probes - 1))
            low, high = self._bounds()
            if high <= low:  # the answers disagree: the median time jobs were seen done
                seen_done = sorted(done for _, done in self._done)
                return self._clamp(max(earliest, seen_done[len(seen_done) // 2]))
            low = max(low, earliest)
            now = self._clock()
            if high - low > self._tolerance and now >= self._probe_free_at:
                probe = (low + high) / 2
                self._probe_free_at = now + probe + 0.1  # one probe in flight at a time
                return self._clamp(probe)
            return self._clamp(max(earliest, high))

    def still_working(self, token: str, asked: float, interval: float, misses: int) -> float:
        """Seconds to wait after the ``misses``-th "still working" answer, asked ``asked`` s
        after submit.

        When recent jobs were done sooner than ``interval`` from now, poll then (never
        sooner than 2 s); after a first poll that came too early, 2 s; else the interval.
        """
        with self._lock:
            self._working[token] = asked
            low, high = self._bounds() if self._done else (asked, float("inf"))
        if low < high < asked + interval:
            return max(MIN_POLL, high - asked)
        return MIN_POLL if misses <= 1 else interval

    def completed(self, token: str, working_at: float, done_at: float) -> None:
        """A job was seen done ``done_at`` s after submit, last seen working at ``working_at``
        (0 if it was done at its first poll)."""
        with self._lock:
            self._working.pop(token, None)
            self._done.append((working_at, done_at))
            del self._done[:-self._window]

    def forget(self, token: str) -> None:
        """A job stopped polling without finishing (failed, paused, cancelled)."""
        with self._lock:
            self._working.pop(token, None)

    def _bounds(self) -> tuple[float, float]:
        """(latest "still working", earliest "done") over recent and running jobs."""
        lows = [low for low, _ in self._done] + list(self._working.values())
        return max(lows, default=0.0), min(done for _, done in self._done)

    def _clamp(self, seconds: float) -> float:
        return min(MAX_POLL, max(self._floor, seconds))


class Stopper:
    """Asks a running job to stop at its next safe point, and says why."""

    CANCEL, PAUSE, SHUTDOWN = "cancel", "pause", "shutdown"

    def __init__(self) -> None:
        self._event = threading.Event()
        self.reason: str | None = None

    def stop(self, reason: str) -> None:
        self.reason = self.reason or reason
        self._event.set()

    @property
    def stopped(self) -> bool:
        return self._event.is_set()

    def wait(self, seconds: float) -> bool:
        """Sleep up to ``seconds``; True if a stop was asked meanwhile."""
        return self._event.wait(max(0.0, seconds))


class _Stop(Exception):
    pass


PAUSE_KINDS = ((KeyProblem, "key"), (OutOfCoinsError, "coins"), (NoAccessError, "access"))


def pause_kind(err: BaseException) -> str | None:
    for cls, kind in PAUSE_KINDS:
        if isinstance(err, cls):
            return kind
    return None


def run_job(job: Job, client: HitPawClient, workdir: Path, policy: Policy, *,
            stopper: Stopper | None = None, store: HistoryStore | None = None,
            on_change: Callable[[Job], None] = lambda job: None,
            download_session: requests.Session | None = None,
            estimator: ServiceTimeEstimator | None = None) -> Job:
    """Drive ``job`` as far as it can go; returns it in its final (or paused) state."""
    run = _Run(job, client, Path(workdir), policy, stopper or Stopper(), store, on_change,
               download_session or client.session, estimator)
    try:
        run.go()
    except _Stop:
        run.stopped()
    return job


class _Run:
    def __init__(self, job, client, workdir, policy, stopper, store, on_change, dl_session,
                 estimator):
        self.estimator: ServiceTimeEstimator | None = estimator
        self.job: Job = job
        self.client: HitPawClient = client
        self.workdir: Path = workdir
        self.policy: Policy = policy
        self.stopper: Stopper = stopper
        self.store: HistoryStore | None = store
        self.on_change = on_change
        self.dl_session: requests.Session = dl_session

    # -- helpers ----------------------------------------------------------------------
    def set(self, state: JobState, message: str = "", **changes) -> None:
        job = self.job
        job.state = state
        job.message = message
        if state != JobState.PAUSED:
            job.pause_kind = ""
        for name, value in changes.items():
            setattr(job, name, value)
        if state in (JobState.DONE, JobState.FAILED, JobState.EXPIRED, JobState.UNKNOWN,
                     JobState.CANCELLED):
            job.finished_at = time.time()
        if self.store is not None:
            self.store.save(job)   # on disk before anyone else hears of it
        self.on_change(job.snapshot())

    def sleep(self, seconds: float) -> None:
        if self.stopper.wait(seconds):
            raise _Stop()

    def check_stop(self) -> None:
        if self.stopper.stopped:
            raise _Stop()

    def give_up(self, err: CutoutError) -> None:
        """Key, coin and access problems pause (the queue waits); anything else fails."""
        kind = pause_kind(err)
        if kind:
            self.set(JobState.PAUSED, err.user_message, pause_kind=kind)
        else:
            self.set(JobState.FAILED, err.user_message)

    def stopped(self) -> None:
        """Leave the job where a later run (or the next start) can pick it up."""
        reason = self.stopper.reason
        if reason == Stopper.SHUTDOWN:
            return  # the stored state is resumed on the next start
        if reason == Stopper.PAUSE:
            self.set(JobState.PAUSED, "Paused by you.", pause_kind="user")
        elif self.job.job_id and not self.job.has_results:
            self.set(JobState.CANCELLED, "Stopped by you; the job was already paid for, so "
                                         "Retry picks it up again without a new charge.")
        else:
            self.set(JobState.CANCELLED, "Stopped by you before it was sent.")

    # -- the life of a job -----------------------------------------------------------
    def go(self) -> None:
        self.check_stop()
        job = self.job
        job.finished_at = None
        if not job.job_id:
            if not self.submit():
                return
        if not (job.res_url and job.mask_url):
            if not self.poll():
                return
        self.download()

    def submit(self) -> bool:
        self.set(JobState.SUBMITTING)
        attempt = 0
        while True:
            attempt += 1
            self.check_stop()
            try:
                result = self.client.submit(self.job.url)
            except (NotSentError, ServerFaultError) as err:
                if attempt >= self.policy.submit_attempts:
                    self.set(JobState.FAILED, f"{_first_clause(err)} (tried {attempt} times). "
                                              "Nothing was charged; try again later.")
                    return False
                self.sleep(self.policy.backoff(attempt))
                continue
            except UnknownOutcomeError as err:
                log.warning("submit outcome unknown: %s", err.detail)
                self.set(JobState.UNKNOWN, err.user_message)
                return False
            except CutoutError as err:
                self.give_up(err)
                return False
            now = time.time()
            self.set(JobState.CONVERTING, job_id=result.job_id, coins=result.coins,
                     submitted_at=now)
            return True

    def poll(self) -> bool:
        job = self.job
        if job.state != JobState.CONVERTING:
            self.set(JobState.CONVERTING)
        # Only a job polled from its submit on tells how long the service takes.
        fresh = job.submitted_at is not None and time.time() - job.submitted_at < 1.0
        estimator = self.estimator if fresh else None
        try:
            return self._poll_until_done(estimator)
        finally:
            if estimator is not None:
                estimator.forget(job.id)

    def _poll_until_done(self, estimator: ServiceTimeEstimator | None) -> bool:
        job, policy = self.job, self.policy
        started = time.monotonic()
        first = (estimator.first_poll(policy.first_poll_delay) if estimator is not None
                 else policy.first_poll_delay)
        self.sleep(first - (time.time() - (job.submitted_at or time.time())))
        failures = misses = 0
        last_working = 0.0  # seconds after submit of the last "still working" answer
        while True:
            self.check_stop()
            try:
                asked = time.time() - (job.submitted_at or time.time())
                status = self.client.status(job.job_id)
            except TransientError as err:
                failures += 1
                if failures > policy.poll_failures_allowed:
                    self.set(JobState.FAILED, f"{_first_clause(err)}, so Cutout stopped "
                             "checking this job. Retry checks again without a new charge.")
                    return False
                self.sleep(policy.backoff(failures))
                continue
            except BadRequestError:
                # the id is useless now: a retry must send the link again
                self.set(JobState.FAILED, "HitPaw no longer knows this job (job ids last 8 "
                                          "days); Retry sends the link again.", job_id=None)
                return False
            except CutoutError as err:
                self.give_up(err)
                return False
            failures = 0
            if status.status == "COMPLETED":
                if estimator is not None:
                    estimator.completed(job.id, last_working, asked)
                job.res_url, job.mask_url = status.res_url, status.mask_url
                job.original_url = status.original_url or job.original_url
                job.completed_at = job.completed_at or time.time()
                return True
            if status.status == "ERROR":
                self.set(JobState.FAILED, "HitPaw could not cut out this image (the job ended "
                                          "in an error); try another image.")
                return False
            last_working, misses = asked, misses + 1
            if time.monotonic() - started > policy.processing_limit:
                limit = format_duration(policy.processing_limit)
                self.set(JobState.FAILED, f"HitPaw was still processing after {limit}, so "
                                          "Cutout stopped waiting. Retry checks again without "
                                          "a new charge.")
                return False
            self.sleep(estimator.still_working(job.id, asked, policy.poll_interval, misses)
                       if estimator is not None else policy.poll_interval)

    def download(self) -> None:
        job = self.job
        self.set(JobState.DOWNLOADING)
        limits = self.policy.download
        self.workdir.mkdir(parents=True, exist_ok=True)
        try:
            cutout = download_image(job.res_url, self.workdir / "cutout.png", self.dl_session,
                                    limits, what="cut-out")
            self.check_stop()
            mask = download_image(job.mask_url, self.workdir / "mask.png", self.dl_session,
                                  limits, what="mask")
        except ResultExpiredError as err:
            self._discard_results()
            self.set(JobState.EXPIRED, err.user_message)
            return
        except DownloadError as err:
            self._discard_results()
            self.set(JobState.FAILED, f"{err.user_message} Retry downloads it again without "
                                      "a new charge.")
            return
        self.check_stop()
        original_path = None
        for url in dict.fromkeys(u for u in (job.original_url, job.url) if u):
            try:
                original_path = str(download_image(url, self.workdir / "original",
                                                   self.dl_session, limits,
                                                   what="original").path)
                break
            except DownloadError:
                continue
        self.set(JobState.DONE, "" if original_path else "The original image could not be "
                 "downloaded, so only the results are shown.",
                 cutout_path=str(cutout.path), mask_path=str(mask.path),
                 original_path=original_path, width=cutout.width, height=cutout.height)

    def _discard_results(self) -> None:
        """A cut-out without its mask is no result: leave nothing half-done in the cache."""
        for name in ("cutout.png", "mask.png"):
            (self.workdir / name).unlink(missing_ok=True)


def _first_clause(err: CutoutError) -> str:
    """"X had an error; Cutout will retry" -> "X had an error", for composing sentences."""
    return err.user_message.split(";")[0].split(":")[0].rstrip(".")
