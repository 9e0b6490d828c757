"""Touch-up's pixels at full size: the stored strokes and edge settings laid on the service's
mask, and the edited cut-out made from the original's colours. Meant for a worker thread
(a 24-megapixel job takes a second or two); the window paints on previews meanwhile.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from desktop_app.jobs.edits import (
    EDITED_CUTOUT,
    EDITED_MASK,
    EDITED_PREVIEWS,
    Edits,
    Stroke,
    same_shape,
    save_edits,
)
from desktop_app.jobs.mask_ops import (
    StrokeRaster,
    apply_coverage,
    apply_edges,
    clip_box,
    stroke_bounds,
)
from desktop_app.jobs.previews import THUMB_SIZE


def paint_stroke(mask: np.ndarray, stroke: Stroke, scale: float) -> tuple | None:
    """Lay one stroke on ``mask`` (in place), at ``scale`` array pixels per full pixel.

    Returns (box, the pixels of the box before) so the change can be undone, or None when
    the stroke missed the image.
    """
    height, width = mask.shape
    box = clip_box(stroke_bounds(stroke.points, stroke.size, scale), width, height)
    if box is None:
        return None
    x0, y0, x1, y1 = box
    raster = StrokeRaster((y1 - y0, x1 - x0), scale, stroke.size, stroke.hardness,
                          offset=(x0, y0))
    for x, y in stroke.points:
        raster.add(x, y)
    before = mask[y0:y1, x0:x1].copy()
    mask[y0:y1, x0:x1] = apply_coverage(before, raster.cov, stroke.tool)
    return box, before


def brushed(base: np.ndarray, strokes: list[Stroke], scale: float) -> np.ndarray:
    """The service's mask with every stroke laid on it, in order (a new array)."""
    mask = base.copy()
    for stroke in strokes:
        paint_stroke(mask, stroke, scale)
    return mask


def render_mask(base: np.ndarray, edits: Edits) -> np.ndarray:
    """The edited mask at ``base``'s size: strokes, then the edge controls."""
    scale = base.shape[1] / edits.frame[0]
    return apply_edges(brushed(base, edits.strokes, scale), edits.feather * scale,
                       edits.shift * scale)


@dataclass(frozen=True)
class Rendered:
    mask: Path
    cutout: Path
    used_original: bool          # False: the cut-out's own colours stood in


def preview_images(rgb: np.ndarray, alpha: np.ndarray) -> dict[str, Any]:
    """Pillow images of what the window showed (cut-out, mask, list thumbnail), kept beside
    the full-size result so that a restart shows the edit at once."""
    from PIL import Image

    mask = Image.fromarray(alpha, "L")
    cutout = Image.fromarray(rgb, "RGB")
    cutout.putalpha(mask)
    thumb = cutout.copy()
    thumb.thumbnail((THUMB_SIZE, THUMB_SIZE), Image.Resampling.LANCZOS)
    return {"cutout": cutout, "mask": mask, "thumb": thumb}


def render_full(workdir: Path, cutout_path: Path, mask_path: Path, original_path: Path | None,
                edits: Edits, shown: tuple[np.ndarray, np.ndarray] | None = None) -> Rendered:
    """Write the edits and their full-size results into the job's folder. For a worker.

    The edited cut-out is the original's colours (scaled to the cut-out's size if they
    differ) under the edited mask; with no original, or one of other proportions (turned
    otherwise), the cut-out's own colours stand in.
    ``shown``: the preview's colours and edited alpha as the window showed them, saved as
    the edited previews.
    """
    from PIL import Image

    from desktop_app.jobs.images import open_upright

    workdir = Path(workdir)
    save_edits(workdir, edits)
    service = open_upright(mask_path)
    base = np.asarray(service.convert("L") if service.mode != "L" else service)
    del service
    edited = Image.fromarray(render_mask(base, edits), "L")
    del base
    _save_png(edited, workdir / EDITED_MASK)
    colours, used_original = _colours(cutout_path, original_path, edited.size)
    colours.putalpha(edited)
    _save_png(colours, workdir / EDITED_CUTOUT)
    for key, image in (preview_images(*shown) if shown is not None else {}).items():
        _save_png(image, workdir / EDITED_PREVIEWS[key])
    return Rendered(workdir / EDITED_MASK, workdir / EDITED_CUTOUT, used_original)


def _colours(cutout_path: Path, original_path: Path | None, size: tuple[int, int]):
    from PIL import Image

    from desktop_app.jobs.images import LocalImageError, open_upright

    if original_path is not None and Path(original_path).exists():
        try:
            original = open_upright(original_path).convert("RGB")
        except LocalImageError:
            original = None
        if original is not None and same_shape(original.size, size):
            if original.size != size:
                original = original.resize(size, Image.Resampling.LANCZOS)
            return original, True
    cutout = open_upright(cutout_path).convert("RGB")
    if cutout.size != size:
        cutout = cutout.resize(size, Image.Resampling.LANCZOS)
    return cutout, False


def _save_png(image, target: Path) -> None:
    """PNG at the fastest compression, written whole or not at all (temp file + rename)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{target.stem}-", suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        image.save(tmp, "PNG", compress_level=1)
        os.replace(tmp, target)
    finally:
        Path(tmp).unlink(missing_ok=True)



