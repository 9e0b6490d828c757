"""Background tasks: the GUI thread's priority, answers on the GUI thread, only to an
owner that still exists, and a deadline when waiting for them."""

from __future__ import annotations

import os
import sys
import threading
import time

import pytest
from PySide6.QtCore import QObject
from shiboken6 import isValid

from desktop_app.ui.tasks import (
    STRAGGLERS,
    Task,
    run_task,
    running_tasks,
    wait_for_tasks,
)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread nice is Linux's")
def test_a_task_runs_at_the_gui_threads_priority(qtbot):
    """Never lowered: a lowered thread holding the GIL, preempted by a busy machine, keeps
    the window waiting for the GIL."""
    gui = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    task = Task(lambda: os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))
    with qtbot.waitSignal(task.succeeded, timeout=5000) as blocker:
        task.start()
    task.wait()
    assert blocker.args[0] == gui


def test_a_task_reports_on_the_gui_thread_and_is_forgotten_once_it_ends(qtbot):
    owner = QObject()
    heard: list[tuple[object, bool]] = []
    gui = threading.get_ident()
    run_task(owner, lambda: 42, lambda result: heard.append((result, threading.get_ident() == gui)))
    run_task(owner, lambda: 1 / 0, None,
             lambda message: heard.append((message, threading.get_ident() == gui)))
    qtbot.waitUntil(lambda: len(heard) == 2 and running_tasks() == 0, timeout=5000)
    assert (42, True) in heard
    assert ("division by zero", True) in heard


def test_an_owner_that_is_gone_never_hears_back_and_its_task_is_not_destroyed(qtbot):
    owner = QObject()
    release = threading.Event()
    heard: list[object] = []
    run_task(owner, lambda: release.wait(5) and "late", heard.append)
    owner.deleteLater()
    qtbot.waitUntil(lambda: not isValid(owner), timeout=5000)
    release.set()   # the thread outlived its owner and ends normally
    qtbot.waitUntil(lambda: running_tasks() == 0, timeout=5000)
    assert heard == []


def test_waiting_for_tasks_keeps_to_its_deadline_and_keeps_a_blocked_thread(qtbot):
    owner = QObject()
    release = threading.Event()
    run_task(owner, lambda: release.wait(10))
    started = time.monotonic()
    assert wait_for_tasks(200) is False
    assert time.monotonic() - started < 1.0
    assert any(task.isRunning() for task in STRAGGLERS)
    release.set()
    assert wait_for_tasks(5000) is True
    qtbot.waitUntil(lambda: running_tasks() == 0, timeout=5000)
    STRAGGLERS.clear()
