"""Small copies of the results, made once in a worker and kept beside them in the cache.

The window only ever holds these (a 1600 px preview per pane, a thumbnail per row), never a
24-megapixel decode, so memory stays flat however long the history grows.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps

PREVIEW_SIZE = 1600
THUMB_SIZE = 96


@dataclass(frozen=True)
class PreviewFiles:
    original: Path | None
    cutout: Path
    mask: Path
    thumb: Path


def preview_files(workdir: Path) -> PreviewFiles:
    original = workdir / "preview-original.png"
    return PreviewFiles(original if original.exists() else None, workdir / "preview-cutout.png",
                        workdir / "preview-mask.png", workdir / "thumb.png")


def ensure_previews(workdir: Path, cutout: Path, mask: Path, original: Path | None
                    ) -> PreviewFiles:
    """Write the preview files that are missing; return where they are."""
    workdir = Path(workdir)
    targets = [(Path(cutout), workdir / "preview-cutout.png", "RGBA"),
               (Path(mask), workdir / "preview-mask.png", "L")]
    if original is not None and Path(original).exists():
        targets.append((Path(original), workdir / "preview-original.png", "RGB"))
    thumb = workdir / "thumb.png"
    for source, target, mode in targets:
        if target.exists() and (target.name != "preview-cutout.png" or thumb.exists()):
            continue
        with Image.open(source) as img:
            img.draft(mode if mode != "RGBA" else "RGB", (PREVIEW_SIZE, PREVIEW_SIZE))
            img.load()
            # Every full-size copy of a 24-megapixel result is ~100 MB that Pillow allocates
            # and zeroes while holding the GIL, which stalls the GUI thread for tens of
            # milliseconds: so convert only when the mode differs, shrink in place, and turn
            # by the EXIF orientation only once the picture is small.
            if img.mode != mode:
                img = img.convert(mode)
            img.thumbnail((PREVIEW_SIZE, PREVIEW_SIZE), Image.Resampling.BILINEAR,
                          reducing_gap=2.0)
            ImageOps.exif_transpose(img, in_place=True)
            _save_png(img, target)
            if mode == "RGBA":
                small = img.copy()
                small.thumbnail((THUMB_SIZE, THUMB_SIZE), Image.Resampling.LANCZOS)
                _save_png(small, thumb)
    return preview_files(workdir)


def _save_png(img: Image.Image, target: Path) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{target.stem}-", suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        img.save(tmp, "PNG", compress_level=1)
        os.replace(tmp, target)
    finally:
        Path(tmp).unlink(missing_ok=True)
