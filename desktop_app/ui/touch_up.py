"""Touch-up in the results page: brush strokes on the cut-out or mask pane, and saving them.

``TouchUp`` owns one edit at a time. Opening it reads the job's previews and stored strokes
in a worker and swaps the viewer's cut-out and mask for live pictures; strokes are ordinary
mouse presses, moves and releases on ``mattedView`` or ``maskView`` (an event filter, so
the canvases keep their zooming and panning: Space-drag or the middle button pans). Done,
leaving the job, or closing the window saves: the strokes go to the job's folder and the
full-size mask and cut-out are rendered in a worker (``jobs.edit_render``), then the job is
marked edited through ``edited``. Nothing here writes over the service's files.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QPointF, QRectF, Qt, Signal
from PySide6.QtWidgets import QMenu, QWidget

from desktop_app.jobs.edits import ERASE, RESTORE, clear_edits
from desktop_app.jobs.model import Job, JobState
from desktop_app.ui.brush import BrushOverlay, LiveSource
from desktop_app.ui.tasks import run_task
from desktop_app.ui.touch_up_bar import MAX_BRUSH, TouchUpActions, TouchUpBar
from desktop_app.ui.view_state import ImageSource

if TYPE_CHECKING:
    from desktop_app.ui.canvas import ImageCanvas
    from desktop_app.ui.touch_up_session import EditSession, SessionData
    from desktop_app.ui.viewer import Viewer
    from desktop_app.ui.workers import Previews

BRUSH_STEP = 1.2            # [ and ] divide or multiply the size by this


def default_brush(width: int, height: int) -> int:
    """A brush a fifteenth of the image's short side: big enough to see at fit zoom."""
    return max(4, min(MAX_BRUSH, round(min(width, height) / 15)))


class TouchUp(QObject):
    """Signals:
    - ``message(str, int)``: a sentence for the status bar, milliseconds (0: stays).
    - ``previews_changed(str, object)``: the previews to show for a job (job id, Previews).

    ``record_edited(job_id, mask path or None)`` stores that a job's edit was saved or reset;
    it is called from the worker that wrote the files, so it must be thread-safe (the
    window gives the queue's ``set_edited``, which is).
    """

    message = Signal(str, int)
    previews_changed = Signal(str, object)

    def __init__(self, viewer: Viewer, host: QWidget) -> None:
        super().__init__(host)
        self._viewer = viewer
        self.actions = TouchUpActions(host)
        self.bar = TouchUpBar(self.actions)
        self.bar.hide()
        self.workdir_for: Callable[[Job], Path] = lambda job: Path(job.mask_path).parent
        self.record_edited: Callable[[str, str | None], None] = lambda job_id, path: None
        self._job: Job | None = None
        self._previews: Previews | None = None
        self._session: EditSession | None = None
        self._dirty = False
        self._loading: str | None = None       # the job whose edit is being opened
        self._saving: set[str] = set()         # jobs whose full-size render runs
        self._space = False
        self._sized_for: tuple[int, int] | None = None
        self._hover_canvas: ImageCanvas | None = None
        self._canvases = (viewer.matted_view, viewer.mask_view)
        self._overlays = {canvas: BrushOverlay(canvas) for canvas in self._canvases}
        self._host = host
        host.installEventFilter(self)            # a new palette: glyphs in its colours
        self._wire()

    def _wire(self) -> None:
        a = self.actions
        a.touch_up.toggled.connect(self._toggled)
        a.smaller.triggered.connect(lambda: self._resize_brush(1 / BRUSH_STEP))
        a.bigger.triggered.connect(lambda: self._resize_brush(BRUSH_STEP))
        a.undo.triggered.connect(lambda: self._history(lambda s: s.undo()))
        a.redo.triggered.connect(lambda: self._history(lambda s: s.redo()))
        a.reset.triggered.connect(self.reset)
        a.done.triggered.connect(lambda: a.touch_up.setChecked(False))
        self.bar.size_spin.valueChanged.connect(lambda _v: self._update_overlay())
        self.bar.feather_spin.valueChanged.connect(self._edges_changed)
        self.bar.shift_spin.valueChanged.connect(self._edges_changed)
        self._viewer.state.changed.connect(self._update_overlay)

    def add_to_menu(self, menu: QMenu) -> None:
        """List the commands in a menu (the Edit menu), after a separator."""
        a = self.actions
        menu.addSeparator()
        menu.addActions([a.touch_up, a.erase, a.restore, a.undo, a.redo, a.reset, a.done])

    # -- what is shown -----------------------------------------------------------------------
    def show_job(self, job: Job | None, previews: Previews | None) -> None:
        """The results page shows ``job`` (with its previews, or not yet): an edit of
        another job is saved and closed."""
        editing = self._job is not None and (self.is_active() or self._loading)
        if editing and (job is None or job.id != self._job.id):
            self.actions.touch_up.setChecked(False)
        if job is None or job.id != getattr(self._job, "id", None) or not self.is_active():
            self._job, self._previews = (job.snapshot() if job else None), previews
        elif job is not None:
            self._job = job.snapshot()
        self._update_available()

    def _update_available(self) -> None:
        job = self._job
        ready = (job is not None and job.state == JobState.DONE and job.has_results
                 and self._previews is not None)
        self.actions.touch_up.setEnabled(bool(ready) or self.is_active())

    def is_active(self) -> bool:
        """Whether strokes are being taken now."""
        return self._session is not None

    def is_saving(self, job_id: str | None) -> bool:
        return job_id in self._saving

    def holds_full_size(self, job_id: str | None) -> bool:
        """Whether the viewer's full-size images of this job must wait: touch-up paints on
        the previews, or the edited full-size files are still being written."""
        return job_id is not None and (job_id in self._saving or (
            self._job is not None and self._job.id == job_id
            and (self.is_active() or self._loading == job_id)))

    def session(self) -> EditSession | None:
        return self._session

    # -- opening and closing -----------------------------------------------------------------
    def _toggled(self, on: bool) -> None:
        if on:
            self._open()
        else:
            self.finish()

    def _open(self) -> None:
        job, previews = self._job, self._previews
        if job is None or previews is None or job.state != JobState.DONE:
            self.actions.touch_up.setChecked(False)
            return
        if job.id in self._saving:
            self.message.emit("The last touch-up of this image is still being saved; try "
                              "again in a moment.", 6000)
            self.actions.touch_up.setChecked(False)
            return
        from desktop_app.jobs.previews import preview_files
        from desktop_app.ui.touch_up_session import load_session

        workdir = self.workdir_for(job)
        files = preview_files(workdir)
        frame = (job.width or previews.cutout.width(), job.height or previews.cutout.height())
        self._loading = job.id
        self.message.emit("Opening touch-up\u2026", 0)
        run_task(self, lambda: load_session(workdir, frame, files.mask, files.cutout,
                                            files.original),
                 lambda data: self._opened(job.id, data),
                 lambda text: self._open_failed(job.id, text))

    def _open_failed(self, job_id: str, text: str) -> None:
        if self._loading == job_id:
            self._loading = None
            self.actions.touch_up.setChecked(False)
            self.message.emit(f"Touch-up could not open this image: {text}. Select the job "
                              "again, or retry it.", 10000)

    def _opened(self, job_id: str, data: SessionData) -> None:
        from desktop_app.ui.touch_up_session import EditSession

        if self._loading != job_id or not self.actions.touch_up.isChecked():
            return
        self._loading = None
        self._session = session = EditSession(data)
        self._dirty = False
        self._viewer.swap_pictures(cutout=LiveSource(session.live_cutout.levels),
                                   mask=LiveSource(session.live_mask.levels))
        if self._viewer.is_comparing():
            self._viewer.set_compare(False)     # strokes go on the cut-out or mask pane
        bar = self.bar
        for spin, value in ((bar.feather_spin, session.feather), (bar.shift_spin, session.shift)):
            spin.blockSignals(True)
            spin.setValue(round(value))
            spin.blockSignals(False)
        if self._sized_for != session.frame:      # a new picture: a brush that suits it
            bar.size_spin.setValue(default_brush(*session.frame))
            self._sized_for = session.frame
        for canvas in self._canvases:
            canvas.installEventFilter(self)
            canvas.setMouseTracking(True)
        self.actions.set_editing(True)
        self._update_history_actions()
        bar.show()
        self.message.emit(session.colours_note or
                          "Paint on the cut-out or the mask: Erase (E), Restore (R), [ and ] "
                          "for the size; Done (Return) saves.",
                          0 if session.colours_note else 8000)

    def finish(self) -> None:
        """Stop editing; save what changed (in a worker). Safe to call when not editing."""
        self._loading = None
        session, job, previews = self._session, self._job, self._previews
        if session is None:
            return
        session.end()
        self._session = None
        for canvas in self._canvases:
            canvas.removeEventFilter(self)
            canvas.setMouseTracking(False)
            self._overlays[canvas].place(None, 0)
            canvas.unsetCursor()
        self.actions.set_editing(False)
        self.bar.hide()
        if self.actions.touch_up.isChecked():
            self.actions.touch_up.blockSignals(True)
            self.actions.touch_up.setChecked(False)
            self.actions.touch_up.blockSignals(False)
        if not self._dirty:
            self._viewer.swap_pictures(previews=previews,
                                       cutout=ImageSource(previews.cutout),
                                       mask=ImageSource(previews.mask))
            return
        self._save(job, previews, session)

    def _save(self, job: Job, previews: Previews, session: EditSession) -> None:
        """Show the edit's previews now; write the files, then record the job as edited,
        in a worker (recorded there, so a window closing meanwhile still keeps it)."""
        from desktop_app.ui.workers import Previews as PreviewSet

        cutout, mask = session.cutout, session.mask
        thumb = cutout.scaled(96, 96, Qt.AspectRatioMode.KeepAspectRatio,
                              Qt.TransformationMode.SmoothTransformation)
        edited = PreviewSet(previews.original, cutout, mask, thumb)
        self._viewer.swap_pictures(previews=edited, cutout=ImageSource(cutout),
                                   mask=ImageSource(mask))
        edits, workdir, job_id = session.edits(), self.workdir_for(job), job.id
        record = self.record_edited
        self._saving.add(job_id)
        self.previews_changed.emit(job_id, edited)
        if edits.is_empty:
            self.message.emit("Bringing the first mask back\u2026", 0)

            def work() -> None:
                clear_edits(workdir)
                record(job_id, None)
        else:
            from desktop_app.jobs.edit_render import render_full

            shown = (session.rgb, session.shown_alpha())
            original = Path(job.original_path) if job.original_path else None
            snapshot = job.snapshot()
            self.message.emit("Saving the touch-up at full size\u2026", 0)

            def work():
                from desktop_app.jobs.turns import result_files

                # edits start from the result shown: turned to match its original, if it was
                cutout_path, mask_path = result_files(snapshot)
                result = render_full(workdir, cutout_path, mask_path, original, edits, shown)
                record(job_id, str(result.mask))
                return result
        run_task(self, work, lambda result: self._saved(job_id, edited, result),
                 lambda text: self._save_failed(job_id, previews, workdir, text))

    def _saved(self, job_id: str, previews: Previews, result) -> None:
        self._saving.discard(job_id)
        if self._job is not None and self._job.id == job_id and not self.is_active():
            self._viewer.swap_pictures(previews=previews)   # full size may load now
        self.message.emit("Touch-up saved: saving, copying and Save all use it."
                          if result is not None else "The mask is as the cut-out came again.",
                          8000)

    def _save_failed(self, job_id: str, previews: Previews, workdir: Path, text: str) -> None:
        self._saving.discard(job_id)
        if not workdir.exists():
            return              # the job was removed meanwhile: nothing left to save
        self.previews_changed.emit(job_id, previews)        # what saving would write
        self.message.emit(f"The touch-up could not be saved: {text}. Your strokes are kept: "
                          "open Touch up and press Done to try again.", 0)

    def reset(self) -> None:
        """Back to the service's mask (one step Undo takes back)."""
        if self._session is not None:
            self._apply(self._session.reset())
            self._sync_edge_spins()

    # -- painting ------------------------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if watched is self._host:
            if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.StyleChange):
                self.actions.refresh_icons()
            return False
        session = self._session
        if session is None or watched not in self._overlays:
            return False
        kind = event.type()
        if kind in (QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonDblClick):
            if event.button() != Qt.MouseButton.LeftButton or self._space:
                return False
            point = watched.map_to_image(event.position())
            tool = RESTORE if self.actions.restore.isChecked() else ERASE
            self._apply(session.begin(tool, self.bar.size_spin.value(),
                                      self.bar.hardness_spin.value() / 100,
                                      point.x(), point.y()))
            self._hover(watched, event.position())
            return True
        if kind == QEvent.Type.MouseMove:
            self._hover(watched, event.position())
            if session.painting:
                point = watched.map_to_image(event.position())
                self._apply(session.extend(point.x(), point.y()))
                return True
            return False
        if kind == QEvent.Type.MouseButtonRelease and session.painting \
                and event.button() == Qt.MouseButton.LeftButton:
            if session.end():
                self._dirty = True
            self._update_history_actions()
            return True
        if kind == QEvent.Type.Leave:
            self._overlays[watched].place(None, 0)
            self._hover_canvas = None
        elif kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease) \
                and event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space = kind == QEvent.Type.KeyPress
        return False

    def _apply(self, box) -> None:
        """Repaint the panes where the live pictures changed (preview pixels ``box``)."""
        if box is None or self._session is None:
            return
        scale = self._session.scale
        x0, y0, x1, y1 = (v / scale for v in box)
        for canvas in self._canvases:
            top_left = canvas.map_from_image(QPointF(x0, y0))
            bottom_right = canvas.map_from_image(QPointF(x1, y1))
            canvas.update(QRectF(top_left, bottom_right).toAlignedRect().adjusted(-2, -2, 2, 2))
        if self._viewer.is_comparing():
            self._viewer.compare_view.update()

    def _hover(self, canvas: ImageCanvas, pos: QPointF) -> None:
        if self._hover_canvas is not None and self._hover_canvas is not canvas:
            self._overlays[self._hover_canvas].place(None, 0)
        self._hover_canvas = canvas
        if canvas.cursor().shape() != Qt.CursorShape.CrossCursor:
            canvas.setCursor(Qt.CursorShape.CrossCursor)
        self._overlays[canvas].place(pos, self._ring_diameter(canvas))

    def _ring_diameter(self, canvas: ImageCanvas) -> float:
        return self.bar.size_spin.value() * canvas.zoom() / canvas.devicePixelRatioF()

    def _update_overlay(self) -> None:
        canvas = self._hover_canvas
        if canvas is not None and self._session is not None:
            overlay = self._overlays[canvas]
            if overlay.centre() is not None:
                overlay.place(overlay.centre(), self._ring_diameter(canvas))

    def _resize_brush(self, factor: float) -> None:
        spin = self.bar.size_spin
        value = spin.value()
        target = round(value * factor)
        if target == value:
            target = value + (1 if factor > 1 else -1)
        spin.setValue(max(spin.minimum(), min(spin.maximum(), target)))

    # -- history and edges ---------------------------------------------------------------------
    def _history(self, step: Callable[[EditSession], object]) -> None:
        if self._session is None:
            return
        box = step(self._session)
        self._dirty = True
        self._apply(box)
        self._sync_edge_spins()
        self._update_history_actions()

    def _update_history_actions(self) -> None:
        session = self._session
        self.actions.undo.setEnabled(session is not None and session.can_undo())
        self.actions.redo.setEnabled(session is not None and session.can_redo())

    def _sync_edge_spins(self) -> None:
        session = self._session
        if session is None:
            return
        for spin, value in ((self.bar.feather_spin, session.feather),
                            (self.bar.shift_spin, session.shift)):
            spin.blockSignals(True)
            spin.setValue(round(value))
            spin.blockSignals(False)
        self._update_history_actions()

    def _edges_changed(self, _value: int) -> None:
        if self._session is None:
            return
        box = self._session.set_edges(self.bar.feather_spin.value(),
                                      self.bar.shift_spin.value())
        if box is not None:
            self._dirty = True
            self._apply(box)
            self._update_history_actions()

