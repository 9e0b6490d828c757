"""Blocking calls off the GUI thread: one way to start them, keep them and wait for them.

``run_task(owner, fn, on_success, on_failure)`` runs ``fn`` in a ``Task`` (a QThread) and calls
back on the GUI thread, but only while ``owner`` still exists: a dialog or a viewer that is
closed while its decode runs simply never hears back. Tasks have no Qt parent, so destroying
an owner never destroys a running thread; the runner keeps each task referenced until it ends,
and ``wait_for_tasks`` waits for all of them with a deadline when the app closes. A thread
still blocked then (a socket, a big decode) goes to ``STRAGGLERS``: kept referenced, never
``terminate()``d, left to the process's exit (see ``desktop_app.__main__``).
"""

from __future__ import annotations

import atexit
import itertools
import logging
import os
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal

log = logging.getLogger(__name__)

STRAGGLERS: list[QThread] = []
EXIT_GRACE_MS = 3000

# Workers run at a lower CPU priority than the GUI thread. On a two-core laptop, downloads,
# 24-megapixel decodes and previews can keep both cores busy; the kernel then gives the
# window's thread the CPU first, and painting is never kept waiting for a time slice.
# Not for work that is mostly Python (``run_task(..., niced=False)``, HitPaw job workers):
# a lowered thread holding the GIL is preempted by a busy machine, and the window waits.
WORKER_NICENESS = 10


def lower_this_threads_priority() -> None:
    """Add ``WORKER_NICENESS`` to the calling thread's nice value (Linux schedules each
    thread on its own; elsewhere this does nothing)."""
    if sys.platform.startswith("linux"):
        thread = threading.get_native_id()
        try:
            nice = os.getpriority(os.PRIO_PROCESS, thread)
            os.setpriority(os.PRIO_PROCESS, thread, min(19, nice + WORKER_NICENESS))
        except OSError:  # a sandbox that forbids it: the default priority is fine too
            pass


class Task(QThread):
    """Runs one blocking call: ``succeeded(result)`` or ``failed(sentence)``."""

    succeeded = Signal(object)
    failed = Signal(str)

    def __init__(self, fn: Callable[[], Any], parent: QObject | None = None, *,
                 niced: bool = True) -> None:
        super().__init__(parent)
        self._fn = fn
        self._niced = niced

    def run(self) -> None:
        if self._niced:
            lower_this_threads_priority()
        try:
            result = self._fn()
        except Exception as err:  # noqa: BLE001 - turned into a sentence for the user
            message = getattr(err, "user_message", None) or str(err) or type(err).__name__
            if not getattr(err, "user_message", None):
                log.warning("task failed: %s", type(err).__name__)
            self.failed.emit(message)
            return
        self.succeeded.emit(result)


class _Runner(QObject):
    """Lives on the GUI thread for the whole run; every task reports through it."""

    _done = Signal(int, object)
    _failed = Signal(int, str)
    _ended = Signal(int)

    def __init__(self) -> None:
        super().__init__()
        self._tokens = itertools.count(1)
        self._tasks: dict[int, Task] = {}        # referenced until the thread has ended
        self._callbacks: dict[int, tuple[QObject, Callable | None, Callable | None]] = {}
        self._done.connect(self._deliver_success)
        self._failed.connect(self._deliver_failure)
        self._ended.connect(self._forget)

    def start(self, owner: QObject, fn: Callable[[], Any], on_success: Callable | None,
              on_failure: Callable | None, niced: bool = True) -> Task:
        token = next(self._tokens)
        task = Task(fn, niced=niced)
        self._tasks[token] = task
        self._callbacks[token] = (owner, on_success, on_failure)
        # Emitted in the worker; the runner's own signals carry them to the GUI thread.
        task.succeeded.connect(lambda result: self._done.emit(token, result))
        task.failed.connect(lambda message: self._failed.emit(token, message))
        task.finished.connect(lambda: self._ended.emit(token))
        task.start()
        return task

    def _deliver_success(self, token: int, result: object) -> None:
        self._deliver(token, result, 1)

    def _deliver_failure(self, token: int, message: str) -> None:
        self._deliver(token, message, 2)

    def _deliver(self, token: int, value: object, which: int) -> None:
        entry = self._callbacks.pop(token, None)
        if entry is None:
            return
        owner, callback = entry[0], entry[which]
        if callback is not None and _alive(owner):
            callback(value)

    def _forget(self, token: int) -> None:
        task = self._tasks.pop(token, None)
        if task is not None:
            task.deleteLater()

    def wait(self, deadline: float) -> bool:
        all_done = True
        for task in list(self._tasks.values()):
            remaining = max(0, int((deadline - time.monotonic()) * 1000))
            if not task.wait(remaining):
                all_done = False
                if task not in STRAGGLERS:
                    STRAGGLERS.append(task)
        return all_done

    def count(self) -> int:
        return len(self._tasks)


def _alive(owner: QObject) -> bool:
    from shiboken6 import isValid

    return isValid(owner)


_runner: _Runner | None = None


def _the_runner() -> _Runner:
    global _runner
    if _runner is None:
        _runner = _Runner()
        app = QCoreApplication.instance()
        if app is not None:  # let a running decode finish before Python goes away
            app.aboutToQuit.connect(lambda: wait_for_tasks(1000))
        # A script that ends without closing its window (a test, a benchmark) would otherwise
        # have Python destroy a still-running QThread, which aborts the process.
        atexit.register(wait_for_tasks, EXIT_GRACE_MS)
    return _runner


def run_task(owner: QObject, fn: Callable[[], Any], on_success: Callable | None = None,
             on_failure: Callable[[str], None] | None = None, *, niced: bool = True) -> Task:
    """Run ``fn`` in a worker; call back on the GUI thread while ``owner`` exists.

    Call it on the GUI thread. The returned task may be waited on, but is deleted soon after
    it ends: keep no reference past its callback. ``niced=False`` keeps the GUI's priority:
    for work that is mostly Python (imports), which holds the GIL throughout, so a lowered
    thread preempted by a busy machine would keep the window waiting for the GIL.
    """
    return _the_runner().start(owner, fn, on_success, on_failure, niced)


def wait_for_tasks(grace_ms: int, *, deadline: float | None = None) -> bool:
    """Wait for every running task until ``deadline`` (monotonic) or ``grace_ms`` from now.

    Returns False if some task did not end in time (it is then left to the process).
    """
    if _runner is None:
        return True
    return _runner.wait(deadline if deadline is not None else time.monotonic() + grace_ms / 1000)


def running_tasks() -> int:
    return 0 if _runner is None else _runner.count()
