"""Latency the client adds: from the sandbox marking a job COMPLETED to its cut-out being painted.

The real window (offscreen) at the app's default poll interval (Settings.poll_interval,
3 s) and concurrency, against an in-process sandbox (so its ``completed_at`` can be read)
with 3 s jobs on 800x600 images. A designer pastes 50 links one after another (one every
0.5 s) and looks at each job as it finishes: the script selects a job in the list when it
turns done, and an event filter on the ``mattedView`` widget notes the first Paint event
after that widget holds a new picture while that job is selected. Jobs are looked at one at
a time: if two finish together, the second is selected once the first is painted (its
wait counts in its latency).

Three moments per job: COMPLETED in the sandbox, previews delivered to the window (the
controller's ``previews_ready``), and painted. The figure is COMPLETED -> painted.

Goal: median under poll interval / 2 + 200 ms; no job over one poll interval + 500 ms.
"""

from __future__ import annotations

import _common  # noqa: I001 - must come first: throwaway folders, offscreen Qt

_common.isolate("latency")

import time  # noqa: E402
from collections import deque  # noqa: E402

JOBS = 50
SERVICE_TIME = 3.0
ADD_EVERY = 0.5
SIZE = (800, 600)
LIMIT_S = 120.0


def main() -> int:
    from PySide6.QtCore import QEvent, QObject

    from desktop_app.jobs.model import JobState

    app, server, window = _common.window_on_sandbox(SERVICE_TIME)  # noqa: F841
    poll_interval = window.settings.poll_interval   # the default: nothing was stored
    import requests
    requests.get(server.sample_url("latency.png", *SIZE), timeout=10).raise_for_status()

    canvas = _common.matted_view(window)
    if canvas is None:
        raise SystemExit("no widget named mattedView in the window")
    delivered: dict[str, float] = {}   # time.time() when previews reached the window
    painted: dict[str, float] = {}
    selected_at: dict[str, float] = {}
    to_show: deque[str] = deque()
    watch = {"job": None, "key": None}

    def image_key():
        image = _common.view_image(canvas)
        return image.cacheKey() if image is not None else None

    def show_next() -> None:
        while to_show and watch["job"] is None:
            job_id = to_show.popleft()
            if job_id in painted:
                continue
            watch["job"], watch["key"] = job_id, image_key()
            if _common.current_job_id(window) != job_id:
                _common.select_job(window, job_id)
            selected_at[job_id] = time.time()

    class PaintSpy(QObject):
        def eventFilter(self, obj, event):  # noqa: N802 - Qt's name
            if event.type() == QEvent.Type.Paint and watch["job"] is not None:
                key = image_key()
                job_id = watch["job"]
                if (key is not None and key != watch["key"]
                        and _common.current_job_id(window) == job_id):
                    painted[job_id] = time.time()
                    watch["job"] = None
                    from PySide6.QtCore import QTimer
                    QTimer.singleShot(0, show_next)
            return False

    spy = PaintSpy()
    canvas.installEventFilter(spy)

    def on_changed(job) -> None:
        if job.state == JobState.DONE and job.id not in painted and job.id not in to_show \
                and watch["job"] != job.id:
            to_show.append(job.id)
            show_next()

    def on_previews(job_id, _previews) -> None:
        delivered.setdefault(job_id, time.time())

    # Connected after the window's own slots, so the window has taken the job first.
    window.controller.job_changed.connect(on_changed)
    window.controller.previews_ready.connect(on_previews)

    base = server.sample_url("latency.png", *SIZE)
    started = time.monotonic()
    try:
        for i in range(JOBS):
            window.intake.url_input.setPlainText(_common.tagged_url(base, str(i)))
            window.intake.submit()
            _common.wait(ADD_EVERY)
        _common.wait_until(lambda: len(painted) + sum(
            j.state == JobState.FAILED for j in window.controller.jobs.values()) >= JOBS,
            LIMIT_S - (time.monotonic() - started))
        _common.wait(0.2)
        jobs = list(window.controller.jobs.values())
        completed = {j.id: server.completed_at(j.job_id) for j in jobs if j.job_id}
    finally:
        canvas.removeEventFilter(spy)
        window.close()
        server.stop()

    rows = [(completed[j.id], delivered.get(j.id), painted.get(j.id), j) for j in jobs
            if completed.get(j.id) is not None]
    to_paint = [p - c for c, _d, p, _j in rows if p is not None]
    to_deliver = [d - c for c, d, _p, _j in rows if d is not None]
    to_seen = [j.completed_at - c for c, _d, _p, j in rows if j.completed_at]
    missing = JOBS - len(to_paint)
    med, worst = _common.median(to_paint), max(to_paint, default=float("inf"))
    goal_med, goal_max = poll_interval / 2 + 0.2, poll_interval + 0.5
    figures = [
        _common.Figure(
            "latency the client adds (COMPLETED -> painted)",
            f"median {med * 1000:.0f} ms, max {worst * 1000:.0f} ms",
            f"median < {goal_med * 1000:.0f} ms, max < {goal_max * 1000:.0f} ms "
            f"(poll interval {poll_interval:g} s)",
            missing == 0 and med < goal_med and worst < goal_max,
            {"jobs painted": f"{len(to_paint)} of {JOBS}",
             "p90": f"{_common.percentile(to_paint, 90) * 1000:.0f} ms",
             "COMPLETED -> client saw COMPLETED (poll lag)":
                 f"median {_common.median(to_seen) * 1000:.0f} ms, "
                 f"max {max(to_seen, default=float('nan')) * 1000:.0f} ms",
             "COMPLETED -> previews delivered to the window":
                 f"median {_common.median(to_deliver) * 1000:.0f} ms, "
                 f"max {max(to_deliver, default=float('nan')) * 1000:.0f} ms",
             "previews delivered -> painted":
                 f"median {_common.median([p - d for _c, d, p, _j in rows if p and d]) * 1000:.0f}"
                 " ms",
             "setup": f"{JOBS} jobs added one every {ADD_EVERY:g} s, {SERVICE_TIME:g} s service "
                      f"time, {SIZE[0]}x{SIZE[1]} PNG, default concurrency"})]
    _common.report(figures)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
