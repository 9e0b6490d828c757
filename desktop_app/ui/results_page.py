"""The right side of the window once a job is selected: the viewer, a line about the job, and
the save buttons.

It keeps the previews of the last few jobs shown, so switching between them costs no decode,
and loads the full-size images in a worker when the viewer is zoomed past the previews.
Imported only when the window completes itself: it brings the viewer (and Pillow) with it.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QPushButton,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.jobs.edits import result_paths
from desktop_app.jobs.model import Engine, Job, JobState
from desktop_app.ui.fact_line import SEPARATOR, FactLine
from desktop_app.ui.job_list import elide_middle, engine_text
from desktop_app.ui.result_notes import ResultNotes
from desktop_app.ui.tasks import run_task
from desktop_app.ui.touch_up import TouchUp
from desktop_app.ui.viewer import Viewer

if TYPE_CHECKING:
    from desktop_app.ui.workers import Previews

PREVIEW_CACHE = 4  # previews kept for quick switching; about 15 MB each
WAITING = {JobState.QUEUED: "Waiting for its turn\u2026",
           JobState.UPLOADING: "Uploading the file to your storage\u2026",
           JobState.SUBMITTING: "Sending the link to HitPaw\u2026",
           JobState.CUTTING_OUT: "Cutting out the subject on this computer\u2026",
           JobState.CONVERTING: "HitPaw is cutting out the subject\u2026",
           JobState.DOWNLOADING: "Downloading the results\u2026",
           JobState.DONE: "Loading\u2026"}
FETCHING = "Downloading the image from its link\u2026"  # a link cut out on this computer


def detail_text(job: Job) -> str:
    """One line under the images: the link or the file's path (its middle left out when
    long), the engine and the cost, the size, how long HitPaw keeps it."""
    source, facts = detail_parts(job)
    return SEPARATOR.join((elide_middle(source) if job.is_local_file else source, facts))


def detail_parts(job: Job) -> tuple[str, str]:
    """The line's two parts: where the image came from, and the facts about its result (the
    part that stays whole when the line is short of room: ``FactLine``)."""
    detail = [engine_text(job)]
    if job.width and job.height:
        detail.append(f"{job.width} \u00d7 {job.height} px")
    if job.state == JobState.DONE and job.message:
        detail.append(job.message)
    expires = job.links_expire_at() if job.engine == Engine.HITPAW else None
    if job.state == JobState.DONE and expires:
        days = (expires - time.time()) / 86400
        detail.append(f"HitPaw's links valid {int(days) + 1} more day{'s' if days >= 1 else ''}"
                      if days > 0 else "HitPaw's links expired; the copy here is kept")
    return job.url, SEPARATOR.join(detail)


class ResultsPage(QWidget):
    message = Signal(str, int)  # a sentence for the status bar, milliseconds (0: stays)
    results_changed = Signal(str)  # a job's result files changed (turned): previews are stale

    def __init__(self, background_state: dict | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._previews: OrderedDict[str, Previews] = OrderedDict()
        self._job: Job | None = None
        self.viewer = Viewer()
        self.viewer.set_background_state(background_state)
        self.viewer.background_failed.connect(lambda text: self.message.emit(text, 10000))
        self.viewer.full_resolution_wanted.connect(self._load_full_images)
        self.viewer.full_resolution_failed.connect(lambda text: self.message.emit(
            f"The full-size images could not be loaded: {text}", 8000))
        self.notes = ResultNotes()       # a size or orientation mismatch, an animated original
        self.notes.message.connect(self.message)
        self.notes.results_changed.connect(self.results_changed)
        self.detail_label = FactLine()     # one line, elided; the whole of it as tooltip
        self.detail_label.setObjectName("jobDetail")
        self.detail_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.save_matted_button = self._save_button(
            "Save cut-out", "saveMattedButton",
            "Save the cut-out as PNG or WebP with transparency, or as JPEG (Ctrl+S)")
        self.save_mask_button = self._save_button(
            "Save mask", "saveMaskButton", "Save the black-and-white mask as a PNG (Ctrl+Shift+S)")
        self.touch_up = TouchUp(self.viewer, self)
        self.touch_up.message.connect(self.message)
        self.touch_up_button = QToolButton()
        self.touch_up_button.setObjectName("touchUpButton")
        self.touch_up_button.setAccessibleName("Touch up")
        self.touch_up_button.setDefaultAction(self.touch_up.actions.touch_up)
        self.touch_up_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        save_row = QHBoxLayout()
        save_row.addWidget(self.detail_label, 1)
        save_row.addWidget(self.touch_up_button)
        save_row.addWidget(self.save_matted_button)
        save_row.addWidget(self.save_mask_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.touch_up.bar)
        layout.addWidget(self.viewer, 1)
        layout.addWidget(self.notes)
        layout.addLayout(save_row)

    def _save_button(self, name: str, object_name: str, tip: str) -> QPushButton:
        icon = self.style().standardIcon(QStyle.StandardPixmap.SP_DialogSaveButton)
        button = QPushButton(icon, f"{name}\u2026")
        button.setObjectName(object_name)
        button.setAccessibleName(name)
        button.setToolTip(tip)
        return button

    def set_save_enabled(self, enabled: bool) -> None:
        self.save_matted_button.setEnabled(enabled)
        self.save_mask_button.setEnabled(enabled)

    # -- what is shown ---------------------------------------------------------------
    def show_job(self, job: Job) -> None:
        """The job's images when its previews are here, else a sentence on where it is."""
        self._job = job
        previews = self._previews.get(job.id)
        self.touch_up.show_job(job, previews if job.state == JobState.DONE else None)
        if previews is not None and job.state == JobState.DONE:
            self._previews.move_to_end(job.id)
            check = getattr(previews, "check", None)
            size = check.cutout_size if check is not None else (job.width, job.height)
            self.viewer.show_previews(previews, QSize(*size) if all(size) else None)
            self.notes.show_for(job, check)
        else:
            waiting = (FETCHING if job.state == JobState.DOWNLOADING
                       and job.engine == Engine.LOCAL else WAITING.get(job.state))
            self.viewer.show_placeholder(waiting or job.message or job.status_text)
            self.notes.show_for(None, None)
        self.detail_label.set_line(*detail_parts(job))

    def clear(self) -> None:
        self._job = None
        self.touch_up.show_job(None, None)
        self.viewer.clear()
        self.notes.show_for(None, None)

    def shown_id(self) -> str | None:
        return self._job.id if self._job is not None else None

    # -- the preview cache -------------------------------------------------------------
    def keep_previews(self, job_id: str, previews: Previews) -> None:
        """Keep the newest few; the oldest go first."""
        self._previews[job_id] = previews
        if job_id == self.shown_id():
            self.touch_up.show_job(self._job, previews)
        self._previews.move_to_end(job_id)
        doomed = []
        while len(self._previews) > PREVIEW_CACHE:
            doomed.append(self._previews.popitem(last=False)[1])
        if doomed:
            # Freed in a worker: unmapping a job's ~20 MB of pictures took the GUI thread
            # 4-5 ms per job selected once four were kept (bench_hitches case 3).
            run_task(self, doomed.clear)

    def has_previews(self, job_id: str) -> bool:
        return job_id in self._previews

    def forget(self, ids: list[str]) -> None:
        for job_id in ids:
            self._previews.pop(job_id, None)

    # -- full size -------------------------------------------------------------------
    def _load_full_images(self) -> None:
        """The viewer zoomed past the previews' detail: decode the full images in a worker."""
        job = self._job
        if job is None or not job.has_results or self.touch_up.holds_full_size(job.id):
            return
        snapshot = job.snapshot()
        self.message.emit("Loading the full-size images\u2026", 5000)
        # the viewer reads them in a worker and drops the answer if another job is shown
        self.viewer.load_full_files(snapshot.original_path, *result_paths(snapshot))
