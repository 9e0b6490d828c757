"""The queue behind the window: which jobs run, which wait, and why the queue is paused.

Lives on the GUI thread and owns the GUI's copies of the jobs; workers send snapshots back
by signal and the controller passes them on. Everything that outlives a crash is written to
the history store first (by the pipeline for running jobs, here for queued ones).
"""

from __future__ import annotations

import logging
import shutil
import time
from collections import OrderedDict, deque
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QImage

from desktop_app import paths
from desktop_app.jobs.control import Policy, ServiceTimeEstimator
from desktop_app.jobs.model import RESULT_LIFETIME, Job, JobState
from desktop_app.jobs.store import HistoryStore
from desktop_app.ui.tasks import STRAGGLERS, Task, run_task, wait_for_tasks
from desktop_app.ui.workers import JobWorker, previews_for

if TYPE_CHECKING:
    import requests

log = logging.getLogger(__name__)

SHUTDOWN_GRACE_MS = 2000
FINISHED_STATES = frozenset({JobState.DONE, JobState.FAILED, JobState.EXPIRED,
                             JobState.CANCELLED, JobState.UNKNOWN})
RESUMABLE_STATES = frozenset({JobState.SUBMITTING, JobState.CONVERTING,
                              JobState.DOWNLOADING, JobState.QUEUED})


def _import_job_stack() -> None:
    import desktop_app.api.client  # noqa: F401 - requests, urllib3, ssl
    import desktop_app.jobs.pipeline  # noqa: F401
    import desktop_app.jobs.previews  # noqa: F401 - Pillow
    from PIL import Image

    Image.preinit()  # the PNG and JPEG plugins


class JobController(QObject):
    jobs_added = Signal(list)          # list[Job]
    job_changed = Signal(object)       # Job
    jobs_removed = Signal(list)        # list[str] of local ids
    previews_ready = Signal(str, object)
    thumbnails_ready = Signal(dict)    # local id -> QImage
    queue_paused = Signal(str, str)    # kind ("key", "coins", "access", "user"), sentence
    queue_resumed = Signal()
    activity_changed = Signal()        # counts or coins changed
    history_failed = Signal(str)       # a sentence: the history file could not be read

    def __init__(self, policy: Policy, concurrency: int, *, store: HistoryStore | None = None,
                 results_dir: Path | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.policy = policy
        self.concurrency = concurrency
        self.store = store or HistoryStore(paths.history_db())
        self.results_dir = results_dir or paths.results_dir()
        self.jobs: OrderedDict[str, Job] = OrderedDict()
        self._pending: deque[str] = deque()
        self._workers: dict[str, JobWorker] = {}
        # Jobs HitPaw has finished, whose worker is only downloading the results and making
        # previews: they no longer hold one of the ``concurrency`` places (the places bound
        # what HitPaw works on for us), so the next job is sent at once. A 24-megapixel
        # download can take seconds; the service would sit idle for them.
        self._finishing: set[str] = set()
        # What the user asked of a job whose worker has reported how it ended but is still on
        # its way out (making previews, or just ending): "retry" or "remove", done as soon as
        # the worker has ended, never while it might still write.
        self._when_ended: dict[str, str] = {}
        self._base_url: str | None = None
        self._api_key: str | None = None
        self.paused_kind: str | None = None
        self.paused_message = ""
        self.session_coins = 0
        self._closing = False
        self.estimator = ServiceTimeEstimator()
        self._loading_previews = False
        self._idle_sessions: list[requests.Session] = []  # never used by two threads at once
        self._wanted_previews: str | None = None

    # -- connection ------------------------------------------------------------------------
    def set_connection(self, base_url: str, api_key: str | None) -> None:
        self._base_url, self._api_key = base_url, api_key
        self._pump()

    @property
    def has_key(self) -> bool:
        return bool(self._api_key)

    @property
    def api_key(self) -> str | None:
        return self._api_key

    # -- adding and restoring ------------------------------------------------------------
    def add_urls(self, urls: list[str]) -> list[Job]:
        jobs = [Job(url) for url in urls]
        for job in jobs:
            self.jobs[job.id] = job
            self._pending.append(job.id)
        self.store.save_many_later(jobs)
        self.jobs_added.emit([j.snapshot() for j in jobs])
        # Started on the next turn of the event loop: the window first paints the new rows,
        # without the new worker threads competing with it for the GIL.
        QTimer.singleShot(0, self, self._pump)
        return jobs

    def load_history(self, retention_days: int = 0) -> None:
        """Read the history off the GUI thread, then show it and resume unfinished jobs.

        Finished jobs older than ``retention_days`` (0: keep all) are dropped there too,
        with their cached files.
        """
        def load() -> list[Job]:
            jobs = self.store.load_all()
            if retention_days <= 0:
                return jobs
            cutoff = time.time() - retention_days * 86400
            old = [j for j in jobs if j.finished_at and j.finished_at < cutoff
                   and j.state in FINISHED_STATES]
            for job in old:
                shutil.rmtree(self.workdir(job), ignore_errors=True)
            if old:
                self.store.delete_later([j.id for j in old]).result()
            gone = {j.id for j in old}
            return [j for j in jobs if j.id not in gone]

        self._run_task(load, self._history_loaded, lambda reason: self.history_failed.emit(
            f"Cutout could not open its history ({reason}), so earlier jobs are not shown."))

    def _history_loaded(self, jobs: list[Job]) -> None:
        fresh = []
        for job in jobs:
            if job.id in self.jobs:
                continue
            if job.state == JobState.SUBMITTING and not job.job_id:
                job.state = JobState.UNKNOWN
                job.message = ("Cutout was closed while sending this link, so it cannot tell "
                               "whether HitPaw started the job. It was not resent: use "
                               "Resubmit to try again.")
                job.finished_at = job.finished_at or time.time()
                self.store.save_later(job)
            elif job.job_id and not job.has_results and job.state in RESUMABLE_STATES and (
                    time.time() - (job.submitted_at or 0) > RESULT_LIFETIME):
                job.state = JobState.EXPIRED  # HitPaw forgets job ids after 8 days
                job.message = ("HitPaw keeps jobs for 8 days and this one is older: Retry "
                               "sends the link again.")
                self.store.save_later(job)
            elif job.state in RESUMABLE_STATES:
                job.state = JobState.QUEUED   # resumes by its job id when it has one
                self._pending.append(job.id)
            self.jobs[job.id] = job
            fresh.append(job.snapshot())
        if fresh:
            self.jobs_added.emit(fresh)
        self._pump()

    def warm_up(self) -> None:
        """Import the HTTP stack and Pillow in a worker, once the window is up.

        The window paints without them (start-up), but the first job would then import them
        in its worker, and loading their C libraries (libssl, Pillow's codecs) holds the GIL
        for tens of milliseconds: a stutter just as a batch starts. Done here, it is not.
        """
        self._run_task(_import_job_stack, lambda _: None)

    def request_previews(self, job_id: str) -> None:
        """Load a finished job's previews from the cache, off the GUI thread.

        One loader at a time, and only the latest request waits: scrolling through a long
        history never piles up decodes.
        """
        job = self.jobs.get(job_id)
        if job is None or not job.has_results or job_id in self._workers:
            return  # a running worker sends its own previews when it is done
        self._wanted_previews = job_id
        if not self._loading_previews:
            self._load_next_previews()

    def _load_next_previews(self) -> None:
        job_id, self._wanted_previews = self._wanted_previews, None
        job = self.jobs.get(job_id or "")
        if job is None or not job.has_results:
            return
        snapshot = job.snapshot()

        def then(deliver):
            def settle(value) -> None:  # on the GUI thread, once the loader has answered
                self._loading_previews = False
                deliver(value)
                if self._wanted_previews and not self._closing:
                    self._load_next_previews()
            return settle

        self._loading_previews = True
        self._run_task(lambda: (job_id, previews_for(snapshot, self.workdir(snapshot))),
                       then(lambda result: self.previews_ready.emit(*result)),
                       then(self._previews_failed(job_id)))

    def request_thumbnails(self, job_ids: list[str]) -> None:
        """Read the small list thumbnails of restored jobs, in one worker."""
        wanted = [(i, self.workdir(self.jobs[i]) / "thumb.png") for i in job_ids
                  if i in self.jobs]
        if not wanted:
            return

        def load() -> dict[str, QImage]:
            images = {}
            for job_id, path in wanted:
                image = QImage(str(path)) if path.exists() else QImage()
                if not image.isNull():
                    images[job_id] = image
            return images

        self._run_task(load, self.thumbnails_ready.emit)

    def _previews_failed(self, job_id: str):
        def failed(message: str) -> None:
            job = self.jobs.get(job_id)
            log.warning("previews of %s failed: %s", job_id, message)
            if job is not None and job.state == JobState.DONE and not (
                    Path(job.cutout_path).exists() and Path(job.mask_path).exists()):
                job.state = JobState.FAILED
                job.message = ("The cached results are missing or damaged; Retry downloads "
                               "them again if their links are still valid.")
                job.cutout_path = job.mask_path = None
                self.store.save_later(job)
                self.job_changed.emit(job.snapshot())
        return failed

    def workdir(self, job: Job) -> Path:
        return self.results_dir / job.id

    # -- user actions --------------------------------------------------------------------
    def retry(self, job_id: str) -> None:
        """Pick a stopped job up again. Resumes by job id (no charge) whenever it can."""
        job = self.jobs.get(job_id)
        if job is None or job_id in self._pending:
            return
        if job.state not in (JobState.FAILED, JobState.CANCELLED, JobState.UNKNOWN,
                             JobState.PAUSED, JobState.EXPIRED):
            return
        if job_id in self._workers:  # it has said how it stopped, but has not ended yet
            self._when_ended[job_id] = "retry"
            return
        links_gone = job.links_expire_at() is not None and time.time() > job.links_expire_at()
        if job.state == JobState.EXPIRED or (links_gone and not job.has_results):
            job.state = JobState.EXPIRED
            job.job_id = None  # the results are gone: only a new submit can bring them back
        if job.state == JobState.EXPIRED or not job.job_id:
            job.res_url = job.mask_url = None
        job.state, job.message, job.pause_kind, job.finished_at = JobState.QUEUED, "", "", None
        self.store.save_later(job)
        self._pending.append(job_id)
        self.job_changed.emit(job.snapshot())
        self._pump()

    def cancel(self, job_id: str) -> None:
        job = self.jobs.get(job_id)
        self._when_ended.pop(job_id, None)
        if job is None:
            return
        worker = self._workers.get(job_id)
        if worker is not None:
            worker.stopper.stop(worker.stopper.CANCEL)
        elif job_id in self._pending or job.state == JobState.PAUSED:
            if job_id in self._pending:
                self._pending.remove(job_id)
            job.state = JobState.CANCELLED
            job.message = ("Stopped by you; the job was already paid for, so Retry picks it "
                           "up again without a new charge." if job.job_id else
                           "Stopped by you before it was sent.")
            job.finished_at = time.time()
            self.store.save_later(job)
            self.job_changed.emit(job.snapshot())
            self.activity_changed.emit()

    def remove(self, job_ids: list[str]) -> None:
        """Forget finished or stopped jobs (running ones are left alone; finished ones whose
        worker is still making previews go once it has ended)."""
        for job_id in job_ids:
            job = self.jobs.get(job_id)
            if (job_id in self._workers and job is not None and not job.is_active
                    and job.state != JobState.QUEUED):  # it has said how it ended
                self._when_ended[job_id] = "remove"
        gone = [i for i in job_ids if i in self.jobs and i not in self._workers]
        for job_id in gone:
            if job_id in self._pending:
                self._pending.remove(job_id)
            job = self.jobs.pop(job_id)
            shutil.rmtree(self.workdir(job), ignore_errors=True)
        if gone:
            self.store.delete_later(gone)
            self.jobs_removed.emit(gone)
            self.activity_changed.emit()

    def pause_jobs(self, job_ids: list[str]) -> None:
        """Pause some jobs: running ones stop at a safe point, waiting ones stay put."""
        for job_id in job_ids:
            job = self.jobs.get(job_id)
            worker = self._workers.get(job_id)
            self._when_ended.pop(job_id, None)
            if worker is not None:
                worker.stopper.stop(worker.stopper.PAUSE)
            elif job is not None and job.state == JobState.QUEUED:
                if job_id in self._pending:
                    self._pending.remove(job_id)
                job.state, job.message, job.pause_kind = (JobState.PAUSED, "Paused by you.",
                                                          "user")
                self.store.save_later(job)
                self.job_changed.emit(job.snapshot())
        self.activity_changed.emit()

    def done_today(self, url: str) -> Job | None:
        """A finished job for the same link from today, whose results are on this computer."""
        today = time.localtime()[:3]
        for job in reversed(self.jobs.values()):
            if (job.url == url and job.state == JobState.DONE and job.has_results
                    and job.finished_at and time.localtime(job.finished_at)[:3] == today):
                return job
        return None

    def clear_history(self) -> None:
        """Forget every job that is neither running nor waiting for its turn."""
        self.remove([i for i in self.jobs if i not in self._pending])

    def pause_queue(self, kind: str, message: str) -> None:
        if self.paused_kind == kind and self.paused_message == message:
            return
        self.paused_kind, self.paused_message = kind, message
        self.queue_paused.emit(kind, message)
        self.activity_changed.emit()

    def resume_queue(self) -> None:
        """Put every job that waited on the key, the coins or the user back in line."""
        self.paused_kind, self.paused_message = None, ""
        for job in self.jobs.values():
            if job.state == JobState.PAUSED and job.id not in self._pending:
                job.state, job.message, job.pause_kind = JobState.QUEUED, "", ""
                self._pending.append(job.id)
                self.store.save_later(job)
                self.job_changed.emit(job.snapshot())
        self.queue_resumed.emit()
        self.activity_changed.emit()
        self._pump()

    def pause_all(self) -> None:
        """The user's pause: running jobs stop at a safe point, nothing new starts."""
        self.pause_queue("user", "Paused by you: press Resume to go on.")
        for worker in self._workers.values():
            worker.stopper.stop(worker.stopper.PAUSE)
        while self._pending:
            job = self.jobs[self._pending.popleft()]
            job.state, job.message, job.pause_kind = JobState.PAUSED, "Paused by you.", "user"
            self.store.save_later(job)
            self.job_changed.emit(job.snapshot())

    # -- counts ------------------------------------------------------------------------
    @property
    def running_count(self) -> int:
        return len(self._workers)

    @property
    def waiting_count(self) -> int:
        return len(self._pending)

    # -- the pump ----------------------------------------------------------------------
    def _pump(self) -> None:
        if self._closing or self.paused_kind or not (self._api_key and self._base_url):
            return
        # At most as many workers again may still be making previews of finished jobs.
        while (self._pending and len(self._workers) - len(self._finishing) < self.concurrency
               and len(self._workers) < 2 * self.concurrency):
            job = self.jobs.get(self._pending.popleft())
            if job is None or job.state != JobState.QUEUED:
                continue
            session = self._idle_sessions.pop() if self._idle_sessions else None
            worker = JobWorker(job, self._base_url, self._api_key, self.policy,
                               self.workdir(job), self.store, self.estimator, session,
                               parent=self)
            worker.job_changed.connect(self._on_job_changed)
            worker.previews_ready.connect(self.previews_ready)
            worker.finished.connect(lambda w=worker: self._on_worker_finished(w))
            self._workers[job.id] = worker
            worker.start()
        self.activity_changed.emit()

    def _on_job_changed(self, snapshot: Job) -> None:
        old = self.jobs.get(snapshot.id)
        if old is None:
            return
        if snapshot.coins and not old.coins:
            self.session_coins += snapshot.coins
        self.jobs[snapshot.id] = snapshot
        self.job_changed.emit(snapshot)
        if (snapshot.state in (JobState.DOWNLOADING, JobState.DONE)
                and snapshot.id in self._workers and snapshot.id not in self._finishing):
            self._finishing.add(snapshot.id)  # HitPaw is done: its place goes to the next job
            self._pump()
        if snapshot.state == JobState.PAUSED and snapshot.pause_kind in ("key", "coins",
                                                                           "access"):
            self.pause_queue(snapshot.pause_kind, snapshot.message)
        self.activity_changed.emit()

    def _on_worker_finished(self, worker: JobWorker) -> None:
        if self._workers.get(worker.job_id) is worker:
            del self._workers[worker.job_id]
            self._finishing.discard(worker.job_id)
        # the next job reuses its kept-alive connections (no new TCP and TLS handshakes)
        if worker.session is not None:
            self._idle_sessions.append(worker.session)
        worker.deleteLater()
        wanted = self._when_ended.pop(worker.job_id, None)
        if wanted == "remove":
            self.remove([worker.job_id])
        elif wanted == "retry":
            self.retry(worker.job_id)
        self._pump()

    def _run_task(self, fn, on_success, on_failure=None) -> Task:
        return run_task(self, fn, on_success, on_failure)

    # -- closing -----------------------------------------------------------------------
    def shutdown(self, grace_ms: int = SHUTDOWN_GRACE_MS) -> bool:
        """Stop every worker at a safe point and wait for them, 2 seconds at most in all.

        Stored states are left as they are, so the next start resumes them by job id.
        Returns False if some thread did not end in time (it is then left to the process).
        """
        self._closing = True
        for worker in self._workers.values():
            worker.stopper.stop(worker.stopper.SHUTDOWN)
        deadline = time.monotonic() + grace_ms / 1000
        all_done = True
        for thread in self._workers.values():
            remaining = max(0, int((deadline - time.monotonic()) * 1000))
            if not thread.wait(remaining):
                all_done = False
                thread.setParent(None)
                STRAGGLERS.append(thread)
                log.warning("a worker did not stop within %d ms", grace_ms)
        all_done = wait_for_tasks(grace_ms, deadline=deadline) and all_done
        for session in self._idle_sessions:
            session.close()
        try:
            self.store.flush()
        except RuntimeError:
            pass
        return all_done
