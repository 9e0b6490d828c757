"""Save all while the designer watches: progress, Stop, and "Show in folder" at the end.

The files are written by ``save_all.run_plan`` in a worker; this dialog only shows how far it
got, and at most ten times a second: the worker writes a file every few milliseconds, and a
progress bar repaints itself on the spot at every new value, so hundreds of queued updates
would cost the window more than the saving does (``Progress``). Stop asks the worker to end before its next file: the files already written stay, and
the sentence at the end says how many. A folder that does not exist yet is offered to be
made (``offer_to_create_folder``), and made by the worker, not on the GUI thread.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

if TYPE_CHECKING:
    from desktop_app.save_all import ExportReport


def offer_to_create_folder(parent: QWidget | None, folder: Path) -> bool:
    """Ask whether to make a folder that is not there; True to make it."""
    box = QMessageBox(parent)
    box.setObjectName("createFolderQuestion")
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle("Create the folder?")
    box.setText(f"The folder \u201c{folder}\u201d does not exist yet.")
    box.setInformativeText("Create it and save the files there?")
    create = box.addButton("Create folder", QMessageBox.ButtonRole.AcceptRole)
    create.setObjectName("createFolderButton")
    cancel = box.addButton(QMessageBox.StandardButton.Cancel)
    cancel.setObjectName("cancelButton")
    box.setDefaultButton(create)
    box.setEscapeButton(cancel)
    box.exec()
    clicked = box.clickedButton()
    box.deleteLater()
    return clicked is create


class Progress(QObject):
    """What the worker calls (``report(done, total)``, from its thread); lives on the GUI
    thread, kept alive by the worker's closure, so a closed dialog is never reached from it.

    Reports are coalesced: the worker only keeps the latest figures, and posts one event to
    the GUI thread when none is on its way; the GUI thread passes the latest on
    (``progressed``) at most every ``INTERVAL_S``, however fast the files go.
    """

    progressed = Signal(int, int)
    _wake = Signal()
    INTERVAL_S = 0.1

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._latest: tuple[int, int] | None = None
        self._pending = False           # an event or a timer is on its way to _deliver
        self._shown_at = 0.0
        self._wake.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    def report(self, done: int, total: int) -> None:
        """Any thread: the latest figures; at most one delivery is ever pending."""
        with self._lock:
            self._latest = (done, total)
            if self._pending:
                return
            self._pending = True
        self._wake.emit()

    def _deliver(self) -> None:
        wait = self._shown_at + self.INTERVAL_S - time.monotonic()
        if wait > 0:
            QTimer.singleShot(max(1, round(wait * 1000)), self._deliver)
            return
        with self._lock:
            latest, self._latest, self._pending = self._latest, None, False
        if latest is not None:
            self._shown_at = time.monotonic()
            self.progressed.emit(*latest)


class SaveAllProgress(QDialog):
    """A bar, a line and Stop while saving; the summary and "Show in folder" after."""

    def __init__(self, total: int, folder: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Saving all results")
        self.setObjectName("saveAllProgress")
        self.setMinimumWidth(460)
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self._folder = Path(folder)
        self.stop_requested = threading.Event()
        self.progress = Progress()   # no parent: the worker holds it past the dialog
        self.progress.progressed.connect(self.show_progress)

        self.label = QLabel()
        self.label.setObjectName("saveAllProgressText")
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.bar = QProgressBar()
        self.bar.setObjectName("saveAllProgressBar")
        self.bar.setRange(0, max(1, total))
        self.bar.setValue(0)
        self.details = QPlainTextEdit()
        self.details.setObjectName("saveAllDetails")
        self.details.setReadOnly(True)
        self.details.setMaximumHeight(120)
        self.details.hide()
        self.buttons = QDialogButtonBox()
        self.stop_button = QPushButton("Stop")
        self.stop_button.setObjectName("stopSavingButton")
        self.stop_button.setToolTip("Stop before the next file; the files already saved stay")
        self.show_button = QPushButton("Show in folder")
        self.show_button.setObjectName("showInFolderButton")
        self.show_button.setToolTip(f"Open {self._folder} in your file manager")
        self.close_button = QPushButton("Close")
        self.close_button.setObjectName("closeSavingButton")
        for button in (self.stop_button, self.show_button, self.close_button):
            self.buttons.addButton(button, QDialogButtonBox.ButtonRole.ActionRole)
        self.show_button.hide()
        self.close_button.hide()
        self.stop_button.clicked.connect(self.stop)
        self.show_button.clicked.connect(self.show_folder)
        self.close_button.clicked.connect(self.accept)

        layout = QVBoxLayout(self)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        layout.addWidget(self.details)
        layout.addWidget(self.buttons)
        self._total = total
        self.show_progress(0, total)

    def show_progress(self, done: int, total: int) -> None:
        if self.close_button.isVisible():
            return                       # a late report after the end changes nothing
        self.bar.setMaximum(max(1, total))
        self.bar.setValue(done)
        if self.stop_requested.is_set():
            self.label.setText(f"Stopping after the file being written\u2026 ({done} of "
                               f"{total} saved)")
        else:
            self.label.setText(f"Saving {min(done + 1, total)} of {total} files in "
                               f"{self._folder}\u2026")

    def stop(self) -> None:
        self.stop_requested.set()
        self.stop_button.setEnabled(False)
        self.show_progress(self.bar.value(), self._total)

    def finish(self, report: ExportReport) -> None:
        """The end: the summary sentence, the files that were not saved, and the buttons."""
        self.bar.setValue(self.bar.maximum() if not report.cancelled else
                          len(report.written) + len(report.skipped) + len(report.failed))
        self.label.setText(report.summary())
        if report.failed:
            self.details.setPlainText("\n".join(report.details()))
            self.details.show()
        self._end(bool(report.written or report.skipped))

    def fail(self, sentence: str) -> None:
        self.label.setText(sentence)
        self._end(False)

    def _end(self, has_files: bool) -> None:
        self.stop_button.hide()
        self.show_button.setVisible(has_files and self._folder.is_dir())
        self.close_button.show()
        self.close_button.setDefault(True)
        self.close_button.setFocus()

    def show_folder(self) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(self._folder)))

    def reject(self) -> None:
        """Escape or the window's close button: stop first, then go."""
        self.stop_requested.set()
        super().reject()
