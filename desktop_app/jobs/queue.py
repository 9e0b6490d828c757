"""The one queue behind the window and the CLI: which job runs, which waits, and why.

Both drive the same ``JobQueue``, so they pause, resume and give up the same way by
construction. The queue decides and its driver acts: it never runs a thread itself. It asks
the driver to run a job (``QueueEvents.start``) and tells it what changed; the driver reports
back what its runs did (``job_changed``, ``ended``, ``crashed``). Apart from ``run_job``, which
moves a running job along, this is the only place that changes a job's state, so the rules
(places, pauses, retries, restoring the history) cannot drift apart between GUI and CLI.

Thread safety: every public method takes the queue's lock (re-entrant), and the events are
called with it held, on the thread that called the queue. The window calls it from the GUI
thread only; the CLI calls it from its pool's threads, which the lock serialises. So an
event handler must not wait for another thread that may itself be calling the queue.
"""

from __future__ import annotations

import functools
import shutil
import threading
import time
from collections import OrderedDict, deque
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Sequence

from desktop_app.jobs.control import Stopper
from desktop_app.jobs.limits import DEFAULT_CONCURRENCY, default_local_places
from desktop_app.jobs.model import (
    FINISHED_STATES,
    RESULT_LIFETIME,
    RESUMABLE_STATES,
    RETRYABLE_STATES,
    USER_PAUSED,
    Engine,
    Job,
    JobState,
    cancelled_sentence,
)

if TYPE_CHECKING:
    from desktop_app.jobs.store import HistoryStore

# Pauses that hold the whole queue: the service refused the key, the coins or the plan, so
# every other job would be refused too. A "user" pause holds only the jobs it was asked for.
QUEUE_PAUSE_KINDS = frozenset({"key", "coins", "access"})

CRASHED = ("Something went wrong inside Cutout; the details are in the log. Retry may work.")
_SENT_UNSURE = ("Cutout was closed while sending this link, so it cannot tell whether HitPaw "
                "started the job. It was not resent: use Resubmit to try again.")
_TOO_OLD = "HitPaw keeps jobs for 8 days and this one is older: Retry sends the link again."
_RESULTS_LOST = ("The cached results are missing or damaged; Retry downloads them again if "
                 "their links are still valid.")


def _ignore(*_args: object) -> None:
    pass


@dataclass
class QueueEvents:
    """How a queue tells its driver what it decided (all but ``start`` may be left out).

    ``start(job, stopper)``: run this job (a snapshot) now, e.g. ``run_job`` in a thread, then
    report back; ``stopper`` is how the queue later asks that run to cancel, pause or end.
    The others say what changed, for the driver to show: new jobs, a job's new state,
    forgotten jobs, the queue paused (kind, sentence) or resumed, and counts or coins changed.
    """

    start: Callable[[Job, Stopper], None]
    jobs_added: Callable[[list[Job]], None] = _ignore
    job_changed: Callable[[Job], None] = _ignore
    jobs_removed: Callable[[list[str]], None] = _ignore
    paused: Callable[[str, str], None] = _ignore
    resumed: Callable[[], None] = _ignore
    activity: Callable[[], None] = _ignore


def _locked(method):
    @functools.wraps(method)
    def locked(self: JobQueue, *args, **kwargs):
        with self._lock:
            return method(self, *args, **kwargs)
    return locked


class JobQueue:
    """Pending order, the places of each engine, pauses, and what the user asks of jobs.

    A HitPaw place bounds what HitPaw works on for us: a job gives its place up as soon as
    HitPaw is done (DOWNLOADING), not when its run ends, so the service never sits idle while
    a 24-megapixel result downloads; at most ``2 * concurrency`` runs exist at once.

    Jobs cut out on this computer have places of their own (``local_concurrency``, few: they
    are CPU-bound, and one inference already uses every core), so they never take HitPaw's
    network-bound places, nor run four at once on a two-core laptop. They need no key, so a
    queue without a connection, or paused on the key, the coins or the plan, still starts
    them; only the user's own pause holds them. Each engine's jobs start in the order added;
    a job of one engine never waits behind the other engine's full places.
    """

    def __init__(self, events: QueueEvents, *, results_dir: Path,
                 store: HistoryStore | None = None, concurrency: int = DEFAULT_CONCURRENCY,
                 local_concurrency: int | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.events = events
        self.results_dir = Path(results_dir)
        self.store = store
        self.concurrency = concurrency
        self.local_concurrency = local_concurrency or default_local_places()
        self.jobs: OrderedDict[str, Job] = OrderedDict()
        self.paused_kind: str | None = None
        self.paused_message = ""
        self.session_coins = 0
        self.can_send = False      # a connection (key and address) is known
        self.closing = False
        self._starts_held = False   # see hold_starts
        self._clock = clock
        self._lock = threading.RLock()
        self._pending: deque[str] = deque()
        self._running: dict[str, Stopper] = {}
        self._finishing: set[str] = set()   # running, but HitPaw is done: no place held
        # "retry" or "remove" asked of a job whose run said how it ended but has not ended
        # (making previews, returning): done once it has, never while it might still write.
        self._when_ended: dict[str, str] = {}

    # -- looking -----------------------------------------------------------------------
    def workdir(self, job: Job) -> Path:
        return self.results_dir / job.id

    def is_running(self, job_id: str) -> bool:
        return job_id in self._running

    @property
    def running_count(self) -> int:
        return len(self._running)

    @property
    def waiting_count(self) -> int:
        return len(self._pending)

    @property
    def idle(self) -> bool:
        """Nothing runs and nothing more will start until someone acts (the CLI's end)."""
        with self._lock:  # pump moves a job from waiting to running in two steps
            if self._running:
                return False
            if self.closing:
                return True
            startable = self._startable_engines()
            return not any(job.engine in startable for job in self.waiting_jobs())

    @_locked
    def waiting_jobs(self) -> list[Job]:
        return [self.jobs[i] for i in self._pending if i in self.jobs]

    @_locked
    def done_today_many(self, urls: list[str]) -> list[Job | None]:
        """For each source, a finished job from today whose results are on this computer (or
        None), in one pass over the jobs: not 500 walks of the history for 500 links."""
        today = time.localtime(self._clock())[:3]
        wanted = set(urls)
        found: dict[str, Job] = {}
        for job in reversed(self.jobs.values()):
            if len(found) == len(wanted):
                break
            if (job.url in wanted and job.url not in found and job.state == JobState.DONE
                    and job.has_results and job.finished_at
                    and time.localtime(job.finished_at)[:3] == today):
                found[job.url] = job
        return [found.get(url) for url in urls]

    # -- adding and restoring ----------------------------------------------------------
    @_locked
    def hold_starts(self, held: bool) -> None:  # while a driver adds jobs over several turns
        self._starts_held = held   # (it pumps once it lets go)

    @_locked
    def set_connected(self, connected: bool) -> None:
        """Whether jobs may be sent (a key and an address are known)."""
        self.can_send = connected
        self.pump()

    @_locked
    def add(self, urls: list[str], engines: Sequence[Engine] | None = None) -> list[Job]:
        """New jobs at the end of the line, each cut out by its engine (``engines``, one per
        source; HitPaw for all when None). Not started here: the driver calls ``pump``
        when it suits it (the window first paints the new rows)."""
        jobs = [Job(url, engine=engine) for url, engine in
                zip(urls, engines or [Engine.HITPAW] * len(urls), strict=True)]
        for job in jobs:
            self.jobs[job.id] = job
            self._pending.append(job.id)
        if self.store is not None:
            self.store.save_many_later(jobs)
        self.events.jobs_added([j.snapshot() for j in jobs])
        return jobs

    @_locked
    def cut_out_here(self, job_ids: list[str]) -> tuple[list[Job], list[Job]]:
        """Have these jobs cut out on this computer, for free: ``(switched, added)``.

        A job HitPaw has not taken yet (waiting, or paused before its submit) simply changes
        engine, keeping its place. One HitPaw has taken or that has ended (done, failed,
        cancelled, unknown, expired, or paused with a job id) stays as it is, with whatever it
        cost, and the same source is added again as a new job on this computer: nothing is
        sent to HitPaw again, and no paid result is thrown away. Running jobs and jobs
        already on this computer are left alone.
        """
        switched, again = [], []
        for job_id in job_ids:
            job = self.jobs.get(job_id)
            if job is None or job.engine == Engine.LOCAL or job_id in self._running:
                continue
            if job.state in (JobState.QUEUED, JobState.PAUSED) and not job.job_id:
                job.engine = Engine.LOCAL
                self._write(job, job.state, job.message, pause_kind=job.pause_kind)
                switched.append(job.snapshot())
            elif not job.is_active:
                again.append(job.url)
        added = self.add(again, [Engine.LOCAL] * len(again)) if again else []
        self.events.activity()
        return switched, added

    def read_history(self, retention_days: int = 0) -> list[Job]:
        """The stored jobs, without finished ones older than ``retention_days`` (0 keeps all),
        which are deleted with their cached files. Slow (disk): touches no state of the
        queue, so a driver may call it off its own thread, then hand the jobs to ``restore``."""
        if self.store is None:
            return []
        jobs = self.store.load_all()
        if retention_days <= 0:
            return jobs
        cutoff = self._clock() - retention_days * 86400
        old = {j.id for j in jobs if j.finished_at and j.finished_at < cutoff
               and j.state in FINISHED_STATES}
        for job in jobs:
            if job.id in old:
                shutil.rmtree(self.workdir(job), ignore_errors=True)
        if old:
            self.store.delete_later(list(old)).result()
        return [j for j in jobs if j.id not in old]

    @_locked
    def restore(self, jobs: list[Job]) -> None:
        """Show the history and put unfinished jobs back in line, resuming by job id (no new
        submit, no new coins); never resend a submit whose answer was lost."""
        fresh = []
        for job in jobs:
            if job.id in self.jobs:
                continue
            if job.state == JobState.SUBMITTING and not job.job_id:
                self._write(job, JobState.UNKNOWN, _SENT_UNSURE, announce=False)
            elif job.job_id and not job.has_results and job.state in RESUMABLE_STATES and (
                    self._clock() - (job.submitted_at or 0) > RESULT_LIFETIME):
                self._write(job, JobState.EXPIRED, _TOO_OLD, announce=False)
            elif job.state in RESUMABLE_STATES:
                job.state = JobState.QUEUED   # nothing to store: a restart does it again
                self._pending.append(job.id)
            self.jobs[job.id] = job
            fresh.append(job.snapshot())
        if fresh:
            self.events.jobs_added(fresh)
        self.pump()

    # -- starting ----------------------------------------------------------------------
    @_locked
    def pump(self) -> None:
        """Start waiting jobs, in order, while their engine has free places."""
        startable = self._startable_engines()
        if self.closing or self._starts_held or not startable:
            return
        passed: list[str] = []   # waiting for the other engine's places: keep their turn
        while self._pending and startable:
            job = self.jobs.get(self._pending.popleft())
            if job is None or job.state != JobState.QUEUED:
                continue
            if job.engine not in startable:
                passed.append(job.id)
                continue
            stopper = Stopper()
            self._running[job.id] = stopper
            self.events.start(job.snapshot(), stopper)
            if not self._has_place(job.engine):
                startable.discard(job.engine)
        self._pending.extendleft(reversed(passed))
        self.events.activity()

    def _startable_engines(self) -> set[Engine]:
        return {engine for engine in Engine if self._has_place(engine)}

    def _has_place(self, engine: Engine) -> bool:
        """Whether a job of ``engine`` may start now: not held by a pause, and a free place."""
        if engine == Engine.LOCAL:
            if self.paused_kind == "user":
                return False
            limit = self.local_concurrency
        else:
            if self.paused_kind or not self.can_send:
                return False
            limit = self.concurrency
        runs = [i for i in self._running if self._engine_of(i) == engine]
        holding = sum(1 for i in runs if i not in self._finishing)
        return holding < limit and len(runs) < 2 * limit

    def _engine_of(self, job_id: str) -> Engine:
        job = self.jobs.get(job_id)
        return job.engine if job is not None else Engine.HITPAW

    # -- what the driver reports -------------------------------------------------------
    @_locked
    def job_changed(self, snapshot: Job) -> None:
        """A running job moved on (a snapshot from ``run_job``'s ``on_change``)."""
        old = self.jobs.get(snapshot.id)
        if old is None:
            return  # removed meanwhile
        if snapshot.coins and not old.coins and snapshot.engine == Engine.HITPAW:
            self.session_coins += snapshot.coins  # a job on this computer costs nothing
        self.jobs[snapshot.id] = snapshot
        self.events.job_changed(snapshot)
        engine_done = snapshot.state == JobState.DONE or (   # a local job downloads first
            snapshot.state == JobState.DOWNLOADING and snapshot.engine == Engine.HITPAW)
        if (engine_done and snapshot.id in self._running and snapshot.id not in self._finishing):
            # The engine is done (only downloads or previews remain): its place goes on
            self._finishing.add(snapshot.id)
            self.pump()
        if snapshot.state == JobState.PAUSED and snapshot.pause_kind in QUEUE_PAUSE_KINDS:
            self.pause(snapshot.pause_kind, snapshot.message)
        self.events.activity()

    @_locked
    def crashed(self, job_id: str) -> None:
        """A run hit a bug in Cutout: the job fails with a sentence, not a traceback."""
        job = self.jobs.get(job_id)
        if job is not None:
            self._write(job, JobState.FAILED, CRASHED, finished_now=True)
            self.events.activity()

    @_locked
    def ended(self, job_id: str) -> None:
        """A run has ended (its thread will write nothing more): its place is free, and what
        the user asked meanwhile is done now."""
        self._running.pop(job_id, None)
        self._finishing.discard(job_id)
        wanted = self._when_ended.pop(job_id, None)
        if wanted == "remove":
            self.remove([job_id])
        elif wanted == "retry":
            self.retry(job_id)
        self.pump()

    @_locked
    def results_lost(self, job_id: str) -> None:
        """A done job's cached files could not be read: fail it if they are really gone."""
        job = self.jobs.get(job_id)
        if job is None or job.state != JobState.DONE or all(
                p and Path(p).exists() for p in (job.cutout_path, job.mask_path)):
            return
        job.cutout_path = job.mask_path = job.edited_mask_path = None
        self._write(job, JobState.FAILED, _RESULTS_LOST)

    # -- what the user asks --------------------------------------------------------------
    @_locked
    def set_edited(self, job_id: str, mask_path: str | None) -> None:
        """Touch-up saved a done job's edits (``mask_path``) or reset them (None)."""
        job = self.jobs.get(job_id)
        if job is None or job.state != JobState.DONE:
            return
        job.edited_mask_path = mask_path
        if self.store is not None:
            self.store.save_later(job)
        self.events.job_changed(job.snapshot())

    @_locked
    def retry(self, job_id: str) -> None:
        """Pick a stopped job up again. Resumes by job id (no charge) whenever it can."""
        job = self.jobs.get(job_id)
        if job is None or job_id in self._pending or job.state not in RETRYABLE_STATES:
            return
        if job_id in self._running:  # it has said how it stopped, but has not ended yet
            self._when_ended[job_id] = "retry"
            return
        expires = job.links_expire_at()
        links_gone = expires is not None and self._clock() > expires
        if job.state == JobState.EXPIRED or (links_gone and not job.has_results):
            job.state = JobState.EXPIRED
            job.job_id = None  # the results are gone: only a new submit can bring them back
        if job.state == JobState.EXPIRED or not job.job_id:
            job.res_url = job.mask_url = None
        self._pending.append(job_id)
        self._write(job, JobState.QUEUED)
        self.pump()

    @_locked
    def cancel(self, job_id: str) -> None:
        """Stop a job: a running one at its next safe point, a waiting one at once."""
        job = self.jobs.get(job_id)
        self._when_ended.pop(job_id, None)
        if job is None:
            return
        if job_id in self._running:
            self._running[job_id].stop(Stopper.CANCEL)
        elif job_id in self._pending or job.state == JobState.PAUSED:
            if job_id in self._pending:
                self._pending.remove(job_id)
            self._write(job, JobState.CANCELLED,
                        cancelled_sentence(job), finished_now=True)
            self.events.activity()

    @_locked
    def remove(self, job_ids: list[str]) -> None:
        """Forget finished or stopped jobs and their files. Running ones are left alone;
        one that has said how it ended goes once its run has ended."""
        for job_id in job_ids:
            job = self.jobs.get(job_id)
            if (job_id in self._running and job is not None and not job.is_active
                    and job.state != JobState.QUEUED):
                self._when_ended[job_id] = "remove"
        gone = [i for i in job_ids if i in self.jobs and i not in self._running]
        for job_id in gone:
            if job_id in self._pending:
                self._pending.remove(job_id)
            shutil.rmtree(self.workdir(self.jobs.pop(job_id)), ignore_errors=True)
        if gone:
            if self.store is not None:
                self.store.delete_later(gone)
            self.events.jobs_removed(gone)
            self.events.activity()

    @_locked
    def clear_history(self) -> None:
        """Forget every job that is neither running nor waiting for its turn."""
        self.remove([i for i in self.jobs if i not in self._pending])

    @_locked
    def pause_jobs(self, job_ids: list[str]) -> None:
        """Pause some jobs: running ones stop at a safe point, waiting ones stay put."""
        for job_id in job_ids:
            job = self.jobs.get(job_id)
            self._when_ended.pop(job_id, None)
            if job_id in self._running:
                self._running[job_id].stop(Stopper.PAUSE)
            elif job is not None and job.state == JobState.QUEUED:
                if job_id in self._pending:
                    self._pending.remove(job_id)
                self._write(job, JobState.PAUSED, USER_PAUSED, pause_kind="user")
        self.events.activity()

    @_locked
    def pause_all(self) -> None:
        """The user's pause: running jobs stop at a safe point, nothing new starts."""
        self.pause("user", "Paused by you: press Resume to go on.")
        for stopper in self._running.values():
            stopper.stop(Stopper.PAUSE)
        while self._pending:
            job = self.jobs[self._pending.popleft()]
            self._write(job, JobState.PAUSED, USER_PAUSED, pause_kind="user")

    @_locked
    def pause(self, kind: str, message: str) -> None:
        """Hold the whole queue (waiting jobs keep their places) until ``resume``."""
        if self.paused_kind == kind and self.paused_message == message:
            return
        self.paused_kind, self.paused_message = kind, message
        self.events.paused(kind, message)
        self.events.activity()

    @_locked
    def resume(self) -> None:
        """Put every job that waited on the key, the coins or the user back in line."""
        self.paused_kind, self.paused_message = None, ""
        for job in self.jobs.values():
            if job.state == JobState.PAUSED and job.id not in self._pending:
                self._pending.append(job.id)
                self._write(job, JobState.QUEUED)
        self.events.resumed()
        self.events.activity()
        self.pump()

    @_locked
    def close(self) -> None:
        """Start nothing more, and ask every run to stop at a safe point, leaving stored
        states as they are so the next start resumes them by job id."""
        self.closing = True
        for stopper in self._running.values():
            stopper.stop(Stopper.SHUTDOWN)

    # -- the one writer ------------------------------------------------------------------
    def _write(self, job: Job, state: JobState, message: str = "", *, pause_kind: str = "",
               finished_now: bool = False, announce: bool = True) -> None:
        """Change a job that no run holds: stored first, then announced."""
        job.state, job.message, job.pause_kind = state, message, pause_kind
        if state not in FINISHED_STATES:
            job.finished_at = None
        elif finished_now or not job.finished_at:
            job.finished_at = self._clock()
        if self.store is not None:
            self.store.save_later(job)
        if announce:
            self.events.job_changed(job.snapshot())
