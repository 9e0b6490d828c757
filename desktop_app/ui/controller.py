"""The window's side of the job queue: the Qt adapter over ``jobs.queue.JobQueue``.

The queue decides (order, places, pauses, retries, restoring the history); this turns its
decisions into ``JobWorker`` threads and Qt signals, and reports back what the workers did,
on the GUI thread. It also loads previews and thumbnails off the GUI thread, which only the
window needs. Everything that outlives a crash is written to the history store first (by
the pipeline for running jobs, by the queue for the others).
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QImage

from desktop_app import paths
from desktop_app.api.connection import Connection
from desktop_app.jobs.control import Policy, ServiceTimeEstimator, Stopper
from desktop_app.jobs.edits import thumbnail_path
from desktop_app.jobs.model import Engine, Job
from desktop_app.jobs.queue import JobQueue, QueueEvents
from desktop_app.jobs.store import HistoryStore
from desktop_app.ui.add_feed import AddFeed
from desktop_app.ui.interpreter import hold_collections, share_the_gil_often
from desktop_app.ui.tasks import STRAGGLERS, Task, run_task, wait_for_tasks
from desktop_app.ui.warm_up import import_job_stack_then_freeze
from desktop_app.ui.workers import JobSetup, JobWorker, previews_for

if TYPE_CHECKING:
    import requests

    from desktop_app.engine.helper import EngineHelper
    from desktop_app.jobs.local_pipeline import Cutter
    from desktop_app.settings import Settings
    from desktop_app.storage import Storage

log = logging.getLogger(__name__)

SHUTDOWN_GRACE_MS = 2000
CLEAN_UPLOADS_DELAY_MS = 2500   # after the history is shown, before the storage is swept
# The engine's helper process runs this much below the window: its model keeps cores busy
# for seconds. The window's own threads are never lowered (see ``ui.tasks``).
ENGINE_NICENESS = 10


def _read_through(name: str, *, settable: bool = False) -> property:
    """The queue's attribute ``name``, as the window has always read it off the controller."""
    def setter(self: JobController, value: object) -> None:
        setattr(self.queue, name, value)
    return property(lambda self: getattr(self.queue, name), setter if settable else None)


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
    history_shown = Signal()           # the history is in the list (or could not be read)

    def __init__(self, policy: Policy, concurrency: int, *, store: HistoryStore | None = None,
                 results_dir: Path | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        share_the_gil_often()   # before any worker runs Python beside the GUI thread
        hold_collections()      # until the warm-up's imports are done (ui.interpreter)
        self.policy = policy
        self.store = store or HistoryStore(paths.history_db())
        self.estimator = ServiceTimeEstimator()
        self.queue = JobQueue(
            QueueEvents(start=self._start_worker, jobs_added=self.jobs_added.emit,
                        job_changed=self.job_changed.emit,
                        jobs_removed=self.jobs_removed.emit, paused=self.queue_paused.emit,
                        resumed=self.queue_resumed.emit, activity=self.activity_changed.emit),
            results_dir=results_dir or paths.results_dir(), store=self.store,
            concurrency=concurrency)
        self._workers: dict[str, JobWorker] = {}
        self._to_start: deque[tuple[Job, Stopper]] = deque()   # see _start_worker
        self._connection: Connection | None = None
        self._loading_previews = False
        self._idle_sessions: list[requests.Session] = []  # never used by two threads at once
        self._wanted_previews: str | None = None
        self._storage: Storage | None = None      # storage (issue 15)
        self._strip_location = True
        self._uploads_to_clean: list[Job] | None = None   # the history as read, until cleaned
        self._clean_due = False
        self._engine_warming = False
        self._engine: EngineHelper | None = None    # made for the first local job
        self.jobs_added.connect(self._warm_engine_for)
        self._feed = AddFeed(self.queue.add, self._all_fed, self)   # a chunk per turn
        self._warm_when_fed = False

    # -- the queue's state, read through (the queue's copy is the only one) -------------
    jobs = _read_through("jobs")                    # local id -> Job, in the order added
    results_dir = _read_through("results_dir")
    concurrency = _read_through("concurrency", settable=True)
    paused_kind = _read_through("paused_kind")      # "key", "coins", "access", "user"
    paused_message = _read_through("paused_message")
    session_coins = _read_through("session_coins")
    running_count = _read_through("running_count")
    waiting_count = _read_through("waiting_count")

    # -- connection ------------------------------------------------------------------------
    def set_connection(self, base_url: str, api_key: str | None) -> None:
        self._connection = Connection(base_url or "", api_key) if api_key else None
        self.queue.set_connected(bool(self._connection and self._connection.base_url))

    @property
    def has_key(self) -> bool:
        return self._connection is not None

    @property
    def api_key(self) -> str | None:
        return self._connection.api_key if self._connection else None

    # -- the user's storage, for local files sent to HitPaw (issue 15) -----------------
    def load_storage(self, settings: Settings) -> None:
        """Take the storage from the settings; its secret is read from the keyring in a
        worker. Jobs that start from then on use it."""
        self._strip_location = settings.strip_location
        config = settings.storage_config()
        if config is None or config.use_profile:
            self.set_storage(config)
            return

        def with_secret():
            from desktop_app.secrets import StorageSecretStore

            secret = StorageSecretStore().load()
            return config.with_secret(secret) if secret else config
        def without_secret(sentence: str) -> None:   # its uploads then say it is missing
            log.warning("storage secret: %s", sentence)
            self.set_storage(config)
        self._run_task(with_secret, self.set_storage, without_secret)

    def set_storage(self, config) -> None:
        """Use this storage (a ``StorageConfig``, or None) for uploads from now on."""
        from desktop_app.storage import Storage

        self._storage = Storage(config) if config is not None else None
        if self._clean_due:
            self._clean_uploads()

    @property
    def storage_ready(self) -> bool:
        return self._storage is not None

    def _clean_uploads_now(self) -> None:
        self._clean_due = True
        self._clean_uploads()

    def _clean_uploads(self) -> None:
        """Once both the history and the storage are known: delete what a crash left in the
        bucket (``upload_step.clean_leftovers``), in a worker."""
        jobs, storage = self._uploads_to_clean, self._storage
        if jobs is None or storage is None or self.queue.closing:
            return
        self._uploads_to_clean = None   # once a session: only a crash leaves anything

        def clean() -> list[str]:
            from desktop_app.jobs.upload_step import clean_leftovers

            return clean_leftovers(storage, jobs)

        keys = {job.id: job.storage_key for job in jobs}

        def cleaned(ids: list[str]) -> None:   # unless a new run has put a new object since
            for job_id in ids:
                job = self.jobs.get(job_id)
                if (job is not None and not self.queue.is_running(job_id)
                        and job.storage_key == keys[job_id]):
                    job.storage_key = None
                    self.store.save_later(job)
        self._run_task(clean, cleaned,
                       lambda sentence: log.warning("storage clean-up: %s", sentence))

    def _delete_uploads(self, job_ids: list[str]) -> None:
        """Objects still in the bucket for jobs about to be forgotten (a delete that failed
        when their run ended): deleted in a worker, since the history will not remember
        them. A running job's own run deletes its object."""
        keys = [job.storage_key for i in job_ids if (job := self.jobs.get(i)) is not None
                and job.storage_key and not self.queue.is_running(i)]
        storage = self._storage
        if keys and storage is not None:
            from desktop_app.jobs.upload_step import delete_uploads

            self._run_task(lambda: delete_uploads(storage, keys), lambda _: None)

    # -- adding and restoring ------------------------------------------------------------
    def add_urls(self, urls: list[str], engines: list[Engine] | None = None) -> list[Job]:
        """Queue sources (links or local paths), each cut out by its engine (HitPaw when
        ``engines`` is None)."""
        jobs = self.queue.add(urls, engines)
        self._pump_soon()
        return jobs

    def _pump_soon(self) -> None:
        # Started on the next turn of the event loop: the window first paints the new rows,
        # without the new worker threads competing with it for the GIL.
        QTimer.singleShot(0, self, self.queue.pump)

    def add_in_turns(self, urls: list[str], engines: list[Engine],
                     first_added: Callable[[Job], None] | None = None) -> None:
        """Queue many sources without a stall: a chunk per event-loop turn (``ui.add_feed``),
        after those still going in, in order; ``first_added(job)`` once the first is in the
        list. Jobs start once all are in (new, restored or next in line alike)."""
        if urls:
            self.queue.hold_starts(True)
        self._feed.feed(urls, engines, first_added)

    def cut_out_here(self, job_ids: list[str]) -> tuple[list[Job], list[Job]]:
        """Have these jobs cut out on this computer, for free: ``(switched, added)`` (the
        queue's rule: see ``JobQueue.cut_out_here``)."""
        switched, added = self.queue.cut_out_here(job_ids)
        if switched:   # no jobs_added for these: the model is warmed here (added ones are)
            self.warm_engine()
        QTimer.singleShot(0, self, self.queue.pump)
        return switched, added

    def load_history(self, retention_days: int = 0) -> None:
        """Read the history off the GUI thread, then show it and resume unfinished jobs.

        Finished jobs older than ``retention_days`` (0: keep all) are dropped there too,
        with their cached files.
        """
        self._run_task(lambda: self.queue.read_history(retention_days), self._history_read,
                       lambda reason: (self.history_failed.emit(
                           f"Cutout could not open its history ({reason}), so earlier jobs "
                           "are not shown."), self.history_shown.emit()))

    def _history_read(self, jobs: list[Job]) -> None:
        # A history that could not be used was replaced (see HistoryStore): say so once, and
        # from now on hear of a write that fails mid-session (the signal crosses threads).
        self.store.on_trouble = self.history_failed.emit
        if self.store.trouble:
            self.history_failed.emit(self.store.trouble)
        self._uploads_to_clean = [j.snapshot() for j in jobs if j.storage_key]  # storage
        self.queue.restore(jobs)
        self.history_shown.emit()
        # boto3's imports (a worker's, but they hold the GIL) wait until the window has settled
        QTimer.singleShot(CLEAN_UPLOADS_DELAY_MS, self, self._clean_uploads_now)

    def warm_up(self) -> None:
        """Import the HTTP stack and Pillow in a worker, once the window is up.

        The window paints without them (start-up), but the first job would then import them
        in its worker, and loading their C libraries (libssl, Pillow's codecs) holds the GIL
        for tens of milliseconds: a stutter just as a batch starts. Done here, it is not.
        """
        # At the GUI's priority (imports hold the GIL: a starved importer keeps the window
        # waiting). Then start-up's objects are frozen out of the collector's passes
        # (ui.interpreter), in the worker, whether the imports worked or not.
        run_task(self, import_job_stack_then_freeze)

    def _warm_engine_for(self, jobs: list[Job]) -> None:
        if any(job.engine == Engine.LOCAL for job in jobs):
            if self._feed.waiting:   # the model's load would slow every chunk still to come
                self._warm_when_fed = True
            else:
                self.warm_engine()

    def _all_fed(self) -> None:
        """Every source fed in chunks is in the list: start jobs, and load the model if a
        local one came in meanwhile."""
        self.queue.hold_starts(False)
        self._pump_soon()
        if self._warm_when_fed:
            self._warm_when_fed = False
            self.warm_engine()

    def warm_engine(self) -> None:
        """Start the engine's helper process, which loads the model, once: called as soon
        as a job needs it (added or restored), never before the window's first paint.
        onnxruntime, the model and every full-size pixel of a local job live in that process
        (``engine.helper``), whose GIL is not the window's: loading onnxruntime there holds
        nothing here. The helper runs ``ENGINE_NICENESS`` below the window's priority. Its
        start is a worker's (a fork and exec, a few milliseconds)."""
        if self._engine_warming:
            return
        self._engine_warming = True
        helper = self._engine_helper()
        self._run_task(helper.start, lambda _: None,
                       lambda reason: log.warning("the cut-out helper did not start: %s",
                                                  reason))

    def _engine_helper(self) -> EngineHelper:
        if self._engine is None:
            from desktop_app.engine.helper import EngineHelper

            self._engine = EngineHelper(niceness=ENGINE_NICENESS)
        return self._engine

    def _cutter(self) -> Cutter:
        """Local jobs' ``Cutter``: the cut-out and its previews, in the helper process
        (``local_pipeline.cut_out_with_previews``)."""
        helper = self._engine_helper()

        def cut(source: Path, workdir: Path, cancel) -> object:
            from desktop_app.jobs.local_pipeline import cut_out_with_previews

            return helper.call(cut_out_with_previews, source, workdir, cancel=cancel)

        return cut

    def request_previews(self, job_id: str) -> None:
        """Load a finished job's previews from the cache, off the GUI thread.

        One loader at a time, and only the latest request waits: scrolling through a long
        history never piles up decodes.
        """
        job = self.jobs.get(job_id)
        if job is None or not job.has_results or job_id in self._workers or any(
                j.id == job_id for j, _ in self._to_start):
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
                if self._wanted_previews and not self.queue.closing:
                    self._load_next_previews()
            return settle

        self._loading_previews = True
        self._run_task(lambda: (job_id, previews_for(snapshot, self.workdir(snapshot))),
                       then(lambda result: self.previews_ready.emit(*result)),
                       then(self._previews_failed(job_id)))

    def request_thumbnails(self, job_ids: list[str]) -> None:
        """Read the small list thumbnails of restored jobs, in one worker. Even their paths
        are made there: a thousand pathlib joins would hold the GUI thread ~20 ms."""
        jobs = [job for i in job_ids if (job := self.jobs.get(i)) is not None]
        if not jobs:
            return
        workdir = self.queue.workdir   # pure: the results folder and the job's id

        def load() -> dict[str, QImage]:
            images = {}
            for job in jobs:
                path = thumbnail_path(job, workdir(job))
                image = QImage(str(path)) if path.exists() else QImage()
                if not image.isNull():
                    images[job.id] = image
            return images

        self._run_task(load, self.thumbnails_ready.emit)

    def _previews_failed(self, job_id: str):
        def failed(message: str) -> None:
            log.warning("previews of %s failed: %s", job_id, message)
            self.queue.results_lost(job_id)
        return failed

    def workdir(self, job: Job) -> Path:
        return self.queue.workdir(job)

    # -- user actions: the queue decides --------------------------------------------------
    def retry(self, job_id: str) -> None:
        """Pick a stopped job up again. Resumes by job id (no charge) whenever it can."""
        self.queue.retry(job_id)

    def cancel(self, job_id: str) -> None:
        self.queue.cancel(job_id)

    def remove(self, job_ids: list[str]) -> None:
        """Forget finished or stopped jobs (running ones are left alone; finished ones whose
        worker is still making previews go once it has ended)."""
        self._delete_uploads(job_ids)   # storage (issue 15)
        self.queue.remove(job_ids)

    def pause_jobs(self, job_ids: list[str]) -> None:
        """Pause some jobs: running ones stop at a safe point, waiting ones stay put."""
        self.queue.pause_jobs(job_ids)

    def done_today_many(self, urls: list[str]) -> list[Job | None]:
        """For each source, a finished job from today (``JobQueue.done_today_many``)."""
        return self.queue.done_today_many(urls)

    def clear_history(self) -> None:
        """Forget every job that is neither running nor waiting for its turn."""
        self._delete_uploads(list(self.jobs))   # storage (issue 15)
        self.queue.clear_history()

    def pause_queue(self, kind: str, message: str) -> None:
        self.queue.pause(kind, message)

    def resume_queue(self) -> None:
        """Put every job that waited on the key, the coins or the user back in line."""
        self.queue.resume()

    def pause_all(self) -> None:
        """The user's pause: running jobs stop at a safe point, nothing new starts."""
        self.queue.pause_all()

    def set_edited(self, job_id: str, mask_path: str | None) -> None:
        """Touch-up saved (a path) or reset (None) a job's edited mask: stored, then shown.
        Safe from any thread, like the queue; ``job_changed`` reaches the GUI thread."""
        self.queue.set_edited(job_id, mask_path)

    # -- the workers ---------------------------------------------------------------------
    def _start_worker(self, job: Job, stopper: Stopper) -> None:
        """The queue's ``start``: one QThread per running job, on the current settings,
        one per turn of the event loop. A new thread's first steps run Python (its HTTP
        session, the pipeline's set-up) beside the window's: four jobs started in one turn,
        as a batch's first or a wave of finishing ones free their places, made one long
        stall of that turn (``bench_hitches`` cases 1 and 2)."""
        if not self._to_start:
            QTimer.singleShot(0, self, self._start_next)
        self._to_start.append((job, stopper))

    def _start_next(self) -> None:
        if not self._to_start:
            return   # closing cleared them
        job, stopper = self._to_start.popleft()
        if self._to_start:
            QTimer.singleShot(0, self, self._start_next)
        session = self._idle_sessions.pop() if self._idle_sessions else None
        setup = JobSetup(self._connection, self.policy, self.store, self.estimator,
                         self._storage, self._strip_location,
                         self._cutter() if job.engine == Engine.LOCAL else None)
        worker = JobWorker(job, setup, self.queue.workdir(job), stopper, session, parent=self)
        # Connected to this object's methods, so the queue hears of them on the GUI thread.
        worker.job_changed.connect(self._on_job_changed)
        worker.crashed.connect(self._on_worker_crashed)
        worker.previews_ready.connect(self.previews_ready)
        worker.finished.connect(lambda w=worker: self._on_worker_finished(w))
        self._workers[job.id] = worker
        worker.start()

    def _on_job_changed(self, snapshot: Job) -> None:
        self.queue.job_changed(snapshot)

    def _on_worker_crashed(self, job_id: str) -> None:
        self.queue.crashed(job_id)

    def _on_worker_finished(self, worker: JobWorker) -> None:
        mine = self._workers.get(worker.job_id) is worker
        if mine:
            del self._workers[worker.job_id]
        # the next job reuses its kept-alive connections (no new TCP and TLS handshakes)
        if worker.session is not None:
            self._idle_sessions.append(worker.session)
        worker.deleteLater()
        if mine:
            self.queue.ended(worker.job_id)
        else:
            self.queue.pump()

    def _run_task(self, fn, on_success, on_failure=None) -> Task:
        return run_task(self, fn, on_success, on_failure)

    # -- closing -----------------------------------------------------------------------
    def shutdown(self, grace_ms: int = SHUTDOWN_GRACE_MS) -> bool:
        """Stop every worker at a safe point and wait for them, 2 seconds at most in all.

        Stored states are left as they are, so the next start resumes them by job id.
        Returns False if some thread did not end in time (it is then left to the process).
        """
        self._feed.flush()   # fed but not added yet: in the history for the next start
        self.queue.close()
        self._to_start.clear()   # not started yet: resumed from the history next time
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
        if self._engine is not None:
            self._engine.close()    # after the workers: none is waiting on it now
        with contextlib.suppress(RuntimeError):   # the store was closed already: all written
            self.store.flush()
        return all_done
