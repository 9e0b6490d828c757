"""The pane that shows one picture, and the zooming and panning every pane shares.

Coordinates are *full*, *device* and *logical* pixels, as ``view_state.py`` explains; the
canvases only map between them and paint, and the view itself lives in the shared ``ViewState``.
"""

from __future__ import annotations

import itertools
import math

from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, QSizeF, Qt
from PySide6.QtGui import (
    QImage,
    QInputDevice,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPalette,
    QPen,
    QPixmap,
    QTransform,
    QWheelEvent,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from desktop_app.ui.view_state import CHECKER, Backdrop, ImageSource, ViewState, checkerboard

ZOOM_STEP_PER_NOTCH = 1.2       # one wheel notch
PAN_STEP = 0.1                  # arrow keys pan by this share of the view

_viewport_keys = itertools.count(1)


def floor_half(value: float) -> int:
    """Round to the nearest whole device pixel, halves up, the same way on every pane."""
    return math.floor(value + 0.5)


def placed_rect(source: ImageSource, frame: QSize) -> QRectF:
    """Where ``source`` sits in the frame, in full pixels: the whole frame, or, when its shape
    differs from the frame's (a service that turned the result, or did not), its own shape
    fitted and centred inside it. A picture is never stretched to another one's shape."""
    image, fw, fh = source.image(), frame.width(), frame.height()
    iw, ih = max(1, image.width()), max(1, image.height())
    if abs(iw * fh - ih * fw) <= 0.02 * iw * fh:
        return QRectF(0, 0, fw, fh)
    scale = min(fw / iw, fh / ih)
    width, height = iw * scale, ih * scale
    return QRectF((fw - width) / 2, (fh - height) / 2, width, height)


def draw_source(painter: QPainter, source: ImageSource, frame: QSize, origin: QPointF,
                zoom: float, visible: QRectF) -> None:
    """Draw the visible part of ``source``; the painter works in device pixels."""
    place = placed_rect(source, frame)
    origin = QPointF(origin.x() + place.x() * zoom, origin.y() + place.y() * zoom)
    level = source.level_for(max(1, round(place.width())), zoom)
    kx = zoom * place.width() / level.width()       # device pixels per level pixel
    ky = zoom * place.height() / level.height()
    sx0 = max(0, math.floor((visible.left() - origin.x()) / kx))
    sy0 = max(0, math.floor((visible.top() - origin.y()) / ky))
    sx1 = min(level.width(), math.ceil((visible.right() - origin.x()) / kx))
    sy1 = min(level.height(), math.ceil((visible.bottom() - origin.y()) / ky))
    if sx1 <= sx0 or sy1 <= sy0:
        return
    target = QRectF(origin.x() + sx0 * kx, origin.y() + sy0 * ky,
                    (sx1 - sx0) * kx, (sy1 - sy0) * ky)
    real_pixels = level.width() >= place.width() and zoom >= 1.0 - 1e-9
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, not real_pixels)
    painter.drawImage(target, level, QRectF(sx0, sy0, sx1 - sx0, sy1 - sy0))


class Canvas(QWidget):
    """What the panes share: the mapping, wheel/pinch zoom, drag and key panning, backdrops."""

    def __init__(self, name: str, accessible: str, state: ViewState | None,
                 parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setAccessibleName(accessible)
        self.setMinimumSize(160, 140)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.state = state if state is not None else ViewState(self)
        self.state.changed.connect(self._state_changed)
        self._viewport_key = next(_viewport_keys)
        self._placeholder = ""
        self._pan_from: QPointF | None = None
        self._space_held = False
        self._tile: QPixmap | None = None
        self._tile_key: tuple[float, bool] | None = None

    # -- what subclasses provide -----------------------------------------------------
    def _has_content(self) -> bool:
        """Whether there is a picture to paint; the base canvas has none."""
        return False

    def _paint_if_empty(self, painter: QPainter) -> bool:
        """Paint the placeholder (and focus frame) when there is no picture; True if so."""
        if self._has_content():
            return False
        self._paint_placeholder(painter, self._placeholder)
        self._paint_focus(painter)
        painter.end()
        return True

    # -- the shared view -------------------------------------------------------------
    def zoom(self) -> float:
        """Device pixels per full-image pixel (1.0 == 100 %)."""
        return self.state.zoom()

    def center(self) -> QPointF:
        """The full-image point at the centre of this pane."""
        return self.state.center()

    def placeholder(self) -> str:
        return self._placeholder

    def origin(self) -> QPointF:
        """Where the full image's top-left corner lands, in whole device pixels."""
        dpr, zoom, center = self.devicePixelRatioF(), self.state.zoom(), self.state.center()
        return QPointF(floor_half(self.width() * dpr / 2 - center.x() * zoom),
                       floor_half(self.height() * dpr / 2 - center.y() * zoom))

    def map_to_image(self, pos: QPointF) -> QPointF:
        """The full-image point under a logical widget position."""
        dpr, zoom, origin = self.devicePixelRatioF(), self.state.zoom(), self.origin()
        return QPointF((pos.x() * dpr - origin.x()) / zoom, (pos.y() * dpr - origin.y()) / zoom)

    def map_from_image(self, point: QPointF) -> QPointF:
        dpr, zoom, origin = self.devicePixelRatioF(), self.state.zoom(), self.origin()
        return QPointF((origin.x() + point.x() * zoom) / dpr,
                       (origin.y() + point.y() * zoom) / dpr)

    def image_rect(self) -> QRectF:
        """The full image's rectangle in device pixels, on whole pixels."""
        frame, zoom, origin = self.state.full_size(), self.state.zoom(), self.origin()
        right = floor_half(origin.x() + frame.width() * zoom)
        bottom = floor_half(origin.y() + frame.height() * zoom)
        return QRectF(origin.x(), origin.y(), right - origin.x(), bottom - origin.y())

    def source_rect(self, source: ImageSource) -> QRectF:
        """Where ``source`` is drawn, in device pixels (``placed_rect`` at this zoom)."""
        place, zoom, origin = placed_rect(source, self.state.full_size()), self.state.zoom(), \
            self.origin()
        return QRectF(origin.x() + place.x() * zoom, origin.y() + place.y() * zoom,
                      place.width() * zoom, place.height() * zoom)

    def _device_rect(self) -> QRectF:
        dpr = self.devicePixelRatioF()
        return QRectF(0, 0, self.width() * dpr, self.height() * dpr)

    def zoom_at(self, pos: QPointF, zoom: float) -> None:
        """Zoom keeping the image point under ``pos`` (logical) where it is."""
        low, high = self.state.zoom_limits()
        zoom = min(high, max(low, zoom))
        point = self.map_to_image(pos)
        dpr = self.devicePixelRatioF()
        cx, cy = self.width() * dpr / 2, self.height() * dpr / 2
        self.state.set_view(zoom, QPointF(point.x() - (pos.x() * dpr - cx) / zoom,
                                          point.y() - (pos.y() * dpr - cy) / zoom))

    def pan_by(self, dx: float, dy: float) -> None:
        """Move the picture by (dx, dy) logical pixels, as a hand would."""
        dpr, zoom, center = self.devicePixelRatioF(), self.state.zoom(), self.state.center()
        self.state.set_view(zoom, QPointF(center.x() - dx * dpr / zoom,
                                          center.y() - dy * dpr / zoom))

    def _state_changed(self) -> None:
        self.update()

    def _report_viewport(self) -> None:
        if self.isVisible():
            dpr = self.devicePixelRatioF()
            self.state.set_viewport(self._viewport_key,
                                    QSizeF(self.width() * dpr, self.height() * dpr))

    # -- events ----------------------------------------------------------------------
    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._report_viewport()

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        self._report_viewport()

    def hideEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().hideEvent(event)
        self.state.set_viewport(self._viewport_key, None)

    def changeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.PaletteChange:
            self._tile_key = None
        super().changeEvent(event)

    def event(self, event) -> bool:
        kind = event.type()
        if kind == QEvent.Type.NativeGesture and self._has_content():
            gesture = event.gestureType()
            if gesture == Qt.NativeGestureType.ZoomNativeGesture:
                self.zoom_at(event.position(), self.state.zoom() * (1.0 + event.value()))
                event.accept()
                return True
            if gesture == Qt.NativeGestureType.SmartZoomNativeGesture:
                self._toggle_fit(event.position())
                event.accept()
                return True
        if kind == QEvent.Type.DevicePixelRatioChange:
            self._tile_key = None
            self._report_viewport()
        return super().event(event)

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802 - Qt's name
        if not self._has_content():
            event.ignore()
            return
        device = event.pointingDevice()
        touchpad = device is not None and device.type() == QInputDevice.DeviceType.TouchPad
        ctrl = bool(event.modifiers() & Qt.KeyboardModifier.ControlModifier)
        if touchpad and not ctrl and not event.pixelDelta().isNull():
            # two fingers on a touchpad move the picture; a pinch (or Ctrl) zooms
            delta = event.pixelDelta()
            self.pan_by(delta.x(), delta.y())
            event.accept()
            return
        notches = event.angleDelta().y() / 120.0
        if notches == 0 and not event.pixelDelta().isNull():
            notches = event.pixelDelta().y() / 50.0
        if notches == 0:
            event.ignore()
            return
        self.zoom_at(event.position(), self.state.zoom() * ZOOM_STEP_PER_NOTCH ** notches)
        event.accept()

    def _starts_pan(self, event: QMouseEvent) -> bool:
        return event.button() in (Qt.MouseButton.LeftButton, Qt.MouseButton.MiddleButton)

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        if self._has_content() and self._starts_pan(event):
            self._pan_from = event.position()
            self.setCursor(Qt.CursorShape.ClosedHandCursor)
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        if self._pan_from is not None:
            delta = event.position() - self._pan_from
            self._pan_from = event.position()
            self.pan_by(delta.x(), delta.y())
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        if self._pan_from is not None:
            self._pan_from = None
            self._update_cursor()
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        if self._has_content() and event.button() == Qt.MouseButton.LeftButton:
            self._toggle_fit(event.position())
            event.accept()
            return
        super().mouseDoubleClickEvent(event)

    def _toggle_fit(self, pos: QPointF) -> None:
        if self.state.is_fit():
            self.zoom_at(pos, 1.0)
        else:
            self.state.fit()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        key = event.key()
        if key == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space_held = True
            self._update_cursor()
        moves = {Qt.Key.Key_Left: (1, 0), Qt.Key.Key_Right: (-1, 0),
                 Qt.Key.Key_Up: (0, 1), Qt.Key.Key_Down: (0, -1)}
        if key in moves and self._has_content():
            dx, dy = moves[key]
            self.pan_by(dx * self.width() * PAN_STEP, dy * self.height() * PAN_STEP)
            event.accept()
            return
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space_held = False
            self._update_cursor()
        super().keyReleaseEvent(event)

    def focusOutEvent(self, event) -> None:  # noqa: N802 - Qt's name
        self._space_held = False
        super().focusOutEvent(event)
        self.update()

    def focusInEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().focusInEvent(event)
        self.update()

    def _update_cursor(self) -> None:
        if self._has_content():
            self.setCursor(Qt.CursorShape.OpenHandCursor)
        else:
            self.unsetCursor()

    # -- painting helpers ------------------------------------------------------------
    def _checker_tile(self) -> QPixmap:
        dpr = self.devicePixelRatioF()
        dark = self.palette().color(QPalette.ColorRole.Window).lightness() < 128
        if self._tile is None or self._tile_key != (dpr, dark):
            self._tile = checkerboard(max(1, round(CHECKER * dpr)), dark)
            self._tile_key = (dpr, dark)
        return self._tile

    def _paint_backdrop(self, painter: QPainter, backdrop: Backdrop, area: QRectF) -> None:
        """Fill ``area`` (device pixels, inside the image) with the backdrop."""
        if area.isEmpty():
            return
        origin = self.origin()
        if backdrop.kind == "color":
            painter.fillRect(area, backdrop.color)
        elif backdrop.kind == "image" and backdrop.image is not None \
                and not backdrop.image.isNull():
            image, frame, zoom = backdrop.image, self.state.full_size(), self.state.zoom()
            # cover the image's frame, centred, like a backdrop photo behind the subject
            scale = max(frame.width() / image.width(), frame.height() / image.height())
            crop_x = (image.width() - frame.width() / scale) / 2
            crop_y = (image.height() - frame.height() / scale) / 2
            per_bg = zoom * scale                  # device pixels per backdrop pixel
            source = QRectF(crop_x + (area.left() - origin.x()) / per_bg,
                            crop_y + (area.top() - origin.y()) / per_bg,
                            area.width() / per_bg, area.height() / per_bg)
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
            painter.drawImage(area, image, source)
        else:
            tile = self._checker_tile()
            offset = QPointF((area.left() - origin.x()) % tile.width(),
                             (area.top() - origin.y()) % tile.height())
            painter.drawTiledPixmap(area, tile, offset)

    def _paint_placeholder(self, painter: QPainter, text: str, rect: QRectF | None = None
                           ) -> None:
        if not text:
            return
        painter.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
        area = rect if rect is not None else QRectF(self.rect())
        painter.drawText(area.adjusted(12, 12, -12, -12),
                         int(Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap), text)

    def _paint_focus(self, painter: QPainter) -> None:
        if self.hasFocus():
            pen = QPen(self.palette().color(QPalette.ColorRole.Highlight))
            pen.setWidth(1)
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5))

    def _device_painter(self, painter: QPainter) -> None:
        """Make the painter's coordinates device pixels."""
        dpr = self.devicePixelRatioF()
        painter.setWorldTransform(QTransform.fromScale(1 / dpr, 1 / dpr))


class ImageCanvas(Canvas):
    """One picture (original, cut-out or mask), following the shared view state."""

    def __init__(self, name: str, accessible: str, *, checkered: bool = False,
                 parent: QWidget | None = None, state: ViewState | None = None) -> None:
        super().__init__(name, accessible, state, parent)
        self._source: ImageSource | None = None
        self._backdrop: Backdrop | None = Backdrop() if checkered else None

    def set_source(self, source: ImageSource | None, placeholder: str = "") -> None:
        self._source = source
        self._placeholder = placeholder
        self._pan_from = None
        self._update_cursor()
        self.update()

    def source(self) -> ImageSource | None:
        return self._source

    def image(self) -> QImage | None:
        return self._source.image() if self._source is not None else None

    def set_backdrop(self, backdrop: Backdrop | None) -> None:
        self._backdrop = backdrop
        self.update()

    def backdrop(self) -> Backdrop | None:
        return self._backdrop

    def _has_content(self) -> bool:
        return self._source is not None and not self.state.full_size().isEmpty()

    def pixmap(self) -> QPixmap | None:
        """The visible part of the picture as drawn at the current zoom (None when empty).

        Made on request for tools and tests; painting does not go through it.
        """
        if not self._has_content():
            return None
        visible = self.image_rect().intersected(self._device_rect())
        if visible.isEmpty():
            return None
        pixmap = QPixmap(int(visible.width()), int(visible.height()))
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.translate(-visible.left(), -visible.top())
        draw_source(painter, self._source, self.state.full_size(), self.origin(),
                    self.state.zoom(), visible)
        painter.end()
        pixmap.setDevicePixelRatio(self.devicePixelRatioF())
        return pixmap

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt's name
        painter = QPainter(self)
        if self._paint_if_empty(painter):
            return
        painter.save()
        self._device_painter(painter)
        visible = self.image_rect().intersected(self._device_rect())
        if self._backdrop is not None and self._source.image().hasAlphaChannel():
            # under see-through pixels only: an opaque picture needs no checkerboard
            self._paint_backdrop(painter, self._backdrop,
                                 visible.intersected(self.source_rect(self._source)))
        draw_source(painter, self._source, self.state.full_size(), self.origin(),
                    self.state.zoom(), visible)
        painter.restore()
        self._paint_focus(painter)
        painter.end()
