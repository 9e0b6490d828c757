"""What the cut-out is shown over: the checkerboard, white, black, a colour or an image.

The choice lives apart from the viewer because it has a life of its own: a menu of exclusive
choices, a state that is kept in QSettings, and an image backdrop that is read in a worker. While
that image loads the previous backdrop stays on screen (and its menu entry stays checked), so a
slow or failed read never leaves the cut-out over nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction, QActionGroup, QColor, QImage
from PySide6.QtWidgets import QColorDialog, QFileDialog, QMenu, QWidget

from desktop_app.ui.pyramid import read_background_image
from desktop_app.ui.tasks import run_task
from desktop_app.ui.view_state import Backdrop

BACKGROUND_KINDS = ("checker", "white", "black", "color", "image")
DEFAULT_CUSTOM_COLOR = "#808080"
IMAGE_FILTER = "Images (*.png *.jpg *.jpeg *.webp *.bmp *.gif *.tif *.tiff)"


class BackgroundChoice(QObject):
    """The Background menu and the backdrop it stands for.

    Signals:
    - ``backdrop_changed(Backdrop)``: paint this behind the cut-out from now on.
    - ``changed(dict)``: the user chose another backdrop; the dict is ``state()``.
    - ``failed(str)``: a background image could not be used (one sentence).
    """

    backdrop_changed = Signal(object)
    changed = Signal(dict)
    failed = Signal(str)

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self._dialog_parent = parent
        self._state: dict[str, str] = {"kind": "checker", "color": DEFAULT_CUSTOM_COLOR,
                                       "image": ""}
        self._image: QImage | None = None
        self._token = 0
        self._request: tuple[str, bool] | None = None   # (path, asked by set_state)
        self.menu = QMenu("&Background", parent)
        self.menu.setObjectName("backgroundMenu")
        self.menu.menuAction().setStatusTip("What the cut-out is shown over")
        self.actions = self._build_choices()
        self._sync_checks()

    def _build_choices(self) -> dict[str, QAction]:
        group = QActionGroup(self)
        group.setExclusive(True)

        def choice(text: str, slot: Callable, tip: str) -> QAction:
            act = QAction(text, self)
            act.setCheckable(True)
            act.setStatusTip(tip)
            act.triggered.connect(slot)
            group.addAction(act)
            self.menu.addAction(act)
            return act

        return {
            "checker": choice("&Checkerboard", lambda: self._choose_kind("checker"),
                              "Show transparency as a checkerboard"),
            "white": choice("&White", lambda: self._choose_kind("white"),
                            "Show the cut-out on white"),
            "black": choice("Blac&k", lambda: self._choose_kind("black"),
                            "Show the cut-out on black"),
            "color": choice("Custom &colour\u2026", self.choose_color,
                            "Show the cut-out on a colour of your choice"),
            "image": choice("&Image\u2026", self.choose_image,
                            "Show the cut-out on an image from your disk"),
        }

    # -- state -------------------------------------------------------------------------
    def state(self) -> dict[str, str]:
        """The choice as plain strings, for QSettings: kind, color, image."""
        return dict(self._state)

    def set_state(self, state: Mapping[str, Any] | None) -> None:
        """Restore a ``state()``; anything unusable falls back to the checkerboard.

        An image backdrop is read in a worker; until it is ready the previous one shows.
        """
        if not isinstance(state, Mapping):
            return
        kind = str(state.get("kind", "checker"))
        color = QColor(str(state.get("color", "") or ""))
        image = str(state.get("image", "") or "")
        self._state = {"kind": kind if kind in BACKGROUND_KINDS else "checker",
                       "color": color.name() if color.isValid() else DEFAULT_CUSTOM_COLOR,
                       "image": image}
        if self._state["kind"] == "image":
            if image:
                self._load(image, from_state=True)
                self._sync_checks()
                return
            self._state["kind"] = "checker"
        self._image = None
        self._apply()

    def backdrop(self) -> Backdrop:
        """What to paint now (an image still loading shows as the checkerboard)."""
        kind = self._state["kind"]
        if kind == "white":
            return Backdrop("color", QColor(255, 255, 255))
        if kind == "black":
            return Backdrop("color", QColor(0, 0, 0))
        if kind == "color":
            return Backdrop("color", QColor(self._state["color"]))
        if kind == "image" and self._image is not None:
            return Backdrop("image", image=self._image)
        return Backdrop("checker")

    # -- choosing ----------------------------------------------------------------------
    def choose_color(self) -> None:
        color = QColorDialog.getColor(QColor(self._state["color"]), self._dialog_parent,
                                      "Background colour")
        if not color.isValid():
            self._sync_checks()
            return
        self._state["color"] = color.name()
        self._choose_kind("color")

    def choose_image(self) -> None:
        image = self._state["image"]
        start = str(Path(image).parent) if image else str(Path.home())
        path, _ = QFileDialog.getOpenFileName(self._dialog_parent, "Choose a background image",
                                              start, IMAGE_FILTER)
        self._sync_checks()        # stays as it was until the image is ready
        if path:
            self._load(path, from_state=False)

    def _choose_kind(self, kind: str) -> None:
        self._state["kind"] = kind
        self._request = None
        self._image = None
        self._apply()
        self.changed.emit(self.state())

    def _apply(self) -> None:
        self._sync_checks()
        self.backdrop_changed.emit(self.backdrop())

    def _sync_checks(self) -> None:
        shown = self._state["kind"]
        if shown == "image" and self._image is None:
            shown = "checker"        # an image still loading: the checkerboard is on screen
        self.actions[shown].setChecked(True)

    # -- the image, read in a worker ---------------------------------------------------
    def _load(self, path: str, *, from_state: bool) -> None:
        """Read ``path`` in a worker; only the latest request's answer is used."""
        self._token += 1
        token = self._token
        self._request = (path, from_state)
        run_task(self, lambda: read_background_image(path),
                 lambda image: self._loaded(token, image),
                 lambda message: self._load_failed(token, message))

    def _loaded(self, token: int, image: QImage) -> None:
        if token != self._token or self._request is None:
            return
        path, _ = self._request
        self._request = None
        self._image = image
        self._state["kind"], self._state["image"] = "image", path
        self._apply()
        self.changed.emit(self.state())

    def _load_failed(self, token: int, message: str) -> None:
        if token != self._token or self._request is None:
            return
        _, from_state = self._request
        self._request = None
        if from_state:
            self._state["kind"] = "checker"
            self._apply()
            self.changed.emit(self.state())
        self.failed.emit(f"The background image was not used: {message}")
