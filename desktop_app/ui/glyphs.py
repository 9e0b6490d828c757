"""Toolbar glyphs drawn with QPainter, and the swatch that shows the chosen backdrop.

Drawing beats shipping icon files here: the glyphs follow the palette's text colour, so they
stay legible in light and dark themes, and they are sharp at any size and pixel ratio. The
theme's own icon wins where the desktop has one (see ``Viewer._refresh_icons``).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QPoint, QPointF, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QIcon, QIconEngine, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QApplication, QStyleOption

from desktop_app.ui.view_state import Backdrop, checkerboard

Glyph = Callable[[QPainter, QColor], None]


class _GlyphIconEngine(QIconEngine):
    """An icon drawn from a glyph when first painted, at the size and pixel ratio asked.

    Drawing every toolbar icon at four sizes while the window is built cost about 10 ms
    before its first paint; drawn on demand, it costs nothing until the results show.
    """

    def __init__(self, draw: Glyph, color: QColor) -> None:
        super().__init__()
        self._draw, self._color = draw, QColor(color)

    def paint(self, painter: QPainter, rect: QRect, mode: QIcon.Mode,
              state: QIcon.State) -> None:
        if mode == QIcon.Mode.Disabled:
            painter.drawPixmap(rect, self.pixmap(rect.size(), mode, state))
        else:
            self._paint_glyph(painter, rect)

    def pixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QPixmap:
        pixmap = QPixmap(size)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        self._paint_glyph(painter, QRect(QPoint(0, 0), size))
        painter.end()
        if mode == QIcon.Mode.Disabled:  # greyed as the style greys any other icon
            pixmap = QApplication.style().generatedIconPixmap(mode, pixmap, QStyleOption())
        return pixmap

    def _paint_glyph(self, painter: QPainter, rect: QRect) -> None:
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.translate(rect.topLeft())
        painter.scale(rect.width() / 16, rect.height() / 16)
        pen = QPen(self._color, 1.5)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        painter.setPen(pen)
        self._draw(painter, self._color)
        painter.restore()

    def clone(self) -> QIconEngine:
        return _GlyphIconEngine(self._draw, self._color)


def drawn_icon(draw: Glyph, color: QColor) -> QIcon:
    """An icon that draws ``draw`` in ``color`` only when something first shows it."""
    return QIcon(_GlyphIconEngine(draw, color))


def magnifier(plus: bool) -> Glyph:
    """The zoom-in (``plus``) or zoom-out glyph: one drawing, the plus's upright the difference."""
    def draw(p: QPainter, color: QColor) -> None:
        p.drawEllipse(QPointF(6.5, 6.5), 4.5, 4.5)
        p.drawLine(QPointF(10, 10), QPointF(14, 14))
        p.drawLine(QPointF(4.5, 6.5), QPointF(8.5, 6.5))
        if plus:
            p.drawLine(QPointF(6.5, 4.5), QPointF(6.5, 8.5))
    return draw


def fit_glyph(p: QPainter, color: QColor) -> None:
    for x, y, dx, dy in ((2, 2, 1, 1), (14, 2, -1, 1), (2, 14, 1, -1), (14, 14, -1, -1)):
        p.drawLine(QPointF(x, y), QPointF(x + 4 * dx, y))
        p.drawLine(QPointF(x, y), QPointF(x, y + 4 * dy))
    p.drawRect(QRectF(6, 6, 4, 4))


def actual_glyph(p: QPainter, color: QColor) -> None:
    font = QFont()
    font.setPixelSize(8)
    font.setBold(True)
    p.setFont(font)
    p.drawText(QRectF(0, 0, 16, 16), int(Qt.AlignmentFlag.AlignCenter), "1:1")


def compare_glyph(p: QPainter, color: QColor) -> None:
    p.drawRect(QRectF(1.5, 3.5, 13, 9))
    p.fillRect(QRectF(2, 4, 6, 8), color)
    p.drawLine(QPointF(8, 1.5), QPointF(8, 14.5))


def side_by_side_glyph(p: QPainter, color: QColor) -> None:
    for x in (1.5, 6.5, 11.5):
        p.drawRect(QRectF(x, 4.5, 3, 7))


def swatch(backdrop: Backdrop, frame: QColor) -> QIcon:
    """The backdrop in small, framed, so the Background button shows what is chosen."""
    icon = QIcon()
    for size in (16, 24, 32):
        pixmap = QPixmap(size, size)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        area = QRectF(1, 1, size - 2, size - 2)
        if backdrop.kind == "color":
            painter.fillRect(area, backdrop.color)
        elif backdrop.kind == "image" and backdrop.image is not None:
            painter.drawImage(area, backdrop.image)
        else:
            painter.drawTiledPixmap(area, checkerboard(max(2, size // 6)))
        painter.setPen(QPen(frame, 1))
        painter.drawRect(area.adjusted(-0.5, -0.5, 0.5, 0.5))
        painter.end()
        icon.addPixmap(pixmap)
    return icon
