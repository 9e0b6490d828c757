"""One touch-up of one job, at preview size: the strokes, undo and redo, and the live pictures.

Painting must keep up with the mouse on a 24-megapixel job, so everything here works on the
preview the viewer already shows (at most 1600 px a side): each mouse move lays a few dabs,
recomputes the edge controls in the changed rectangle only, and writes that rectangle into
the live cut-out and mask. Undo keeps, per stroke, the pixels it covered before (a preview
rectangle, never a full-size copy); redo paints the stored stroke again. The full-size mask
is rendered from the same strokes in a worker when the edit is saved (``jobs.edit_render``).
"""

from __future__ import annotations

import itertools
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PySide6.QtGui import QImage

from desktop_app.jobs.edit_render import paint_stroke
from desktop_app.jobs.edits import Edits, Stroke, load_edits, same_shape
from desktop_app.jobs.mask_ops import (
    Box,
    StrokeRaster,
    apply_coverage,
    apply_edges,
    clip_box,
    edge_reach,
)

MIN_LEVEL = 64      # halvings are made down to this width
NO_ORIGINAL = ("This job has no original image, so Restore brings back the cut-out's own "
               "colours, which may be dark where the background was removed.")
ORIGINAL_OF_OTHER_SHAPE = ("The original is not the cut-out's shape (one of them is turned), "
                           "so Restore brings back the cut-out's own colours, which may be "
                           "dark where the background was removed.")


# -- the live pictures' memory ------------------------------------------------------------------
def pixel_view(image: QImage) -> np.ndarray:
    """A (height, width, 4) uint8 view of a 32-bit QImage's own memory (B, G, R, A order on
    little-endian machines): writing to it changes the picture."""
    data = np.frombuffer(image.bits(), dtype=np.uint8)
    rows = data.reshape(image.height(), image.bytesPerLine())
    return rows[:, :image.width() * 4].reshape(image.height(), image.width(), 4)


def write_cutout(view: np.ndarray, rgb: np.ndarray, alpha: np.ndarray) -> None:
    """Colours under an alpha, premultiplied, into an ARGB32_Premultiplied view."""
    a = alpha.astype(np.uint16)
    for channel, source in ((0, 2), (1, 1), (2, 0)):          # B, G, R
        view[..., channel] = (rgb[..., source] * a + 127) // 255
    view[..., 3] = alpha


def write_mask(view: np.ndarray, alpha: np.ndarray) -> None:
    """A grey mask into an RGB32 view (the format the viewer paints masks from)."""
    view[..., 0] = alpha
    view[..., 1] = alpha
    view[..., 2] = alpha
    view[..., 3] = 255


def new_image(width: int, height: int, with_alpha: bool) -> QImage:
    """An image in the raster engine's native format, with its own memory."""
    image = QImage(width, height, QImage.Format.Format_ARGB32_Premultiplied if with_alpha
                   else QImage.Format.Format_RGB32)
    image.fill(0)
    return image


def _halve_into(src: np.ndarray, dst: np.ndarray, box: Box) -> Box | None:
    """Box-filter the part of ``src`` in ``box`` into ``dst`` (half its size), as
    ``decode.halve`` makes the viewer's levels; the box it changed in ``dst``."""
    height, width = dst.shape[:2]
    x0, y0 = box[0] // 2, box[1] // 2
    x1, y1 = min(width, (box[2] + 1) // 2), min(height, (box[3] + 1) // 2)
    if x1 <= x0 or y1 <= y0:
        return None
    block = src[2 * y0:2 * y1, 2 * x0:2 * x1].astype(np.uint16)
    dst[y0:y1, x0:x1] = (block[0::2, 0::2] + block[1::2, 0::2] + block[0::2, 1::2]
                         + block[1::2, 1::2] + 2) // 4
    return x0, y0, x1, y1


class LivePicture:
    """A live picture and its halvings (so a pane far smaller than the preview still draws
    from a level less than twice its size, smooth), rewritten together, rectangle by
    rectangle."""

    def __init__(self, width: int, height: int, with_alpha: bool) -> None:
        self.levels = [new_image(width, height, with_alpha)]
        while self.levels[-1].width() // 2 >= MIN_LEVEL and self.levels[-1].height() >= 2:
            last = self.levels[-1]
            self.levels.append(new_image(last.width() // 2, last.height() // 2, with_alpha))
        self.views = [pixel_view(image) for image in self.levels]

    @property
    def image(self) -> QImage:
        """The full preview-size level."""
        return self.levels[0]

    @property
    def pixels(self) -> np.ndarray:
        return self.views[0]

    def spread(self, box: Box) -> None:
        """The top level changed in ``box``: bring the halvings up to date."""
        for src, dst in itertools.pairwise(self.views):
            box = _halve_into(src, dst, box)
            if box is None:
                return


PACK_OVER = 64 * 1024    # bytes: bigger undo patches are kept compressed


class _StrokeStep:
    """One stroke, and the preview pixels it covered before it (compressed when large:
    a mask compresses tenfold, so hundreds of big strokes stay a few megabytes)."""

    def __init__(self, stroke: Stroke, box: Box | None, before: np.ndarray | None) -> None:
        self.stroke, self.box = stroke, box
        self._shape = before.shape if before is not None else None
        self._packed = before is not None and before.nbytes > PACK_OVER
        self._before = zlib.compress(before.tobytes(), 1) if self._packed else before

    @property
    def before(self) -> np.ndarray | None:
        if not self._packed:
            return self._before
        return np.frombuffer(zlib.decompress(self._before), np.uint8).reshape(self._shape)


@dataclass
class _ResetStep:
    strokes: list[Stroke]
    brushed: np.ndarray
    feather: float
    shift: float


@dataclass
class _EdgeStep:
    before: tuple[float, float]     # (feather, shift)
    after: tuple[float, float]


@dataclass
class SessionData:
    """What a touch-up starts from, read and prepared in a worker."""

    base: np.ndarray            # the service's preview mask (height, width)
    rgb: np.ndarray             # the colours Restore brings back (height, width, 3)
    colours_note: str           # why Restore uses the cut-out's own colours ("" if it does not)
    edits: Edits                # stored ones, or none yet
    brushed: np.ndarray = field(default=None)     # base + stored strokes
    steps: list = field(default_factory=list)
    cutout: LivePicture | None = None
    mask: LivePicture | None = None


def load_session(workdir: Path, frame: tuple[int, int], mask_preview: Path,
                 cutout_preview: Path, original_preview: Path | None) -> SessionData:
    """Read the job's previews and stored edits and build the live pictures. For a worker."""
    from PIL import Image

    with Image.open(mask_preview) as img:
        base = np.array(img.convert("L"))
    height, width = base.shape
    with Image.open(cutout_preview) as img:
        cutout = img.convert("RGB")
    colours, note = cutout, NO_ORIGINAL
    if original_preview is not None and Path(original_preview).exists():
        with Image.open(original_preview) as img:
            original = img.convert("RGB")
        if same_shape(original.size, (width, height)):
            colours, note = original, ""
        else:
            note = ORIGINAL_OF_OTHER_SHAPE
    if colours.size != (width, height):
        colours = colours.resize((width, height), Image.Resampling.BILINEAR)
    rgb = np.array(colours)
    edits = load_edits(workdir)
    if edits is None or edits.frame != tuple(frame):
        edits = Edits(tuple(frame))
    data = SessionData(base, rgb, note, edits)
    data.brushed = base.copy()
    scale = width / frame[0]
    for stroke in edits.strokes:
        done = paint_stroke(data.brushed, stroke, scale)
        data.steps.append(_StrokeStep(stroke, *(done or (None, None))))
    display = apply_edges(data.brushed, edits.feather * scale, edits.shift * scale)
    data.cutout, data.mask = LivePicture(width, height, True), LivePicture(width, height, False)
    write_cutout(data.cutout.pixels, rgb, display)
    write_mask(data.mask.pixels, display)
    data.cutout.spread((0, 0, width, height))
    data.mask.spread((0, 0, width, height))
    return data


class EditSession:
    """The edit in progress. Coordinates in: the full image's pixels; boxes out: preview
    pixels (x0, y0, x1, y1), the part of the live pictures that changed."""

    def __init__(self, data: SessionData) -> None:
        self.base = data.base
        self.rgb = data.rgb
        self.colours_note = data.colours_note
        self.frame = data.edits.frame
        self.live_cutout, self.live_mask = data.cutout, data.mask
        self.cutout, self.mask = data.cutout.image, data.mask.image
        self.feather, self.shift = data.edits.feather, data.edits.shift
        self._brushed = data.brushed
        self._steps: list = list(data.steps)
        self._redo: list = []
        self.height, self.width = self.base.shape
        self.scale = self.width / self.frame[0]
        self._raster: StrokeRaster | None = None
        self._stroke: Stroke | None = None
        self._before: np.ndarray | None = None

    # -- strokes ---------------------------------------------------------------------------
    @property
    def painting(self) -> bool:
        return self._stroke is not None

    def begin(self, tool: str, size: float, hardness: float, x: float, y: float) -> Box | None:
        self.end()
        self._stroke = Stroke(tool, size, hardness, [])
        self._raster = StrokeRaster(self.base.shape, self.scale, size, hardness)
        self._before = self._brushed.copy()
        return self.extend(x, y)

    def extend(self, x: float, y: float) -> Box | None:
        """The stroke goes on to (x, y): the rectangle of the live pictures that changed."""
        if self._stroke is None:
            return None
        self._stroke.points.append((float(x), float(y)))
        box = self._raster.add(x, y)
        if box is None:
            return None
        x0, y0, x1, y1 = box
        self._brushed[y0:y1, x0:x1] = apply_coverage(
            self._before[y0:y1, x0:x1], self._raster.cov[y0:y1, x0:x1], self._stroke.tool)
        return self._refresh(box)

    def end(self) -> bool:
        """The mouse was released: the stroke becomes one undo step. True if it changed
        anything."""
        stroke, raster, before = self._stroke, self._raster, self._before
        self._stroke = self._raster = self._before = None
        if stroke is None or raster.box is None:
            return False
        x0, y0, x1, y1 = raster.box
        self._steps.append(_StrokeStep(stroke, raster.box, before[y0:y1, x0:x1].copy()))
        self._redo.clear()
        return True

    # -- undo, redo, reset -----------------------------------------------------------------
    def can_undo(self) -> bool:
        return bool(self._steps) and not self.painting

    def can_redo(self) -> bool:
        return bool(self._redo) and not self.painting

    def undo_count(self) -> int:
        return len(self._steps)

    def undo(self) -> Box | None:
        if not self.can_undo():
            return None
        step = self._steps.pop()
        self._redo.append(step)
        if isinstance(step, _EdgeStep):
            self.feather, self.shift = step.before
            return self._refresh(self._whole())
        if isinstance(step, _ResetStep):
            self._brushed = step.brushed.copy()
            self.feather, self.shift = step.feather, step.shift
            return self._refresh(self._whole())
        if step.box is None:
            return None
        x0, y0, x1, y1 = step.box
        self._brushed[y0:y1, x0:x1] = step.before
        return self._refresh(step.box)

    def redo(self) -> Box | None:
        if not self.can_redo():
            return None
        step = self._redo.pop()
        if isinstance(step, _EdgeStep):
            self._steps.append(step)
            self.feather, self.shift = step.after
            return self._refresh(self._whole())
        if isinstance(step, _ResetStep):
            self._steps.append(step)
            self._brushed = self.base.copy()
            self.feather = self.shift = 0.0
            return self._refresh(self._whole())
        done = paint_stroke(self._brushed, step.stroke, self.scale)
        self._steps.append(_StrokeStep(step.stroke, *(done or (None, None))))
        return self._refresh(done[0]) if done else None

    def reset(self) -> Box | None:
        """Back to the service's mask, as one step that Undo takes back."""
        if self.painting or (not self.strokes() and not self.feather and not self.shift):
            return None
        self._steps.append(_ResetStep(self.strokes(), self._brushed.copy(), self.feather,
                                      self.shift))
        self._redo.clear()
        self._brushed = self.base.copy()
        self.feather = self.shift = 0.0
        return self._refresh(self._whole())

    def set_edges(self, feather: float, shift: float) -> Box | None:
        """New edge settings: the whole picture is worked out again. Changes in a row (the
        spin box's arrows, one click at a time) are one undo step."""
        after = (float(feather), float(shift))
        if self.painting or after == (self.feather, self.shift):
            return None
        last = self._steps[-1] if self._steps else None
        if isinstance(last, _EdgeStep) and not self._redo:
            last.after = after
        else:
            self._steps.append(_EdgeStep((self.feather, self.shift), after))
            self._redo.clear()
        self.feather, self.shift = after
        return self._refresh(self._whole())

    # -- what it amounts to ----------------------------------------------------------------
    def strokes(self) -> list[Stroke]:
        """The strokes since the last reset, in order."""
        out: list[Stroke] = []
        for step in self._steps:
            if isinstance(step, _ResetStep):
                out = []
            elif isinstance(step, _StrokeStep):
                out.append(step.stroke)
        return out

    def edits(self) -> Edits:
        return Edits(self.frame, self.strokes(), self.feather, self.shift)

    def shown_alpha(self) -> np.ndarray:
        """A copy of the edited mask as shown (edge controls applied), for saving."""
        return np.array(self._display(self._whole()), copy=True)

    # -- the live pictures -----------------------------------------------------------------
    def _whole(self) -> Box:
        return 0, 0, self.width, self.height

    def _display(self, box: Box) -> np.ndarray:
        """The edited mask (edge controls applied) inside ``box``."""
        feather, shift = self.feather * self.scale, self.shift * self.scale
        if not feather and not shift:
            x0, y0, x1, y1 = box
            return self._brushed[y0:y1, x0:x1]
        reach = edge_reach(feather, shift)
        outer = clip_box((box[0] - reach, box[1] - reach, box[2] + reach, box[3] + reach),
                         self.width, self.height)
        ox0, oy0, ox1, oy1 = outer
        done = apply_edges(self._brushed[oy0:oy1, ox0:ox1], feather, shift)
        return done[box[1] - oy0:box[3] - oy0, box[0] - ox0:box[2] - ox0]

    def _refresh(self, changed: Box) -> Box:
        """Rewrite the live pictures where a change of the brushed mask in ``changed``
        shows (the edge controls spread it); returns that rectangle."""
        box = self._spread(changed)
        alpha = self._display(box)
        x0, y0, x1, y1 = box
        write_cutout(self.live_cutout.pixels[y0:y1, x0:x1], self.rgb[y0:y1, x0:x1], alpha)
        write_mask(self.live_mask.pixels[y0:y1, x0:x1], alpha)
        self.live_cutout.spread(box)
        self.live_mask.spread(box)
        return box

    def _spread(self, box: Box) -> Box:
        if not self.feather and not self.shift:
            return box
        reach = edge_reach(self.feather * self.scale, self.shift * self.scale)
        return clip_box((box[0] - reach, box[1] - reach, box[2] + reach, box[3] + reach),
                        self.width, self.height)
