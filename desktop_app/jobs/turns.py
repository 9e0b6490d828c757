"""When the cut-out and its original disagree: another size, another orientation, many frames.

A phone stores a portrait photo as landscape pixels plus an EXIF note "turn me". A service that
ignores the note returns a sideways cut-out; one that applies it returns an upright cut-out of
a file other apps show sideways. Cutout shows originals upright, so it can say when the two
disagree, and offer to turn the result to match. The turned copies are written beside the
service's files (``turned-cutout.png``, ``turned-mask.png``), never over them, and
``result_files`` is the one place that says which pair saving, copying and Save all use.

Qt-free, and every function here reads or writes files: call them in a worker.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from PIL import Image, ImageOps

from desktop_app.jobs.images import peek, register_heif, to_display

TURNED_CUTOUT = "turned-cutout.png"
TURNED_MASK = "turned-mask.png"
TURNED_BY = "turned-by.txt"                      # the degrees, for the sentence
PREVIEW_NAMES = ("preview-cutout.png", "preview-mask.png", "thumb.png")
TURNS = (0, 90, 180, 270)                        # degrees clockwise
_TRANSPOSE = {90: Image.Transpose.ROTATE_270, 180: Image.Transpose.ROTATE_180,
              270: Image.Transpose.ROTATE_90}
_SAMPLE = 48                                     # side of the thumbnails compared


class ResultLike(Protocol):
    cutout_path: str | None
    mask_path: str | None
    original_path: str | None


@dataclass(frozen=True)
class ResultCheck:
    """What the cut-out and its original are, side by side (sizes upright, in pixels)."""

    cutout_size: tuple[int, int]
    original_size: tuple[int, int] | None = None
    original_format: str = ""
    frames: int = 1                  # the original's frames (an animated GIF, WebP or APNG)
    turn: int = 0                    # degrees clockwise that make the cut-out match; 0: none
    turned: int = 0                  # degrees Cutout already turned the result by

    @property
    def sizes_differ(self) -> bool:
        return self.original_size is not None and self.original_size != self.cutout_size


def turned_paths(cutout_path: str | Path) -> tuple[Path, Path]:
    folder = Path(cutout_path).parent
    return folder / TURNED_CUTOUT, folder / TURNED_MASK


def result_files(job: ResultLike) -> tuple[Path, Path]:
    """The cut-out and mask that saving, copying and Save all use.

    Cutout's turned copies when the designer turned the result and the service's files have
    not been downloaded again since (a retry brings new ones); otherwise the service's files.
    """
    cutout, mask = Path(job.cutout_path or ""), Path(job.mask_path or "")
    turned_cutout, turned_mask = turned_paths(cutout)
    try:
        if turned_cutout.stat().st_mtime >= cutout.stat().st_mtime and turned_mask.exists():
            return turned_cutout, turned_mask
    except OSError:
        pass
    return cutout, mask


def check_result(job: ResultLike, previews: tuple[Path, Path | None] | None = None
                 ) -> ResultCheck:
    """Compare the result shown with its original: sizes, frames, and the turn that matches.

    ``previews`` (the cut-out's and the original's small upright copies, when made) serve to
    find the turn: far cheaper than decoding two 24-megapixel files again.
    """
    cutout, _ = result_files(job)
    turned = _turned_by(cutout) if cutout.name == TURNED_CUTOUT else 0
    head = peek(cutout)
    size = (head.width, head.height)
    original = Path(job.original_path) if job.original_path else None
    if original is None or not original.exists():
        return ResultCheck(size, turned=turned)
    try:
        other = peek(original)
    except (OSError, ValueError, SyntaxError):
        return ResultCheck(size, turned=turned)
    check = ResultCheck(size, (other.width, other.height), other.format, other.frames,
                        turned=turned)
    if turned or (check.original_size == size and other.orientation == 1):
        return check          # same shape, and no EXIF turn a service could have missed
    small_cutout, small_original = previews if previews and previews[1] else (cutout,
                                                                               original)
    return ResultCheck(size, check.original_size, other.format, other.frames,
                       turn=best_turn(small_cutout, small_original))


def best_turn(cutout: Path, original: Path) -> int:
    """The clockwise turn (90, 180 or 270) under which the cut-out's subject lies on the
    original's pixels; 0 when none fits (the service scaled or cropped it: not a turn)."""
    register_heif()
    with Image.open(cutout) as img:
        img.draft("RGB", (_SAMPLE * 4, _SAMPLE * 4))
        cut = ImageOps.exif_transpose(img).convert("RGBA")
    with Image.open(original) as img:
        img.draft("RGB", (_SAMPLE * 4, _SAMPLE * 4))
        base = to_display(ImageOps.exif_transpose(img)).convert("RGB")
    target = base.width / base.height
    scores = []
    for turn in TURNS:
        turned = cut.transpose(_TRANSPOSE[turn]) if turn else cut
        if abs(turned.width / turned.height - target) > 0.02 * target:
            continue
        score = _difference(turned.resize((_SAMPLE, _SAMPLE)), base.resize((_SAMPLE, _SAMPLE)))
        if score is not None:
            scores.append((score, turn))
    if not scores:
        return 0
    score, turn = min(scores)
    return turn if score < 40 else 0


def _difference(cut: Image.Image, base: Image.Image) -> float | None:
    """Mean colour difference over the subject's pixels (alpha above half)."""
    import numpy as np

    data = np.asarray(cut, dtype=np.int16)
    subject = data[..., 3] > 128
    if not subject.any():
        return None
    other = np.asarray(base, dtype=np.int16)
    return float(np.abs(data[..., :3][subject] - other[subject]).mean())


def turn_result(job: ResultLike, degrees: int) -> tuple[Path, Path]:
    """Write the service's cut-out and mask turned ``degrees`` clockwise beside them, and drop
    the previews made from the old pair; the service's files stay as they are."""
    if degrees not in _TRANSPOSE:
        raise ValueError(f"a result turns by 90, 180 or 270 degrees, not {degrees}")
    cutout, mask = Path(job.cutout_path or ""), Path(job.mask_path or "")
    targets = turned_paths(cutout)
    for source, target, mode in ((cutout, targets[0], "RGBA"), (mask, targets[1], "L")):
        with Image.open(source) as img:
            img.load()
            icc = img.info.get("icc_profile") if mode == "RGBA" else None
            turned = ImageOps.exif_transpose(img).convert(mode).transpose(_TRANSPOSE[degrees])
        _save_png(turned, target, icc)
    (cutout.parent / TURNED_BY).write_text(str(degrees), encoding="ascii")
    forget_previews(cutout.parent)
    return targets


def undo_turn(job: ResultLike) -> None:
    """Go back to the service's files as they are."""
    for path in turned_paths(job.cutout_path or ""):
        path.unlink(missing_ok=True)
    (Path(job.cutout_path or "").parent / TURNED_BY).unlink(missing_ok=True)
    forget_previews(Path(job.cutout_path or "").parent)


def forget_previews(workdir: Path) -> None:
    """The previews of the results (not of the original) are made again on next show."""
    for name in PREVIEW_NAMES:
        (workdir / name).unlink(missing_ok=True)


def _turned_by(path: Path) -> int:
    try:
        return int((path.parent / TURNED_BY).read_text(encoding="ascii").strip())
    except (OSError, ValueError):
        return 90                                  # turned, by an unknown amount


def _save_png(img: Image.Image, target: Path, icc: bytes | None) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{target.stem}-", suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        img.save(tmp, "PNG", icc_profile=icc)     # None: no profile on a mask
        os.replace(tmp, target)
    finally:
        Path(tmp).unlink(missing_ok=True)
