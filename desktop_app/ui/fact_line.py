"""One line of facts that never wraps: its source shortens first, then the line itself.

Under the viewer the job's link or file path comes first and its facts after it (engine,
cost, size, how long the links last). A wrapped label grew to two or three ragged lines
beside the save buttons; this one stays a single line at any width: the source loses its
middle to fit (keeping its file name, which says the most); when too little room is left for
it, the facts stand alone (the source is the selected row's name), ending in "…" if they
must. The full text is its tooltip, so nothing is lost.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

SEPARATOR = " \u00b7 "
ELLIPSIS = "\u2026"
MIN_SOURCE_PX = 80    # less than this of a link or path says nothing: the facts alone
MIN_WIDTH_PX = 40


class FactLine(QLabel):
    """A QLabel showing ``source · facts`` elided to its width, the full text as tooltip."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._source = ""
        self._facts = ""
        self.setWordWrap(False)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

    def set_line(self, source: str, facts: str) -> None:
        """Show ``source`` then ``facts``; the tooltip holds both in full."""
        self._source, self._facts = source, facts
        self.setToolTip(self.full_text())
        self.setAccessibleDescription(self.full_text())
        self._fit()

    def full_text(self) -> str:
        return SEPARATOR.join(part for part in (self._source, self._facts) if part)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        metrics = self.fontMetrics()
        return QSize(metrics.horizontalAdvance(self.full_text()) + 2, metrics.height())

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(MIN_WIDTH_PX, self.fontMetrics().height())

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        super().setText(self.fitted(self.contentsRect().width()))

    def fitted(self, width: int) -> str:
        """The line as it fits in ``width`` pixels: whole; else with a shorter source that
        keeps its file name whole; else (the source is the selected row's name, and in the
        tooltip) the facts alone."""
        metrics, whole = self.fontMetrics(), self.full_text()
        if metrics.horizontalAdvance(whole) <= width or not (self._source and self._facts):
            return metrics.elidedText(whole, Qt.TextElideMode.ElideRight, width)
        rest = SEPARATOR + self._facts
        room = width - metrics.horizontalAdvance(rest)
        source = self._short_source(room) if room >= MIN_SOURCE_PX else None
        if source is not None:
            return source + rest
        return metrics.elidedText(self._facts, Qt.TextElideMode.ElideRight, width)

    def _short_source(self, room: int) -> str | None:
        """/home/ana/Pic…/summer photo.heic: as much of the start as fits before the file
        name (or a link's last part), which says the most; …/photo.jpg?w… when only the name
        fits; None when not even that does."""
        metrics = self.fontMetrics()
        folder, slash, name = self._source.rpartition("/")
        if not (slash and name):
            return metrics.elidedText(self._source, Qt.TextElideMode.ElideMiddle, room)
        end = slash + name
        if metrics.horizontalAdvance(ELLIPSIS + end) <= room:
            start = metrics.elidedText(folder, Qt.TextElideMode.ElideRight,
                                       room - metrics.horizontalAdvance(end))
            return (start or ELLIPSIS) + end
        bare = name.split("?", 1)[0]
        if metrics.horizontalAdvance(ELLIPSIS + slash + bare + ELLIPSIS) <= room:
            return metrics.elidedText(ELLIPSIS + end, Qt.TextElideMode.ElideRight, room)
        return None
