"""What could not be added, all of it: a button in the status bar ("3 items not added…") that
stays after the status message has moved on, and the list it opens, one sentence per item.

Built when the window completes itself (the first frame never shows it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.ui.job_list import elide_middle

if TYPE_CHECKING:
    from desktop_app.jobs.sources import Problem


def count_text(n: int) -> str:
    return f"{n} item{'s' if n != 1 else ''} not added"


class RefusalsButton(QToolButton):
    """The status bar's way to every refusal of the latest intake; hidden when none. As
    tall as the status bar's text (``height``), so the bar does not grow when it shows."""

    def __init__(self, height: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("refusalsButton")
        self.setAutoRaise(True)
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.setFixedHeight(height + 2)
        self.setIconSize(QSize(height - 4, height - 4))
        self.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning))
        self.setToolTip("Show every item that was not added, and why")
        self.problems: list[Problem] = []
        self.clicked.connect(self.show_details)
        self.hide()

    def show_problems(self, problems: list[Problem]) -> None:
        """The latest intake's refusals ([] hides the button)."""
        self.problems = list(problems)
        self.setText(f"{count_text(len(problems))}\u2026")
        self.setAccessibleName(f"{count_text(len(problems))}: show the details")
        self.setVisible(bool(problems))

    def show_details(self) -> None:
        dialog = RefusalsDialog(self.problems, self.window())
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()


class RefusalsDialog(QDialog):
    """Every refused item with its sentence; the path or link itself in the tooltip and in
    what "Copy list" copies, so a long list can go into a message or a note."""

    def __init__(self, problems: list[Problem], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("refusalsDialog")
        self.setWindowTitle("Not added")
        self.resize(620, 340)
        self.problems = list(problems)
        heading = QLabel(f"{count_text(len(problems))}. Fix them and add them again, or "
                         "leave them out:" if problems else "Everything was added.")
        heading.setWordWrap(True)
        self.list = QListWidget()
        self.list.setObjectName("refusalsList")
        self.list.setAccessibleName("Items not added")
        self.list.setWordWrap(True)
        self.list.setAlternatingRowColors(True)
        self.list.setSpacing(3)
        self.list.setSelectionMode(QListWidget.SelectionMode.ExtendedSelection)
        for problem in problems:
            text = problem.sentence
            if problem.item not in text:  # a file: its folder tells two "photo.jpg" apart
                text += f"\n{elide_middle(problem.item, 90)}"
            item = QListWidgetItem(text)
            item.setToolTip(problem.item)
            self.list.addItem(item)
        heading.setBuddy(self.list)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.copy_button = buttons.addButton("&Copy list", QDialogButtonBox.ButtonRole.ActionRole)
        self.copy_button.clicked.connect(self.copy)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(self.list, 1)
        layout.addWidget(buttons)

    def text(self) -> str:
        """One line per item: the sentence, then the item as given."""
        return "\n".join(f"{p.sentence} ({p.item})" for p in self.problems)

    def copy(self) -> None:
        QApplication.clipboard().setText(self.text())
