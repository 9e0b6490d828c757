"""The GUI thread's CPU per finished job, apart from the machine's load (issue 17, case 1).

``bench_hitches.py`` case 1 watches a real batch, whose gaps on a shared 2-core machine are
mostly waits for a core; this isolates what the window itself spends on a batch. The real
window (offscreen) gets the controller's signals as a batch sends them (each job's states,
then its previews: 800x600 panes and a 96x72 thumbnail, decoded beforehand as the workers
do), with no workers, network or sandbox: four jobs run at a time (their spinners turning),
one finishes every 250 ms, the first is selected, for 8 s. Its CPU time (``thread_time``,
which the machine's load changes little) over the span, per finished job, spinner and
idle ticks included.

Run twice in one process: with the batch's 40 rows alone, and below a history of 1,000
finished jobs. The goal: the work per job does not grow with the list (ratio <= 1.5).

    .venv/bin/python benchmarks/bench_gui_per_job.py
"""

from __future__ import annotations

import time

import _common

FINISH_EVERY_MS = 250
RUNNING = 4
SPAN_S = 8.0
GOAL_RATIO = 1.5


def snapshot(job, state):
    from desktop_app.jobs.model import JobState

    copy = job.snapshot()
    copy.state = state
    copy.submitted_at = copy.submitted_at or time.time() - 3
    if state == JobState.DONE:
        copy.finished_at = time.time()
        copy.cutout_path, copy.mask_path = "/nonexistent/cutout.png", "/nonexistent/mask.png"
    return copy


def previews():
    from PySide6.QtGui import QColor, QImage

    from desktop_app.ui.workers import Previews

    def image(width: int, height: int) -> QImage:
        made = QImage(width, height, QImage.Format.Format_ARGB32_Premultiplied)
        made.fill(QColor(180, 120, 60))
        return made

    return Previews(image(800, 600), image(800, 600), image(800, 600), image(96, 72))


def run_batch(window, history: int) -> tuple[float, int]:
    """GUI CPU (s) over the span, and how many jobs finished in it."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QAbstractItemView

    from desktop_app.jobs.model import Job, JobState

    controller = window.controller
    if history:   # restored as at start-up
        controller.queue.restore([
            Job(url=f"https://example.com/old/{i:04d}.jpg", state=JobState.DONE,
                submitted_at=time.time() - 90, finished_at=time.time() - 80,
                cutout_path=f"/nonexistent/{i}/cutout.png",
                mask_path=f"/nonexistent/{i}/mask.png")
            for i in range(history)])
    # queued the real way; with no key none starts: the states below are the batch's
    jobs = controller.add_urls([f"https://example.com/shoot/photo-{i:02d}.jpg"
                                for i in range(40)])
    _common.wait(0.5)
    shown = previews()
    state = {"next": 0, "running": [], "done": 0}

    def start_one() -> None:
        if state["next"] < len(jobs):
            job = jobs[state["next"]]
            state["next"] += 1
            for step in (JobState.SUBMITTING, JobState.CONVERTING):
                controller.job_changed.emit(snapshot(job, step))
            state["running"].append(job)

    def finish_one() -> None:
        if state["running"]:
            job = state["running"].pop(0)
            for step in (JobState.DOWNLOADING, JobState.DONE):
                controller.job_changed.emit(snapshot(job, step))
            controller.previews_ready.emit(job.id, shown)
            state["done"] += 1
            start_one()

    for _ in range(RUNNING):
        start_one()
    _common.select_job(window, jobs[0].id)
    view = _common.job_list_view(window)   # the running rows in sight, under a history too
    view.scrollTo(view.currentIndex(), QAbstractItemView.ScrollHint.PositionAtTop)
    _common.wait(0.5)
    timer = QTimer()
    timer.setInterval(FINISH_EVERY_MS)
    timer.timeout.connect(finish_one)
    began = time.thread_time()
    timer.start()
    _common.wait(SPAN_S)
    timer.stop()
    return time.thread_time() - began, state["done"]


def main() -> int:
    _common.isolate("gui-per-job")
    _common.no_keyring()
    _common.qapp()
    results = {}
    for history in (0, 1000):
        window = _common.make_window()
        _common.wait(1.5)   # complete, warmed up
        results[history] = run_batch(window, history)
        window.close()
        _common.wait(0.3)
    per_job = {h: cpu / max(done, 1) for h, (cpu, done) in results.items()}
    ratio = per_job[1000] / per_job[0]
    figure = _common.Figure(
        "GUI-thread CPU per finished job (batch bookkeeping, spinner included)",
        f"{per_job[0] * 1000:.1f} ms with 40 rows, {per_job[1000] * 1000:.1f} ms below "
        f"1,000 finished jobs (ratio {ratio:.2f})",
        f"the same whatever the list holds (ratio <= {GOAL_RATIO})", ratio <= GOAL_RATIO,
        {f"{h} jobs of history": f"{cpu * 1000:.0f} ms of GUI CPU over {SPAN_S:.0f} s, "
                                 f"{done} jobs finished"
         for h, (cpu, done) in results.items()})
    _common.report([figure], [f"{RUNNING} running at a time, one finishing every "
                              f"{FINISH_EVERY_MS} ms, the first selected; no workers"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
