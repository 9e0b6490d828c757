"""Reading a dropped folder: how long ``jobs.sources`` takes to list it and check every file.

A folder of 500 JPEG photos (1200x900) in five sub-folders, 50 HEIC photos and 20 files that
are not images (skipped by name), made here. Listing (``expand``) and checking (``check``:
``jobs.images.inspect``, the header only, no decode) both run in a worker in the window; the
figure says how long the designer waits between the drop and the new rows. Three runs; the
files were just written, so they are in the page cache (a folder on a slow disk or a network
share takes longer); the median counts.

Goal: none set; the window never waits on it (it runs off the GUI thread). Kept to see that
checking stays far below decoding (a 1200x900 JPEG decode alone takes several ms).

Standalone: ``.venv/bin/python benchmarks/bench_intake.py`` (not part of run_all.py).
"""

from __future__ import annotations

import _common  # noqa: I001 - must come first: throwaway folders, offscreen Qt

home = _common.isolate("intake")

import time  # noqa: E402
from pathlib import Path  # noqa: E402

PHOTOS, PHONE_PHOTOS, OTHERS, RUNS = 500, 50, 20, 3


def make_folder() -> Path:
    from PIL import Image

    from desktop_app.jobs.images import register_heif

    register_heif()
    root = home / "Shoot"
    photo = Image.new("RGB", (1200, 900), (120, 90, 60))
    for n in range(PHOTOS):
        folder = root / f"day {n % 5}"
        folder.mkdir(parents=True, exist_ok=True)
        photo.save(folder / f"{n:04d}.jpg", quality=85)
    for n in range(PHONE_PHOTOS):
        photo.save(root / f"IMG_{n:04d}.heic")
    for n in range(OTHERS):
        (root / f"notes-{n}.txt").write_text("not an image")
    return root


def main() -> int:
    from desktop_app.jobs.sources import check, expand, read_items

    root = make_folder()
    listing, checking = [], []
    for _ in range(RUNS):
        started = time.perf_counter()
        listed = expand(read_items([str(root)]))
        middle = time.perf_counter()
        found = check(listed)
        ended = time.perf_counter()
        listing.append(middle - started)
        checking.append(ended - middle)
        assert len(found.files) == PHOTOS + PHONE_PHOTOS and not found.problems
    files = PHOTOS + PHONE_PHOTOS
    total = _common.median([a + b for a, b in zip(listing, checking)])
    _common.report([_common.Figure(
        "drop of a folder to its sources ready", _common.ms(total), "none (off the GUI thread)",
        None, {"files": f"{files} images ({PHONE_PHOTOS} HEIC) + {OTHERS} other files",
               "listing (median)": _common.ms(_common.median(listing)),
               "checking (median)": _common.ms(_common.median(checking)),
               "per image": f"{_common.median(checking) / files * 1000:.2f} ms"})])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
