"""Requests per job: what the sandbox counted for a 6 s job polled every 2 s.

The real window (offscreen) with its poll interval set to 2 s, against an in-process sandbox
whose jobs take 6 s. Two rounds of four jobs: the first round starts with nothing learned,
the second after the window's service-time estimator has seen the first, so both the plain
cadence and the adaptive first poll are counted.

Goal: exactly 1 submit per job, at most 4 polls, one download per result file (cut-out, mask).
"""

from __future__ import annotations

import _common  # noqa: I001 - must come first: throwaway folders, offscreen Qt

_common.isolate("requests")

import time  # noqa: E402

PROCESSING_TIME = 6.0
POLL_INTERVAL = 2.0
ROUNDS, PER_ROUND = 2, 4
LIMIT_S = 60.0


def main() -> int:
    from desktop_app.jobs.model import JobState

    app, server, window = _common.window_on_sandbox(  # noqa: F841 - app kept alive
        PROCESSING_TIME, poll_interval=POLL_INTERVAL)
    started = time.monotonic()
    try:
        for round_no in range(ROUNDS):
            urls = [_common.tagged_url(server.sample_url("request.png"), f"{round_no}-{i}")
                    for i in range(PER_ROUND)]
            window.intake.url_input.setPlainText("\n".join(urls))
            window.intake.submit()
            finished = _common.wait_until(
                lambda: all(j.state in (JobState.DONE, JobState.FAILED)
                            for j in window.controller.jobs.values()),
                LIMIT_S - (time.monotonic() - started))
            if not finished:
                break
        jobs = list(window.controller.jobs.values())
        stats = server.stats
    finally:
        window.close()
        server.stop()

    done = [j for j in jobs if j.state == JobState.DONE]
    job_ids = [j.job_id for j in jobs if j.job_id]
    polls = [stats.polls_by_job.get(i, 0) for i in job_ids]
    downloads = [stats.downloads_by_job.get(i, 0) for i in job_ids]
    # /files/ requests that were not a result file: the original, fetched for the left pane.
    other_files = len(stats.file_request_headers) - stats.downloads
    submits_per_job = stats.submits / max(1, len(jobs))
    per_job = [f"{p} polls, {d} downloads" for p, d in zip(polls, downloads)]
    all_done = len(done) == len(jobs) == ROUNDS * PER_ROUND
    figures = [
        _common.Figure(
            "requests per job: submits", f"{submits_per_job:g} per job "
            f"({stats.submits} for {len(jobs)} jobs)", "exactly 1",
            all_done and stats.submits == len(jobs)),
        _common.Figure(
            "requests per job: polls", f"max {max(polls, default=0)}, mean "
            f"{sum(polls) / max(1, len(polls)):.2f} per job", "at most 4",
            all_done and max(polls, default=99) <= 4,
            {"per job (round 1, then round 2)": ", ".join(str(p) for p in polls)}),
        _common.Figure(
            "requests per job: result downloads", f"max {max(downloads, default=0)} per job "
            f"(2 result files each)", "one per result file (2)",
            all_done and all(d == 2 for d in downloads),
            {"per job": "; ".join(per_job),
             "original image fetched": f"{other_files / max(1, len(jobs)):g} per job",
             "jobs done": f"{len(done)} of {ROUNDS * PER_ROUND}",
             "setup": f"{PROCESSING_TIME:g} s jobs, poll interval {POLL_INTERVAL:g} s, "
                      f"{ROUNDS} rounds of {PER_ROUND}"}),
    ]
    _common.report(figures)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
