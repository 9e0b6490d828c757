"""The pixel work of touch-up, on numpy arrays: brush dabs, strokes, and the edge controls.

Qt-free, and the same code at every size: the window paints strokes on the 1600 px preview
mask as the mouse moves, and a worker replays the very same strokes on the full-size mask
when the edit is saved. A stroke is a row of round dabs (a precomputed stamp, placed every
tenth of the radius and combined by maximum, so overlapping dabs never build up), which
costs a few microseconds per dab at any image size; its coverage is then laid on the mask
in one step: erase pulls alpha towards 0, restore towards 255.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from desktop_app.jobs.edits import ERASE
DAB_SPACING = 0.1          # of the radius: the edge ripples by under 0.2 % of it
SUBPIXEL = 4               # dab centres are placed to a quarter pixel

Box = tuple[int, int, int, int]     # x0, y0, x1, y1 (x1, y1 exclusive)


def union(a: Box | None, b: Box | None) -> Box | None:
    if a is None:
        return b
    if b is None:
        return a
    return min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3])


def clip_box(box: Box, width: int, height: int) -> Box | None:
    x0, y0, x1, y1 = max(0, box[0]), max(0, box[1]), min(width, box[2]), min(height, box[3])
    return (x0, y0, x1, y1) if x1 > x0 and y1 > y0 else None


@lru_cache(maxsize=128)
def stamp(radius: float, hardness: float, fx: int = 0, fy: int = 0) -> np.ndarray:
    """One dab's coverage (uint8, 0..255), its centre ``fx/SUBPIXEL, fy/SUBPIXEL`` px past
    the middle pixel's centre.

    Fully covered within ``radius * hardness``; from there a smooth fall to nothing at
    ``radius``. A hard brush keeps a falloff of ~1 px, which is its antialiasing.
    """
    half = math.ceil(radius) + 1
    axis = np.arange(-half, half + 1, dtype=np.float32)
    dx = axis[None, :] - fx / SUBPIXEL
    dy = axis[:, None] - fy / SUBPIXEL
    dist = np.sqrt(dx * dx + dy * dy)
    soft = max(radius * (1.0 - hardness), 0.75)
    t = np.clip((radius + 0.25 - dist) / soft, 0.0, 1.0)
    cov = t * t * (3.0 - 2.0 * t)
    return np.round(cov * 255.0).astype(np.uint8)


class StrokeRaster:
    """A stroke's coverage on an array of ``shape``, grown point by point.

    ``scale`` turns stroke coordinates (the full image's pixels) into this array's pixels;
    ``offset`` is where the array's top-left pixel sits in scaled coordinates (for a buffer
    that covers only part of a large image). ``add`` returns the box it changed.
    """

    def __init__(self, shape: tuple[int, int], scale: float, diameter: float,
                 hardness: float, offset: tuple[int, int] = (0, 0)) -> None:
        self.cov = np.zeros(shape, dtype=np.uint8)
        self.scale = scale
        self.radius = max(0.5, diameter * scale / 2.0)
        self.hardness = min(1.0, max(0.0, hardness))
        self.offset = offset
        self._spacing = max(0.25, self.radius * DAB_SPACING)
        self._last: tuple[float, float] | None = None
        self._carry = 0.0           # distance walked since the last dab
        self.box: Box | None = None

    def add(self, x: float, y: float) -> Box | None:
        """Extend the stroke to the point (x, y) (full-image pixels)."""
        px, py = x * self.scale - self.offset[0], y * self.scale - self.offset[1]
        changed: Box | None = None
        if self._last is None:
            changed = self._dab(px, py)
        else:
            lx, ly = self._last
            length = math.hypot(px - lx, py - ly)
            walked = self._spacing - self._carry
            while walked <= length:
                t = walked / length
                changed = union(changed, self._dab(lx + (px - lx) * t, ly + (py - ly) * t))
                walked += self._spacing
            self._carry = length - (walked - self._spacing)
        self._last = (px, py)
        self.box = union(self.box, changed)
        return changed

    def _dab(self, px: float, py: float) -> Box | None:
        # pixel centres are at +0.5: the pixel under px is floor(px)
        qx, qy = round((px - 0.5) * SUBPIXEL), round((py - 0.5) * SUBPIXEL)
        cx, cy = qx // SUBPIXEL, qy // SUBPIXEL
        dab = stamp(round(self.radius * 4) / 4, self.hardness, qx % SUBPIXEL, qy % SUBPIXEL)
        half = dab.shape[0] // 2
        height, width = self.cov.shape
        box = clip_box((cx - half, cy - half, cx + half + 1, cy + half + 1), width, height)
        if box is None:
            return None
        x0, y0, x1, y1 = box
        sx, sy = x0 - (cx - half), y0 - (cy - half)
        part = self.cov[y0:y1, x0:x1]
        np.maximum(part, dab[sy:sy + y1 - y0, sx:sx + x1 - x0], out=part)
        return box


def apply_coverage(before: np.ndarray, cov: np.ndarray, tool: str) -> np.ndarray:
    """The mask after a stroke: erase pulls alpha towards 0, restore towards 255."""
    b = before.astype(np.uint16)
    c = cov.astype(np.uint16)
    if tool == ERASE:
        out = (b * (255 - c) + 127) // 255
    else:
        out = b + ((255 - b) * c + 127) // 255
    return out.astype(np.uint8)


def stroke_bounds(points: list[tuple[float, float]], diameter: float, scale: float) -> Box:
    """The box (in pixels at ``scale``) a stroke can touch."""
    xs = [p[0] * scale for p in points]
    ys = [p[1] * scale for p in points]
    pad = math.ceil(diameter * scale / 2) + 3
    return (math.floor(min(xs)) - pad, math.floor(min(ys)) - pad,
            math.ceil(max(xs)) + pad, math.ceil(max(ys)) + pad)


# -- the edge controls ----------------------------------------------------------------------
def _window(a: np.ndarray, radius: int, axis: int, op) -> np.ndarray:
    """Max (or min) over a window of 2r+1 along ``axis``, by doubling: log2(2r+1) passes."""
    if radius <= 0:
        return a
    pad = [(0, 0), (0, 0)]
    pad[axis] = (radius, radius)
    w = np.pad(a, pad, mode="edge")
    length, span = 1, 2 * radius + 1
    n = a.shape[axis]

    def part(arr: np.ndarray, start: int, stop: int) -> np.ndarray:
        return arr[start:stop] if axis == 0 else arr[:, start:stop]

    while length * 2 <= span:
        total = w.shape[axis]
        w = op(part(w, 0, total - length), part(w, length, total))
        length *= 2
    return op(part(w, 0, n), part(w, span - length, span - length + n))


def _morph(mask: np.ndarray, radius: int, grow: bool) -> np.ndarray:
    op = np.maximum if grow else np.minimum
    return _window(_window(mask, radius, 0, op), radius, 1, op)


def shift_edge(mask: np.ndarray, pixels: float) -> np.ndarray:
    """Grow (+) or shrink (-) the subject by ``pixels``; a fraction blends the two
    neighbouring whole-pixel results, so small steps on a preview still move the edge."""
    if abs(pixels) < 1e-3:
        return mask
    grow = pixels > 0
    whole = math.floor(abs(pixels))
    frac = abs(pixels) - whole
    lower = _morph(mask, whole, grow)
    if frac < 1e-3:
        return lower
    upper = _morph(lower, 1, grow)
    mixed = lower.astype(np.float32) * (1 - frac) + upper.astype(np.float32) * frac
    return np.round(mixed).astype(np.uint8)


def feather_edge(mask: np.ndarray, pixels: float) -> np.ndarray:
    """Soften the edge so it fades over about ``pixels`` on each side (a Gaussian blur)."""
    if pixels < 0.05:
        return mask
    from PIL import Image, ImageFilter

    blurred = Image.fromarray(mask, "L").filter(ImageFilter.GaussianBlur(pixels / 2.0))
    return np.asarray(blurred, dtype=np.uint8)


def apply_edges(mask: np.ndarray, feather: float, shift: float) -> np.ndarray:
    """The edge controls on top of the brushed mask: first the shift, then the feather."""
    return feather_edge(shift_edge(mask, shift), feather)


def edge_reach(feather: float, shift: float) -> int:
    """How far (pixels) the edge controls look around a pixel: the margin a partial update
    needs to come out the same as a whole one."""
    return math.ceil(abs(shift)) + 1 + math.ceil(feather * 1.5) + 2
