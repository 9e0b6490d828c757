"""Before and after in one pane, split by a divider the designer drags."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QKeyEvent, QMouseEvent, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QWidget

from desktop_app.ui.canvas import Canvas, draw_source, floor_half
from desktop_app.ui.view_state import Backdrop, ImageSource, ViewState

DIVIDER_STEP = 0.05             # arrow keys move the compare divider by this share
_CHECKER = Backdrop()           # under an original's transparent pixels, whatever the cut-out's


class CompareCanvas(Canvas):
    """Before and after in one pane: the original left of a divider, the cut-out right of it.

    Dragging with the left button anywhere moves the divider (and the arrow keys move it by
    5 %); the picture itself pans with the middle button, with Space held, or on a touchpad.
    """

    divider_moved = Signal(float)

    def __init__(self, name: str = "compareView", accessible: str = "Before and after", *,
                 parent: QWidget | None = None, state: ViewState | None = None) -> None:
        super().__init__(name, accessible, state, parent)
        self._original: ImageSource | None = None
        self._cutout: ImageSource | None = None
        self._backdrop = Backdrop()
        self._divider = 0.5
        self._dragging_divider = False
        self.setToolTip("Drag to move the divider (or use the arrow keys); drag with the "
                        "middle button or with Space held to move the picture")

    def set_sources(self, original: ImageSource | None, cutout: ImageSource | None,
                    placeholder: str = "") -> None:
        self._original, self._cutout = original, cutout
        self._placeholder = placeholder
        self._pan_from = None
        self._dragging_divider = False
        self._update_cursor()
        self.update()

    def set_backdrop(self, backdrop: Backdrop) -> None:
        self._backdrop = backdrop
        self.update()

    def divider(self) -> float:
        """The divider's position as a share of the pane's width (0 = left edge)."""
        return self._divider

    def set_divider(self, share: float) -> None:
        share = min(1.0, max(0.0, float(share)))
        if share != self._divider:
            self._divider = share
            self.update()
            self.divider_moved.emit(share)

    def _has_content(self) -> bool:
        return (self._original is not None or self._cutout is not None) \
            and not self.state.full_size().isEmpty()

    def _update_cursor(self) -> None:
        if not self._has_content():
            self.unsetCursor()
        elif self._space_held:
            self.setCursor(Qt.CursorShape.OpenHandCursor)
        else:
            self.setCursor(Qt.CursorShape.SplitHCursor)

    def _starts_pan(self, event: QMouseEvent) -> bool:
        return event.button() == Qt.MouseButton.MiddleButton or (
            event.button() == Qt.MouseButton.LeftButton and self._space_held)

    def _divider_to(self, event: QMouseEvent) -> None:
        """Put the divider under the pointer: a press and a drag both do this."""
        self.set_divider(event.position().x() / max(1, self.width()))
        event.accept()

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        if self._has_content() and event.button() == Qt.MouseButton.LeftButton \
                and not self._space_held:
            self._dragging_divider = True
            self._divider_to(event)
        else:
            super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        if self._dragging_divider:
            self._divider_to(event)
        else:
            super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        if self._dragging_divider:
            self._dragging_divider = False
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        event.accept()           # a double click is two divider moves here, not a zoom

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        if event.key() in (Qt.Key.Key_Left, Qt.Key.Key_Right) and self._has_content():
            step = -DIVIDER_STEP if event.key() == Qt.Key.Key_Left else DIVIDER_STEP
            self.set_divider(round((self._divider + step) * 100) / 100)
            event.accept()
            return
        super().keyPressEvent(event)

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt's name
        painter = QPainter(self)
        if self._paint_if_empty(painter):
            return
        dpr = self.devicePixelRatioF()
        split = floor_half(self._divider * self.width() * dpr)
        device = self._device_rect()
        visible = self.image_rect().intersected(device)
        left = visible.intersected(QRectF(0, 0, split, device.height()))
        right = visible.intersected(QRectF(split, 0, device.width() - split, device.height()))
        frame, zoom, origin = self.state.full_size(), self.state.zoom(), self.origin()
        painter.save()
        self._device_painter(painter)
        if not left.isEmpty() and self._original is not None:
            painter.save()
            painter.setClipRect(left)
            if self._original.image().hasAlphaChannel():     # see-through: a checkerboard
                self._paint_backdrop(painter, _CHECKER,
                                     left.intersected(self.source_rect(self._original)))
            draw_source(painter, self._original, frame, origin, zoom, left)
            painter.restore()
        if not right.isEmpty():
            painter.save()
            painter.setClipRect(right)
            self._paint_backdrop(painter, self._backdrop, right if self._cutout is None else
                                 right.intersected(self.source_rect(self._cutout)))
            if self._cutout is not None:
                draw_source(painter, self._cutout, frame, origin, zoom, right)
            painter.restore()
        painter.restore()
        if self._original is None and not left.isEmpty():
            self._paint_placeholder(painter, "No original",
                                    QRectF(left.left() / dpr, left.top() / dpr,
                                           left.width() / dpr, left.height() / dpr))
        self._paint_divider(painter, split / dpr)
        self._paint_focus(painter)
        painter.end()

    def _paint_divider(self, painter: QPainter, x: float) -> None:
        height = float(self.height())
        # the line as two filled bands: an antialiased 3 px pen stroked down the whole pane
        # cost ~1 ms a paint (the raster engine strokes it as a path), a fill next to nothing
        painter.fillRect(QRectF(x - 1.5, 0, 3, height), QColor(0, 0, 0, 110))
        painter.fillRect(QRectF(x - 0.5, 0, 1, height), QColor(255, 255, 255))
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        # a round handle with two arrows, so the divider reads as something to drag
        centre = QPointF(x, height / 2)
        painter.setPen(QPen(QColor(0, 0, 0, 110), 1))
        painter.setBrush(QColor(255, 255, 255))
        painter.drawEllipse(centre, 11, 11)
        arrows = QPainterPath()
        for sign in (-1, 1):
            tip = centre + QPointF(sign * 8, 0)
            arrows.moveTo(tip)
            arrows.lineTo(centre + QPointF(sign * 3, -4))
            arrows.lineTo(centre + QPointF(sign * 3, 4))
            arrows.closeSubpath()
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(60, 60, 60))
        painter.drawPath(arrows)
        # small labels in the top corners say which side is which
        metrics = painter.fontMetrics()
        for text, align_right in (("Original", False), ("Cut-out", True)):
            width = metrics.horizontalAdvance(text) + 12
            box = QRectF(x + 8 if align_right else x - 8 - width, 8, width,
                         metrics.height() + 4)
            if box.left() < 0 or box.right() > self.width():
                continue
            painter.setBrush(QColor(0, 0, 0, 140))
            painter.drawRoundedRect(box, 4, 4)
            painter.setPen(QColor(255, 255, 255))
            painter.drawText(box, int(Qt.AlignmentFlag.AlignCenter), text)
            painter.setPen(Qt.PenStyle.NoPen)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
