"""Looking at results: three panes that zoom and pan as one, or before and after in one pane.

``Viewer`` is what the main window embeds. It shows previews at once and asks for the full-size
images only when a zoom needs more detail than a preview holds (``full_resolution_wanted``);
whoever owns the files names them (``load_full_files``) and the viewer reads them, with their
halvings, in a worker that leaves the GIL to the window (``pyramid.py``). The viewer decodes
nothing itself on the GUI thread: the other file it opens, a background image
(``background_choice.py``), is read and scaled in a worker too.

Worker results come back through ``ui.tasks``, so a viewer that is closed while a worker runs
simply never hears back; nothing waits on, or is deleted under, a running thread.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QPointF, QSize, Qt, Signal
from PySide6.QtGui import QAction, QIcon, QImage, QKeySequence, QPalette
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.ui.background_choice import BACKGROUND_KINDS, BackgroundChoice
from desktop_app.ui.canvas import ImageCanvas
from desktop_app.ui.compare_canvas import CompareCanvas
from desktop_app.ui.glyphs import (
    actual_glyph,
    compare_glyph,
    drawn_icon,
    fit_glyph,
    magnifier,
    side_by_side_glyph,
    swatch,
)
from desktop_app.ui.image_pane import ImagePane
from desktop_app.ui.pyramid import read_levels
from desktop_app.ui.tasks import run_task
from desktop_app.ui.view_modes import ViewModes
from desktop_app.ui.view_state import Backdrop, ImageSource, ViewState

log = logging.getLogger(__name__)

ZOOM_PRESETS = (1 / 32, 1 / 24, 1 / 16, 1 / 12, 1 / 8, 1 / 6, 1 / 4, 1 / 3, 1 / 2, 2 / 3,
                1.0, 1.5, 2.0, 3.0, 4.0, 6.0, 8.0, 12.0, 16.0, 24.0, 32.0)
MISSING_ORIGINAL = "The original could not be downloaded."

_tokens = itertools.count(1)


class Viewer(QWidget):
    """Original, cut-out and mask side by side (or before/after), zoomed and panned as one.

    Signals:
    - ``full_resolution_wanted()``: the zoom needs more detail than the previews hold; sent
      once per shown picture. Answer with ``load_full_files`` (the files, read in a worker).
    - ``full_resolution_ready()``: the full-size images are prepared and painted from now on.
    - ``full_resolution_failed(str)``: they could not be prepared (the reason, one sentence).
    - ``background_changed(dict)``: the backdrop changed; the dict is ``background_state()``.
    - ``background_failed(str)``: a background image could not be used (one sentence).
    - ``view_mode_changed(str)``: another layout is shown (``view_modes.VIEW_MODES``).
    """

    full_resolution_wanted = Signal()
    full_resolution_ready = Signal()
    full_resolution_failed = Signal(str)
    view_mode_changed = Signal(str)
    background_changed = Signal(dict)
    background_failed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("viewer")
        self.state = ViewState(self)
        self._sources: dict[str, ImageSource | None] = dict.fromkeys(
            ("original", "cutout", "mask"))
        self._shown_key: tuple | None = None
        self._full_token = 0
        self._full_wanted_sent = False
        self._build()
        self._build_actions()
        self._build_toolbar()
        self._refresh_icons()
        self._show_backdrop(self.background.backdrop())
        self.state.changed.connect(self._view_changed)
        self._view_changed()

    # -- building ----------------------------------------------------------------------
    def _build(self) -> None:
        hint = "Scroll or pinch to zoom, drag to move, double-click for 100 %"
        self.original_pane = ImagePane("Original", "originalView", "Original image",
                                       checkered=True, state=self.state)
        self.matted_pane = ImagePane("Cut-out", "mattedView",
                                     "Cut-out on transparent background", checkered=True,
                                     state=self.state)
        self.mask_pane = ImagePane("Mask", "maskView", "Mask", state=self.state)
        self.original_view: ImageCanvas = self.original_pane.canvas
        self.matted_view: ImageCanvas = self.matted_pane.canvas
        self.mask_view: ImageCanvas = self.mask_pane.canvas
        for canvas in (self.original_view, self.matted_view, self.mask_view):
            canvas.setToolTip(f"{canvas.accessibleName()}. {hint}.")
        self.compare_view = CompareCanvas(state=self.state)
        self.compare_pane = ImagePane("Before and after", "compareView", "Before and after",
                                      canvas=self.compare_view)

        panes = QWidget()
        panes.setObjectName("threePanes")
        row = QHBoxLayout(panes)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(12)
        for pane in (self.original_pane, self.matted_pane, self.mask_pane):
            row.addWidget(pane, 1)
        self.stack = QStackedWidget()
        self.stack.addWidget(panes)
        self.stack.addWidget(self.compare_pane)
        self._panes_page = panes
        self.modes = ViewModes(self, {"original": self.original_pane,
                                      "cutout": self.matted_pane, "mask": self.mask_pane},
                               panes, self.stack, self.compare_pane)
        self.modes.changed.connect(self._mode_changed)

        self.zoom_label = QLabel()
        self.zoom_label.setObjectName("zoomLabel")
        self.zoom_label.setAccessibleName("Zoom level")
        self.zoom_label.setMinimumWidth(self.fontMetrics().horizontalAdvance("3200 %") + 8)
        self.zoom_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.toolbar = QHBoxLayout()
        self.toolbar.setContentsMargins(0, 0, 0, 0)
        self.toolbar.setSpacing(2)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addLayout(self.toolbar)
        layout.addWidget(self.stack, 1)

    def _action(self, text: str, shortcuts: list[str], slot: Callable, tip: str,
                *, checkable: bool = False) -> QAction:
        act = QAction(text, self)
        act.setShortcuts([QKeySequence(s) for s in shortcuts])
        keys = QKeySequence(shortcuts[0]).toString(
            QKeySequence.SequenceFormat.NativeText) if shortcuts else ""
        act.setToolTip(f"{tip} ({keys})" if keys else tip)
        act.setStatusTip(tip)
        act.setCheckable(checkable)
        (act.toggled if checkable else act.triggered).connect(slot)
        self.addAction(act)
        return act

    def _build_actions(self) -> None:
        self.act_fit = self._action("&Fit in window", ["Ctrl+0"], self.fit,
                                    "Show the whole image")
        self.act_actual = self._action("&Actual pixels (100 %)", ["Ctrl+1"], self.actual_size,
                                       "Show the full image's pixels one to one")
        self.act_zoom_in = self._action("Zoom &in", ["Ctrl++", "Ctrl+="], self.zoom_in,
                                        "Zoom in")
        self.act_zoom_out = self._action("Zoom &out", ["Ctrl+-"], self.zoom_out, "Zoom out")
        self.act_compare = self.modes.actions["compare"]
        self._separator = QAction(self)
        self._separator.setSeparator(True)

        self.background = BackgroundChoice(self)
        self.background_menu = self.background.menu
        (self.act_bg_checker, self.act_bg_white, self.act_bg_black, self.act_bg_color,
         self.act_bg_image) = (self.background.actions[kind] for kind in BACKGROUND_KINDS)
        self.background.backdrop_changed.connect(self._show_backdrop)
        self.background.changed.connect(self.background_changed)
        self.background.failed.connect(self.background_failed)

    def _build_toolbar(self) -> None:
        buttons = []
        for act in (self.act_fit, self.act_actual, self.act_zoom_out, self.act_zoom_in):
            button = QToolButton()
            button.setDefaultAction(act)
            button.setAutoRaise(True)
            buttons.append(button)
        self.fit_button, self.actual_button, self.zoom_out_button, self.zoom_in_button = buttons
        self.fit_button.setObjectName("fitButton")
        self.actual_button.setObjectName("actualSizeButton")
        self.zoom_out_button.setObjectName("zoomOutButton")
        self.zoom_in_button.setObjectName("zoomInButton")
        self.compare_button = self.modes.buttons["compare"]
        self.background_button = QToolButton()
        self.background_button.setObjectName("backgroundButton")
        self.background_button.setAccessibleName("Background behind the cut-out")
        self.background_button.setText("Background")
        self.background_button.setToolTip("What the cut-out is shown over")
        self.background_button.setMenu(self.background_menu)
        self.background_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.background_button.setToolButtonStyle(
            Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.background_button.setAutoRaise(True)

        for button in (self.fit_button, self.actual_button, self.zoom_out_button):
            self.toolbar.addWidget(button)
        self.toolbar.addWidget(self.zoom_label)
        self.toolbar.addWidget(self.zoom_in_button)
        self.toolbar.addStretch(1)
        self.toolbar.addWidget(self.modes.bar)
        self.toolbar.addSpacing(8)
        self.toolbar.addWidget(self.background_button)

    def _refresh_icons(self) -> None:
        color = self.palette().color(QPalette.ColorRole.ButtonText)
        for act, theme, glyph in ((self.act_fit, "zoom-fit-best", fit_glyph),
                                  (self.act_actual, "zoom-original", actual_glyph),
                                  (self.act_zoom_in, "zoom-in", magnifier(True)),
                                  (self.act_zoom_out, "zoom-out", magnifier(False)),
                                  (self.act_compare, "", compare_glyph),
                                  (self.modes.actions["all"], "", side_by_side_glyph)):
            drawn = drawn_icon(glyph, color)
            act.setIcon(QIcon.fromTheme(theme, drawn) if theme else drawn)

    def actions_for_menu(self) -> list[QAction]:
        """The view's actions for a View menu (the same objects the toolbar uses)."""
        return [self.act_fit, self.act_actual, self.act_zoom_in, self.act_zoom_out,
                self._separator, *self.modes.actions.values(),
                self.background_menu.menuAction()]

    # -- pictures ----------------------------------------------------------------------
    def show_previews(self, previews: Any, full_size: QSize | None = None) -> None:
        """Show an object with ``original``, ``cutout`` and ``mask`` QImages (None allowed).

        ``full_size`` is the full result's size (job.width x job.height): 100 % means its
        pixels. Showing the very same images again keeps the zoom and any full-size images.
        """
        images = {name: getattr(previews, name, None) for name in self._sources}
        images = {name: image if image is not None and not image.isNull() else None
                  for name, image in images.items()}
        first = images["cutout"] or images["original"] or images["mask"]
        if first is None:
            self.clear()
            return
        frame = QSize(full_size) if full_size is not None and full_size.isValid() \
            and not full_size.isEmpty() else first.size()
        key = (tuple(i.cacheKey() if i is not None else None for i in images.values()),
               frame.width(), frame.height())
        if key == self._shown_key:
            return
        self._shown_key = key
        self._full_token = 0
        self._full_wanted_sent = False
        halvings = getattr(previews, "halvings", {})
        self._sources = {name: ImageSource(image, halvings.get(name, ()))
                         if image is not None else None for name, image in images.items()}
        self.state.set_full_size(frame)
        self._apply_sources("", MISSING_ORIGINAL if images["original"] is None else "")
        self._view_changed()

    def show_placeholder(self, text: str) -> None:
        """No pictures: ``text`` in the middle of the cut-out pane, the other panes empty."""
        self._drop_pictures()
        self._apply_sources(text, "")
        self._view_changed()

    def clear(self) -> None:
        """Drop every picture (and any full-size image on its way)."""
        self._drop_pictures()
        self._apply_sources("", "")
        self._view_changed()

    def _drop_pictures(self) -> None:
        self._shown_key = None
        self._full_token = 0
        self._full_wanted_sent = False
        self._sources = dict.fromkeys(self._sources)
        self.state.set_full_size(QSize())

    def _apply_sources(self, placeholder: str, original_placeholder: str) -> None:
        s = self._sources
        self.original_view.set_source(s["original"], original_placeholder)
        self.matted_view.set_source(s["cutout"], placeholder)
        self.mask_view.set_source(s["mask"], "")
        self.compare_view.set_sources(s["original"], s["cutout"], placeholder)
        has = self.has_pictures()
        for act in (self.act_fit, self.act_actual, self.act_zoom_in, self.act_zoom_out):
            act.setEnabled(has)

    def swap_pictures(self, previews: Any = None, **sources: ImageSource) -> None:
        """Other pictures of the job on show, in place: touch-up's live and edited ones.

        ``sources`` ("cutout", "mask") replace those shown; the frame, zoom and centre stay.
        ``previews``: the object they come from, so that ``show_previews(previews)`` later
        changes nothing (None: it shows afresh). Full-size images are asked for again.
        """
        self._sources.update(sources)
        self._full_token = 0
        self._full_wanted_sent = False
        self._shown_key = None
        if previews is not None:
            frame = self.state.full_size()
            self._shown_key = (tuple(i.cacheKey() if i is not None else None for i in (
                getattr(previews, name, None) for name in self._sources)),
                frame.width(), frame.height())
        self._apply_sources("", MISSING_ORIGINAL if self._sources["original"] is None else "")
        self._view_changed()

    def has_pictures(self) -> bool:
        return any(source is not None for source in self._sources.values())

    def has_full_images(self) -> bool:
        return any(s is not None and s.has_full() for s in self._sources.values())

    def load_full_files(self, original: str | Path | None, cutout: str | Path | None,
                        mask: str | Path | None) -> None:
        """Read the full-size files of the pictures shown now, and their levels, in a worker.

        The worker leaves the GIL to the window (``pyramid.py``); files that are missing or do not match the shown picture's shape are left out. A
        picture shown meanwhile drops the answer; a failure is ``full_resolution_failed``.
        """
        if self.state.full_size().isEmpty():
            return
        work = {}
        for name, path in (("original", original), ("cutout", cutout), ("mask", mask)):
            source = self._sources.get(name)
            if source is not None and path and Path(path).exists():
                work[name] = (str(path), source.image().width(), source.image().height())
        if not work:
            return
        token = next(_tokens)
        self._full_token = token

        def read() -> dict[str, list[QImage]]:
            levels = {name: read_levels(*args) for name, args in work.items()}
            for name in [n for n, found in levels.items() if found is None]:
                log.warning("full-size %s does not match the shown picture; ignored", name)
                del levels[name]
            return levels

        run_task(self, read, lambda levels: self._full_levels_done(token, levels),
                 lambda message: self._full_levels_failed(token, message))

    # -- zoom ----------------------------------------------------------------------------
    def zoom(self) -> float:
        return self.state.zoom()

    def center(self) -> QPointF:
        return self.state.center()

    def fit(self) -> None:
        self.state.fit()

    def actual_size(self) -> None:
        self.state.set_view(1.0, self.state.center())

    def zoom_in(self) -> None:
        zoom = self.state.zoom()
        target = next((z for z in ZOOM_PRESETS if z > zoom * 1.001), zoom)  # past 3200 %: stay
        self.state.set_view(target, self.state.center())

    def zoom_out(self) -> None:
        zoom = self.state.zoom()
        target = next((z for z in reversed(ZOOM_PRESETS) if z < zoom / 1.001),
                      ZOOM_PRESETS[0])
        self.state.set_view(target, self.state.center())

    def is_comparing(self) -> bool:
        return self.stack.currentWidget() is self.compare_pane

    def set_compare(self, on: bool) -> None:
        """One before/after pane instead of the panes (the zoom and centre stay)."""
        self.modes.set_mode("compare" if on else self.modes.layout())

    def view_mode(self) -> str:
        """"all", "original", "cutout", "mask" or "compare" (see ``view_modes``)."""
        return self.modes.mode()

    def set_view_mode(self, mode: str) -> None:
        self.modes.set_mode(mode)

    def _mode_changed(self, mode: str) -> None:
        if mode == "compare":
            self.compare_view.setFocus(Qt.FocusReason.OtherFocusReason)
        self.view_mode_changed.emit(mode)

    def _view_changed(self) -> None:
        zoom = self.state.zoom()
        percent = zoom * 100
        text = f"{percent:.1f} %" if percent < 10 else f"{percent:.0f} %"
        shown = self.has_pictures()
        self.zoom_label.setText(text if shown else "\u2013")   # greyed, like the zoom buttons
        self.zoom_label.setEnabled(shown)
        self.zoom_label.setToolTip("Zoom, in the full image's pixels"
                                   + (" (fitted to the window)" if self.state.is_fit() else ""))
        self._maybe_want_full()

    def _maybe_want_full(self) -> None:
        if self._full_wanted_sent or self._full_token or self.has_full_images():
            return
        frame = self.state.full_size()
        details = [s.image().width() / frame.width() for s in self._sources.values()
                   if s is not None and not frame.isEmpty()]
        if details and min(details) < 1.0 and self.state.zoom() > min(details) * 1.0001:
            self._full_wanted_sent = True
            self.full_resolution_wanted.emit()

    # -- background ------------------------------------------------------------------------
    def background_state(self) -> dict[str, str]:
        """The backdrop choice as plain strings, for QSettings: kind, color, image."""
        return self.background.state()

    def set_background_state(self, state: Mapping[str, Any] | None) -> None:
        """Restore a ``background_state()``; anything unusable falls back to the checkerboard.

        An image backdrop is read in a worker; until it is ready the previous one shows.
        """
        self.background.set_state(state)

    def _show_backdrop(self, backdrop: Backdrop) -> None:
        self.matted_view.set_backdrop(backdrop)
        self.compare_view.set_backdrop(backdrop)
        self.background_button.setIcon(
            swatch(backdrop, self.palette().color(QPalette.ColorRole.Mid)))

    # -- full-size images, prepared in a worker ------------------------------------------
    def _full_levels_done(self, token: int, levels: dict[str, list[QImage]]) -> None:
        if token != self._full_token:
            return                   # another picture is on show, or a newer load is on its way
        self._full_token = 0
        for name, images in levels.items():
            source = self._sources.get(name)
            if source is not None:
                source.set_full_levels(images)
        for canvas in (self.original_view, self.matted_view, self.mask_view, self.compare_view):
            canvas.update()
        self.full_resolution_ready.emit()

    def _full_levels_failed(self, token: int, message: str) -> None:
        if token == self._full_token:
            self._full_token = 0
            log.warning("full-size images could not be prepared: %s", message)
            self.full_resolution_failed.emit(message)

    # -- style -----------------------------------------------------------------------------
    def changeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().changeEvent(event)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.StyleChange) \
                and hasattr(self, "act_fit"):
            self._refresh_icons()
            self._show_backdrop(self.background.backdrop())
