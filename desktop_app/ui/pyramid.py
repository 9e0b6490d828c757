"""Large pictures made ready to paint in a worker without holding the GIL for long.

A worker that converts or halves a 24-megapixel QImage holds the GIL the whole time: PySide6
does not release it around ``QImage.convertToFormat`` or ``QImage.scaled``, so the window
stood still for up to half a second while zooming to 100 % loaded the full-size images
(bench_hitches case 8). Here every heavy step is Pillow's, whose C code runs without the GIL:
the decode, the conversion to premultiplied alpha, the 2x box reductions. The pixels then
reach Qt packed straight into the raster engine's own byte order (BGRA on little-endian
machines), in small pieces into an anonymous memory map, which the QImage wraps without
copying; so the GIL is only ever held for a moment at a time.

Only for workers, like ``decode.py``; Pillow is imported inside the functions.
"""

from __future__ import annotations

import mmap
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtGui import QImage

if TYPE_CHECKING:
    from PIL import Image

BACKGROUND_MAX_SIDE = 2048      # a backdrop photo needs no more detail than this
PACK_CHUNK = 1 << 16            # bytes packed per hold of the GIL (about 0.1 ms)

_OPAQUE = QImage.Format.Format_RGB32
_ALPHA = QImage.Format.Format_ARGB32_Premultiplied
# the order of a 32-bit pixel's bytes in memory, for Qt's 0xAARRGGBB words
_QT_ORDER = "BGRa" if sys.byteorder == "little" else "aRGB"
_QT_ORDER_OPAQUE = "BGRA" if sys.byteorder == "little" else "ARGB"


def _paintable(img: Image.Image) -> tuple[Image.Image, bool]:
    """``img`` as RGBa (premultiplied) when it has alpha, else as RGBA with opaque alpha
    (Qt's RGB32 wants 0xff in the unused byte); Pillow converts without the GIL."""
    from desktop_app.jobs.images import to_display

    img = to_display(img)
    if img.mode == "RGBA":
        return img.convert("RGBa"), True
    return img.convert("RGBA"), False


def _wrap(img: Image.Image, alpha: bool) -> QImage:
    """A QImage over ``img``'s pixels, packed in pieces into memory the QImage keeps."""
    from PIL import Image as PilImage

    width, height = img.size
    # an anonymous map: its pages come zeroed from the kernel when first written, so no
    # memset of the whole buffer runs while the GIL is held (a bytearray's would)
    buffer = mmap.mmap(-1, max(1, width * height * 4))
    view = memoryview(buffer)
    encoder = PilImage._getencoder(img.mode, "raw", (_QT_ORDER if alpha else _QT_ORDER_OPAQUE,
                                                     0, 1))
    encoder.setimage(img.im, (0, 0, width, height))
    at = 0
    while True:
        _done, status, data = encoder.encode(PACK_CHUNK)
        view[at:at + len(data)] = data
        at += len(data)
        if status:
            break
    if status < 0 or at != width * height * 4:
        raise OSError("the image's pixels could not be prepared")
    view.release()
    # PySide6 keeps ``buffer`` alive for as long as the QImage (and any copy of it) lives
    return QImage(buffer, width, height, width * 4, _ALPHA if alpha else _OPAQUE)


def to_qimage(img: Image.Image) -> QImage:
    """A Pillow image of any mode as a paint-ready QImage, built without long GIL holds."""
    from desktop_app.jobs.previews import use_big_image_blocks

    use_big_image_blocks()       # fresh mappings: no calloc memset under the GIL
    return _wrap(*_paintable(img))


def _open(path: str | Path, max_side: int | None = None) -> Image.Image:
    """Decode as the previews are made: upright by EXIF, the first frame, HEIC too."""
    from PIL import Image, ImageOps

    from desktop_app.jobs.images import register_heif
    from desktop_app.jobs.previews import use_big_image_blocks

    use_big_image_blocks()
    register_heif()
    with Image.open(path) as img:
        if max_side:
            img.draft(None, (max_side, max_side))
        img.load()
        ImageOps.exif_transpose(img, in_place=True)   # no copy of a 24 MP image
    if max_side and max(img.size) > max_side:
        img.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    return img


def read_image(path: str | Path) -> QImage:
    """A file as a paint-ready QImage, decoded and converted by Pillow: a preview read with
    ``QImage(path)`` held the GIL for its whole decode (bench_hitches case 3)."""
    return to_qimage(_open(path))


def _with_halvings(img: Image.Image, more: Callable[[Image.Image], bool]) -> list[QImage]:
    """``img`` (as ``to_display`` gives it) and its halvings while ``more(smallest)``, all
    paint-ready. Halved premultiplied, or an opaque picture in its own mode (grey or RGB)
    and made RGBA after: Pillow's reduce of straight RGBA is ~6x slower (19 against 3 ms at
    1600x1067), which added ~60 ms between a click and the pictures (bench_memory)."""
    alpha = img.mode == "RGBA"
    if alpha:
        img = img.convert("RGBa")
    levels = [img]
    while more(levels[-1]):
        levels.append(levels[-1].reduce(2))   # a box filter, like halving in Qt
    return [_wrap(level if alpha else level.convert("RGBA"), alpha) for level in levels]


def read_with_halvings(path: str | Path, halved_from: int) -> list[QImage]:
    """A file as a paint-ready QImage, then, when it is at least ``halved_from`` px wide, its
    halvings down to about ``halved_from`` / 8 px: made by Pillow without long GIL holds."""
    from desktop_app.jobs.images import to_display

    img = to_display(_open(path))
    big = img.width >= halved_from
    return _with_halvings(img, lambda level: big and level.width // 2 >= halved_from // 8)


def read_levels(path: str | Path, preview_width: int, preview_height: int
                ) -> list[QImage] | None:
    """A full-size image and the halvings of it that hold more detail than a preview of
    ``preview_width`` x ``preview_height``: what ``ImageSource.set_full_levels`` takes.

    None when the file's shape is not the preview's (it belongs to another picture). Slow
    (a 24 MP PNG: about a second), but it leaves the GIL to the window; call it in a worker.
    """
    from desktop_app.jobs.images import to_display

    full = to_display(_open(path))
    width, height = full.size
    if abs(width * preview_height - height * preview_width) > 0.02 * width * preview_height:
        return None
    return _with_halvings(full, lambda level: level.width // 2 > preview_width
                          and level.height >= 2)


def read_background_image(path: str) -> QImage:
    """A backdrop photo, scaled down, or an OSError whose message is one sentence to show.

    Meant for a worker; the message names the file and not Pillow's exception, because it ends
    up in the status bar in front of a designer.
    """
    from PIL import Image, UnidentifiedImageError

    name = Path(path).name or path
    try:
        return to_qimage(_open(path, BACKGROUND_MAX_SIDE))
    except FileNotFoundError:
        raise OSError(f"{name} is no longer there.") from None
    except UnidentifiedImageError:
        raise OSError(f"{name} is not an image Cutout can read.") from None
    except Image.DecompressionBombError:
        raise OSError(f"{name} is too large to use as a background.") from None
    except (OSError, ValueError):
        raise OSError(f"{name} could not be read.") from None
