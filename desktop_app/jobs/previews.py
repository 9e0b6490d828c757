"""Small copies of the results, made once in a worker and kept beside them in the cache.

The window only ever holds these (a 1600 px preview per pane, a thumbnail per row), never a
24-megapixel decode, so memory stays flat however long the history grows.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from desktop_app.api.download import IMAGE_WORK
from desktop_app.jobs.images import orientation, register_heif, to_display

PREVIEW_SIZE = 1600
THUMB_SIZE = 96

# One job at a time makes or reads previews, in the process's one lane for whole-image work
# (``IMAGE_WORK``, with the downloads' checks): decoding a 24-megapixel result is CPU- and
# memory-bound, and four at once on a two-core laptop finish no sooner, hold four times the
# memory, and keep the window waiting, for the GIL or for a core.

# Pillow allocates image memory in blocks of 16 MB with calloc. glibc serves blocks that size
# from memory it already holds (its mmap threshold adapts up to 32 MB), which calloc must
# clear: ~100 MB of memset per 24-megapixel decode, done while holding the GIL, which stalls
# the GUI thread for tens of milliseconds. Blocks above 32 MB are always fresh mappings whose
# pages the kernel clears lazily, during the decode, which runs without the GIL; and they go
# back to the system when freed. Left alone if the user set PILLOW_BLOCK_SIZE.
BIG_IMAGE_BLOCK_SIZE = 128 * 1024 * 1024


def use_big_image_blocks() -> None:
    """Make this process's Pillow allocate large images in blocks glibc always maps afresh."""
    if not os.environ.get("PILLOW_BLOCK_SIZE"):
        Image.core.set_block_size(BIG_IMAGE_BLOCK_SIZE)


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
        # "display": the original as it is, transparency and deep tones included
        targets.append((Path(original), workdir / "preview-original.png", "display"))
    thumb = workdir / "thumb.png"
    missing = [(source, target, mode) for source, target, mode in targets
               if not target.exists() or (target.name == "preview-cutout.png"
                                          and not thumb.exists())]
    if missing:
        with IMAGE_WORK:
            _make(missing, thumb)
    return preview_files(workdir)


def _make(targets: list[tuple[Path, Path, str]], thumb: Path) -> None:
    register_heif()                      # a local original may be a phone's HEIC
    for source, target, mode in targets:
        with Image.open(source) as img:
            if _is_own_preview(img, mode):
                # a result no bigger than a preview: the file itself, copied (no decode, no
                # PNG encode, which holds the GIL for most of its ~12 ms at 800x600)
                _copy_file(source, target)
                if mode != "RGBA":
                    continue
                img.load()
                small = img.copy()
                small.thumbnail((THUMB_SIZE, THUMB_SIZE), Image.Resampling.LANCZOS)
                _save_png(small, thumb)
                continue
            img.draft("RGB" if mode == "RGBA" else None if mode == "display" else mode,
                      (PREVIEW_SIZE, PREVIEW_SIZE))
            img.load()
            turn = _TURNS.get(orientation(img))
            # Every full-size copy of a 24-megapixel result is ~100 MB that Pillow allocates
            # and zeroes while holding the GIL, which stalls the GUI thread for tens of
            # milliseconds: so convert only when the mode differs, shrink in place, and turn
            # by the EXIF orientation only once the picture is small.
            if mode == "display":
                img = to_display(img)
            elif img.mode != mode:
                img = img.convert(mode)
            img.thumbnail((PREVIEW_SIZE, PREVIEW_SIZE), Image.Resampling.BILINEAR,
                          reducing_gap=2.0)
            if turn is not None:
                img = img.transpose(turn)
            img.info.pop("exif", None)       # the preview is upright: no orientation to redo
            _save_png(img, target)
            if mode == "RGBA":
                small = img.copy()
                small.thumbnail((THUMB_SIZE, THUMB_SIZE), Image.Resampling.LANCZOS)
                _save_png(small, thumb)


def _is_own_preview(img: Image.Image, mode: str) -> bool:
    """Whether a result file can serve as its own preview as it is: a PNG already in the
    preview's mode, within its size, upright, and (a grey one) without a colour profile."""
    return (img.format == "PNG" and img.mode == mode and mode in ("RGBA", "L")
            and max(img.size) <= PREVIEW_SIZE and "transparency" not in img.info
            and not (mode == "L" and img.info.get("icc_profile"))
            and orientation(img) == 1)


def _copy_file(source: Path, target: Path) -> None:
    """``source``'s bytes at ``target``, atomically (as ``_save_png`` writes)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{target.stem}-", suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        shutil.copyfile(source, tmp)
        os.replace(tmp, target)
    finally:
        Path(tmp).unlink(missing_ok=True)


_TURNS = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180,
          4: Image.Transpose.FLIP_TOP_BOTTOM, 5: Image.Transpose.TRANSPOSE,
          6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE,
          8: Image.Transpose.ROTATE_90}


def _save_png(img: Image.Image, target: Path) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{target.stem}-", suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        # no colour profile on a grey preview: an RGB one would be invalid there (libpng warns)
        extra = {"icc_profile": None} if img.mode in ("L", "LA") else {}
        img.save(tmp, "PNG", compress_level=1, **extra)
        os.replace(tmp, target)
    finally:
        Path(tmp).unlink(missing_ok=True)
