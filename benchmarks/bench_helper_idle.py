"""The engine's helper process gives its memory back when idle, and what its return costs.

The real window (offscreen, no key) cuts out one 24 MP photo on this computer (a dev-set
photo upscaled to 6000x4000, else a drawn sample), in the engine's helper process
(``engine.helper``). VmRSS of the window's process and of the helper is read once the job
is done, and again once the helper has been idle for its ``IDLE_EXIT_S`` (shortened here
to ``--idle`` seconds, default 10, so the run stays short; the app's own is 90 s). Then a
small photo (800x600) is cut out twice: the first on a new helper (its start and the
model's load included), the second on the same one, warm. The difference is what an idle
exit costs the next job.

    .venv/bin/python benchmarks/bench_helper_idle.py [--idle 10]
"""

from __future__ import annotations

import _common  # noqa: I001 - must come first: throwaway folders, offscreen Qt

_common.isolate("helper-idle")

import argparse  # noqa: E402
import os  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

JOB_LIMIT_S = 240.0


def photo(folder: Path, name: str, size: tuple[int, int]) -> Path:
    from PIL import Image

    from desktop_app.sandbox.samples import render_sample

    devset = sorted((_common.BENCH_DIR / "devset" / "images").glob("*.jpg"))
    if devset:
        with Image.open(devset[0]) as opened:
            picture = opened.convert("RGB").resize(size, Image.Resampling.BICUBIC)
    else:
        picture = render_sample(name, *size)
    path = folder / name
    picture.save(path, "JPEG", quality=90)
    return path


def cut_out(window, path: Path) -> float:
    """Add one local job and wait until it is done: seconds from added to done."""
    from desktop_app.jobs.model import Engine, JobState

    before = set(window.controller.jobs)
    started = time.monotonic()
    window.controller.add_urls([str(path)], [Engine.LOCAL])

    def done() -> bool:
        new = [j for i, j in window.controller.jobs.items() if i not in before]
        return bool(new) and new[0].state == JobState.DONE

    if not _common.wait_until(done, JOB_LIMIT_S):
        raise SystemExit(f"the job for {path.name} did not finish")
    return time.monotonic() - started


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--idle", type=float, default=10.0)
    idle = parser.parse_args().idle

    from desktop_app.engine import helper as engine_helper

    engine_helper.IDLE_EXIT_S = idle      # read when the window makes its helper
    _common.no_keyring()
    _app = _common.qapp()
    folder = Path(os.environ["XDG_DATA_HOME"]) / "photos"
    folder.mkdir(parents=True)
    big = photo(folder, "big.jpg", (6000, 4000))
    small = [photo(folder, f"small-{i}.jpg", (800, 600)) for i in range(2)]
    window = _common.make_window()
    readings: dict[str, str] = {}

    big_s = cut_out(window, big)
    engine = window.controller._engine
    pid = engine.pid
    _common.wait(1.0)
    readings["after the 24 MP job: window"] = f"{_common.rss_mb()[0]:.0f} MB"
    readings["after the 24 MP job: helper"] = f"{_common.rss_mb(pid)[0]:.0f} MB"
    left = _common.wait_until(lambda: not Path(f"/proc/{pid}").exists(), idle + 15)
    readings[f"after {idle:.0f} s idle: window"] = f"{_common.rss_mb()[0]:.0f} MB"
    readings[f"after {idle:.0f} s idle: helper"] = ("gone" if left else
                                                    f"{_common.rss_mb(pid)[0]:.0f} MB")
    cold_s = cut_out(window, small[0])
    warm_s = cut_out(window, small[1])
    readings["24 MP job, added to done"] = f"{big_s:.1f} s"
    readings["800x600 job on a new helper"] = f"{cold_s:.2f} s"
    readings["800x600 job on the same helper"] = f"{warm_s:.2f} s"
    window.close()
    _common.report([_common.Figure(
        "engine helper idle exit", "helper gone" if left else "helper still there",
        "the helper leaves when idle", left, readings)],
        [f"load average: {os.getloadavg()[0]:.1f}"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
