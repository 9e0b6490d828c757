"""Getting images in: the link box and its button, paste, drop and File > Open, the question
before many images at once, and the one about images already cut out today.

Built with the window's first frame, from light modules only. It takes links only once
``attach`` has handed it the queue: text typed before the window is complete stays in the box,
because there is nowhere to send it yet.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QMimeData, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QStyle,
    QWidget,
)

from desktop_app.jobs.model import Engine, Job, choose_engine
from desktop_app.ui.tasks import run_task

if TYPE_CHECKING:
    from desktop_app.jobs.sources import Folder, Sources
    from desktop_app.settings import Settings
    from desktop_app.ui.controller import JobController

MANY_IMAGES = 100  # more files than this at once (folders or chosen): ask first
INLINE_TEXT = 4096   # pasted text up to this many characters (~50 links) is read at once;
INLINE_ITEMS = 64    # so are up to this many dropped or chosen items: more go to a worker
OPEN_FILTER = ("Images (*.jpg *.jpeg *.png *.webp *.heic *.heif *.tif *.tiff *.JPG *.JPEG "
               "*.PNG *.WEBP *.HEIC *.HEIF *.TIF *.TIFF);;All files (*)")


class LinkInput(QPlainTextEdit):
    """Several lines of links; Enter sends them, Shift+Enter starts a new line."""

    submitted = Signal()

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt's name
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not (
                event.modifiers() & Qt.KeyboardModifier.ShiftModifier):
            self.submitted.emit()
            return
        super().keyPressEvent(event)

    def insertFromMimeData(self, source: QMimeData) -> None:  # noqa: N802 - Qt's name
        if source.hasUrls() and not source.hasText():  # files as paths, links as links
            self.insertPlainText("\n".join(u.toLocalFile() if u.isLocalFile() else
                                           u.toString() for u in source.urls()))
            return
        super().insertFromMimeData(source)


def ask_reuse(parent: QWidget, reused: list[Job], total: int) -> str:
    """Ask whether sources already cut out today should be cut out again (HitPaw charges
    again for those it would take)."""
    box = QMessageBox(parent)
    box.setWindowTitle("Already cut out today")
    box.setIcon(QMessageBox.Icon.Question)
    count = len(reused)
    which = "This image was" if total == 1 else f"{count} of these {total} images were"
    paid = any(job.engine == Engine.HITPAW for job in reused)
    box.setText(f"{which} already cut out today. Use the results you have, or cut "
                f"{'it' if count == 1 else 'them'} out again"
                f"{' (HitPaw charges again)' if paid else ''}?")
    reuse = box.addButton("Use the results I have", QMessageBox.ButtonRole.AcceptRole)
    box.addButton("Send again" if paid else "Cut out again",
                  QMessageBox.ButtonRole.DestructiveRole)
    box.setDefaultButton(reuse)
    box.exec()
    return "reuse" if box.clickedButton() is reuse else "send"


def ask_many(parent: QWidget, folders: list[Folder], count: int, engine: Engine,
             answered: Callable[[bool], None]) -> QMessageBox:
    """Ask before more than ``MANY_IMAGES`` jobs are added from this computer at once (from
    folders, files chosen one by one, or both). Window-modal and not blocking (``open``):
    ``answered(True)`` only when the designer agrees."""
    in_folders = sum(folder.images for folder in folders)
    if folders:
        name = f"\u201c{folders[0].path.name or folders[0].path}\u201d"
        where = name if len(folders) == 1 else (
            f"{name} and {len(folders) - 1} other folder{'s' if len(folders) > 2 else ''}")
        text = (f"{where} hold{'s' if len(folders) == 1 else ''} {in_folders} images, "
                "counting every folder inside")
        if count > in_folders:
            text += f"; with the other files you chose, that makes {count}"
        text += ". Add them all?"
    else:
        text = f"You chose {count} files. Add them all?"
    box = QMessageBox(QMessageBox.Icon.Question, "Add all these images?", text,
                      parent=parent)
    box.setObjectName("manyImagesQuestion")
    box.setInformativeText("Each image becomes a job in the list, cut out on this computer "
                           "for free." if engine == Engine.LOCAL else
                           "Each image becomes a job in the list, and HitPaw charges coins "
                           "for each.")
    add = box.addButton(f"Add {count} images", QMessageBox.ButtonRole.AcceptRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(add)
    box.setWindowModality(Qt.WindowModality.WindowModal)
    box.finished.connect(lambda _: answered(box.clickedButton() is add))
    box.finished.connect(box.deleteLater)
    box.open()
    return box


class LinkIntake(QWidget):
    """The row at the top of the window, and every other way images come in (paste, drop,
    File > Open, the command line), all turned into jobs the same way: ``jobs.sources``
    sorts them, folders are read and files checked in a worker, then the jobs are added."""

    results_reused = Signal(str)   # the designer chose results they have: show this job
    jobs_queued = Signal(str)      # new jobs are in the queue; the id of the first one
    message = Signal(str, int)     # a sentence for the status bar, milliseconds (0: stays)
    refused = Signal(list)         # list[Problem] of the latest intake ([]: nothing refused)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._controller: JobController | None = None
        self._settings: Settings | None = None
        self._reads: deque[tuple[str | list[str], str | None]] = deque()   # oldest first
        self._reading = False   # the oldest of ``_reads`` is being read in a worker
        self.url_input = LinkInput()
        self.url_input.setObjectName("urlInput")
        self.url_input.setAccessibleName("Image links or file paths")
        self.url_input.setPlaceholderText("Paste image links or file paths here, one or many, "
                                          "then press Enter; or drop images and folders")
        self.url_input.setToolTip("Links (http or https), paths of image files or folders "
                                  "on this computer, or file:// links: each image becomes a "
                                  "job. Shift+Enter starts a new line.")
        self.url_input.setFixedHeight(self.fontMetrics().lineSpacing() * 3 + 16)
        self.submit_button = QPushButton("Remove backgrounds")
        self.submit_button.setObjectName("submitButton")
        self.submit_button.setAccessibleName("Remove backgrounds")
        self.submit_button.setToolTip("Add every link and file in the box (Enter)")
        self.submit_button.setIcon(
            self.style().standardIcon(QStyle.StandardPixmap.SP_ArrowRight))
        self.submit_button.setDefault(True)
        self.submit_button.setMinimumHeight(self.url_input.height())
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)  # the window's spacing between its rows, here too
        layout.addWidget(self.url_input, 1)
        layout.addWidget(self.submit_button)

    def attach(self, controller: JobController, settings: Settings) -> None:
        """From now on links and files become jobs in ``controller``'s queue."""
        self._controller = controller
        self._settings = settings
        self.url_input.submitted.connect(self.submit)
        self.submit_button.clicked.connect(self.submit)

    # -- the ways in -------------------------------------------------------------------
    def submit(self) -> None:
        """Add what is in the box; the box then keeps only what could not be added."""
        if self._controller is not None:
            text = self.url_input.toPlainText()
            if any(box == text for _items, box in self._reads):
                return   # Enter again while this very text is being read: added once
            self._read(text, box_text=text)

    def add_text(self, text: str) -> None:
        """Links or paths from outside the window (the command line, "Open with")."""
        if self._controller is not None:
            self._read(text)

    def paste_clipboard(self) -> None:
        """Ctrl+V anywhere outside a text field: the clipboard's links and files become jobs."""
        self.take_mime(QApplication.clipboard().mimeData())

    def take_mime(self, mime: QMimeData) -> None:
        """Dropped or pasted: files and folders from a file manager, links from a browser,
        or text with links and paths in it."""
        if self._controller is None:
            return
        if mime.hasUrls():
            self._read([u.toLocalFile() if u.isLocalFile() else u.toString()
                        for u in mime.urls()])
        else:
            self._read(mime.text())

    def open_images(self) -> None:
        """File > Open images: several files at once, from the folder shown last time."""
        if self._controller is None:
            return
        from pathlib import Path

        from PySide6.QtWidgets import QFileDialog

        settings = self._settings
        paths, _ = QFileDialog.getOpenFileNames(self.window(), "Open images",
                                                settings.last_open_dir, OPEN_FILTER)
        if paths:
            settings.last_open_dir = str(Path(paths[0]).parent)
            self.take_files(paths)

    def take_files(self, paths: list[str]) -> None:
        """Files chosen in File > Open images."""
        if self._controller is not None and paths:
            self._read(list(paths))

    def offer_links(self, links: list[str]) -> None:
        """Put links in the box for the designer to send (the sandbox's samples)."""
        self.url_input.setPlainText("\n".join(links))
        self.url_input.setFocus()

    # -- reading the words: in a worker when there are many -----------------------------
    def _read(self, items: str | list[str], box_text: str | None = None) -> None:
        """Sort pasted text or a list of items (``jobs.sources``), in the order they came:
        a few at once, many in a worker (500 links are ~10 ms of regexes and checks), and
        never one intake ahead of an earlier one still being read."""
        self._reads.append((items, box_text))
        self._next_read()

    def _next_read(self) -> None:
        while self._reads and not self._reading:   # (a question below may run a loop)
            items, box_text = self._reads[0]
            if len(items) > (INLINE_TEXT if isinstance(items, str) else INLINE_ITEMS):
                self._reading = True
                run_task(self, lambda: _sorted(items),
                         lambda found: self._was_read(found, box_text), self._read_failed_next)
                return
            self._reads.popleft()
            self._take(_sorted(items), box_text)

    def _was_read(self, found: Sources, box_text: str | None) -> None:
        self._reads.popleft()
        self._reading = False
        self._take(found, box_text)
        self._next_read()

    def _read_failed_next(self, reason: str) -> None:
        self._reads.popleft()
        self._reading = False
        self.message.emit(f"The links could not be read ({reason}); nothing was added.", 0)
        self._next_read()

    # -- reading the disk, in workers ------------------------------------------------------
    def _take(self, found: Sources, box_text: str | None = None) -> None:
        """Links only: added at once. Files and folders: listed and checked in workers
        first (the GUI thread never waits on the disk), asking before a big folder."""
        if not found.needs_disk:
            self._add(found, {}, box_text)
            return
        from desktop_app.jobs.sources import expand

        self.message.emit("Reading the files\u2026", 0)
        run_task(self, lambda: expand(found), lambda listed: self._listed(listed, box_text),
                 self._read_failed)

    def _listed(self, found: Sources, box_text: str | None) -> None:
        count = len(found.pending)   # every file to check: from folders or chosen one by one
        if count <= MANY_IMAGES:
            self._check(found, box_text)
            return

        def answered(yes: bool) -> None:
            if yes:
                self._check(found, box_text)
            else:
                self.message.emit("Nothing was added.", 5000)
        ask_many(self, found.folders, count, self._file_engine()[0], answered)

    def _check(self, found: Sources, box_text: str | None) -> None:
        from desktop_app.jobs.sources import check

        n = len(found.pending)
        self.message.emit(f"Checking {n} file{'s' if n != 1 else ''}\u2026", 0)
        run_task(self, lambda: _checked(check(found)),
                 lambda result: self._add(*result, box_text), self._read_failed)

    def _read_failed(self, reason: str) -> None:
        self.message.emit(f"The files could not be read ({reason}); nothing was added.", 0)

    # -- adding ----------------------------------------------------------------------------
    def _add(self, found: Sources, modified: dict[str, float], box_text: str | None) -> None:
        """Turn what was found into jobs (asking first about images done today), say what was
        added and what was refused, and leave only the refused items in the box."""
        from desktop_app.jobs.sources import summary

        controller = self._controller
        reused = [job for job in controller.done_today_many(found.sources)
                  if job and (job.finished_at or 0) >= modified.get(job.url, 0)]
        taken = bool(found.sources)
        if reused and ask_reuse(self, reused, len(found.sources)) == "reuse":
            done = {job.url for job in reused}
            found.links = [u for u in found.links if u not in done]
            found.files = [p for p in found.files if str(p) not in done]
            self.results_reused.emit(reused[0].id)
            self.message.emit(
                f"{len(reused)} image{'s were' if len(reused) != 1 else ' was'} already cut "
                "out today: showing those results, no coins spent.", 8000)
            if not found.sources:
                self._settle(found, box_text, taken=True)
                return
        engine, note = self._file_engine() if found.files else (Engine.HITPAW, "")
        engines = [Engine.HITPAW] * len(found.links) + [engine] * len(found.files)
        if found.sources:   # added a chunk per turn: the window keeps painting
            controller.add_in_turns(found.sources, engines, self._first_added)
        message = summary(len(found.links), len(found.files), found.problems) + note
        if found.links and not controller.has_key:
            message += " Links start once an API key is entered."
        self.message.emit(message, 0 if found.problems else 8000)
        self._settle(found, box_text, taken=taken)

    def _first_added(self, job: Job) -> None:
        """Said on the next turn: showing the first job (the results page's first
        appearance, ~7 ms) is then not in the same turn as adding the first rows."""
        QTimer.singleShot(0, self, lambda: self.jobs_queued.emit(job.id))

    def _settle(self, found: Sources, box_text: str | None, *, taken: bool) -> None:
        """Say what was refused; once something was taken, the box keeps only that (unless
        it was edited meanwhile)."""
        self.refused.emit(list(found.problems))
        if taken and box_text is not None and self.url_input.toPlainText() == box_text:
            self.url_input.setPlainText(found.refused_text)

    def _file_engine(self) -> tuple[Engine, str]:
        """Who cuts out the designer's files, by the setting, and a note when the setting
        cannot be followed (HitPaw needs the storage, which is not set up)."""
        settings = self._settings
        engine = choose_engine(True, settings.local_engine,
                               storage_ready=settings.storage_ready)
        if engine == Engine.HITPAW and not settings.storage_ready:
            return Engine.LOCAL, (" Your storage is not set up, so files are cut out on this "
                                  "computer.")
        return engine, ""


def _sorted(items: str | list[str]) -> Sources:
    """Pasted text or separate items, sorted by ``jobs.sources`` (no disk access)."""
    from desktop_app.jobs.sources import read_items, read_text

    return read_text(items) if isinstance(items, str) else read_items(items)


def _checked(found: Sources) -> tuple[Sources, dict[str, float]]:
    """In the worker: the checked sources, and when each file last changed (a file edited
    since it was cut out today is not the same image)."""
    modified = {}
    for path in found.files:
        try:
            modified[str(path)] = path.stat().st_mtime
        except OSError:
            pass
    return found, modified
