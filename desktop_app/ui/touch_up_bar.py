"""Touch-up's commands and the small tool bar that shows them while a designer edits a mask.

The actions carry the shortcuts (T, E, R, [ and ], Ctrl+Z, Ctrl+Shift+Z, Ctrl+Shift+R for
Reset, Return or Enter for Done); the bar's buttons show those same actions, so a tooltip, a
menu and a key always agree. Return typed in a text field (the link box, a spin box) stays
that field's: it is not Done. The bar only asks:
``TouchUp`` (``touch_up.py``) does the editing.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QSize, Qt
from PySide6.QtGui import QAction, QActionGroup, QIcon, QKeyEvent, QKeySequence, QPalette
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QBoxLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QTextEdit,
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


def _text_field(widget: QWidget | None) -> QWidget | None:
    """The text field ``widget`` is (or is inside: a spin box's line edit), if any."""
    field = None
    while widget is not None:
        if isinstance(widget, (QAbstractSpinBox, QLineEdit, QPlainTextEdit, QTextEdit)):
            field = widget          # the outermost one: the spin box, not its line edit
        widget = widget.parentWidget()
    return field


class KeepReturnForTextFields(QObject):
    """On an action whose shortcut is Return: the key pressed in a text field goes to the
    field (a line edit does not claim Return, so Qt would run the shortcut instead)."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() != QEvent.Type.Shortcut:
            return False
        field = _text_field(QApplication.focusWidget())
        if field is None:
            return False
        enter = event.key() == QKeySequence(Qt.Key.Key_Enter)
        key = Qt.Key.Key_Enter if enter else Qt.Key.Key_Return
        modifiers = (Qt.KeyboardModifier.KeypadModifier if enter
                     else Qt.KeyboardModifier.NoModifier)
        keys = watched.shortcuts()
        watched.setShortcuts([])      # a key sent by hand tries the shortcuts again
        try:
            for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
                QApplication.sendEvent(field, QKeyEvent(kind, key, modifiers))
        finally:
            watched.setShortcuts(keys)
        return True


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
        self.reset = self._make("Reset the &mask", ["Ctrl+Shift+R"],
                                "Go back to the mask the cut-out came with (Undo brings "
                                "your strokes back)")
        self.done = self._make("&Done", ["Return", "Enter"],
                               "Save the touch-up and stop editing")
        self._keep_return = KeepReturnForTextFields(host)
        self.done.installEventFilter(self._keep_return)
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
        actions.reset.setIconText("Reset")
        actions.done.setIconText("Done")
        self.reset_button = self._tool(actions.reset, "resetMaskButton", "Reset the mask",
                                       text_only=True)
        self.done_button = self._tool(actions.done, "touchUpDoneButton", "Done touching up",
                                      text_only=True)

        brush, rest = self._row(), self._row()
        for widget in (self.erase_button, self.restore_button):
            brush.layout().addWidget(widget)
        brush.layout().addSpacing(10)
        self._labelled(brush.layout(), "Size", self.size_spin)
        self._labelled(brush.layout(), "Hardness", self.hardness_spin)
        brush.layout().addStretch(1)
        row = rest.layout()
        self._labelled(row, "Feather", self.feather_spin)
        self._labelled(row, "Edge", self.shift_spin)
        row.addSpacing(10)
        row.addWidget(self.undo_button)
        row.addWidget(self.redo_button)
        row.addStretch(1)
        row.addWidget(self.reset_button)
        row.addWidget(self.done_button)
        # one row where it fits, two in a narrow window (the brush's, then the rest)
        self._rows = (brush, rest)
        self._layout = QBoxLayout(QBoxLayout.Direction.LeftToRight, self)
        self._layout.setContentsMargins(6, 3, 6, 3)
        self._layout.setSpacing(10)
        self._layout.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
        self._layout.addWidget(brush)
        self._layout.addWidget(rest, 1)

    @staticmethod
    def _row() -> QWidget:
        row = QWidget()
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        return row

    def _one_row_width(self) -> int:
        margins = self._layout.contentsMargins()
        return (sum(r.sizeHint().width() for r in self._rows) + self._layout.spacing()
                + margins.left() + margins.right() + 2 * self.frameWidth())

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        """As narrow as the wider row: the bar folds into two rows rather than widen the
        window."""
        margins = self._layout.contentsMargins()
        width = max(r.minimumSizeHint().width() for r in self._rows)
        return QSize(width + margins.left() + margins.right() + 2 * self.frameWidth(),
                     super().minimumSizeHint().height())

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        wanted = (QBoxLayout.Direction.LeftToRight
                  if event.size().width() >= self._one_row_width()
                  else QBoxLayout.Direction.TopToBottom)
        if self._layout.direction() != wanted:
            self._layout.setDirection(wanted)
            self.updateGeometry()

    def is_folded(self) -> bool:
        """Whether the bar shows two rows (a narrow window)."""
        return self._layout.direction() == QBoxLayout.Direction.TopToBottom

    @staticmethod
    def _tool(action: QAction, name: str, accessible: str, *, icon_only: bool = False,
              text_only: bool = False) -> QToolButton:
        button = QToolButton()
        button.setObjectName(name)
        button.setDefaultAction(action)
        button.setAccessibleName(accessible)
        button.setAutoRaise(not text_only)          # the text-only ones look like buttons
        style = Qt.ToolButtonStyle
        button.setToolButtonStyle(style.ToolButtonIconOnly if icon_only else
                                  style.ToolButtonTextOnly if text_only else
                                  style.ToolButtonTextBesideIcon)
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
