"""Getting links in: the link box and its button, paste and drop, and the question about links
already cut out today.

Built with the window's first frame, from light modules only. It takes links only once
``attach`` has handed it the queue: text typed before the window is complete stays in the box,
because there is nowhere to send it yet.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QMimeData, Qt, Signal
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QStyle,
    QWidget,
)

if TYPE_CHECKING:
    from desktop_app.jobs.links import PastedLinks
    from desktop_app.ui.controller import JobController


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
        if source.hasUrls() and not source.hasText():
            self.insertPlainText("\n".join(u.toString() for u in source.urls()))
            return
        super().insertFromMimeData(source)


def ask_reuse(parent: QWidget, reused: int, total: int) -> str:
    """Ask whether links already cut out today should be sent (and paid for) again."""
    box = QMessageBox(parent)
    box.setWindowTitle("Already cut out today")
    box.setIcon(QMessageBox.Icon.Question)
    which = "This link was" if total == 1 else f"{reused} of these {total} links were"
    box.setText(f"{which} already cut out today. Use the results you have, or send "
                f"{'it' if reused == 1 else 'them'} again (HitPaw charges again)?")
    reuse = box.addButton("Use the results I have", QMessageBox.ButtonRole.AcceptRole)
    box.addButton("Send again", QMessageBox.ButtonRole.DestructiveRole)
    box.setDefaultButton(reuse)
    box.exec()
    return "reuse" if box.clickedButton() is reuse else "send"


class LinkIntake(QWidget):
    """The row at the top of the window, and every other way links come in (paste, drop, the
    command line), all turned into jobs the same way."""

    results_reused = Signal(str)   # the designer chose results they have: show this job
    jobs_queued = Signal(str)      # new jobs are in the queue; the id of the first one
    message = Signal(str, int)     # a sentence for the status bar, milliseconds (0: stays)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._controller: JobController | None = None
        self.url_input = LinkInput()
        self.url_input.setObjectName("urlInput")
        self.url_input.setAccessibleName("Image links")
        self.url_input.setPlaceholderText("Paste image links here, one or many (JPG, PNG or "
                                          "WebP), then press Enter")
        self.url_input.setToolTip("Any text with http(s) links works: each link becomes a "
                                  "job. Shift+Enter starts a new line.")
        self.url_input.setFixedHeight(self.fontMetrics().lineSpacing() * 3 + 16)
        self.submit_button = QPushButton("Remove backgrounds")
        self.submit_button.setObjectName("submitButton")
        self.submit_button.setAccessibleName("Remove backgrounds")
        self.submit_button.setToolTip("Send every link in the box (Enter)")
        self.submit_button.setIcon(
            self.style().standardIcon(QStyle.StandardPixmap.SP_ArrowRight))
        self.submit_button.setDefault(True)
        self.submit_button.setMinimumHeight(self.url_input.height())
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)  # the window's spacing between its rows, here too
        layout.addWidget(self.url_input, 1)
        layout.addWidget(self.submit_button)

    def attach(self, controller: JobController) -> None:
        """From now on links become jobs in ``controller``'s queue."""
        self._controller = controller
        self.url_input.submitted.connect(self.submit)
        self.submit_button.clicked.connect(self.submit)

    # -- the ways in -------------------------------------------------------------------
    def submit(self) -> None:
        """Send what is in the box; the box empties only when something was taken."""
        if self._controller is not None and self.take_links(self.url_input.toPlainText()).urls:
            self.url_input.clear()

    def add_text(self, text: str) -> None:
        """Links from outside the window (the command line, a file manager's "Open with")."""
        if self._controller is not None:
            self.take_links(text)

    def paste_clipboard(self) -> None:
        """Ctrl+V anywhere outside a text field: the clipboard's links become jobs."""
        self.take_mime(QApplication.clipboard().mimeData())

    def take_mime(self, mime: QMimeData) -> None:
        """Links dropped or pasted: remote URLs or text become jobs; local files are refused
        with a sentence (HitPaw fetches images by link)."""
        if self._controller is None:
            return
        local = [u.toLocalFile() for u in mime.urls() if u.isLocalFile()]
        remote = [u.toString() for u in mime.urls() if not u.isLocalFile()]
        self.take_links("\n".join(remote) if mime.hasUrls() else mime.text(), local)

    def offer_links(self, links: list[str]) -> None:
        """Put links in the box for the designer to send (the sandbox's samples)."""
        self.url_input.setPlainText("\n".join(links))
        self.url_input.setFocus()

    def take_links(self, text: str, local_paths: list[str] | None = None) -> PastedLinks:
        """Turn the links in ``text`` into jobs (asking first about links done today), and
        say what was taken and what was refused."""
        from desktop_app.jobs.links import extract_links

        controller = self._controller
        found = extract_links(text, local_paths=local_paths)
        reused = [job for job in map(controller.done_today, found.urls) if job]
        if reused and ask_reuse(self, len(reused), len(found.urls)) == "reuse":
            done_urls = {job.url for job in reused}
            found.urls = [u for u in found.urls if u not in done_urls]
            self.results_reused.emit(reused[0].id)
            self.message.emit(
                f"{len(reused)} link{'s were' if len(reused) != 1 else ' was'} already cut out "
                "today: showing those results, no coins spent.", 8000)
            if not found.urls and not found.problems:
                return found
        if found.urls:
            jobs = controller.add_urls(found.urls)
            self.jobs_queued.emit(jobs[0].id)
        message = found.summary
        if found.urls and not controller.has_key:
            message += " They will start once an API key is entered."
        self.message.emit(message, 0 if found.problems else 8000)
        return found
