"""Files and Pillow images turned into QImages the GUI thread can paint at once.

Everything here is meant for workers: decoding a photo, converting it to the raster engine's
native format and halving a 24-megapixel image each take a noticeable moment, and the GUI thread
only ever receives the finished images. Pillow is imported inside the functions that read files,
so importing this module (the viewer does, after the first paint) costs no Pillow start-up.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

if TYPE_CHECKING:
    from PIL import Image

_OPAQUE = QImage.Format.Format_RGB32
_ALPHA = QImage.Format.Format_ARGB32_Premultiplied


def paint_ready(image: QImage) -> QImage:
    """The same picture in a format the raster engine draws without converting it per paint.

    Workers should call this so the GUI thread gets images it can paint at once; on the GUI
    thread it is a no-op for images that already are in such a format.
    """
    target = _ALPHA if image.hasAlphaChannel() else _OPAQUE
    return image if image.format() == target else image.convertToFormat(target)


def halve(image: QImage) -> QImage:
    """Half the size, box-filtered: the next level of an image's pyramid."""
    return image.scaled(max(1, image.width() // 2), max(1, image.height() // 2),
                        Qt.AspectRatioMode.IgnoreAspectRatio,
                        Qt.TransformationMode.SmoothTransformation)


def full_levels(image: QImage, preview_width: int) -> list[QImage]:
    """A full-size image and the halvings of it that hold more detail than the preview.

    Runs in a worker: converting and halving a 24-megapixel image takes a noticeable moment.
    Levels at or below the preview's width are not made; the preview serves those zooms.
    """
    levels = [paint_ready(image)]
    while levels[-1].width() // 2 > preview_width and levels[-1].height() >= 2:
        levels.append(halve(levels[-1]))
    return levels


def pil_to_qimage(img: Image.Image) -> QImage:
    """A Pillow image as a paint-ready QImage (a deep copy; the Pillow image can go).

    Any mode is shown as it is (``jobs.images.to_display``): transparency stays transparent,
    so the panes paint their checkerboard under it, and deep images keep their tones.
    """
    from desktop_app.jobs.images import to_display

    img = to_display(img)
    width, height = img.size
    if img.mode == "RGBA":
        data = img.tobytes()
        image = QImage(data, width, height, width * 4, QImage.Format.Format_RGBA8888)
    elif img.mode == "L":
        data = img.tobytes()
        image = QImage(data, width, height, width, QImage.Format.Format_Grayscale8)
    else:
        data = img.tobytes()
        image = QImage(data, width, height, width * 3, QImage.Format.Format_RGB888)
    return paint_ready(image)        # converting copies out of ``data`` before it goes


def read_image(path: str | Path, max_side: int | None = None) -> QImage:
    """Decode an image file as the previews are made (upright by its EXIF orientation, its
    first frame, HEIC too), ready to paint.

    Slow for big files: call it in a worker. Pillow's decompression-bomb guard stays on.
    """
    from PIL import Image, ImageOps

    from desktop_app.jobs.images import register_heif, to_display

    register_heif()
    with Image.open(path) as img:
        if max_side:
            img.draft(None, (max_side, max_side))
        img = to_display(ImageOps.exif_transpose(img))
        if max_side and max(img.size) > max_side:
            img.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
        return pil_to_qimage(img)
