"""Blocking calls off the GUI thread: one way to start them, keep them and wait for them.

``run_task(owner, fn, on_success, on_failure)`` runs ``fn`` in a ``Task`` (a QThread) and calls
back on the GUI thread, but only while ``owner`` still exists: a dialog or a viewer that is
closed while its decode runs simply never hears back. Tasks have no Qt parent, so destroying
an owner never destroys a running thread; the runner keeps each task referenced until it ends,
and ``wait_for_tasks`` waits for all of them with a deadline when the app closes. A thread
still blocked then (a socket, a big decode) goes to ``STRAGGLERS``: kept referenced, never
``terminate()``d, left to the process's exit (see ``desktop_app.__main__``).

Tasks run at the window's own priority. A lowered thread that holds the GIL is preempted by
any busy process, and the window then waits for the GIL: with two other processes spinning,
niced Save all workers kept the GUI thread waiting 0.8 s in 6 s (bench_hitches case 10
--busy). What keeps a core busy for seconds, the on-device engine, runs in a lowered process
of its own (``engine.helper``).
"""

from __future__ import annotations

import atexit
import itertools
import logging
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal

log = logging.getLogger(__name__)

STRAGGLERS: list[QThread] = []
EXIT_GRACE_MS = 3000

class Task(QThread):
    """Runs one blocking call: ``succeeded(result)`` or ``failed(sentence)``."""

    succeeded = Signal(object)
    failed = Signal(str)

    def __init__(self, fn: Callable[[], Any], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._fn = fn

    def run(self) -> None:
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
              on_failure: Callable | None) -> Task:
        token = next(self._tokens)
        task = Task(fn)
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
             on_failure: Callable[[str], None] | None = None) -> Task:
    """Run ``fn`` in a worker; call back on the GUI thread while ``owner`` exists.

    Call it on the GUI thread. The returned task may be waited on, but is deleted soon after
    it ends: keep no reference past its callback.
    """
    return _the_runner().start(owner, fn, on_success, on_failure)


def wait_for_tasks(grace_ms: int, *, deadline: float | None = None) -> bool:
    """Wait for every running task until ``deadline`` (monotonic) or ``grace_ms`` from now.

    Returns False if some task did not end in time (it is then left to the process).
    """
    if _runner is None:
        return True
    return _runner.wait(deadline if deadline is not None else time.monotonic() + grace_ms / 1000)


def running_tasks() -> int:
    return 0 if _runner is None else _runner.count()
