"""Edge refinement: a guided filter that snaps the model's coarse mask to the photo's edges.

The model sees a 320×320 thumbnail, so its mask, blown back up to the photo's size, is soft
and blocky along the outline. A guided filter (He, Sun and Tang, 2010) fits the mask locally
as a linear function of the photo's brightness, which moves the outline onto real edges. It
runs at a capped working size (the "fast guided filter": coefficients at low resolution,
applied at full resolution), so a 24 MP photo costs little more than a 2 MP one.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw


def box(a: np.ndarray, r: int) -> np.ndarray:
    """Mean over a (2r+1)² window (clipped at the borders), by integral images."""
    h, w = a.shape
    c = np.cumsum(np.cumsum(np.pad(a, ((1, 0), (1, 0))), 0, dtype=np.float64), 1)
    y0 = np.clip(np.arange(h) - r, 0, h)
    y1 = np.clip(np.arange(h) + r + 1, 0, h)
    x0 = np.clip(np.arange(w) - r, 0, w)
    x1 = np.clip(np.arange(w) + r + 1, 0, w)
    s = c[y1][:, x1] - c[y0][:, x1] - c[y1][:, x0] + c[y0][:, x0]
    n = (y1 - y0)[:, None] * (x1 - x0)[None, :]
    return (s / n).astype(np.float32)


def guided(rgb: Image.Image, mask: Image.Image, *, radius: int = 8, eps: float = 1e-3,
           work: int = 768) -> Image.Image:
    """``mask`` (L, same size as ``rgb``) refined along ``rgb``'s edges; ``radius`` is in
    working-size pixels (the longer side scaled to ``work``)."""
    w, h = rgb.size
    scale = min(1.0, work / max(w, h))
    sw, sh = max(1, round(w * scale)), max(1, round(h * scale))
    guide_small = rgb.convert("L").resize((sw, sh), Image.BILINEAR, reducing_gap=2.0)
    i = np.asarray(guide_small, dtype=np.float32) / 255.0
    p = np.asarray(mask.resize((sw, sh), Image.BILINEAR, reducing_gap=2.0),
                   dtype=np.float32) / 255.0
    mean_i, mean_p = box(i, radius), box(p, radius)
    cov = box(i * p, radius) - mean_i * mean_p
    var = box(i * i, radius) - mean_i * mean_i
    a = cov / (var + eps)
    b = mean_p - a * mean_i
    a, b = box(a, radius), box(b, radius)
    if scale < 1.0:
        a = np.asarray(Image.fromarray(a, "F").resize((w, h), Image.BILINEAR))
        b = np.asarray(Image.fromarray(b, "F").resize((w, h), Image.BILINEAR))
        i = np.asarray(rgb.convert("L"), dtype=np.float32) / 255.0
    q = a * i + b
    return Image.fromarray(np.clip(q * 255.0 + 0.5, 0, 255).astype(np.uint8), "L")


def fill_holes(soft: np.ndarray, level: float = 0.5) -> np.ndarray:
    """Background enclosed by the subject becomes subject: a pet's white patch or a shadowed
    belly the model left out. Works on the model's small prediction (cheap), by flood-filling
    the outside from the border: whatever background that fill cannot reach is a hole."""
    subject = soft >= level
    outside = Image.fromarray(np.pad(~subject, 1, constant_values=True).astype(np.uint8) * 255,
                              "L").copy()  # a copy: Pillow may share (read-only) the array
    ImageDraw.floodfill(outside, (0, 0), 128)
    holes = np.asarray(outside)[1:-1, 1:-1] == 255
    if not holes.any():
        return soft
    return np.where(holes, 1.0, soft).astype(np.float32)


def drop_islands(soft: np.ndarray, level: float = 0.5, keep: float = 0.05,
                 limit: int = 200) -> np.ndarray:
    """Blobs smaller than ``keep`` × the largest one are dropped: specks of background the
    model half-believed in. Gives up (changes nothing) on a prediction of more than ``limit``
    blobs, which is noise this cannot judge."""
    labels = Image.fromarray((soft >= level).astype(np.uint8), "L").copy()
    sizes: list[int] = []
    arr = np.asarray(labels)
    while True:
        ys, xs = np.nonzero(arr == 1)
        if len(xs) == 0:
            break
        if len(sizes) >= limit or len(sizes) >= 253:
            return soft
        ImageDraw.floodfill(labels, (int(xs[0]), int(ys[0])), len(sizes) + 2)
        arr = np.asarray(labels)
        sizes.append(int((arr == len(sizes) + 2).sum()))
    if len(sizes) < 2:
        return soft
    small = [i + 2 for i, n in enumerate(sizes) if n < keep * max(sizes)]
    if not small:
        return soft
    return np.where(np.isin(arr, small), 0.0, soft).astype(np.float32)
