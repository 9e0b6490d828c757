"""Image panes that zoom and pan together, pixel-accurate at 100 %.

Three coordinate systems meet here, and every name says which one it uses:

- *full*: pixels of the full-size result (the job's width x height). Every pane maps its own
  image, usually a preview of at most 1600 px, onto this one frame, so a single zoom and a single
  centre serve all panes even while some of them only have a preview.
- *device*: the widget's physical pixels (logical pixels x ``devicePixelRatioF``).
- *logical*: Qt's widget coordinates, used for events and text only.

``zoom`` is device pixels per full pixel, so 1.0 shows the full image's pixels 1:1 on the
screen's pixels, on high-DPI screens too. The image's corner sits on a whole device pixel and
nothing is smoothed from 100 % up: what a designer inspects there is the real pixels.

Painting never decodes and never rescales a whole large image. Each image keeps halvings of
itself (made once: lazily from a preview, in a worker for full-size images, see ``viewer.py``)
and a paint draws only the visible part of the level just above the detail it needs. The levels
are QImages in the raster engine's native formats, which draw as fast as QPixmaps and, unlike
them, can be built off the GUI thread.
"""

from __future__ import annotations

import itertools
import math

from PySide6.QtCore import QEvent, QObject, QPointF, QRectF, QSize, QSizeF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QImage,
    QInputDevice,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPalette,
    QPen,
    QPixmap,
    QTransform,
    QWheelEvent,
)
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

CHECKER = 8                     # logical pixels per checkerboard square
ZOOM_STEP_PER_NOTCH = 1.2       # one wheel notch
MAX_ZOOM = 32.0
PAN_STEP = 0.1                  # arrow keys pan by this share of the view
DIVIDER_STEP = 0.05             # arrow keys move the compare divider by this share

_OPAQUE = QImage.Format.Format_RGB32
_ALPHA = QImage.Format.Format_ARGB32_Premultiplied
_viewport_keys = itertools.count(1)


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


def checkerboard(size: int = CHECKER, dark: bool = False) -> QPixmap:
    """One tile of the transparency checkerboard, ``size`` pixels a square."""
    light_colour, dark_colour = (("#4d4d4d", "#3a3a3a") if dark else ("#ffffff", "#d6d6d6"))
    tile = QPixmap(size * 2, size * 2)
    tile.fill(QColor(light_colour))
    painter = QPainter(tile)
    painter.fillRect(0, 0, size, size, QColor(dark_colour))
    painter.fillRect(size, size, size, size, QColor(dark_colour))
    painter.end()
    return tile


class ImageSource:
    """One picture at every detail level it has: the preview, maybe the full image, halvings.

    Panes that show the same picture share one source, so its levels exist once.
    """

    def __init__(self, preview: QImage) -> None:
        self._preview: list[QImage] = [paint_ready(preview)]
        self._full: list[QImage] = []

    def image(self) -> QImage:
        """The preview as given (in its paint-ready format)."""
        return self._preview[0]

    def has_full(self) -> bool:
        return bool(self._full)

    def set_full_levels(self, levels: list[QImage]) -> None:
        self._full = list(levels)

    def level_for(self, frame_width: int, zoom: float) -> QImage:
        """The smallest level with at least the detail the zoom needs (or the most detailed).

        Drawing from it downscales by less than 2x, which bilinear filtering does well; levels
        below the preview are halved from it on first use (a 1600 px image halves in ~1 ms).
        """
        need = zoom * frame_width              # device pixels across the whole image
        while True:
            levels = sorted(self._full + self._preview, key=QImage.width, reverse=True)
            chosen = levels[0]
            for level in levels[1:]:
                if level.width() + 1e-6 >= need:
                    chosen = level
                else:
                    break
            if chosen is not levels[-1] or chosen.width() // 2 < max(need, 1.0):
                return chosen
            owner = self._full if any(chosen is f for f in self._full) else self._preview
            owner.append(halve(chosen))


class Backdrop:
    """What the cut-out is painted over: the checkerboard, a colour, or an image (cover-fit)."""

    __slots__ = ("color", "image", "kind")

    def __init__(self, kind: str = "checker", color: QColor | None = None,
                 image: QImage | None = None) -> None:
        self.kind = kind                    # "checker" | "color" | "image"
        self.color = QColor(color) if color is not None else QColor("#ffffff")
        self.image = image


class ViewState(QObject):
    """The zoom, the centre and the fit flag that every pane of one viewer follows.

    Each visible pane reports its size in device pixels, so "fit" can fit the whole image into
    the smallest of them and all panes still share one zoom.
    """

    changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._zoom = 1.0
        self._center = QPointF()
        self._fit = True
        self._full = QSize()
        self._viewports: dict[int, QSizeF] = {}

    def zoom(self) -> float:
        return self._zoom

    def center(self) -> QPointF:
        """The full-image point at the centre of every pane."""
        return QPointF(self._center)

    def is_fit(self) -> bool:
        return self._fit

    def full_size(self) -> QSize:
        return QSize(self._full)

    def set_full_size(self, size: QSize | None) -> None:
        """A new picture: remember its full size and fit it."""
        valid = size is not None and size.isValid() and not size.isEmpty()
        self._full = QSize(size) if valid else QSize()
        self._fit = True
        self._apply_fit()
        self.changed.emit()

    def set_viewport(self, key: int, size: QSizeF | None) -> None:
        """A pane's size in device pixels, or None once it is hidden."""
        if size is None or size.isEmpty():
            if self._viewports.pop(key, None) is None:
                return
        elif self._viewports.get(key) == size:
            return
        else:
            self._viewports[key] = QSizeF(size)
        if self._fit and self._apply_fit():
            self.changed.emit()

    def fit_zoom(self) -> float:
        if self._full.isEmpty() or not self._viewports:
            return self._zoom
        fw, fh = self._full.width(), self._full.height()
        return max(1e-4, min(min(v.width() / fw, v.height() / fh)
                             for v in self._viewports.values()))

    def zoom_limits(self) -> tuple[float, float]:
        return min(0.1, self.fit_zoom() * 0.5), MAX_ZOOM

    def fit(self) -> None:
        was_fit = self._fit
        self._fit = True
        if self._apply_fit() or not was_fit:
            self.changed.emit()

    def set_view(self, zoom: float, center: QPointF) -> None:
        """Zoom and centre as asked, within limits; the view leaves fit mode."""
        low, high = self.zoom_limits()
        zoom = min(high, max(low, float(zoom)))
        center = self._clamped(center)
        if not self._fit and zoom == self._zoom and center == self._center:
            return
        self._fit, self._zoom, self._center = False, zoom, center
        self.changed.emit()

    def _clamped(self, point: QPointF) -> QPointF:
        # The centre stays over the image: a pane is never panned off into emptiness, and
        # zooming in around a point over the image keeps that point exactly under the cursor.
        return QPointF(min(max(point.x(), 0.0), float(self._full.width())),
                       min(max(point.y(), 0.0), float(self._full.height())))

    def _apply_fit(self) -> bool:
        zoom = self.fit_zoom()
        center = QPointF(self._full.width() / 2, self._full.height() / 2)
        changed = zoom != self._zoom or center != self._center
        self._zoom, self._center = zoom, center
        return changed


def _floor_half(value: float) -> int:
    return math.floor(value + 0.5)


def draw_source(painter: QPainter, source: ImageSource, frame: QSize, origin: QPointF,
                zoom: float, visible: QRectF) -> None:
    """Draw the visible part of ``source``; the painter works in device pixels."""
    level = source.level_for(frame.width(), zoom)
    kx = zoom * frame.width() / level.width()       # device pixels per level pixel
    ky = zoom * frame.height() / level.height()
    sx0 = max(0, math.floor((visible.left() - origin.x()) / kx))
    sy0 = max(0, math.floor((visible.top() - origin.y()) / ky))
    sx1 = min(level.width(), math.ceil((visible.right() - origin.x()) / kx))
    sy1 = min(level.height(), math.ceil((visible.bottom() - origin.y()) / ky))
    if sx1 <= sx0 or sy1 <= sy0:
        return
    target = QRectF(origin.x() + sx0 * kx, origin.y() + sy0 * ky,
                    (sx1 - sx0) * kx, (sy1 - sy0) * ky)
    real_pixels = level.width() >= frame.width() and zoom >= 1.0 - 1e-9
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, not real_pixels)
    painter.drawImage(target, level, QRectF(sx0, sy0, sx1 - sx0, sy1 - sy0))


class _Canvas(QWidget):
    """What the panes share: the mapping, wheel/pinch zoom, drag and key panning, backdrops."""

    def __init__(self, name: str, accessible: str, state: ViewState | None,
                 parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setAccessibleName(accessible)
        self.setMinimumSize(160, 140)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._owns_state = state is None
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
        return QPointF(_floor_half(self.width() * dpr / 2 - center.x() * zoom),
                       _floor_half(self.height() * dpr / 2 - center.y() * zoom))

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
        right = _floor_half(origin.x() + frame.width() * zoom)
        bottom = _floor_half(origin.y() + frame.height() * zoom)
        return QRectF(origin.x(), origin.y(), right - origin.x(), bottom - origin.y())

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


class ImageCanvas(_Canvas):
    """One picture (original, cut-out or mask), following the shared view state."""

    def __init__(self, name: str, accessible: str, *, checkered: bool = False,
                 parent: QWidget | None = None, state: ViewState | None = None) -> None:
        super().__init__(name, accessible, state, parent)
        self._source: ImageSource | None = None
        self._backdrop: Backdrop | None = Backdrop() if checkered else None

    def set_image(self, image: QImage | None, placeholder: str = "") -> None:
        """Show ``image`` (a ready QImage), or ``placeholder`` when there is none."""
        valid = image is not None and not image.isNull()
        if valid and (self._owns_state or self.state.full_size().isEmpty()):
            self.state.set_full_size(image.size())
        self.set_source(ImageSource(image) if valid else None, placeholder)

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
        if self._backdrop is not None:
            self._paint_backdrop(painter, self._backdrop, visible)
        draw_source(painter, self._source, self.state.full_size(), self.origin(),
                    self.state.zoom(), visible)
        painter.restore()
        self._paint_focus(painter)
        painter.end()


class CompareCanvas(_Canvas):
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

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        if self._has_content() and event.button() == Qt.MouseButton.LeftButton \
                and not self._space_held:
            self._dragging_divider = True
            self.set_divider(event.position().x() / max(1, self.width()))
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        if self._dragging_divider:
            self.set_divider(event.position().x() / max(1, self.width()))
            event.accept()
            return
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
        split = _floor_half(self._divider * self.width() * dpr)
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
            draw_source(painter, self._original, frame, origin, zoom, left)
            painter.restore()
        if not right.isEmpty():
            painter.save()
            painter.setClipRect(right)
            self._paint_backdrop(painter, self._backdrop, right)
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
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        height = float(self.height())
        painter.setPen(QPen(QColor(0, 0, 0, 110), 3))
        painter.drawLine(QPointF(x, 0), QPointF(x, height))
        painter.setPen(QPen(QColor(255, 255, 255), 1))
        painter.drawLine(QPointF(x, 0), QPointF(x, height))
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


class ImagePane(QWidget):
    """A caption over a canvas; the canvas carries the object name tests and tools use."""

    def __init__(self, title: str, name: str, accessible: str, *, checkered: bool = False,
                 parent: QWidget | None = None, state: ViewState | None = None,
                 canvas: _Canvas | None = None) -> None:
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
        self.canvas = canvas if canvas is not None else ImageCanvas(
            name, accessible, checkered=checkered, state=state)
        if not self.canvas.toolTip():
            self.canvas.setToolTip(accessible)
        layout.addWidget(self.caption)
        layout.addWidget(self.canvas, 1)
