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


def _orientation_swaps(img: Image.Image) -> bool:
    """Whether the EXIF orientation turns the picture a quarter and ``img.size`` does not show
    it yet. Not for HEIF: libheif has already applied the file's own rotation (its irot/imir
    boxes, which phones write beside the same EXIF tag). Not for a TIFF whose size Pillow
    already reports turned (Pillow 11 and later read the orientation tag themselves)."""
    if img.format == "HEIF":
        return False
    try:
        turns = img.getexif().get(0x0112, 1) in (5, 6, 7, 8)
    except Exception:  # a broken EXIF block is not worth refusing a photo for
        return False
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
