"""The way to HitPaw, or to the built-in sandbox: the key, the sandbox, and what the window
says about them (the banner, the welcome page, the sandbox label in the status bar).

Its widgets are built with the first frame; the key is looked at only once ``attach`` hands
over the queue and the key store, just after that frame. Reading the keyring may be slow or
may wait for the user to unlock it, so it happens in a worker and answers later.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from desktop_app.logs import register_secret
from desktop_app.settings import Settings
from desktop_app.ui.welcome import WelcomePage

if TYPE_CHECKING:
    from desktop_app.secrets import KeyStore, LoadedKey
    from desktop_app.ui.controller import JobController

SANDBOX_KEY = "sandbox-key"
SAMPLES = ("portrait.jpg", "mug.png", "sneaker.webp")
NEEDS_KEY = ("Cutout needs a HitPaw API key before it can send images to HitPaw; images on "
             "this computer can still be cut out here, for free.")
ENTER_KEY = "Enter API key\u2026"


class Banner(QFrame):
    """A strip above the job list for what stops the queue: a missing key, a pause."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("banner")
        self.label = QLabel()
        self.label.setObjectName("bannerText")
        self.label.setWordWrap(True)
        self.button = QPushButton()
        self.button.setObjectName("bannerButton")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 8, 8, 8)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.button)
        self.hide()

    def show_message(self, text: str, button: str, kind: str) -> None:
        """``kind`` is what the button does: "key" (ask for one) or "resume"."""
        self.label.setText(text)
        self.button.setText(button)
        self.setProperty("kind", kind)
        self.show()

    def kind(self) -> str | None:
        return self.property("kind")


class ConnectionPanel(QObject):
    """Which service the queue talks to, with which key; and the widgets that say so.

    A QObject rather than a widget: its three widgets sit in three places of the window.
    """

    message = Signal(str, int)       # a sentence for the status bar, milliseconds (0: stays)
    sandbox_started = Signal(list)   # the sandbox's sample links, for the link box

    def __init__(self, settings: Settings, parent: QWidget) -> None:
        """``parent`` is the window the key dialog opens over."""
        super().__init__(parent)
        self._dialog_parent = parent
        self._settings = settings
        self._controller: JobController | None = None
        self.keystore: KeyStore | None = None
        self.sandbox = None
        self._key_loading = False
        self._key_problem = ""
        self._key_dialog_open = False
        self.banner = Banner()
        # reads as for a key being loaded until the key is known (see _update_welcome)
        self.welcome = WelcomePage()
        self.welcome.update_for(True, False)
        self.sandbox_label = QLabel("Sandbox: results come from Cutout's built-in test server, "
                                    "not from HitPaw")
        self.sandbox_label.setObjectName("sandboxLabel")
        self.sandbox_label.hide()

    def apply_theme(self, dark: bool) -> None:
        """Colours that read well on the system's light or dark palette."""
        if dark:
            banner = ("#banner { background: #3d2f12; border: 1px solid #8a6a2a; "
                      "border-radius: 6px; } #banner QLabel { color: #ffe2a8; }")
            accent = "#ffc266"
        else:
            banner = ("#banner { background: #fff4e0; border: 1px solid #f0c37a; "
                      "border-radius: 6px; } #banner QLabel { color: #5a3b00; }")
            accent = "#8a5a00"
        self.banner.setStyleSheet(banner)
        self.sandbox_label.setStyleSheet(f"color: {accent}; font-weight: bold;")

    def attach(self, controller: JobController, keystore: KeyStore) -> None:
        """The window is complete: answer the banner and the welcome page, load the key."""
        self._controller = controller
        self.keystore = keystore
        self.banner.button.clicked.connect(self._banner_clicked)
        self.welcome.key_wanted.connect(self.open_key_dialog)
        self.welcome.sandbox_wanted.connect(self.start_sandbox)
        self._load_key()

    # -- the key ---------------------------------------------------------------------
    def _load_key(self) -> None:
        """The key from the environment at once; from the keyring in a worker.

        Reading the keyring means importing keyring and a D-Bus round trip (about 100 ms),
        and a locked keyring may sit waiting for the user to unlock it: the window must
        paint and answer meanwhile. Until the answer, nothing asks for a key.
        """
        from desktop_app.ui.tasks import run_task

        self._key_problem = ""
        if not self.keystore.needs_keyring:
            self._key_loaded(self.keystore.load())
            return
        self._key_loading = True
        run_task(self, self.keystore.load, self._key_loaded, self._key_failed)

    def _key_loaded(self, loaded: LoadedKey | None) -> None:
        self._key_loading = False
        if loaded is not None and not self._controller.has_key:  # a key typed meanwhile wins
            register_secret(loaded.key)
            self._controller.set_connection(self._settings.base_url, loaded.key)
        self._update_welcome()

    def _key_failed(self, message: str) -> None:
        """A locked or broken keyring: say so, and offer a way on (a session-only key)."""
        self._key_loading = False
        self._key_problem = message
        self.message.emit(message, 0)
        self._update_welcome()

    def _update_welcome(self) -> None:
        has_key = self._controller.has_key or self._key_loading
        self.welcome.update_for(has_key, self.sandbox is not None)
        if not has_key:
            self.banner.show_message(self._key_problem or NEEDS_KEY, ENTER_KEY, "key")
        elif self.banner.kind() == "key" and not self._controller.paused_kind:
            self.banner.hide()

    def open_key_dialog(self, reason: str = "") -> None:
        if self._key_dialog_open:
            return
        self._key_dialog_open = True
        from desktop_app.ui.key_dialog import KeyDialog  # dialogs load when first opened

        dialog = KeyDialog(self.keystore, self._settings.base_url, reason or "",
                           self._dialog_parent)
        try:
            if dialog.exec() and dialog.saved_key:
                register_secret(dialog.saved_key)
                self.stop_sandbox()
                self._controller.set_connection(self._settings.base_url, dialog.saved_key)
                where = ("for this session only" if dialog.session_only
                         else f"in {self.keystore.backend_label}")
                self.message.emit(f"API key saved {where}.", 8000)
                if self._controller.paused_kind == "key":
                    self._controller.resume_queue()
                self._update_welcome()
        finally:
            self._key_dialog_open = False
            dialog.deleteLater()

    def settings_saved(self) -> None:
        """A new API address applies to HitPaw at once (the sandbox keeps its own)."""
        if self.sandbox is None and self._controller.has_key:
            self._controller.set_connection(self._settings.base_url, self._controller.api_key)

    # -- the sandbox -----------------------------------------------------------------
    def start_sandbox(self) -> None:
        from desktop_app.sandbox import SandboxServer

        if self.sandbox is None:
            try:
                self.sandbox = SandboxServer(api_keys=(SANDBOX_KEY,), processing_time=3.0).start()
            except OSError as err:
                self.message.emit(f"The sandbox could not start: {err.strerror}.", 0)
                return
        self._controller.set_connection(self.sandbox.base_url, SANDBOX_KEY)
        if self._controller.paused_kind == "key":
            self._controller.resume_queue()
        self.sandbox_label.show()
        self.sandbox_started.emit([self.sandbox.sample_url(n) for n in SAMPLES])
        self.banner.hide()
        self._update_welcome()
        self.message.emit("Sandbox started: three sample links are in the box, press Enter "
                          "to send them.", 10000)

    def stop_sandbox(self) -> None:
        if self.sandbox is not None:
            self.sandbox.stop()
            self.sandbox = None
            self.sandbox_label.hide()

    # -- the queue's pauses ----------------------------------------------------------
    def queue_paused(self, kind: str, message: str) -> None:
        """A key problem asks for a key (just after this event); coins offer to resume."""
        if kind == "key":
            self.banner.show_message(message, ENTER_KEY, "key")
            QTimer.singleShot(0, self, lambda: self.open_key_dialog(message))
        else:
            self.banner.show_message(message, "Resume", "resume")

    def queue_resumed(self) -> None:
        self.banner.hide()

    def _banner_clicked(self) -> None:
        if self.banner.kind() == "key":
            self.open_key_dialog(self._controller.paused_message)
        else:
            self._controller.resume_queue()
