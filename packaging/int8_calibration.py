"""Calibration photos for the int8 model: none of them is, or is cut from, a dev-set photo.

Static int8 quantisation needs the range of every activation, measured on photos like the ones
the model will see. The dev set (``benchmarks/devset``) must not be among them, or its scores
would flatter the int8 model; its sources (chelsea, coffee, horse, astronaut, rocket, camera,
brick, grass, gravel, hubble, SciPy's face) are therefore left out entirely. What is used:

- the other photos in the same scikit-image 0.26.0 wheel (``pip download --no-deps``), each
  CC0 / public domain / "no known copyright restrictions" per ``skimage/data/_fetchers.py``:
  ``retina.jpg`` (CC0), ``ihc.png`` (no known restrictions), ``coins.png`` (Brooklyn Museum, no
  known restrictions), ``clock_motion.png`` (Stefan van der Walt, public domain), ``cell.png``
  (CC0), ``color.png`` (the colour wheel) and ``moon.png`` — as whole photos and as the
  backgrounds of the synthetic pets below;
- synthetic "pets" drawn here: a body, head, ears and tail of random proportions, filled with a
  procedural fur (streaked noise in tabby, ginger, black, white or grey tones), pasted on those
  backgrounds (sharp, blurred, plain, gradient), whole or cut by the frame like a close-up.
Everything is generated from a fixed seed, so the calibration (and the model) is reproducible.
"""

from __future__ import annotations

import io
import sys
import zipfile
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

# the dev set's builder fetches the same wheel (pip download, cached): one way to do it
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks" / "devset"))
from make_devset import fetch_wheel

WHEEL_REQ = "scikit-image==0.26.0"
PHOTOS = ["retina.jpg", "ihc.png", "coins.png", "clock_motion.png", "cell.png", "color.png",
          "moon.png"]
SEED = 1414
FUR = [((120, 95, 70), (40, 30, 22)), ((205, 120, 55), (120, 60, 25)), ((30, 28, 26), (5, 5, 5)),
       ((235, 232, 225), (180, 175, 165)), ((140, 140, 145), (70, 70, 75)),
       ((170, 140, 100), (95, 75, 50))]


def wheel_photos(wheel: Path) -> list[Image.Image]:
    with zipfile.ZipFile(wheel) as zf:
        out = []
        for name in PHOTOS:
            with Image.open(io.BytesIO(zf.read(f"skimage/data/{name}"))) as img:
                out.append(img.convert("RGB"))
    return out


def fur(rng: np.random.Generator, size: tuple[int, int]) -> Image.Image:
    """A furry texture: two tones mixed by streaked, blurred noise."""
    light, dark = FUR[rng.integers(len(FUR))]
    w, h = size
    noise = Image.fromarray((rng.random((h, w)) * 255).astype(np.uint8), "L")
    streaks = noise.filter(ImageFilter.BoxBlur(1)).resize((w, max(1, h // 6))).resize((w, h))
    blotch = Image.fromarray((rng.random((max(1, h // 40), max(1, w // 40))) * 255)
                             .astype(np.uint8), "L").resize((w, h), Image.BICUBIC)
    mix = (np.asarray(streaks, np.float32) * 0.5 + np.asarray(blotch, np.float32) * 0.5) / 255
    mix = np.clip((mix - 0.5) * 2.2 + 0.5, 0, 1)[..., None]
    rgb = np.array(light, np.float32) * mix + np.array(dark, np.float32) * (1 - mix)
    rgb += rng.normal(0, 12, rgb.shape)
    return Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8), "RGB")


def pet_alpha(rng: np.random.Generator, size: tuple[int, int]) -> Image.Image:
    """A four-legged silhouette of random proportions, soft-edged."""
    w, h = size
    alpha = Image.new("L", size, 0)
    d = ImageDraw.Draw(alpha)
    bx0, by0 = w * rng.uniform(0.15, 0.3), h * rng.uniform(0.35, 0.5)
    bx1, by1 = w * rng.uniform(0.65, 0.85), h * rng.uniform(0.7, 0.8)
    d.ellipse((bx0, by0, bx1, by1), fill=255)
    r = h * rng.uniform(0.12, 0.2)
    hx, hy = bx1 - r * 0.3, by0 - r * 0.2
    d.ellipse((hx - r, hy - r, hx + r, hy + r), fill=255)
    for side in (-1, 1):
        ex = hx + side * r * 0.55
        d.polygon([(ex - r * 0.35, hy - r * 0.6), (ex + r * 0.35, hy - r * 0.6),
                   (ex + side * r * 0.1, hy - r * rng.uniform(1.3, 1.7))], fill=255)
    for lx in (bx0 + (bx1 - bx0) * 0.15, bx0 + (bx1 - bx0) * 0.75):
        d.rectangle((lx, (by0 + by1) / 2, lx + w * 0.06, h * 0.95), fill=255)
    d.line([(bx0 + 5, (by0 + by1) / 2), (bx0 - w * 0.12, by0 - h * rng.uniform(0, 0.2))],
           fill=255, width=max(2, int(w * 0.04)))
    return alpha.filter(ImageFilter.GaussianBlur(max(1.0, w / 300)))


def background(rng: np.random.Generator, photos: list[Image.Image],
               size: tuple[int, int]) -> Image.Image:
    kind = rng.integers(4)
    if kind == 0:  # plain
        return Image.new("RGB", size, tuple(int(v) for v in rng.integers(0, 256, 3)))
    if kind == 1:  # gradient
        a, b = rng.integers(0, 256, 3), rng.integers(0, 256, 3)
        t = np.linspace(0, 1, size[1])[:, None, None]
        arr = np.broadcast_to(a * (1 - t) + b * t, (size[1], size[0], 3))
        return Image.fromarray(arr.astype(np.uint8), "RGB")
    photo = photos[rng.integers(len(photos))]
    pw, ph = photo.size
    cw, ch = int(pw * rng.uniform(0.5, 1.0)), int(ph * rng.uniform(0.5, 1.0))
    x, y = int(rng.integers(0, pw - cw + 1)), int(rng.integers(0, ph - ch + 1))
    bg = photo.crop((x, y, x + cw, y + ch)).resize(size, Image.BILINEAR)
    return bg.filter(ImageFilter.GaussianBlur(6)) if kind == 3 else bg


def synthetic_pet(rng: np.random.Generator, photos: list[Image.Image]) -> Image.Image:
    w = int(rng.choice([480, 560, 640]))
    h = int(w * rng.choice([0.67, 0.75, 1.0, 1.33]))
    pet = pet_alpha(rng, (w, h))
    img = background(rng, photos, (w, h))
    img.paste(fur(rng, (w, h)), (0, 0), pet)
    if rng.random() < 0.4:  # a close-up: the animal cut by the frame
        cw, ch = int(w * rng.uniform(0.5, 0.75)), int(h * rng.uniform(0.5, 0.75))
        x, y = int(rng.integers(0, w - cw)), int(rng.integers(0, h - ch))
        img = img.crop((x, y, x + cw, y + ch))
    return img


def calibration_images(cache: Path, pets: int = 40) -> list[Image.Image]:
    """The wheel's photos (whole and two crops each) and ``pets`` synthetic pets."""
    rng = np.random.default_rng(SEED)
    photos = wheel_photos(fetch_wheel(cache))
    out: list[Image.Image] = []
    for photo in photos:
        out.append(photo)
        w, h = photo.size
        for _ in range(2):
            cw, ch = int(w * rng.uniform(0.4, 0.7)), int(h * rng.uniform(0.4, 0.7))
            x, y = int(rng.integers(0, w - cw)), int(rng.integers(0, h - ch))
            out.append(photo.crop((x, y, x + cw, y + ch)))
    out.extend(synthetic_pet(rng, photos) for _ in range(pets))
    return out
