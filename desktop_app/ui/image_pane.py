"""A captioned pane: the title a designer reads over the canvas that shows the picture."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from desktop_app.ui.canvas import Canvas, ImageCanvas
from desktop_app.ui.view_state import ViewState


class ImagePane(QWidget):
    """A caption over a canvas; the canvas carries the object name tests and tools use."""

    def __init__(self, title: str, name: str, accessible: str, *, checkered: bool = False,
                 parent: QWidget | None = None, state: ViewState | None = None,
                 canvas: Canvas | None = None) -> None:
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
