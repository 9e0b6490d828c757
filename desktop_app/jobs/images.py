"""Reading a designer's own image files: each bad file gets one sentence, and what is read
is upright.

``inspect`` is cheap (the header and the file's last bytes, no decode), so a folder of 500
photos is checked in moments, off the GUI thread; ``open_upright`` decodes the whole image for
the engine or an upload, and catches what only a full decode shows. Both honour EXIF
orientation: a phone's portrait photo is portrait everywhere in Cutout.
"""

from __future__ import annotations

import errno
import os
import threading
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps

# What Cutout reads from disk: HitPaw's three formats, plus phones' HEIC/HEIF and TIFF.
# "MPO" is the multi-picture JPEG some cameras write; it opens as a JPEG.
LOCAL_FORMATS = {"JPEG", "MPO", "PNG", "WEBP", "HEIF", "TIFF"}
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".jpe", ".png", ".webp", ".heic", ".heif", ".hif", ".tif",
                  ".tiff"}
MAX_PIXELS = 120_000_000  # as for downloads: far above 24 MP photos, far below a bomb

_heif_ready = threading.Lock()
_heif_registered = False


class LocalImageError(Exception):
    """A local file Cutout cannot use; ``str()`` is the sentence for the designer."""


@dataclass(frozen=True)
class ImageInfo:
    path: Path
    width: int        # upright, after EXIF orientation
    height: int
    format: str
    frames: int = 1


def register_heif() -> None:
    """Teach Pillow HEIC/HEIF (pillow-heif), once per process, on first need."""
    global _heif_registered
    with _heif_ready:
        if not _heif_registered:
            from pillow_heif import register_heif_opener

            register_heif_opener()
            _heif_registered = True


def is_image_name(path: Path) -> bool:
    return path.suffix.lower() in IMAGE_SUFFIXES


def inspect(path: Path | str) -> ImageInfo:
    """Check a local file without decoding it; raise ``LocalImageError`` with its sentence."""
    path = Path(path)
    name = f"\u201c{path.name or path}\u201d"
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise LocalImageError(f"{name} was not found: it was moved, renamed or deleted, "
                              "or its path is mistyped.") from None
    except OSError as err:
        raise LocalImageError(f"{name} cannot be read ({_os_reason(err)}).") from None
    if path.is_dir():
        raise LocalImageError(f"{name} is a folder, not an image.")
    if size == 0:
        raise LocalImageError(f"{name} is empty (0 bytes): it is not an image.")
    if not os.access(path, os.R_OK):
        raise LocalImageError(f"{name} cannot be read: you do not have permission to open "
                              "it.")
    register_heif()
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(path) as img:
                fmt = img.format or "?"
                if fmt not in LOCAL_FORMATS:
                    raise LocalImageError(
                        f"{name} is a {fmt} image: Cutout reads JPG, PNG, WebP, HEIC and "
                        "TIFF.")
                width, height = img.size
                if width * height > MAX_PIXELS:
                    raise LocalImageError(f"{name} is {width}\u00d7{height} pixels, too large "
                                          "to open safely.")
                if _orientation_swaps(img):
                    width, height = height, width
                frames = getattr(img, "n_frames", 1) or 1
        except LocalImageError:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise LocalImageError(f"{name} is too large to open safely.") from None
        except Image.UnidentifiedImageError:
            raise LocalImageError(f"{name} is not an image Cutout can read.") from None
        except PermissionError:
            raise LocalImageError(f"{name} cannot be read: you do not have permission to "
                                  "open it.") from None
        except (OSError, SyntaxError, ValueError):
            raise LocalImageError(f"{name} is damaged or incomplete.") from None
    if _looks_truncated(path, fmt, size):
        raise LocalImageError(f"{name} is damaged or incomplete: the file ends early.")
    return ImageInfo(path, width, height, fmt, frames)


def open_upright(path: Path | str) -> Image.Image:
    """Decode the whole image, upright (EXIF orientation applied), its first frame only."""
    info = inspect(path)
    name = f"\u201c{info.path.name}\u201d"
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(info.path) as img:
                img.load()
                upright = img if img.format == "HEIF" else ImageOps.exif_transpose(img)
                if upright is img:
                    upright = img.copy()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise LocalImageError(f"{name} is too large to open safely.") from None
        except (OSError, SyntaxError, ValueError):
            raise LocalImageError(f"{name} is damaged or incomplete.") from None
    return upright


def orientation(img: Image.Image) -> int:
    """The EXIF orientation of an opened image (1: stored upright), without decoding it.

    Pillow's ``getexif`` on a PNG whose header has no eXIf chunk decodes the whole image to
    look for one after the pixels (0.2-0.4 s for a 24 MP result, on every peek and save);
    the PNG specification puts eXIf before the first IDAT, so a header without it has none.
    A broken EXIF block is not worth refusing a picture for: it counts as upright.
    """
    if img.format == "PNG" and "exif" not in img.info:
        return 1
    try:
        return int(img.getexif().get(0x0112, 1) or 1)
    except Exception:  # noqa: BLE001
        return 1


def _orientation_swaps(img: Image.Image) -> bool:
    """Whether the EXIF orientation turns the picture a quarter and ``img.size`` does not show
    it yet. Not for HEIF: libheif has already applied the file's own rotation (its irot/imir
    boxes, which phones write beside the same EXIF tag). Not for a TIFF whose size Pillow
    already reports turned (Pillow 11 and later read the orientation tag themselves)."""
    if img.format == "HEIF":
        return False
    turns = orientation(img) in (5, 6, 7, 8)
    if turns and img.format == "TIFF":
        tags = getattr(img, "tag_v2", {})
        return img.size == (tags.get(256), tags.get(257))  # the stored width and height
    return turns


def _looks_truncated(path: Path, fmt: str, size: int) -> bool:
    """A JPEG ends with its EOI marker and a PNG with its IEND chunk; a file cut short by a
    failed copy or download does not. (Other formats are checked by the full decode.)"""
    if fmt not in ("JPEG", "MPO", "PNG"):
        return False
    with open(path, "rb") as fh:
        fh.seek(max(0, size - 4096))
        tail = fh.read()
    if fmt == "PNG":
        return b"IEND" not in tail[-16:]
    return b"\xff\xd9" not in tail  # cameras may pad after the marker


def _os_reason(err: OSError) -> str:
    if err.errno in (errno.EACCES, errno.EPERM):
        return "you do not have permission to open it"
    return (err.strerror or str(err)).lower()


# -- showing any image as it is -----------------------------------------------------------
_ALPHA_MODES = {"RGBA", "LA", "PA", "RGBa", "La"}
_DEEP_MODES = {"I;16", "I;16L", "I;16B", "I;16N", "I", "F"}


@dataclass(frozen=True)
class Header:
    """What an image file's header tells, without decoding it: its upright size and frames."""

    width: int
    height: int
    format: str
    frames: int = 1
    orientation: int = 1     # EXIF orientation (1: stored upright)


def peek(path: Path | str) -> Header:
    """The upright size and frame count of any image Pillow opens (an original downloaded
    from a link may be a GIF or a BMP); OSError or ValueError when it is not an image."""
    register_heif()
    with Image.open(path) as img:
        width, height = img.size
        if _orientation_swaps(img):
            width, height = height, width
        frames = getattr(img, "n_frames", 1) or 1
        return Header(width, height, img.format or "?", frames, orientation(img))


def has_transparency(img: Image.Image) -> bool:
    """Whether some pixels may be see-through: an alpha channel or a transparent colour."""
    return img.mode in _ALPHA_MODES or "transparency" in img.info


def to_display(img: Image.Image) -> Image.Image:
    """The picture in 8-bit ``L``, ``RGB`` or ``RGBA``, as a designer expects to see it.

    Transparency is kept (never flattened onto the colour hidden under it, nor onto black),
    and deep images (16-bit greys, 32-bit integers, floats) are scaled to 8 bits, not clipped:
    Pillow's own ``convert("L")`` clips a 16-bit grey to white. A 48-bit RGB PNG already
    opens as 8-bit RGB; CMYK and palette images are converted to RGB.
    """
    if img.mode in ("L", "RGB", "RGBA"):
        return img.convert("RGBA") if "transparency" in img.info else img
    if img.mode in _DEEP_MODES:
        return _scaled_grey(img)
    if has_transparency(img):
        return img.convert("RGBA")
    if img.mode == "1":
        return img.convert("L")
    return img.convert("RGB")


def _scaled_grey(img: Image.Image) -> Image.Image:
    import numpy as np

    data = np.asarray(img)
    if img.mode.startswith("I;16"):
        grey = (data.astype(np.uint32) * 255 + 32767) // 65535
        return Image.fromarray(grey.astype(np.uint8))
    values = data.astype(np.float64)
    finite = values[np.isfinite(values)]
    low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    if img.mode == "F" and low >= 0.0 and high <= 1.0:
        low, high = 0.0, 1.0                      # a float image in 0..1
    elif low >= 0 and high <= 255:
        low, high = 0.0, 255.0                    # already 8-bit values
    elif low >= 0 and high <= 65535:
        low, high = 0.0, 65535.0                  # a 16-bit image read as 32-bit integers
    span = (high - low) or 1.0
    scaled = np.clip((np.nan_to_num(values, nan=low) - low) * (255.0 / span), 0, 255)
    return Image.fromarray(np.rint(scaled).astype(np.uint8))
