"""Touch-up's commands and the small tool bar that shows them while a designer edits a mask.

The actions carry the shortcuts (T, E, R, [ and ], Ctrl+Z, Ctrl+Shift+Z); the bar's buttons
show those same actions, so a tooltip, a menu and a key always agree. The bar only asks:
``TouchUp`` (``touch_up.py``) does the editing.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QActionGroup, QIcon, QKeySequence, QPalette
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QToolButton,
    QWidget,
)

from desktop_app.jobs.edits import MAX_FEATHER, MAX_SHIFT
from desktop_app.ui.brush import brush_glyph, eraser_glyph, redo_glyph, restore_glyph, undo_glyph
from desktop_app.ui.glyphs import drawn_icon

MAX_BRUSH = 5000
DEFAULT_HARDNESS = 80


class SignedSpinBox(QSpinBox):
    """Shows +3 for growing and −3 (a real minus) for shrinking the edge."""

    def textFromValue(self, value: int) -> str:  # noqa: N802 - Qt's name
        return f"+{value}" if value > 0 else (f"\u2212{-value}" if value < 0 else "0")

    def valueFromText(self, text: str) -> int:  # noqa: N802 - Qt's name
        cleaned = text.replace("\u2212", "-").replace(self.suffix(), "").strip()
        try:
            return int(cleaned)
        except ValueError:
            return 0

    def validate(self, text: str, pos: int):
        cleaned = text.replace("\u2212", "-").replace(self.suffix(), "").strip()
        result = super().validate(cleaned + self.suffix(), pos)
        state = result[0] if isinstance(result, tuple) else result
        return state, text, pos          # the text as shown, with its real minus


def _keys(shortcut: str) -> str:
    return QKeySequence(shortcut).toString(QKeySequence.SequenceFormat.NativeText)


class TouchUpActions:
    """Every touch-up command as a QAction held by ``host`` (so its key works anywhere in
    the window while the results show)."""

    def __init__(self, host: QWidget) -> None:
        self._host = host
        self.touch_up = self._make("&Touch up", ["T"], "Erase or restore parts of the "
                                   "cut-out with a brush", checkable=True)
        self.erase = self._make("&Erase", ["E"], "Erase: paint away what should not be "
                                "kept", checkable=True)
        self.restore = self._make("&Restore", ["R"], "Restore: paint back what was "
                                  "removed, from the original", checkable=True)
        self.tools = QActionGroup(host)
        self.tools.setExclusive(True)
        self.tools.addAction(self.erase)
        self.tools.addAction(self.restore)
        self.erase.setChecked(True)
        self.smaller = self._make("Smaller brush", ["["], "Make the brush smaller")
        self.bigger = self._make("Bigger brush", ["]"], "Make the brush bigger")
        self.undo = self._make("&Undo stroke", ["Ctrl+Z"], "Undo the last stroke")
        self.redo = self._make("&Redo stroke", ["Ctrl+Shift+Z", "Ctrl+Y"],
                               "Redo the stroke undone last")
        self.reset = self._make("Reset the &mask", [],
                                "Go back to the mask the cut-out came with (Undo brings "
                                "your strokes back)")
        self.done = self._make("&Done", [], "Save the touch-up and stop editing")
        self.editing = [self.erase, self.restore, self.smaller, self.bigger, self.undo,
                        self.redo, self.reset, self.done]
        for act in self.editing:
            act.setEnabled(False)
        self.touch_up.setEnabled(False)
        self.refresh_icons()

    def _make(self, text: str, shortcuts: list[str], tip: str, *,
              checkable: bool = False) -> QAction:
        act = QAction(text, self._host)
        act.setShortcuts([QKeySequence(s) for s in shortcuts])
        act.setToolTip(f"{tip} ({_keys(shortcuts[0])})" if shortcuts else tip)
        act.setStatusTip(tip)
        act.setCheckable(checkable)
        self._host.addAction(act)
        return act

    def refresh_icons(self) -> None:
        """Glyphs in the palette's text colour (theme icons first where the desktop has them)."""
        colour = self._host.palette().color(QPalette.ColorRole.ButtonText)
        for act, theme, glyph in ((self.touch_up, "", brush_glyph),
                                  (self.erase, "", eraser_glyph),
                                  (self.restore, "", restore_glyph),
                                  (self.undo, "edit-undo", undo_glyph),
                                  (self.redo, "edit-redo", redo_glyph)):
            drawn = drawn_icon(glyph, colour)
            act.setIcon(QIcon.fromTheme(theme, drawn) if theme else drawn)

    def set_editing(self, on: bool) -> None:
        for act in (self.erase, self.restore, self.smaller, self.bigger, self.reset,
                    self.done):
            act.setEnabled(on)
        if not on:
            self.undo.setEnabled(False)
            self.redo.setEnabled(False)


class TouchUpBar(QFrame):
    """Erase | Restore · size, hardness · feather, edge · undo, redo · reset, Done."""

    def __init__(self, actions: TouchUpActions, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("touchUpBar")
        self.setAccessibleName("Touch-up tools")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        row = QHBoxLayout(self)
        row.setContentsMargins(6, 3, 6, 3)
        row.setSpacing(4)
        self.erase_button = self._tool(actions.erase, "eraseTool", "Erase brush")
        self.restore_button = self._tool(actions.restore, "restoreTool", "Restore brush")
        self.size_spin = self._spin("brushSize", "Brush size", 1, MAX_BRUSH, " px",
                                    "Brush diameter in the image's pixels ([ smaller, ] "
                                    "bigger); the ring under the pointer shows it")
        self.hardness_spin = self._spin("brushHardness", "Brush hardness", 0, 100, " %",
                                        "How sharp the brush's edge is: 100 % is crisp, "
                                        "0 % fades from the middle")
        self.hardness_spin.setValue(DEFAULT_HARDNESS)
        self.feather_spin = self._spin("edgeFeather", "Feather the edge", 0, int(MAX_FEATHER),
                                       " px", "Soften the subject's edge over this many "
                                       "pixels")
        self.shift_spin = self._spin("edgeShift", "Shift the edge", -int(MAX_SHIFT),
                                     int(MAX_SHIFT), " px", "Move the subject's edge out (+) "
                                     "or in (\u2212) by this many pixels",
                                     kind=SignedSpinBox)
        self.undo_button = self._tool(actions.undo, "undoStrokeButton", "Undo stroke",
                                      icon_only=True)
        self.redo_button = self._tool(actions.redo, "redoStrokeButton", "Redo stroke",
                                      icon_only=True)
        self.reset_button = QPushButton("Reset")
        self.reset_button.setObjectName("resetMaskButton")
        self.reset_button.setAccessibleName("Reset the mask")
        self.reset_button.setToolTip(actions.reset.toolTip())
        self.reset_button.clicked.connect(actions.reset.trigger)
        actions.reset.enabledChanged.connect(self.reset_button.setEnabled)
        self.done_button = QPushButton("Done")
        self.done_button.setObjectName("touchUpDoneButton")
        self.done_button.setAccessibleName("Done touching up")
        self.done_button.setToolTip(actions.done.toolTip())
        self.done_button.clicked.connect(actions.done.trigger)

        for widget in (self.erase_button, self.restore_button):
            row.addWidget(widget)
        row.addSpacing(10)
        self._labelled(row, "Size", self.size_spin)
        self._labelled(row, "Hardness", self.hardness_spin)
        row.addSpacing(10)
        self._labelled(row, "Feather", self.feather_spin)
        self._labelled(row, "Edge", self.shift_spin)
        row.addSpacing(10)
        row.addWidget(self.undo_button)
        row.addWidget(self.redo_button)
        row.addStretch(1)
        row.addWidget(self.reset_button)
        row.addWidget(self.done_button)

    @staticmethod
    def _tool(action: QAction, name: str, accessible: str, *,
              icon_only: bool = False) -> QToolButton:
        button = QToolButton()
        button.setObjectName(name)
        button.setDefaultAction(action)
        button.setAccessibleName(accessible)
        button.setAutoRaise(True)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly if icon_only
                                  else Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        return button

    @staticmethod
    def _spin(name: str, accessible: str, low: int, high: int, suffix: str, tip: str,
              kind: Callable[[], QSpinBox] = QSpinBox) -> QSpinBox:
        spin = kind()
        spin.setObjectName(name)
        spin.setAccessibleName(accessible)
        spin.setRange(low, high)
        spin.setSuffix(suffix)
        spin.setToolTip(tip)
        spin.setKeyboardTracking(False)      # typing "120" is one change, not three
        spin.setAlignment(Qt.AlignmentFlag.AlignRight)
        return spin

    @staticmethod
    def _labelled(row: QHBoxLayout, text: str, spin: QSpinBox) -> None:
        label = QLabel(text)
        label.setBuddy(spin)
        label.setToolTip(spin.toolTip())
        row.addWidget(label)
        row.addWidget(spin)
