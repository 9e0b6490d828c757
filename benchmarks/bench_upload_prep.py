"""Removing a photo's location before its upload: in place, or by Pillow re-encoding it.

A 24-megapixel phone-like JPEG (quality 92, with GPS EXIF) is prepared for upload two ways:
``upload_prep.strip_jpeg_location`` (zero the GPS block where it lies, keep every other byte)
and Pillow's way (decode, save again without EXIF at quality 95). Measured in the same run:
time, and how far the pixels move from the original (mean absolute difference, 0-255).

No goal of the issue's: the figures are why Cutout strips in place (decision, not a gate).
"""

from __future__ import annotations

import _common  # noqa: I001 - must come first: throwaway folders, offscreen Qt

_common.isolate("upload-prep")

import io  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

ROUNDS = 3


def photo() -> bytes:
    rng = np.random.default_rng(7)
    small = rng.integers(0, 255, (150, 200, 3), dtype=np.uint8)
    img = Image.fromarray(small).resize((6000, 4000), Image.Resampling.BICUBIC)  # 24 MP
    exif = Image.Exif()
    exif[0x010F] = "Phone"
    exif.get_ifd(0x8825).update({1: "N", 2: (48.0, 51.0, 29.0), 3: "E", 4: (2.0, 17.0, 40.0)})
    out = io.BytesIO()
    img.save(out, "JPEG", quality=92, exif=exif)
    return out.getvalue()


def main() -> int:
    from desktop_app.jobs.upload_prep import strip_jpeg_location

    data = photo()
    original = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"), dtype=np.int16)
    in_place, reencoded = [], []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        stripped = strip_jpeg_location(data)
        in_place.append(time.perf_counter() - started)
        started = time.perf_counter()
        out = io.BytesIO()
        Image.open(io.BytesIO(data)).save(out, "JPEG", quality=95, subsampling=0)
        reencoded.append(time.perf_counter() - started)
    moved_in_place = np.abs(np.asarray(Image.open(io.BytesIO(stripped)).convert("RGB"),
                                       dtype=np.int16) - original).mean()
    moved_pillow = np.abs(np.asarray(Image.open(io.BytesIO(out.getvalue())).convert("RGB"),
                                     dtype=np.int16) - original).mean()
    fig = _common.Figure(
        "removing GPS from a 24 MP JPEG", f"{statistics.median(in_place) * 1000:.1f} ms in "
        f"place vs {statistics.median(reencoded) * 1000:.0f} ms re-encoded", "none (a "
        "decision)", None, {
            "pixels moved, in place (mean |diff|)": f"{moved_in_place:.3f}",
            "pixels moved, Pillow re-encode q95 4:4:4": f"{moved_pillow:.3f}",
            "size": f"{len(data) / 1e6:.1f} MB original, {len(stripped) / 1e6:.1f} MB in "
                    f"place, {len(out.getvalue()) / 1e6:.1f} MB re-encoded"})
    _common.report([fig])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
