"""What touch-up draws on screen besides the pictures: the brush cursor, live pictures that
change pixel by pixel, and the tool glyphs.

The live pictures are the preview-size cut-out and mask the viewer paints, written in place
one dirty rectangle per mouse move (``touch_up_session.py``); they are never halved or
swapped for the full-size images while a designer paints on them. No numpy here: this
module is loaded with the results page, before anyone asks for touch-up.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QWidget

from desktop_app.ui.view_state import ImageSource


# -- live pictures ----------------------------------------------------------------------------
class LiveSource(ImageSource):
    """A picture touch-up edits in place, drawn from its own levels: the preview and the
    halvings touch-up keeps up to date. It never makes levels of its own, and takes no
    full-size images: those would show the picture as it was before the last stroke."""

    def __init__(self, levels: list[QImage]) -> None:
        super().__init__(levels[0])
        self._levels = sorted(levels, key=QImage.width, reverse=True)

    def level_for(self, frame_width: int, zoom: float) -> QImage:
        need = zoom * frame_width
        chosen = self._levels[0]
        for level in self._levels[1:]:
            if level.width() + 1e-6 < need:
                break
            chosen = level
        return chosen

    def set_full_levels(self, levels: list[QImage]) -> None:
        """Ignored (see the class)."""

    def has_full(self) -> bool:
        return False


# -- the brush cursor -----------------------------------------------------------------------------
class BrushOverlay(QWidget):
    """A ring the size of the brush at the current zoom, drawn over one canvas.

    A child widget that lets every mouse event through to the canvas, so the canvas keeps
    its own painting, zooming and panning untouched. White over black, so it shows on any
    picture.
    """

    def __init__(self, canvas: QWidget) -> None:
        super().__init__(canvas)
        self.setObjectName("brushCursor")
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setAttribute(Qt.WidgetAttribute.WA_NoSystemBackground)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self._centre: QPointF | None = None
        self._diameter = 0.0                    # logical pixels
        self.setGeometry(canvas.rect())
        canvas.installEventFilter(self)
        self.hide()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.Resize:
            self.setGeometry(watched.rect())
        return False

    def place(self, centre: QPointF | None, diameter: float) -> None:
        """Show the ring at ``centre`` (logical, None hides it) ``diameter`` logical px wide."""
        old = self._ring_rect()
        self._centre = QPointF(centre) if centre is not None else None
        self._diameter = diameter
        new = self._ring_rect()
        if self._centre is None:
            self.hide()
        elif not self.isVisible():
            self.show()
        for rect in (old, new):
            if rect is not None:
                self.update(rect.toAlignedRect())

    def diameter(self) -> float:
        return self._diameter

    def centre(self) -> QPointF | None:
        return QPointF(self._centre) if self._centre is not None else None

    def _ring_rect(self) -> QRectF | None:
        if self._centre is None:
            return None
        r = max(self._diameter / 2, 3.0) + 3
        return QRectF(self._centre.x() - r, self._centre.y() - r, 2 * r, 2 * r)

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt's name
        if self._centre is None:
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        r = max(self._diameter / 2, 1.0)
        for colour, width in ((QColor(0, 0, 0, 170), 3.0), (QColor(255, 255, 255), 1.2)):
            painter.setPen(QPen(colour, width))
            painter.drawEllipse(self._centre, r, r)
        if r > 6:   # a small cross marks the centre of a big brush
            painter.setPen(QPen(QColor(255, 255, 255), 1.0))
            c = self._centre
            painter.drawLine(QPointF(c.x() - 3, c.y()), QPointF(c.x() + 3, c.y()))
            painter.drawLine(QPointF(c.x(), c.y() - 3), QPointF(c.x(), c.y() + 3))
        painter.end()


# -- glyphs (drawn in a 16 x 16 box; see ui/glyphs.py) ---------------------------------------------
def brush_glyph(p: QPainter, color: QColor) -> None:
    """A brush: handle and tip, for Touch up."""
    p.drawLine(QPointF(14, 2), QPointF(7.5, 8.5))
    path = QPainterPath(QPointF(7, 8))
    path.cubicTo(QPointF(3, 8), QPointF(5, 13), QPointF(1.5, 14.5))
    path.cubicTo(QPointF(6, 15), QPointF(9.5, 12.5), QPointF(8.5, 9.5))
    path.closeSubpath()
    p.setBrush(color)
    p.drawPath(path)


def eraser_glyph(p: QPainter, color: QColor) -> None:
    """A tilted eraser block, its lower half filled."""
    body = QPainterPath(QPointF(9, 2))
    for x, y in ((14.5, 7.5), (8, 14), (2.5, 8.5)):
        body.lineTo(QPointF(x, y))
    body.closeSubpath()
    p.drawPath(body)
    tip = QPainterPath(QPointF(5.25, 5.75))
    for x, y in ((11.25, 11.25), (8, 14), (2.5, 8.5)):
        tip.lineTo(QPointF(x, y))
    tip.closeSubpath()
    p.fillPath(tip, color)
    p.drawLine(QPointF(8, 14.5), QPointF(14.5, 14.5))


def restore_glyph(p: QPainter, color: QColor) -> None:
    """A brush over a checked square: paint the picture back."""
    p.drawRect(QRectF(1.5, 6.5, 8, 8))
    p.fillRect(QRectF(2, 7, 3.5, 3.5), color)
    p.fillRect(QRectF(5.5, 10.5, 3.5, 3.5), color)
    p.drawLine(QPointF(14.5, 1.5), QPointF(9.5, 6.5))
    p.setBrush(color)
    p.drawEllipse(QPointF(9, 7), 1.6, 1.6)


def undo_glyph(p: QPainter, color: QColor) -> None:
    path = QPainterPath(QPointF(3, 7))
    path.cubicTo(QPointF(6, 3.5), QPointF(13, 3.5), QPointF(13.5, 9.5))
    path.cubicTo(QPointF(13.5, 12), QPointF(12, 13.5), QPointF(10.5, 14))
    p.drawPath(path)
    p.drawLine(QPointF(3, 7), QPointF(3, 2.5))
    p.drawLine(QPointF(3, 7), QPointF(7.5, 7.5))


def redo_glyph(p: QPainter, color: QColor) -> None:
    p.save()
    p.translate(16, 0)
    p.scale(-1, 1)
    undo_glyph(p, color)
    p.restore()
