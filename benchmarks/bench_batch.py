"""Batch overhead: wall time of 40 jobs at concurrency 8 with 3 s of service time, over the ideal.

The real window (offscreen), its concurrency setting at 8, against an in-process sandbox
whose jobs take 3 s; small images, so the figure is about the queue and the polling, not
about decoding. 40 jobs in 8 slots are 5 waves: the ideal is 5 x 3 s = 15 s. Timed from the
click on "Remove backgrounds" to the last job done (results downloaded and validated); the
time until the last previews reached the window is shown too.

Goal: at most 1.15.
"""

from __future__ import annotations

import _common  # noqa: I001 - must come first: throwaway folders, offscreen Qt

_common.isolate("batch")

import time  # noqa: E402

JOBS, CONCURRENCY, SERVICE_TIME = 40, 8, 3.0
IDEAL = (JOBS // CONCURRENCY) * SERVICE_TIME
GOAL = 1.15
LIMIT_S = 90.0


def main() -> int:
    from desktop_app.jobs.model import JobState

    app, server, window = _common.window_on_sandbox(  # noqa: F841 - app kept alive
        SERVICE_TIME, concurrency=CONCURRENCY)
    # Render the sample once before the clock starts, as a real service has its images ready.
    import requests
    requests.get(server.sample_url("batch.png", 400, 300), timeout=10).raise_for_status()

    done_at: dict[str, float] = {}
    previews_at: dict[str, float] = {}
    window.controller.job_changed.connect(
        lambda job: done_at.setdefault(job.id, time.monotonic())
        if job.state == JobState.DONE else None)
    window.controller.previews_ready.connect(
        lambda job_id, _p: previews_at.setdefault(job_id, time.monotonic()))
    urls = [_common.tagged_url(server.sample_url("batch.png", 400, 300), str(i))
            for i in range(JOBS)]
    window.url_input.setPlainText("\n".join(urls))
    try:
        start = time.monotonic()
        window.submit_links()
        _common.wait_until(lambda: len(window.controller.jobs) == JOBS and all(
            j.state in (JobState.DONE, JobState.FAILED) for j in window.controller.jobs.values())
            and len(previews_at) >= len(done_at), LIMIT_S)
        jobs = list(window.controller.jobs.values())
        stats = server.stats
    finally:
        window.close()
        server.stop()

    done = [j for j in jobs if j.state == JobState.DONE]
    wall = max(done_at.values()) - start if done_at else float("inf")
    wall_previews = max(previews_at.values()) - start if previews_at else float("inf")
    ratio = wall / IDEAL
    per_job = sorted(j.finished_at - j.submitted_at for j in done)
    figures = [_common.Figure(
        "batch overhead", f"{ratio:.3f} ({wall:.2f} s / {IDEAL:.0f} s)", f"at most {GOAL}",
        len(done) == JOBS and ratio <= GOAL,
        {"jobs done": f"{len(done)} of {JOBS}",
         "wall time to the last previews shown": f"{wall_previews:.2f} s "
                                                 f"({wall_previews / IDEAL:.3f} of ideal)",
         "submit to done, per job": f"min {per_job[0]:.2f} s, median "
                                    f"{_common.median(per_job):.2f} s, max {per_job[-1]:.2f} s"
                                    if per_job else "-",
         "polls per job": f"{stats.polls / max(1, len(jobs)):.2f}",
         "setup": f"{JOBS} jobs, concurrency {CONCURRENCY}, {SERVICE_TIME:g} s service time, "
                  "400x300 PNG, default poll interval"})]
    _common.report(figures)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
