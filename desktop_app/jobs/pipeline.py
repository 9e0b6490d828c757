"""One job's life, from link to cached results, shared by the GUI workers and the CLI.

``run_job`` is plain blocking Python: a GUI worker thread or a CLI thread calls it and hears
about every state change through ``on_change`` (given a snapshot, never the live object). It
resumes where a job stopped: a job that has a ``job_id`` is never submitted again, so a
restart, a retry after a network fault or a new key costs no coins.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import requests

from desktop_app.api.client import HitPawClient
from desktop_app.api.download import download_image
from desktop_app.api.errors import (
    BadRequestError,
    CutoutError,
    DownloadError,
    KeyProblem,
    NoAccessError,
    NotSentError,
    OutOfCoinsError,
    ResultExpiredError,
    ServerFaultError,
    TransientError,
    UnknownOutcomeError,
)
from desktop_app.jobs.control import Policy, ServiceTimeEstimator, Stopper
from desktop_app.jobs.model import (
    USER_PAUSED,
    Engine,
    Job,
    JobState,
    cancelled_sentence,
    format_duration,
)
from desktop_app.jobs.store import HistoryStore
from desktop_app.jobs.upload_step import release_upload, share_local_file

if TYPE_CHECKING:
    from desktop_app.jobs.local_pipeline import Cutter
    from desktop_app.storage import Storage

log = logging.getLogger(__name__)


class _Stop(Exception):
    pass


PAUSE_KINDS = ((KeyProblem, "key"), (OutOfCoinsError, "coins"), (NoAccessError, "access"))


def pause_kind(err: BaseException) -> str | None:
    for cls, kind in PAUSE_KINDS:
        if isinstance(err, cls):
            return kind
    return None


@dataclass
class RunContext:
    """What the jobs run by one thread share, set up once rather than passed one by one.

    ``client`` carries that thread's HTTP session (not shareable across threads); the
    estimator is shared by every thread of a window or a CLI run, so each learns from all.
    Results are fetched on ``download_session``, or on the client's session when None.
    Jobs cut out on this computer need no client (no key): None is enough for them.
    """

    client: HitPawClient | None
    policy: Policy
    store: HistoryStore | None = None
    estimator: ServiceTimeEstimator | None = None
    download_session: requests.Session | None = None
    storage: Storage | None = None     # the user's bucket, for local files sent to HitPaw
    strip_location: bool = True        # remove GPS before a local file is uploaded
    cutter: Cutter | None = None       # cuts out a local job (None: in this process)


def run_job(job: Job, context: RunContext, workdir: Path, *, stopper: Stopper | None = None,
            on_change: Callable[[Job], None] = lambda job: None) -> Job:
    """Drive ``job`` as far as it can go; returns it in its final (or paused) state."""
    if job.engine == Engine.LOCAL:
        from desktop_app.jobs.local_pipeline import run_local_job

        session = context.download_session or (context.client.session if context.client
                                               else None)
        return run_local_job(job, workdir, store=context.store, stopper=stopper,
                             on_change=on_change, session=session,
                             limits=context.policy.download, cutter=context.cutter)
    if context.client is None:
        raise ValueError("a HitPaw job needs a client")
    run = _Run(job, context, Path(workdir), stopper or Stopper(), on_change)
    try:
        run.go()
    except _Stop:
        run.stopped()
    finally:
        release_upload(run)   # storage (issue 15): the uploaded object goes when the run ends
    return job


class _Run:
    def __init__(self, job: Job, context: RunContext, workdir: Path, stopper: Stopper,
                 on_change: Callable[[Job], None]) -> None:
        self.job = job
        self.client = context.client
        self.policy = context.policy
        self.store = context.store
        self.estimator = context.estimator
        self.dl_session = context.download_session or context.client.session
        self.workdir = workdir
        self.stopper = stopper
        self.on_change = on_change
        self.storage = context.storage
        self.strip_location = context.strip_location
        self.file_url = job.url   # what HitPaw fetches: the link, or a local file's upload

    # -- helpers ----------------------------------------------------------------------
    def set(self, state: JobState, message: str = "", **changes) -> None:
        job = self.job
        job.move_to(state, message, **changes)
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
            self.set(JobState.PAUSED, USER_PAUSED, pause_kind="user")
        else:
            self.set(JobState.CANCELLED, cancelled_sentence(self.job))

    # -- the life of a job -----------------------------------------------------------
    def go(self) -> None:
        self.check_stop()
        job = self.job
        job.finished_at = None
        if not job.job_id:
            if not share_local_file(self):   # storage (issue 15): upload a local file first
                return
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
                result = self.client.submit(self.file_url)
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
        policy = self.policy
        started = time.monotonic()
        self.wait_for_first_poll(estimator)
        failures = misses = 0
        while True:
            self.check_stop()
            try:
                asked = self.since_submit()
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
                    estimator.completed(asked)
                job.res_url, job.mask_url = status.res_url, status.mask_url
                job.original_url = status.original_url or job.original_url
                job.completed_at = job.completed_at or time.time()
                return True
            if status.status == "ERROR":
                self.set(JobState.FAILED, "HitPaw could not cut out this image (the job ended "
                                          "in an error); try another image.")
                return False
            misses += 1
            if time.monotonic() - started > policy.processing_limit:
                limit = format_duration(policy.processing_limit)
                self.set(JobState.FAILED, f"HitPaw was still processing after {limit}, so "
                                          "Cutout stopped waiting. Retry checks again without "
                                          "a new charge.")
                return False
            self.sleep(estimator.still_working(asked, policy.poll_interval, misses)
                       if estimator is not None else policy.poll_interval)

    def since_submit(self) -> float:
        return time.time() - (self.job.submitted_at or time.time())

    def wait_for_first_poll(self, estimator: ServiceTimeEstimator | None) -> None:
        """Until the first poll is due; sooner when other jobs' answers show it is likely
        done (without an estimator: the policy's fixed delay)."""
        if estimator is None:
            self.sleep(self.policy.first_poll_delay - self.since_submit())
            return
        planned = estimator.first_poll(self.policy.first_poll_delay)
        with estimator.listening(self.stopper):
            while (left := planned - self.since_submit()) > 0:
                if self.stopper.wait(left, until_nudged=True):
                    raise _Stop()
                planned = estimator.sooner(planned)

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
