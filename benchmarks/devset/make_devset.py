"""Build the engine's dev set from sample photos in PyPI wheels (all CC0 / public domain).

Run from the repository root: ``.venv/bin/python benchmarks/devset/make_devset.py``. It fetches
the scikit-image and SciPy wheels named below with ``pip download --no-deps`` (PyPI only,
nothing installed), reads the photos straight out of the zips, and writes ``images/*.jpg``
(quality 92) and ``masks/*.png`` (8-bit alpha, 255 = subject) plus ``manifest.json``. The output is
deterministic (fixed seed), so the committed files can be rebuilt and compared.

Two kinds of items (see LICENSES.md for every source):
- ``photo``: a real photo with a mask drawn by hand as polygons/ellipses below, checked by
  overlaying it on the photo (chelsea: a tabby cat; coffee: a cup on its saucer; SciPy's
  ``face``: a raccoon close-up among palm leaves, its body cut by the frame, the way pet
  photos often are).
- ``composite``: an exact-alpha subject pasted onto a background photo, so its mask is exact.
  Subjects: the cat cut out of chelsea with its hand mask, the cup likewise, and the
  ``horse`` silhouette filled with the cat's own fur (an animal shape with real fur texture).
  Backgrounds: the textures and photos of the same wheel, sharp and blurred (pet photos are
  often shot with a blurred background), and a plain and a gradient one.
Pets dominate (cat and furred horse), as in the held-out pet photos the engine is judged on.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

WHEEL_REQ = "scikit-image==0.26.0"
# SciPy 1.11 is the last release whose wheel still holds ``scipy/misc/face.dat``.
SCIPY_REQ = "scipy==1.11.4"
HERE = Path(__file__).resolve().parent
SEED = 14

# Hand-drawn masks (pixel coordinates of the original photos), checked by overlay.
CHELSEA = [("poly", [(28, 0), (402, 0), (385, 30), (372, 55), (368, 80), (366, 110),
                     (364, 140), (360, 165), (352, 190), (345, 215), (350, 240), (365, 265),
                     (380, 300), (0, 300), (0, 110), (10, 100), (18, 60), (22, 30)])]
COFFEE = [("poly", [(77, 240), (80, 195), (90, 160), (110, 130), (140, 100), (170, 80),
                    (180, 78), (405, 100), (440, 120), (462, 150), (477, 190), (480, 230),
                    (474, 280), (455, 320), (425, 350), (385, 372), (330, 386), (270, 390),
                    (210, 384), (160, 365), (120, 335), (100, 305), (85, 275)]),
          ("ellipse", (172, 18, 408, 208)),
          ("poly", [(396, 75), (410, 66), (424, 72), (418, 100), (405, 135), (395, 140)])]

# scipy.misc.face (1024×768): the raccoon, leaves in front of its lower body left out.
RACCOON = [("poly", [(0, 0), (845, 0), (842, 60), (838, 100), (870, 92), (905, 88), (935, 100),
                     (942, 125), (930, 165), (905, 205), (898, 250), (905, 300), (892, 340),
                     (870, 378), (830, 400), (785, 420), (745, 445), (700, 455), (665, 478),
                     (652, 500), (690, 512), (735, 512), (765, 522), (748, 550), (700, 578),
                     (640, 588), (598, 578), (565, 565), (555, 610), (548, 660), (520, 640),
                     (480, 570), (445, 505), (425, 455), (350, 432), (300, 420), (250, 410),
                     (200, 398), (160, 390), (120, 362), (80, 332), (40, 312), (0, 292)])]
RACCOON_CROPS = {"close": (380, 40, 1000, 620)}
CAT_CROPS = {"right": (230, 0, 451, 300), "ear": (250, 0, 451, 150),
             "cheek": (280, 100, 451, 300), "topleft": (0, 0, 200, 150)}
BACKGROUNDS = ["brick", "grass", "gravel", "astronaut", "rocket", "camera", "table", "hubble"]


def fetch_wheel(cache: Path, req: str = WHEEL_REQ) -> Path:
    name, version = req.split("==")
    pattern = f"{name.replace('-', '_')}-{version}-*.whl"
    found = sorted(cache.glob(pattern))
    if not found:
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary",
                        ":all:", req, "-d", str(cache)], check=True)
        found = sorted(cache.glob(pattern))
    return found[0]


def raccoon(cache: Path) -> Image.Image:
    """SciPy's ``face``: raw 768×1024×3 bytes, bz2-compressed, as scipy.misc.face reads it."""
    import bz2

    with zipfile.ZipFile(fetch_wheel(cache, SCIPY_REQ)) as zf:
        raw = bz2.decompress(zf.read("scipy/misc/face.dat"))
    return Image.fromarray(np.frombuffer(raw, dtype=np.uint8).reshape(768, 1024, 3), "RGB")


def read(zf: zipfile.ZipFile, name: str) -> Image.Image:
    with zf.open(f"skimage/data/{name}") as fh:
        img = Image.open(io.BytesIO(fh.read()))
        img.load()
    return img


def draw_mask(size: tuple[int, int], shapes: list) -> Image.Image:
    mask = Image.new("L", size, 0)
    pen = ImageDraw.Draw(mask)
    for kind, pts in shapes:
        if kind == "poly":
            pen.polygon(pts, fill=255)
        else:
            pen.ellipse(pts, fill=255)
    return mask


def cut(img: Image.Image, mask: Image.Image) -> Image.Image:
    """The subject as RGBA cropped to its box, edges feathered by one pixel like a real cut."""
    rgba = img.convert("RGB").copy()
    rgba.putalpha(mask.filter(ImageFilter.GaussianBlur(0.7)))
    return rgba.crop(mask.getbbox())


def furred_horse(horse: Image.Image, cat: Image.Image) -> Image.Image:
    """The horse silhouette (dark on white, anti-aliased) filled with the cat's forehead fur."""
    alpha = Image.eval(horse.convert("L"), lambda v: 255 - v)
    fur = cat.convert("RGB").crop((120, 5, 330, 90)).resize(horse.size, Image.BICUBIC)
    shade = np.linspace(1.05, 0.8, horse.height)[:, None, None]
    fur = Image.fromarray(np.clip(np.asarray(fur) * shade, 0, 255).astype(np.uint8))
    fur.putalpha(alpha)
    return fur.crop(alpha.point(lambda v: 255 if v > 8 else 0).getbbox())


def backgrounds(zf: zipfile.ZipFile, coffee: Image.Image) -> dict[str, Image.Image]:
    files = {"brick": "brick.png", "grass": "grass.png", "gravel": "gravel.png",
             "astronaut": "astronaut.png", "rocket": "rocket.jpg", "camera": "camera.png",
             "hubble": "hubble_deep_field.jpg"}
    out = {k: read(zf, v).convert("RGB") for k, v in files.items()}
    out["table"] = coffee.convert("RGB").crop((430, 0, 600, 400)).resize((340, 400))
    w, h = 560, 420
    out["plain"] = Image.new("RGB", (w, h), (214, 206, 196))
    ramp = np.linspace(0, 1, w)[None, :, None]
    grad = (1 - ramp) * np.array([70, 90, 120]) + ramp * np.array([230, 220, 190])
    out["gradient"] = Image.fromarray(np.repeat(grad, h, 0).astype(np.uint8))
    return out


ASPECTS = (4 / 3, 3 / 2, 3 / 4, 2 / 3, 16 / 9, 1.0)  # width / height, as cameras frame photos


def fit(bg: Image.Image, aspect: float, long_side: int = 560) -> Image.Image:
    """The background cropped (centred) to ``aspect`` and scaled to ``long_side``."""
    w, h = bg.size
    if w / h > aspect:
        cw, ch = round(h * aspect), h
    else:
        cw, ch = w, round(w / aspect)
    bg = bg.crop(((w - cw) // 2, (h - ch) // 2, (w - cw) // 2 + cw, (h - ch) // 2 + ch))
    scale = long_side / max(bg.size)
    return bg.resize((max(1, round(bg.width * scale)), max(1, round(bg.height * scale))),
                     Image.LANCZOS)


def paste(bg: Image.Image, fg: Image.Image, rng: np.random.Generator,
          height_frac: float, bottom: bool) -> tuple[Image.Image, Image.Image]:
    """``fg`` scaled to ``height_frac`` of the background, at a random place (on the bottom
    edge if ``bottom``); returns the composite and its exact mask (the pasted alpha)."""
    scale = min(height_frac * bg.height / fg.height, 0.95 * bg.width / fg.width)
    fg = fg.resize((max(1, round(fg.width * scale)), max(1, round(fg.height * scale))),
                   Image.LANCZOS)
    x = int(rng.integers(0, max(1, bg.width - fg.width + 1)))
    y = bg.height - fg.height if bottom else int(rng.integers(0, max(1, bg.height - fg.height + 1)))
    out = bg.copy()
    out.paste(fg, (x, y), fg)
    mask = Image.new("L", bg.size, 0)
    mask.paste(fg.getchannel("A"), (x, y))
    return out, mask


def build(out_dir: Path, cache: Path) -> list[dict]:
    rng = np.random.default_rng(SEED)
    zf = zipfile.ZipFile(fetch_wheel(cache))
    chelsea, coffee, horse = read(zf, "chelsea.png"), read(zf, "coffee.png"), read(zf, "horse.png")
    cat_mask, cup_mask = draw_mask(chelsea.size, CHELSEA), draw_mask(coffee.size, COFFEE)
    items = [("photo_cat_chelsea", chelsea.convert("RGB"), cat_mask, "photo", "cat"),
             ("photo_cup_coffee", coffee.convert("RGB"), cup_mask, "photo", "cup")]
    # Reframed crops of the real cat photo: the real fur-against-blur outline takes a larger
    # share of each frame, as in pet photos where the animal does not fill the picture.
    for tag, box in CAT_CROPS.items():
        items.append((f"photo_cat_{tag}", chelsea.convert("RGB").crop(box), cat_mask.crop(box),
                      "photo", "cat"))
    face = raccoon(cache)
    face_mask = draw_mask(face.size, RACCOON)
    items.append(("photo_raccoon_face", face, face_mask, "photo", "raccoon"))
    for tag, box in RACCOON_CROPS.items():
        items.append((f"photo_raccoon_{tag}", face.crop(box), face_mask.crop(box), "photo",
                      "raccoon"))
    subjects = {"cat": (cut(chelsea, cat_mask), True), "cup": (cut(coffee, cup_mask), False),
                "horse": (furred_horse(horse, chelsea), False)}
    bgs = backgrounds(zf, coffee)
    for name, bg in sorted(bgs.items()):
        for subject, (fg, bottom) in subjects.items():
            if subject == "cup" and name in ("plain", "gradient", "table"):
                continue  # the cup needs no more easy cases; keep the set pet-heavy
            base = fit(bg, ASPECTS[int(rng.integers(0, len(ASPECTS)))])
            blurred = subject != "cup" and rng.random() < 0.5
            if blurred:
                base = base.filter(ImageFilter.GaussianBlur(4))
            frac = float(rng.uniform(0.45, 0.9))
            img, mask = paste(base, fg, rng, frac, bottom)
            tag = f"comp_{subject}_{name}{'_blur' if blurred else ''}"
            items.append((tag, img, mask, "composite", subject))
    records = []
    for sub in ("images", "masks"):  # start clean: no item of an older build lingers
        (out_dir / sub).mkdir(parents=True, exist_ok=True)
        for old in (out_dir / sub).iterdir():
            old.unlink()
    for tag, img, mask, kind, subject in items:
        img.save(out_dir / "images" / f"{tag}.jpg", "JPEG", quality=92)
        mask.save(out_dir / "masks" / f"{tag}.png", optimize=True)
        records.append({"name": tag, "kind": kind, "subject": subject,
                        "width": img.width, "height": img.height})
    (out_dir / "manifest.json").write_text(json.dumps(records, indent=1) + "\n")
    return records


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tmp)
        records = build(HERE, cache)
    print(f"{len(records)} items written to {HERE}")


if __name__ == "__main__":
    main()
