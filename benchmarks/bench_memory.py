"""Memory: resident size with 200 finished 24-megapixel jobs in the history, scrolled and viewed.

This script writes the history straight into throwaway folders: 200 finished jobs in the
history store, and per job a cache folder (``results/<id>/``) holding what the app keeps
there: ``cutout.png``, ``mask.png``, ``original`` (6000x4000) and the previews the app makes
(made once by the app's own ``ensure_previews``, then hard-linked into every folder).

The window then starts in a child process (the real MainWindow, offscreen), loads that
history, and:
1. scrolls the job list end to end (``scrollTo`` each row, letting it paint);
2. selects each job in turn and waits until the cut-out pane shows its picture (viewing);
3. does 2. again.
VmRSS (from /proc/self/status) is read after loading, after the scroll, after each pass,
and VmHWM (the peak) at the end.

Goal: under 400 MB, and flat when the same 200 are viewed again (the second pass ends
less than 5 % above the first).
"""

from __future__ import annotations

import _common  # noqa: I001 - must come first: throwaway folders, offscreen Qt

_common.isolate("memory")

import json  # noqa: E402
import os  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

JOBS = 200
SIZE = (6000, 4000)
GOAL_MB = 400.0
FLAT_SHARE = 0.05
CHILD_LIMIT_S = 200.0
PER_JOB_LIMIT_S = 10.0

CHILD = r"""
import json, os, sys, time
sys.path.insert(0, os.environ["BENCH_DIR"])
import _common
_common.no_keyring()
app = _common.qapp()
from desktop_app.jobs.model import JobState

def rss():
    return _common.rss_mb()

readings = {}
window = _common.make_window()
view = _common.job_list_view(window)
jobs_total = int(os.environ["BENCH_JOBS"])
loaded = _common.wait_until(lambda: view.model().rowCount() >= jobs_total, 60)
_common.wait(1.0)   # thumbnails are read in a worker after the rows appear
readings["after loading"] = rss()[0]

model = view.model()
for row in range(model.rowCount()):
    view.scrollTo(model.index(row, 0))
    _common.wait(0.005)
for row in reversed(range(model.rowCount())):
    view.scrollTo(model.index(row, 0))
    _common.wait(0.005)
readings["after scrolling end to end"] = rss()[0]

canvas = _common.matted_view(window)
ids = [j.id for j in window.controller.jobs.values() if j.state == JobState.DONE]
shown_total, waits = 0, []

def view_all():
    global shown_total
    for job_id in ids:
        before = _common.view_image(canvas)
        before_key = before.cacheKey() if before is not None else None
        started = time.monotonic()
        _common.select_job(window, job_id)
        def shown():
            image = _common.view_image(canvas)
            return (image is not None and image.cacheKey() != before_key
                    and _common.current_job_id(window) == job_id)
        if _common.wait_until(shown, float(os.environ["BENCH_PER_JOB"]), step_ms=5):
            shown_total += 1
            waits.append(time.monotonic() - started)
        _common.wait(0.01)   # let the pane paint

view_all()
readings["after viewing all 200"] = rss()[0]
view_all()
readings["after viewing all 200 again"] = rss()[0]
readings["peak (VmHWM)"] = rss()[1]
print("MEMORY_JSON " + json.dumps({"loaded": loaded, "rows": model.rowCount(),
      "readings": readings, "shown": shown_total, "views": 2 * len(ids),
      "median_wait": sorted(waits)[len(waits) // 2] if waits else None}), flush=True)
window.close()
os._exit(0)
"""


def make_history() -> None:
    """200 finished jobs in the history store and their cache folders (hard links)."""
    import shutil

    from PIL import Image

    from desktop_app import paths
    from desktop_app.jobs.model import Job, JobState
    from desktop_app.jobs.previews import ensure_previews
    from desktop_app.jobs.store import HistoryStore
    from desktop_app.sandbox.samples import encode_png, render_sample
    from desktop_app.sandbox.segment import segment

    template = Path(os.environ["XDG_CACHE_HOME"]) / "template"
    template.mkdir(parents=True)
    picture = render_sample("memory.png", *SIZE)
    (template / "original").write_bytes(encode_png(picture))
    cutout, mask = segment(picture)
    (template / "cutout.png").write_bytes(encode_png(cutout))
    (template / "mask.png").write_bytes(encode_png(mask))
    del picture, cutout, mask
    ensure_previews(template, template / "cutout.png", template / "mask.png",
                    template / "original")
    with Image.open(template / "cutout.png") as check:
        assert check.size == SIZE

    results = paths.results_dir()
    store = HistoryStore(paths.history_db())
    now = time.time()
    jobs = []
    for i in range(JOBS):
        job = Job(f"http://127.0.0.1:9/samples/memory-{i:03d}.png?w={SIZE[0]}&h={SIZE[1]}")
        folder = results / job.id
        folder.mkdir(parents=True)
        for item in template.iterdir():
            try:
                os.link(item, folder / item.name)
            except OSError:
                shutil.copyfile(item, folder / item.name)
        job.state = JobState.DONE
        job.job_id = f"memory-{i:03d}"
        job.coins = 20
        job.created_at = now - 3600 + i
        job.submitted_at = job.created_at + 1
        job.completed_at = job.submitted_at + 3
        job.finished_at = job.completed_at + 1
        job.res_url = f"http://127.0.0.1:9/files/{job.job_id}/cutout.png"
        job.mask_url = f"http://127.0.0.1:9/files/{job.job_id}/mask.png"
        job.original_url = f"http://127.0.0.1:9/files/{job.job_id}/original.png"
        job.cutout_path = str(folder / "cutout.png")
        job.mask_path = str(folder / "mask.png")
        job.original_path = str(folder / "original")
        job.width, job.height = SIZE
        jobs.append(job)
    store.save_many_later(jobs).result()
    store.close()


def main() -> int:
    make_history()
    env = dict(os.environ, BENCH_DIR=str(_common.BENCH_DIR), BENCH_JOBS=str(JOBS),
               BENCH_PER_JOB=str(PER_JOB_LIMIT_S), HITPAW_API_KEY=_common.SANDBOX_KEY,
               HITPAW_API_BASE="http://127.0.0.1:9")
    proc = subprocess.run([sys.executable, "-c", CHILD], env=env, capture_output=True,
                          text=True, timeout=CHILD_LIMIT_S, cwd=_common.PROJECT_DIR)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("MEMORY_JSON ")]
    if not lines:
        sys.stderr.write(proc.stderr[-3000:])
        raise SystemExit("the memory child did not report")
    result = json.loads(lines[-1].split(" ", 1)[1])
    readings = result["readings"]
    first = readings["after viewing all 200"]
    second = readings["after viewing all 200 again"]
    peak = readings["peak (VmHWM)"]
    growth = second - first
    flat = growth <= FLAT_SHARE * first
    worst = max(readings.values())
    details = {name: f"{value:.0f} MB" for name, value in readings.items()}
    details["second pass minus first"] = f"{growth:+.1f} MB"
    details["jobs in the list"] = str(result["rows"])
    details["views that showed their cut-out"] = f"{result['shown']} of {result['views']}"
    if result["median_wait"] is not None:
        details["median time from select to shown"] = f"{result['median_wait'] * 1000:.0f} ms"
    _common.report([_common.Figure(
        "memory (200 x 24 MP jobs, scrolled and viewed twice)",
        f"{second:.0f} MB after the second pass (first {first:.0f} MB, peak {peak:.0f} MB)",
        f"under {GOAL_MB:.0f} MB; second pass < {FLAT_SHARE:.0%} above the first",
        result["loaded"] and worst < GOAL_MB and peak < GOAL_MB and flat
        and result["shown"] == result["views"], details)])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
