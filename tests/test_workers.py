"""Worker threads yield the CPU to the window's thread (see ``lower_this_threads_priority``)."""

from __future__ import annotations

import os
import sys
import threading

import pytest

from desktop_app.ui.workers import WORKER_NICENESS, Task


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread nice is Linux's")
def test_a_task_runs_at_a_lower_priority_than_the_gui_thread(qtbot):
    gui = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    task = Task(lambda: os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))
    with qtbot.waitSignal(task.succeeded, timeout=5000) as blocker:
        task.start()
    task.wait()
    assert blocker.args[0] == min(19, gui + WORKER_NICENESS)
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == gui  # GUI untouched
