"""QImages in the raster engine's native formats, and their halvings: for the previews'
small pyramids. Files and Pillow images become QImages in ``pyramid.py``, whose workers leave
the GIL to the window.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

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
