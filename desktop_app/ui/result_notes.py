"""Calm sentences under the viewer when a result is not quite what it seems, and the one fix.

Said here: a cut-out whose size or orientation differs from its original (with a button that
turns the result to match, and one that undoes it), and an animated original of which only
the first frame was cut out. The turning itself is ``jobs.turns``, run in a worker.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from desktop_app.jobs.model import Engine, Job
from desktop_app.ui.tasks import run_task

if TYPE_CHECKING:       # jobs.turns brings Pillow: imported when a result is turned
    from desktop_app.jobs.turns import ResultCheck

_TURN_WORDS = {90: "90\u00b0 clockwise", 180: "180\u00b0", 270: "90\u00b0 anticlockwise"}


def _size(size: tuple[int, int]) -> str:
    return f"{size[0]}\u00d7{size[1]}"


def note_sentences(job: Job, check: ResultCheck | None) -> list[str]:
    """What is worth saying about this result, one sentence each (none: all is as it seems)."""
    if check is None:
        return []
    service = "HitPaw" if job.engine == Engine.HITPAW else "The cut-out engine"
    notes = []
    if check.turned:
        notes.append(f"The cut-out was turned {_TURN_WORDS.get(check.turned, '')} to match "
                     "the original; saving and copying use the turned copy.")
    elif check.turn and not check.sizes_differ:
        way = "upside down" if check.turn == 180 else "turned"
        notes.append(f"The cut-out is {way} compared with the original: {service} may have "
                     "turned it.")
    elif check.sizes_differ and check.original_size is not None:
        sizes = (f"The cut-out is {_size(check.cutout_size)} but the original is "
                 f"{_size(check.original_size)}")
        if check.turn:
            notes.append(f"{sizes}: {service} may have turned it.")
        else:
            notes.append(f"{sizes}: each is shown in its own shape, nothing is stretched.")
    if check.frames > 1:
        kind = {"GIF": "GIF", "WEBP": "WebP", "PNG": "PNG (APNG)"}.get(check.original_format,
                                                                     "image")
        notes.append(f"The original is an animated {kind} with {check.frames} frames: only "
                     "its first frame was cut out.")
    return notes


class ResultNotes(QWidget):
    """The sentences and the Turn / Undo buttons; hidden when there is nothing to say.

    Signals: ``results_changed(job_id)``: the files that saving uses changed (previews are
    stale); ``message(str, int)``: a sentence for the status bar.
    """

    results_changed = Signal(str)
    message = Signal(str, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("resultNotes")
        self._job: Job | None = None
        self._check: ResultCheck | None = None
        self.label = QLabel()
        self.label.setObjectName("resultNotesText")
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.turn_button = QPushButton()
        self.turn_button.setObjectName("rotateToMatchButton")
        self.turn_button.setAccessibleName("Turn the cut-out to match the original")
        self.turn_button.setToolTip("Turn the cut-out and the mask to match the original. "
                                    "The turned copies are kept beside HitPaw's files, and "
                                    "saving, copying and Save all use them.")
        self.undo_button = QPushButton("Undo the turn")
        self.undo_button.setObjectName("undoTurnButton")
        self.undo_button.setToolTip("Use the cut-out and the mask as they came")
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.label, 1)
        row.addWidget(self.turn_button)
        row.addWidget(self.undo_button)
        self.turn_button.clicked.connect(self.turn)
        self.undo_button.clicked.connect(self.undo)
        self.hide()

    def show_for(self, job: Job | None, check: ResultCheck | None) -> None:
        self._job, self._check = job, check
        notes = note_sentences(job, check) if job is not None else []
        turn = check.turn if check is not None and not check.turned else 0
        # Touch-up edits are drawn on the result as it is now: turning it under them would
        # put every stroke in the wrong place, so a touched-up result is not turned.
        edited = bool(job is not None and job.edited_mask_path)
        if edited and (turn or (check is not None and check.turned)):
            notes.append("Reset the touch-up to turn the result.")
            turn = 0
        self.label.setText(" ".join(notes))
        self.turn_button.setText(f"Turn {_TURN_WORDS.get(turn, '')} to match")
        self.turn_button.setVisible(bool(turn))
        self.turn_button.setEnabled(True)
        self.undo_button.setVisible(bool(check is not None and check.turned and not edited))
        self.undo_button.setEnabled(True)
        self.setVisible(bool(notes))

    def turn(self) -> None:
        job, check = self._job, self._check
        if job is None or check is None or not check.turn:
            return
        self.turn_button.setEnabled(False)
        snapshot, degrees = job.snapshot(), check.turn
        self.message.emit("Turning the cut-out and the mask\u2026", 0)
        from desktop_app.jobs.turns import turn_result

        run_task(self, lambda: turn_result(snapshot, degrees),
                 lambda _: self._changed(snapshot.id, "Turned the cut-out and the mask to "
                                                      "match the original."),
                 self._failed)

    def undo(self) -> None:
        job = self._job
        if job is None:
            return
        self.undo_button.setEnabled(False)
        snapshot = job.snapshot()
        from desktop_app.jobs.turns import undo_turn

        run_task(self, lambda: undo_turn(snapshot),
                 lambda _: self._changed(snapshot.id, "The cut-out and the mask are as they "
                                                      "came again."),
                 self._failed)

    def _changed(self, job_id: str, sentence: str) -> None:
        self.message.emit(sentence, 8000)
        self.results_changed.emit(job_id)

    def _failed(self, reason: str) -> None:
        self.turn_button.setEnabled(True)
        self.undo_button.setEnabled(True)
        self.message.emit(f"The cut-out could not be turned: {reason}", 10000)
