"""Touch-up edits: kept beside the service's mask, never over it, and rendered full size.

A job's edits are its brush strokes and its two edge settings, stored as ``edits.json`` in
the job's folder, plus what they render to: ``mask-edited.png`` and ``cutout-edited.png``
(the original's colours under the edited mask) and small previews of both. The job records
``edited_mask_path`` once they are written; removing it and the files brings the service's
mask back. ``result_paths`` is the one place that says which files are "the result" of a
job: saving, Save all, copying and the viewer's full-size images all ask it.

Qt-free, and light (no numpy, no Pillow): the window's save and copy commands ask it where a
result is. The pixel work is ``edit_render.py``'s, in a worker.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from desktop_app.jobs.previews import PreviewFiles

ERASE, RESTORE = "erase", "restore"
TOOLS = (ERASE, RESTORE)

EDITS_FILE = "edits.json"
EDITED_MASK = "mask-edited.png"
EDITED_CUTOUT = "cutout-edited.png"
EDITED_PREVIEWS = {"cutout": "preview-cutout-edited.png", "mask": "preview-mask-edited.png",
                   "thumb": "thumb-edited.png"}
MAX_FEATHER, MAX_SHIFT = 100.0, 50.0


@dataclass
class Stroke:
    """One press-drag-release of a brush; points and size in the full image's pixels."""

    tool: str
    size: float                  # the brush's diameter
    hardness: float              # 0 (soft) .. 1 (hard)
    points: list[tuple[float, float]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"tool": self.tool, "size": round(self.size, 2),
                "hardness": round(self.hardness, 3),
                "points": [[round(x, 2), round(y, 2)] for x, y in self.points]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Stroke:
        tool = str(data["tool"])
        if tool not in TOOLS:
            raise ValueError(f"unknown tool {tool!r}")
        points = [(float(x), float(y)) for x, y in data["points"]]
        if not points:
            raise ValueError("a stroke without points")
        return cls(tool, max(1.0, float(data["size"])),
                   min(1.0, max(0.0, float(data["hardness"]))), points)


@dataclass
class Edits:
    """Everything a designer changed on one job's mask. ``frame`` is the size the strokes'
    coordinates refer to (the job's full width and height)."""

    frame: tuple[int, int]
    strokes: list[Stroke] = field(default_factory=list)
    feather: float = 0.0
    shift: float = 0.0

    @property
    def is_empty(self) -> bool:
        return not self.strokes and abs(self.feather) < 1e-6 and abs(self.shift) < 1e-6

    def to_json(self) -> dict[str, Any]:
        return {"version": 1, "frame": list(self.frame), "feather": self.feather,
                "shift": self.shift, "strokes": [s.to_json() for s in self.strokes]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Edits:
        width, height = (int(v) for v in data["frame"])
        if width <= 0 or height <= 0:
            raise ValueError("an empty frame")
        return cls((width, height), [Stroke.from_json(s) for s in data.get("strokes", [])],
                   min(MAX_FEATHER, max(0.0, float(data.get("feather", 0.0)))),
                   min(MAX_SHIFT, max(-MAX_SHIFT, float(data.get("shift", 0.0)))))


def same_shape(a: tuple[int, int], b: tuple[int, int], tolerance: float = 0.02) -> bool:
    """Whether two pictures have the same proportions (so one can be scaled onto the other):
    an original turned by EXIF that the cut-out was not, or the reverse, has not."""
    return abs(a[0] * b[1] - a[1] * b[0]) <= tolerance * max(a[0] * b[1], a[1] * b[0])


# -- where things are -----------------------------------------------------------------------
def _has_edits(job: Any) -> bool:
    path = getattr(job, "edited_mask_path", None)
    return bool(path) and Path(path).exists() and Path(path).with_name(EDITED_CUTOUT).exists()


def result_paths(job: Any) -> tuple[Path | None, Path | None]:
    """(cut-out, mask) that stand for the job's result: the touched-up ones when there are,
    else the service's (turned to match the original when the designer asked,
    ``jobs.turns.result_files``). Every save, copy, Save all and full-size view asks here."""
    if _has_edits(job):
        mask = Path(job.edited_mask_path)
        return mask.with_name(EDITED_CUTOUT), mask
    if not getattr(job, "cutout_path", None):
        mask = getattr(job, "mask_path", None)
        return None, (Path(mask) if mask else None)
    from desktop_app.jobs.turns import result_files  # brings Pillow: only when asked

    cutout, mask = result_files(job)   # turned to match its original, or the service's
    return cutout, (mask if getattr(job, "mask_path", None) else None)


def is_edited(job: Any) -> bool:
    """Whether the job's result is touched up (and the files are still here)."""
    return _has_edits(job)


def edited_previews(job: Any, files: PreviewFiles) -> PreviewFiles:
    """The preview files to show for a job: the touched-up ones when it has them."""
    if not _has_edits(job):
        return files
    folder = Path(job.edited_mask_path).parent
    cutout, mask, thumb = (folder / EDITED_PREVIEWS[k] for k in ("cutout", "mask", "thumb"))
    if not (cutout.exists() and mask.exists() and thumb.exists()):
        return files
    return replace(files, cutout=cutout, mask=mask, thumb=thumb)


def thumbnail_path(job: Any, workdir: Path) -> Path:
    """The list's thumbnail for a job: of the touched-up cut-out when there is one."""
    edited = Path(workdir) / EDITED_PREVIEWS["thumb"]
    return edited if _has_edits(job) and edited.exists() else Path(workdir) / "thumb.png"


def load_edits(workdir: Path) -> Edits | None:
    """The stored edits of a job's folder; None when there are none or they are unreadable
    (a damaged file is ignored: the service's mask is still there)."""
    path = Path(workdir) / EDITS_FILE
    try:
        return Edits.from_json(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError):
        return None


def clear_edits(workdir: Path) -> None:
    """Forget a job's edits: the service's mask is the result again."""
    workdir = Path(workdir)
    for name in (EDITS_FILE, EDITED_MASK, EDITED_CUTOUT, *EDITED_PREVIEWS.values()):
        (workdir / name).unlink(missing_ok=True)


def write_text(target: Path, text: str) -> None:
    """Write a small text file whole or not at all (temp file + rename)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{target.stem}-", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(tmp, target)
    finally:
        Path(tmp).unlink(missing_ok=True)


def save_edits(workdir: Path, edits: Edits) -> None:
    write_text(Path(workdir) / EDITS_FILE, json.dumps(edits.to_json()))
