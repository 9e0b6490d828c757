"""The window's status bar: a message that gives way to the counters, never the reverse.

``QStatusBar.showMessage`` paints its text over the bar's left part, clipped without an
ellipsis, and a long sentence (a failure, a path) gives no way to read its end. Here the
message is a label that takes only the room the permanent widgets (running and waiting jobs,
coins, the sandbox) leave it, elided with "…", and the whole sentence is in its tooltip.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QLabel, QSizePolicy, QStatusBar, QWidget


def coins_text(coins: int) -> str:
    """The coins counter's words, beside the job counts."""
    return f"{coins} coins this session"


class ElidedLabel(QLabel):
    """One line of text, elided to its width; the full text is its tooltip when cut."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._full = ""
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setTextFormat(Qt.TextFormat.PlainText)

    def full_text(self) -> str:
        return self._full

    def set_full_text(self, text: str) -> None:
        self._full = text
        self._elide()

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        line = " ".join(self._full.split())          # one line, whatever the sentence held
        shown = self.fontMetrics().elidedText(line, Qt.TextElideMode.ElideRight,
                                              max(0, self.width() - 2))
        super().setText(shown)
        self.setToolTip(self._full if shown != line else "")


class StatusBar(QStatusBar):
    """``showMessage``, ``currentMessage`` and ``clearMessage`` as usual, shown in an
    ``ElidedLabel`` (``statusMessage``) beside the permanent widgets: the jobs running and
    waiting (``activityLabel``), the coins spent (``coinsLabel``), and once something was
    refused, a button that lists it (``refusals``)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.message_label = ElidedLabel()
        self.message_label.setObjectName("statusMessage")
        self.message_label.setAccessibleName("Message")
        self.addWidget(self.message_label, 1)
        self.activity_label = QLabel()
        self.activity_label.setObjectName("activityLabel")
        self.coins_label = QLabel(coins_text(0))
        self.coins_label.setObjectName("coinsLabel")
        self.coins_label.setToolTip("Coins HitPaw charged since Cutout started")
        self.addPermanentWidget(self.activity_label)
        self.addPermanentWidget(self.coins_label)
        self.refusals = None   # "3 items not added…", made when first needed
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.clearMessage)
        self._text = ""

    def showMessage(self, text: str, timeout: int = 0) -> None:  # noqa: N802 - Qt's name
        self._timer.stop()
        self._text = text or ""
        self.message_label.set_full_text(self._text)
        if timeout > 0 and self._text:
            self._timer.start(timeout)
        self.messageChanged.emit(self._text)

    def currentMessage(self) -> str:  # noqa: N802 - Qt's name
        return self._text

    def clearMessage(self) -> None:  # noqa: N802 - Qt's name
        if self._text:
            self.showMessage("")

    def show_activity(self, running: int, waiting: int, paused: bool, coins: int) -> None:
        parts = [f"{running} running" if running else "",
                 f"{waiting} waiting" if waiting else "", "paused" if paused else ""]
        text = " \u00b7 ".join(p for p in parts if p)
        self.activity_label.setText(text[:1].upper() + text[1:])   # "Paused" alone
        self.coins_label.setText(coins_text(coins))

    def show_refused(self, problems: list) -> None:
        """Every item the latest intake refused, a click away."""
        if self.refusals is None:
            if not problems:
                return
            from desktop_app.ui.refusals import RefusalsButton

            self.refusals = RefusalsButton(self.coins_label.sizeHint().height())
            self.insertPermanentWidget(1, self.refusals)   # first after the message
        self.refusals.show_problems(problems)
