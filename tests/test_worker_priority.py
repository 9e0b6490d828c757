"""The window's worker threads run at the GUI thread's priority (Linux): at a lower one, a
busy machine preempts one while it holds the GIL and the window waits for it. Only the
engine's helper process runs below it (tests/test_local_jobs_gui.py)."""

from __future__ import annotations

import os
import sys
import threading

import pytest
from PySide6.QtCore import QObject, Qt

from desktop_app.api.connection import Connection
from desktop_app.jobs.control import Policy, Stopper
from desktop_app.jobs.model import Job, JobState
from desktop_app.ui.tasks import run_task
from desktop_app.ui.workers import JobSetup, JobWorker

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="per-thread priorities are Linux's")


def _nice() -> int:
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


def test_a_hitpaw_job_runs_at_the_windows_priority(sandbox, qtbot, tmp_path):
    mine = _nice()
    job = Job(url=sandbox.sample_url("cat.png"))
    setup = JobSetup(Connection(sandbox.base_url, "sandbox-key"), Policy(first_poll_delay=0.2))
    worker = JobWorker(job, setup, tmp_path / job.id, Stopper())
    seen: list[tuple[JobState, int]] = []
    # a direct connection runs in the worker's thread: its priority, as the job runs
    worker.job_changed.connect(lambda snapshot: seen.append((snapshot.state, _nice())),
                               Qt.ConnectionType.DirectConnection)
    with qtbot.waitSignal(worker.finished, timeout=30000):
        worker.start()
    assert seen and seen[-1][0] == JobState.DONE
    assert {nice for _state, nice in seen} == {mine}


def test_a_task_runs_at_the_windows_priority_too(qtbot):
    owner = QObject()
    got: list[int] = []
    run_task(owner, _nice, got.append)
    qtbot.waitUntil(lambda: bool(got), timeout=10000)
    assert got == [_nice()]
