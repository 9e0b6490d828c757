"""How the viewer lays its pictures out: three panes side by side, one large pane, or compare.

A portrait photo in three narrow panes is a thin strip each; one large pane shows it as a
designer wants to inspect it. The panes are the very same widgets in every layout (the ones
named ``originalView``, ``mattedView`` and ``maskView``): a single-pane layout only hides the
other two, so the zoom, the centre and anything drawn on a pane carry over. The segmented
buttons and the keys 0-4 choose; the choice and the compare divider are kept in the settings.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QHBoxLayout, QStackedWidget, QToolButton, QWidget

if TYPE_CHECKING:
    from desktop_app.settings import Settings
    from desktop_app.ui.image_pane import ImagePane
    from desktop_app.ui.viewer import Viewer

VIEW_MODES = ("all", "original", "cutout", "mask", "compare")
LAYOUTS = VIEW_MODES[:-1]
# mode: (button text, menu text, keys, what it does)
_MODES = {
    "all": ("Side by side", "&Side by side", ["0"],
            "Original, cut-out and mask side by side"),
    "original": ("Original", "&Original only", ["1"], "Only the original, in one large pane"),
    "cutout": ("Cut-out", "Cu&t-out only", ["2"], "Only the cut-out, in one large pane"),
    "mask": ("Mask", "&Mask only", ["3"], "Only the mask, in one large pane"),
    "compare": ("Compare", "&Compare before and after", ["Ctrl+B", "4"],
                "The original and the cut-out in one pane with a divider to drag"),
}


def _native(keys: list[str]) -> str:
    return " or ".join(QKeySequence(k).toString(QKeySequence.SequenceFormat.NativeText)
                       for k in keys)


class ViewModes(QObject):
    """The layouts' actions, their segmented buttons, and the switching itself.

    Signals: ``changed(str)``, the mode now shown (one of ``VIEW_MODES``).
    """

    changed = Signal(str)

    def __init__(self, owner: QWidget, panes: dict[str, ImagePane], panes_page: QWidget,
                 stack: QStackedWidget, compare_pane: QWidget) -> None:
        super().__init__(owner)
        self._panes, self._panes_page = panes, panes_page
        self._stack, self._compare_pane = stack, compare_pane
        self._mode, self._layout = "all", "all"
        self.actions: dict[str, QAction] = {}
        for mode, (label, text, keys, tip) in _MODES.items():
            act = QAction(text, owner)
            act.setIconText(label)                 # what the segmented button says
            act.setShortcuts([QKeySequence(k) for k in keys])
            act.setToolTip(f"{tip} ({_native(keys)})")
            act.setStatusTip(tip)
            act.setCheckable(True)
            act.triggered.connect(lambda checked, m=mode: self._chosen(m, checked))
            owner.addAction(act)
            self.actions[mode] = act
        self.actions["all"].setChecked(True)
        self.bar = self._build_bar()

    def _build_bar(self) -> QWidget:
        """The segmented toggle: one button per mode, side by side, one of them down."""
        bar = QWidget()
        bar.setObjectName("viewModeBar")
        bar.setAccessibleName("Layout")
        row = QHBoxLayout(bar)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        self.buttons: dict[str, QToolButton] = {}
        for mode, (label, *_) in _MODES.items():
            button = QToolButton()
            button.setDefaultAction(self.actions[mode])
            button.setObjectName("compareButton" if mode == "compare"
                                 else f"{mode}ViewButton")
            button.setAccessibleName(label)
            button.setAutoRaise(True)
            # the side-by-side glyph says it alone (the bar stays narrow for narrow windows)
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly if mode == "all"
                                      else Qt.ToolButtonStyle.ToolButtonTextBesideIcon
                                      if mode == "compare"
                                      else Qt.ToolButtonStyle.ToolButtonTextOnly)
            row.addWidget(button)
            self.buttons[mode] = button
        return bar

    def mode(self) -> str:
        return self._mode

    def layout(self) -> str:
        """The panes' layout: the mode, or the one Compare will go back to."""
        return self._layout

    def set_mode(self, mode: str) -> None:
        """Show ``mode``; anything unknown (an old setting, say) is side by side."""
        mode = mode if mode in VIEW_MODES else "all"
        if mode != "compare":
            self._layout = mode
        for name, pane in self._panes.items():
            pane.setVisible(self._layout in ("all", name))
        comparing = mode == "compare"
        self._stack.setCurrentWidget(self._compare_pane if comparing else self._panes_page)
        for name, act in self.actions.items():
            act.setChecked(name == mode)
        if mode != self._mode:
            self._mode = mode
            self.changed.emit(mode)

    def _chosen(self, mode: str, checked: bool) -> None:
        if mode == "compare" and not checked:       # Compare (or Ctrl+B) again: back out
            self.set_mode(self._layout)
        else:
            self.set_mode(mode)


def keep_in_settings(viewer: Viewer, settings: Settings) -> None:
    """Show the layout and the compare divider the designer left, and remember new ones."""
    viewer.compare_view.set_divider(settings.compare_divider)
    viewer.set_view_mode(settings.view_mode)
    viewer.view_mode_changed.connect(lambda mode: setattr(settings, "view_mode", mode))
    viewer.compare_view.divider_moved.connect(
        lambda share: setattr(settings, "compare_divider", share))
