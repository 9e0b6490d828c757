"""The window's warm-up waits until a restored history is in the list with its thumbnails
(``ui.warm_up``): its importing worker held the GIL while 1,000 rows painted (bench_hitches
case 4)."""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QImage

from desktop_app import paths
from desktop_app.jobs.model import Job, JobState
from desktop_app.jobs.store import HistoryStore
from desktop_app.ui import controller as controller_module
from desktop_app.ui import warm_up
from desktop_app.ui.controller import JobController
from desktop_app.ui.warm_up import SettledStart

WAIT_MS = 20000


class FakeController(QObject):
    jobs_added = Signal(list)
    thumbnails_ready = Signal(dict)
    history_shown = Signal()


def later(qtbot, ms: int) -> None:
    """Run the event loop for ``ms`` (a timer's flag, waited on)."""
    passed = []
    QTimer.singleShot(ms, lambda: passed.append(True))
    qtbot.waitUntil(lambda: bool(passed), timeout=ms + 5000)


def finished_job(url: str) -> Job:
    return Job(url=url, state=JobState.DONE, cutout_path="/nowhere/cutout.png",
               mask_path="/nowhere/mask.png")


def test_an_empty_history_warms_up_just_after_it_is_shown(qtbot):
    acted = []
    controller = FakeController()
    start = SettledStart(controller, lambda: acted.append(time.monotonic()))
    start.start()
    later(qtbot, 3 * warm_up.DELAY_MS)
    assert acted == []                       # the history is still being read
    shown = time.monotonic()
    controller.history_shown.emit()
    qtbot.waitUntil(lambda: bool(acted), timeout=WAIT_MS)
    assert acted[0] - shown >= warm_up.DELAY_MS / 1000 * 0.9


def test_finished_jobs_wait_for_their_thumbnails(qtbot):
    acted = []
    controller = FakeController()
    start = SettledStart(controller, lambda: acted.append(True))
    start.start()
    controller.jobs_added.emit([finished_job("https://a.example/1.png")])
    controller.history_shown.emit()
    later(qtbot, 3 * warm_up.DELAY_MS)
    assert acted == []                       # the thumbnails have not arrived
    controller.thumbnails_ready.emit({})
    qtbot.waitUntil(lambda: bool(acted), timeout=WAIT_MS)
    controller.history_shown.emit()          # once only, whatever comes after
    later(qtbot, 3 * warm_up.DELAY_MS)
    assert acted == [True]


def test_a_history_that_never_answers_warms_up_all_the_same(qtbot, monkeypatch):
    monkeypatch.setattr(warm_up, "LATEST_MS", 300)
    acted = []
    start = SettledStart(FakeController(), lambda: acted.append(True))
    start.start()
    qtbot.waitUntil(lambda: bool(acted), timeout=WAIT_MS)
    assert acted == [True]


def test_the_window_warms_up_after_the_restored_thumbnails(qtbot, make_window, monkeypatch):
    """Real window, real history: thumbnails that take 0.6 s to read come first."""
    job = finished_job("https://cdn.example.com/look.png")
    work = paths.results_dir() / job.id
    work.mkdir(parents=True)
    for name in ("cutout.png", "mask.png", "thumb.png"):
        image = QImage(32, 24, QImage.Format.Format_ARGB32)
        image.fill(0xFF8040)
        image.save(str(work / name))
    job.cutout_path, job.mask_path = str(work / "cutout.png"), str(work / "mask.png")
    store = HistoryStore(paths.history_db())
    store.save_many_later([job]).result()
    store.close()

    events = []
    thumbnail_path = controller_module.thumbnail_path

    def slow_thumbnail_path(*args):
        time.sleep(0.6)                      # in the worker that reads the thumbnails
        return thumbnail_path(*args)

    monkeypatch.setattr(controller_module, "thumbnail_path", slow_thumbnail_path)
    warm = JobController.warm_up
    monkeypatch.setattr(JobController, "warm_up",
                        lambda self: (events.append("warm-up"), warm(self)))
    window = make_window()
    window.controller.thumbnails_ready.connect(lambda _images: events.append("thumbnails"))
    qtbot.waitUntil(lambda: "warm-up" in events, timeout=WAIT_MS)
    assert events == ["thumbnails", "warm-up"]
    assert window.model.rowCount() == 1
