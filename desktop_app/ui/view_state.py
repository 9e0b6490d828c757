"""The shared view of one viewer's panes, and what they show: pictures at every level, backdrops.

Three coordinate systems meet in the viewer, and every name says which one it uses:

- *full*: pixels of the full-size result (the job's width x height). Every pane maps its own
  image, usually a preview of at most 1600 px, onto this one frame, so a single zoom and a single
  centre serve all panes even while some of them only have a preview.
- *device*: the widget's physical pixels (logical pixels x ``devicePixelRatioF``).
- *logical*: Qt's widget coordinates, used for events and text only.

``zoom`` is device pixels per full pixel, so 1.0 shows the full image's pixels 1:1 on the
screen's pixels, on high-DPI screens too. The image's corner sits on a whole device pixel and
nothing is smoothed from 100 % up: what a designer inspects there is the real pixels.

Painting never decodes and never rescales a whole large image. Each image keeps halvings of
itself (made once: lazily from a preview, in a worker for full-size images, see ``decode.py``)
and a paint draws only the visible part of the level just above the detail it needs. The levels
are QImages in the raster engine's native formats, which draw as fast as QPixmaps and, unlike
them, can be built off the GUI thread.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QPointF, QSize, QSizeF, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPixmap

from desktop_app.ui.decode import halve, paint_ready

CHECKER = 8                     # logical pixels per checkerboard square
MAX_ZOOM = 32.0
MIN_SHOWN_PIXELS = 16           # zooming out never makes an image smaller than this


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

    def __init__(self, preview: QImage, halvings: list[QImage] | tuple = ()) -> None:
        """``halvings``: the preview's, already made (in a worker); more are made here
        from the smallest when a paint needs them."""
        self._preview: list[QImage] = [paint_ready(preview), *halvings]
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
        """How far out and in a designer may zoom.

        Out: to 10 % or half the fitted zoom, but a tiny image (down to 1x1) never shrinks
        below a few device pixels. In: to 3200 %, or as far as fitting already went (a 1x1
        image fitted into a pane is far beyond 3200 %, and zooming in must not shrink it).
        """
        fit = self.fit_zoom()
        longest = max(self._full.width(), self._full.height(), 1)
        low = max(min(0.1, fit * 0.5), min(fit, MIN_SHOWN_PIXELS / longest))
        return low, max(MAX_ZOOM, fit)

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
