"""From an image to its soft mask: the model's pre- and post-processing.

The model sees the photo shrunk to a small square; what happens around that (the size, how
the photo is fitted into the square, flip averaging, how the soft output becomes a mask) is
a ``Recipe``. ``DEFAULT`` is the one measured best on the dev set (see
``benchmarks/bench_engine_quality.py`` and ``benchmarks/results.md``); the others exist so the
benchmark can compare them with the same code.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from PIL import Image

from . import refine, session
from .errors import Cancel

MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)
STD = np.array([0.229, 0.224, 0.225], dtype=np.float32)
SURER = 0.8  # a second look replaces the first only if its soft band is this much thinner


@dataclass(frozen=True)
class Recipe:
    """How one prediction is made. ``size`` is the model's square input side; ``flip``
    averages the prediction with that of the mirrored photo; ``fast_shrink`` lets Pillow
    reduce a large photo in integer steps before the final filter (much faster at 24 MP)."""

    size: int = 320     # the bundled ONNX file is fixed at 1×3×320×320
    flip: bool = False
    fast_shrink: bool = True
    low: float = 0.0    # soft values at or below ``low`` become 0 …
    high: float = 1.0   # … at or above ``high`` become 1, linear between
    letterbox: bool = False  # keep the aspect ratio (pad to a square) instead of squashing
    margin: float = 0.0  # a border of this fraction of the side on every side, in edge colour
    pad: str = "edge"    # what fills the square around the photo: "edge" (the mean colour of
    #                      the photo's border), "grey" (ImageNet's mean) or "black"
    refine: int = 0     # guided-filter radius for edge refinement, 0 = none
    bilinear: bool = False  # blow the mask up with BILINEAR (half LANCZOS's cost at 24 MP)
    holes: bool = False   # fill background enclosed by the subject
    islands: bool = False  # drop specks far smaller than the main subject
    refine_eps: float = 1e-3
    fallback: float = 0.0  # if the mask covers less than this share of the photo, look again
    #                        letterboxed and keep that look if it finds at least twice as much
    doubt: float = 0.0  # also look again letterboxed when the soft band (0.1-0.9) is more than
    #                     this share of the mask, and keep the surer of the two looks (0 = never)
    model: str = session.FLOAT  # the model file of the (first) look: FLOAT or INT8
    second: str = ""    # the model of the second look ("" = the same as ``model``)


ANCHOR = Recipe(size=320, flip=False, fast_shrink=False)  # as rembg runs u2netp
# Squashed as the model was trained, with a second, letterboxed look when the first finds
# almost nothing (close-ups of an animal filling the frame, where the squashed thumbnail loses
# it) or is unsure of the outline (its soft band over 25 % of the mask: a pet cut by the
# frame's edges; framed, with background around it, the model is often surer, and the surer
# look is kept). The second look runs the int8 model (``packaging/build_int8_model.py``), about
# half the float one's time, so it fits the speed goal; the first look stays float. Always
# letterboxing cost 0.036 IoU on composites of photo-shaped frames; flip averaging, curves,
# hole filling and the guided filter did not pay (benchmarks/measurements.md).
DEFAULT = Recipe(size=320, fast_shrink=True, fallback=0.2, doubt=0.25, second=session.INT8)


def to_rgb(image: Image.Image) -> Image.Image:
    """Any Pillow mode as 8-bit RGB (16-bit, CMYK, palette, greyscale, with or without alpha)."""
    if image.mode == "RGB":
        return image
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        arr = np.asarray(image, dtype=np.float32)
        top = float(arr.max()) or 1.0
        scale = 255.0 / (65535.0 if top > 255 else 255.0)
        grey = Image.fromarray(np.clip(arr * scale, 0, 255).astype(np.uint8), "L")
        return grey.convert("RGB")
    if image.mode == "F":
        arr = np.asarray(image, dtype=np.float32)
        lo, hi = float(arr.min()), float(arr.max())
        span = (hi - lo) or 1.0
        return Image.fromarray(((arr - lo) / span * 255).astype(np.uint8), "L").convert("RGB")
    if image.mode == "P" and "transparency" in image.info:
        image = image.convert("RGBA")
    return image.convert("RGB")


def model_input(rgb: Image.Image, recipe: Recipe) -> np.ndarray:
    """The photo as the model's 1×3×S×S normalised float32 batch (2×… with the mirror)."""
    gap = 2.0 if recipe.fast_shrink else None
    if recipe.letterbox or recipe.margin > 0:
        small = Image.new("RGB", (recipe.size, recipe.size), _pad_colour(rgb, recipe.pad))
        box = _placement(rgb.size, recipe)
        small.paste(rgb.resize(box[2:], Image.LANCZOS, reducing_gap=gap), box[:2])
    else:
        small = rgb.resize((recipe.size, recipe.size), Image.LANCZOS, reducing_gap=gap)
    arr = np.asarray(small, dtype=np.float32)
    top = float(arr.max()) or 1.0  # rembg divides by the brightest value, not 255
    arr = (arr / top - MEAN) / STD
    chw = arr.transpose(2, 0, 1)
    if recipe.flip:
        return np.ascontiguousarray(np.stack([chw, chw[:, :, ::-1]]))
    return np.ascontiguousarray(chw[None])


def _placement(size: tuple[int, int], recipe: Recipe) -> tuple[int, int, int, int]:
    """(left, top, width, height) of the photo inside the model's square: within the margin,
    squashed to the inner square or fitted into it keeping its aspect ratio."""
    side = recipe.size
    inner = max(1, round(side * (1 - 2 * recipe.margin)))
    w, h = size
    if recipe.letterbox:
        scale = inner / max(w, h)
        fw, fh = max(1, round(w * scale)), max(1, round(h * scale))
    else:
        fw = fh = inner
    return (side - fw) // 2, (side - fh) // 2, fw, fh


def _pad_colour(rgb: Image.Image, pad: str) -> tuple[int, int, int]:
    """The colour around the photo in the model's square; by default the mean colour of the
    photo's border, which reads as more of the background."""
    if pad == "black":
        return (0, 0, 0)
    if pad == "grey":
        return (124, 116, 104)
    thumb = np.asarray(rgb.resize((32, 32), Image.BILINEAR, reducing_gap=2.0), dtype=np.float32)
    border = np.concatenate([thumb[0], thumb[-1], thumb[:, 0], thumb[:, -1]])
    return tuple(int(v) for v in border.mean(axis=0))


def soft_mask(rgb: Image.Image, recipe: Recipe, cancel: Cancel | None = None) -> np.ndarray:
    """The model's S×S prediction in 0…1 (min-max normalised as rembg does)."""
    batch = model_input(rgb, recipe)
    # The bundled model takes exactly one 320×320 image per run, so the mirror is a second run.
    preds = [session.run(np.ascontiguousarray(item[None]), cancel, recipe.model)[0]
             for item in batch]
    pred = preds[0] if len(preds) == 1 else (preds[0] + preds[1][:, ::-1]) / 2.0
    lo, hi = float(pred.min()), float(pred.max())
    if hi - lo < 1e-6:  # a flat prediction: nothing stands out, so nothing is kept
        return np.zeros_like(pred, dtype=np.float32)
    return ((pred - lo) / (hi - lo)).astype(np.float32)


def predict(image: Image.Image, recipe: Recipe = DEFAULT,
            cancel: Cancel | None = None) -> Image.Image:
    """The mask (mode 'L', the image's size) of the subject of an upright image."""
    if cancel is not None:
        cancel.check()
    rgb = to_rgb(image)
    pred = soft_mask(rgb, recipe, cancel)
    if (recipe.fallback > 0 or recipe.doubt > 0) and not recipe.letterbox:
        found, unsure = certainty(pred)
        little = found < recipe.fallback
        if little or (recipe.doubt > 0 and unsure > recipe.doubt):
            # Almost nothing found: in a close-up the squashed thumbnail is all texture and the
            # model picks an eye or a patch of background; framed, the subject reappears.
            # Much of the mask half-believed: the model is unsure of the outline (a pet that
            # fills the frame, cut by its edges); framed, with a border of background around
            # it, it is often sure. Judged on the small predictions, so only the kept look is
            # blown up to full size.
            framed = replace(recipe, letterbox=True, fallback=0.0, doubt=0.0,
                             model=recipe.second or recipe.model, second="")
            second = soft_mask(rgb, framed, cancel)
            left, top, fw, fh = _placement(rgb.size, framed)
            found2, unsure2 = certainty(second[top:top + fh, left:left + fw])
            better = found2 >= 2 * found if little else unsure2 < SURER * unsure
            if better:
                return finish(second, rgb, framed, cancel)
    return finish(pred, rgb, recipe, cancel)


def certainty(pred: np.ndarray) -> tuple[float, float]:
    """(share of the prediction at ≥ 0.5, its soft band 0.1-0.9 as a share of that mask): how
    much the model found and how unsure it is of it; a sure look has a thin band."""
    found = float((pred >= 0.5).mean())
    band = float(((pred > 0.1) & (pred < 0.9)).mean())
    return found, band / max(found, 1e-3)


def finish(pred: np.ndarray, rgb: Image.Image, recipe: Recipe,
           cancel: Cancel | None = None) -> Image.Image:
    """The model's S×S soft prediction as a mask of ``rgb``'s size: curve, resize, refine."""
    if recipe.low > 0.0 or recipe.high < 1.0:
        pred = np.clip((pred - recipe.low) / max(recipe.high - recipe.low, 1e-6), 0.0, 1.0)
    if recipe.islands:
        pred = refine.drop_islands(pred)
    if recipe.holes:
        pred = refine.fill_holes(pred)
    small = Image.fromarray((pred * 255).astype(np.uint8), "L")
    if recipe.letterbox or recipe.margin > 0:
        left, top, fw, fh = _placement(rgb.size, recipe)
        small = small.crop((left, top, left + fw, top + fh))
    mask = small.resize(rgb.size, Image.BILINEAR if recipe.bilinear else Image.LANCZOS)
    if recipe.refine:
        if cancel is not None:
            cancel.check()
        mask = refine.guided(rgb, mask, radius=recipe.refine, eps=recipe.refine_eps)
    return mask
