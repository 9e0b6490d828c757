"""A pane that shows one image scaled to fit, keeping its aspect ratio.

It is given a ready, already-reduced QImage from a worker and only ever scales that preview
on resize (cached), so painting never decodes or rescales a full-size image.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPalette, QPixmap
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

CHECKER = 10


def checkerboard(size: int = CHECKER) -> QPixmap:
    tile = QPixmap(size * 2, size * 2)
    tile.fill(QColor("#ffffff"))
    painter = QPainter(tile)
    painter.fillRect(0, 0, size, size, QColor("#d6d6d6"))
    painter.fillRect(size, size, size, size, QColor("#d6d6d6"))
    painter.end()
    return tile


class ImageCanvas(QWidget):
    def __init__(self, name: str, accessible: str, *, checkered: bool = False,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setAccessibleName(accessible)
        self.setMinimumSize(160, 140)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self._checkered = checkered
        self._image: QImage | None = None
        self._scaled: QPixmap | None = None
        self._placeholder = ""
        self._checker = checkerboard() if checkered else None

    def set_image(self, image: QImage | None, placeholder: str = "") -> None:
        self._image = image if image is not None and not image.isNull() else None
        self._scaled = None
        self._placeholder = placeholder
        self.update()

    def image(self) -> QImage | None:
        return self._image

    def pixmap(self) -> QPixmap | None:
        """The pixmap as painted now (None when the pane is empty)."""
        if self._image is None:
            return None
        return self._scaled_pixmap()

    def _target_size(self) -> QSize:
        bounds = self.contentsRect().size()
        return self._image.size().scaled(bounds, Qt.AspectRatioMode.KeepAspectRatio)

    def _scaled_pixmap(self) -> QPixmap:
        size = self._target_size()
        ratio = self.devicePixelRatioF()
        if self._scaled is None or self._scaled.deviceIndependentSize().toSize() != size:
            device = size * ratio
            scaled = self._image.scaled(device, Qt.AspectRatioMode.KeepAspectRatio,
                                        Qt.TransformationMode.SmoothTransformation)
            self._scaled = QPixmap.fromImage(scaled)
            self._scaled.setDevicePixelRatio(ratio)
        return self._scaled

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        self._scaled = None
        super().resizeEvent(event)

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt's name
        painter = QPainter(self)
        rect = self.contentsRect()
        if self._image is None:
            painter.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(rect.adjusted(12, 12, -12, -12),
                             Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                             self._placeholder)
            painter.end()
            return
        pixmap = self._scaled_pixmap()
        size = pixmap.deviceIndependentSize().toSize()
        target = QRect(0, 0, size.width(), size.height())
        target.moveCenter(rect.center())
        if self._checker is not None:
            painter.drawTiledPixmap(target, self._checker)
        painter.drawPixmap(target, pixmap)
        painter.end()


class ImagePane(QWidget):
    """A caption over a canvas; the canvas carries the object name tests and tools use."""

    def __init__(self, title: str, name: str, accessible: str, *, checkered: bool = False,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        self.caption = QLabel(title)
        self.caption.setObjectName("paneCaption")
        self.caption.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        font = self.caption.font()
        font.setBold(True)
        self.caption.setFont(font)
        self.canvas = ImageCanvas(name, accessible, checkered=checkered)
        self.canvas.setToolTip(accessible)
        layout.addWidget(self.caption)
        layout.addWidget(self.canvas, 1)
