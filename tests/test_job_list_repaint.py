"""The job list repaints running rows by what changed on them, and paints them right.

While a batch runs, the spinner turns 12.5 times a second on every running row: that must
repaint the spinner's tile only (not the row's words), and the picture it leaves must be
the one a full repaint of the list would draw. The rows' elapsed time repaints whole rows
once a second, without going through the model's ``dataChanged``.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QRect
from PySide6.QtGui import QImage

from desktop_app.jobs.model import Job, JobState
from desktop_app.ui.job_list import THUMB, JobListModel, RowClock, tile_rect
from desktop_app.ui.job_panel import JobPanel

WAIT_MS = 5000


class PaintRecorder(QObject):
    """The regions of the paint events a widget receives from the clock's first turn or
    tick on; ``painted_last``: whether a paint came after the clock's latest call."""

    def __init__(self, widget, clock: RowClock) -> None:
        super().__init__(widget)
        self.rects: list[QRect] = []
        self.events: list[str] = []
        widget.installEventFilter(self)
        clock.spun.connect(lambda _rows: self.events.append("clock"))
        clock.ticked.connect(lambda _rows: self.events.append("clock"))

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.Paint and self.events:
            self.rects.append(event.region().boundingRect())
            self.events.append("paint")
        return False

    def painted_last(self) -> bool:
        return bool(self.events) and self.events[-1] == "paint"


def make_list(qtbot, states: list[JobState]) -> tuple[JobPanel, JobListModel, RowClock,
                                                      list[Job]]:
    """A job list as the window wires it: the clock's repaints go to the view."""
    model = JobListModel()
    panel = JobPanel(model, [])
    qtbot.addWidget(panel)
    panel.resize(420, 500)
    jobs = [Job(url=f"https://example.com/photo-{i}.jpg", state=state)
            for i, state in enumerate(states)]
    model.add_jobs(jobs)
    model.set_thumbnails({j.id: QImage(8, 8, QImage.Format.Format_ARGB32)
                          for j in jobs if j.state == JobState.DONE})
    clock = RowClock(model)
    clock.ticked.connect(panel.view.repaint_rows)
    clock.spun.connect(panel.view.repaint_tiles)
    panel.show()
    qtbot.waitExposed(panel)
    return panel, model, clock, jobs


def row_rect(panel: JobPanel, model: JobListModel, job: Job) -> QRect:
    return panel.view.visualRect(panel.proxy.mapFromSource(model.index(model.row_of(job.id))))


def test_a_spinner_turn_repaints_only_the_running_rows_tiles(qtbot):
    panel, model, clock, jobs = make_list(
        qtbot, [JobState.DONE, JobState.CONVERTING, JobState.QUEUED, JobState.SUBMITTING])
    recorder = PaintRecorder(panel.view.viewport(), clock)
    for job in jobs:
        clock.job_changed(job)   # the spinner starts: two rows run (no tick: clock not started)
    qtbot.waitUntil(lambda: recorder.events.count("clock") >= 3, timeout=WAIT_MS)
    clock.stop()
    qtbot.waitUntil(recorder.painted_last, timeout=WAIT_MS)
    tiles = [tile_rect(row_rect(panel, model, jobs[i])) for i in (1, 3)]
    both = tiles[0].united(tiles[1])
    assert recorder.rects
    for rect in recorder.rects:   # a region over both tiles has their union as its bounds
        assert both.contains(rect), (rect, tiles)


def test_the_clock_repaints_whole_running_rows_without_data_changes(qtbot):
    panel, model, clock, jobs = make_list(qtbot, [JobState.QUEUED, JobState.CONVERTING])
    changes: list[int] = []
    model.dataChanged.connect(lambda top, _bottom: changes.append(top.row()))
    recorder = PaintRecorder(panel.view.viewport(), clock)
    clock.start()
    qtbot.waitUntil(lambda: any(r.height() > tile_rect(r).height() for r in recorder.rects),
                    timeout=WAIT_MS)
    clock.stop()
    running = row_rect(panel, model, jobs[1])
    assert all(running.contains(r) for r in recorder.rects), (recorder.rects, running)
    assert changes == []


def test_the_tile_painted_alone_matches_a_full_paint(qtbot):
    """What the spinner's turns leave in the window (the backing store's pixels) is what
    painting the whole list afresh draws, the selected row's highlight included."""
    panel, _model, clock, jobs = make_list(
        qtbot, [JobState.CONVERTING, JobState.DOWNLOADING, JobState.QUEUED])
    panel.select_job(jobs[0].id)
    recorder = PaintRecorder(panel.view.viewport(), clock)
    for job in jobs:
        clock.job_changed(job)
    qtbot.waitUntil(lambda: recorder.events.count("clock") >= 4, timeout=WAIT_MS)
    clock.stop()
    qtbot.waitUntil(recorder.painted_last, timeout=WAIT_MS)
    assert recorder.rects and all(r.width() <= THUMB for r in recorder.rects)   # tiles only
    screen = panel.screen()
    turned = screen.grabWindow(panel.winId()).toImage()
    count = len(recorder.rects)
    panel.view.viewport().update()
    qtbot.waitUntil(lambda: len(recorder.rects) > count, timeout=WAIT_MS)
    assert recorder.rects[-1] == panel.view.viewport().rect()   # the fresh paint was whole
    fresh = screen.grabWindow(panel.winId()).toImage()
    assert not turned.isNull() and turned.size() == fresh.size()
    assert turned == fresh


def test_a_job_that_changes_repaints_its_row_only_and_right(qtbot):
    """A job moving on (``dataChanged`` for its row) repaints that row, not every row in
    sight (Qt 6.11's list view alone repaints them all), and leaves the picture a fresh
    paint of the whole list draws."""
    panel, model, clock, jobs = make_list(
        qtbot, [JobState.DONE, JobState.CONVERTING, JobState.QUEUED, JobState.QUEUED])
    qtbot.wait(200)   # the first paints are over
    recorder = PaintRecorder(panel.view.viewport(), clock)
    recorder.events.append("job")   # record from now on (the clock is not started)
    changed = jobs[2].snapshot()
    changed.state = JobState.FAILED
    changed.message = "The link did not lead to an image."
    model.update_job(changed)
    qtbot.waitUntil(lambda: bool(recorder.rects), timeout=WAIT_MS)
    row = row_rect(panel, model, changed)
    assert all(row.contains(r) for r in recorder.rects), (recorder.rects, row)
    screen = panel.screen()
    changed_picture = screen.grabWindow(panel.winId()).toImage()
    count = len(recorder.rects)
    panel.view.viewport().update()
    qtbot.waitUntil(lambda: len(recorder.rects) > count, timeout=WAIT_MS)
    assert changed_picture == screen.grabWindow(panel.winId()).toImage()
