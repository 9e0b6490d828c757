"""Jobs cut out on this computer, in the real window (pytest-qt, offscreen, the real model).

No key is given: a job on this computer needs none. Waiting is done with ``qtbot.waitUntil``
(never ``QTest.qWait``, which would starve the workers of the GIL).
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QListView
from test_engine_helper import gone

from desktop_app.jobs.model import Engine, JobState
from desktop_app.sandbox.samples import render_sample
from desktop_app.ui.canvas import ImageCanvas
from desktop_app.ui.controller import ENGINE_NICENESS

WAIT_MS = 30000


def photo(folder: Path, name: str, size: tuple[int, int] = (320, 240)) -> Path:
    path = folder / name
    render_sample(name, *size).save(path, "JPEG", quality=90)
    return path


def add_local(window, *paths: Path) -> list[str]:
    jobs = window.controller.add_urls([str(p) for p in paths], [Engine.LOCAL] * len(paths))
    return [job.id for job in jobs]


def state_of(window, job_id: str) -> JobState:
    return window.controller.jobs[job_id].state


def row_text(window, job_id: str) -> str:
    return window.model.data(window.model.index(window.model.row_of(job_id)))


def test_a_local_job_runs_without_a_key_and_shows_its_results(qtbot, make_window, tmp_path):
    window = make_window()
    assert not window.controller.has_key
    rows_seen: list[str] = []
    # every state the list's row showed (it shows a turn's changes after the turn)
    window.model.dataChanged.connect(
        lambda top, _bottom: rows_seen.append(window.model.data(top)))
    [job_id] = add_local(window, photo(tmp_path, "bust.jpg"))
    qtbot.waitUntil(lambda: "Done" in row_text(window, job_id), timeout=WAIT_MS)

    assert state_of(window, job_id) == JobState.DONE
    assert any("Cutting out" in text for text in rows_seen), rows_seen
    job = window.controller.jobs[job_id]
    assert job.coins == 0 and window.controller.session_coins == 0
    view = window.findChild(QListView, "jobList")
    view.setCurrentIndex(view.model().index(0, 0))
    qtbot.waitUntil(lambda: window.results.has_previews(job_id), timeout=WAIT_MS)
    for name in ("originalView", "mattedView", "maskView"):
        pixmap = window.findChild(ImageCanvas, name).pixmap()
        assert pixmap is not None and not pixmap.isNull(), name
        assert abs(pixmap.width() / pixmap.height() - 4 / 3) < 0.05, name
    with Image.open(job.cutout_path) as cutout:
        assert cutout.size == (320, 240) and cutout.getpixel((2, 2))[3] < 64


def test_a_link_cut_out_here_says_downloading_then_cutting_out(qtbot, make_window, sandbox):
    window = make_window()
    seen: list[tuple[JobState, str, str]] = []
    url = sandbox.sample_url("dog.png", 300, 200)
    [job] = window.controller.add_urls([url], [Engine.LOCAL])
    window.jobs_panel.select_job(job.id)
    matted = window.findChild(ImageCanvas, "mattedView")
    states: list[JobState] = []
    window.controller.job_changed.connect(lambda snap: states.append(snap.state))
    show_job = window._show_job   # the window shows a turn's changes once, after it

    def shown(snap) -> None:
        show_job(snap)
        seen.append((snap.state, row_text(window, snap.id), matted.placeholder()))
    window._show_job = shown
    qtbot.waitUntil(lambda: state_of(window, job.id) == JobState.DONE, timeout=WAIT_MS)
    assert states[:2] == [JobState.DOWNLOADING, JobState.CUTTING_OUT], states
    words = {JobState.DOWNLOADING: ("Downloading", "from its link"),
             JobState.CUTTING_OUT: ("Cutting out", "on this computer")}
    assert JobState.CUTTING_OUT in [state for state, _, _ in seen], seen
    for state, row, placeholder in seen:
        if state in words:
            assert words[state][0] in row and words[state][1] in placeholder, seen
    assert sandbox.stats.submits == 0


def test_cancel_mid_batch_stops_the_running_job_and_the_waiting_ones(qtbot, make_window,
                                                                     tmp_path):
    window = make_window()
    controller = window.controller
    paths = [photo(tmp_path, f"big-{i}.jpg", (2400, 1800)) for i in range(4)]
    ids = add_local(window, *paths)

    def cancel_all(job) -> None:   # the moment the first one is being cut out
        if job.state == JobState.CUTTING_OUT and job.id == ids[0]:
            for job_id in ids:
                controller.cancel(job_id)

    controller.job_changed.connect(cancel_all)
    qtbot.waitUntil(lambda: all(state_of(window, i) == JobState.CANCELLED for i in ids)
                    and controller.running_count == 0, timeout=WAIT_MS)
    for job_id in ids:
        job = controller.jobs[job_id]
        assert "free" in job.message and "sent" not in job.message
        qtbot.waitUntil(lambda j=job: j.message in row_text(window, j.id), timeout=WAIT_MS)
        workdir = controller.workdir(job)
        assert not (workdir / "cutout.png").exists() and not (workdir / "mask.png").exists()
    controller.store.flush()
    stored = {j.id: j.state for j in controller.store.load_all()}
    assert all(stored[i] == JobState.CANCELLED for i in ids)


def _threads(pid: int | str = "self") -> dict[int, tuple[str, int]]:
    """Native thread id -> (name, nice value), for every thread of a process (Linux).
    A new thread starts with the name and the priority of the thread that made it."""
    found = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
            name = (task / "comm").read_text().strip()
        except OSError:
            continue  # the thread ended meanwhile
        found[int(task.name)] = (name, int(fields[16]))   # field 19 of stat: nice
    return found


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread nice is Linux's")
def test_the_engine_runs_in_a_helper_process_below_the_windows_priority(qtbot, make_window,
                                                                      tmp_path, monkeypatch):
    """The model, onnxruntime and its threads live in the engine's helper process (a GIL of
    its own: loading onnxruntime there cannot stall the window), every thread of it at least
    ENGINE_NICENESS below the window's GUI thread; this process never loads a session."""
    from desktop_app.engine import session

    monkeypatch.setattr(session, "_session", None)   # as in a fresh process
    main_nice = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    window = make_window()
    [job_id] = add_local(window, photo(tmp_path, "nice.jpg"))
    qtbot.waitUntil(lambda: state_of(window, job_id) == JobState.DONE, timeout=WAIT_MS)
    assert session._session is None
    pid = window.controller._engine.pid
    assert pid is not None and pid != os.getpid()
    helper_threads = _threads(pid)
    if session.intra_op_threads() > 1:
        assert len(helper_threads) > 2, "no onnxruntime pool in the helper"
    assert all(nice >= main_nice + ENGINE_NICENESS for _name, nice in helper_threads.values()), \
        helper_threads


def test_a_helper_that_dies_fails_the_job_with_a_sentence_and_the_next_job_runs(
        qtbot, make_window, tmp_path):
    """Whatever kills the helper (memory, a crash in native code), the row says so in a
    sentence, the window carries on, and the next job starts a new helper."""
    from desktop_app.engine.helper import HELPER_DIED

    window = make_window()
    controller = window.controller
    [job_id] = add_local(window, photo(tmp_path, "big.jpg", (3000, 2000)))

    def kill_helpers() -> None:   # every helper while the job is cut out: it cannot finish
        pid = controller._engine.pid if controller._engine is not None else None
        if pid is not None and state_of(window, job_id) == JobState.CUTTING_OUT:
            os.kill(pid, signal.SIGKILL)

    killer = QTimer(window)
    killer.timeout.connect(kill_helpers)
    killer.start(20)
    qtbot.waitUntil(lambda: state_of(window, job_id) == JobState.FAILED, timeout=WAIT_MS)
    killer.stop()
    assert controller.jobs[job_id].message == HELPER_DIED
    qtbot.waitUntil(lambda: HELPER_DIED in row_text(window, job_id), timeout=WAIT_MS)
    [next_id] = add_local(window, photo(tmp_path, "next.jpg"))
    qtbot.waitUntil(lambda: state_of(window, next_id) == JobState.DONE, timeout=WAIT_MS)

def test_an_idle_helper_leaves_quietly_and_the_next_job_starts_a_new_one(
        qtbot, make_window, tmp_path, monkeypatch):
    """After its idle time the helper process is gone (its memory with it); nothing in the
    window says so, and the next local job runs on a new helper."""
    from desktop_app.engine import helper

    monkeypatch.setattr(helper, "IDLE_EXIT_S", 1.0)    # read when the window makes its helper
    window = make_window()
    controller = window.controller
    [first] = add_local(window, photo(tmp_path, "first.jpg"))
    qtbot.waitUntil(lambda: state_of(window, first) == JobState.DONE, timeout=WAIT_MS)
    pid = controller._engine.pid
    assert pid is not None
    said: list[str] = []
    window.statusBar().messageChanged.connect(said.append)
    qtbot.waitUntil(lambda: controller._engine.pid is None and gone(pid), timeout=WAIT_MS)
    assert "Done" in row_text(window, first) and controller.jobs[first].message == ""
    [second] = add_local(window, photo(tmp_path, "second.jpg"))
    qtbot.waitUntil(lambda: state_of(window, second) == JobState.DONE, timeout=WAIT_MS)
    assert controller._engine.pid not in (None, pid)
    assert not [text for text in said if "helper" in text or "stopped" in text], said
