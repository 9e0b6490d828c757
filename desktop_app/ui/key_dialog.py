"""The API key dialog: masked entry, show/hide, a free test, and saving to the keyring.

If no keyring works, it says so and offers to keep the key for this session only; it never
falls back to a plain-text file.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.secrets import KeyStore, KeyStoreError
from desktop_app.ui.tasks import run_task


class KeyDialog(QDialog):
    def __init__(self, keystore: KeyStore, base_url: str, reason: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("HitPaw API key")
        self.setObjectName("keyDialog")
        self.setMinimumWidth(480)
        self._keystore = keystore
        self._base_url = base_url
        self._testing = False
        self.saved_key: str | None = None
        self.session_only = False

        intro = QLabel(reason or "Cutout sends your images to HitPaw with your API key. "
                       "You find the key in your HitPaw developer account.")
        intro.setWordWrap(True)
        intro.setObjectName("keyReason")

        self.key_edit = QLineEdit()
        self.key_edit.setObjectName("keyEdit")
        self.key_edit.setAccessibleName("API key")
        self.key_edit.setPlaceholderText("Paste your HitPaw API key")
        self.key_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.key_edit.textChanged.connect(self._key_edited)
        self.show_button = QPushButton("Show")
        self.show_button.setObjectName("showKeyButton")
        self.show_button.setCheckable(True)
        self.show_button.setToolTip("Show or hide the key while you type")
        self.show_button.toggled.connect(self._toggle_visible)
        self.test_button = QPushButton("Test key")
        self.test_button.setObjectName("testKeyButton")
        self.test_button.setToolTip("Ask HitPaw whether it accepts this key (costs no coins)")
        self.test_button.clicked.connect(self._test)

        for button in (self.show_button, self.test_button):
            button.setAutoDefault(False)   # Enter in the key field saves; it never shows the key
        row = QHBoxLayout()
        row.addWidget(self.key_edit, 1)
        row.addWidget(self.show_button)
        row.addWidget(self.test_button)

        self.result_label = QLabel("")
        self.result_label.setObjectName("keyResult")
        self.result_label.setWordWrap(True)
        self.result_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        try:
            keystore.load()
            locked = False
        except KeyStoreError:
            locked = True
        backend = keystore.backend_label
        self.where_label = QLabel(
            f"The key will be stored in {backend}." if keystore.backend is not None else
            "No system keyring is available here, so the key can only be kept for this "
            "session.")
        self.where_label.setObjectName("keyWhere")
        self.where_label.setWordWrap(True)
        self.where_label.setStyleSheet("color: palette(placeholder-text);")

        self.buttons = QDialogButtonBox()
        self.save_button = self.buttons.addButton("Save", QDialogButtonBox.ButtonRole.AcceptRole)
        self.save_button.setObjectName("saveKeyButton")
        self.session_button = self.buttons.addButton("Use for this session only",
                                                     QDialogButtonBox.ButtonRole.ActionRole)
        self.session_button.setObjectName("sessionKeyButton")
        self.session_button.setToolTip("Keep the key in memory until Cutout closes; nothing "
                                       "is written to disk")
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.save_button.clicked.connect(self._save)
        self.session_button.clicked.connect(self._use_for_session)
        self.buttons.rejected.connect(self.reject)
        self.session_button.setVisible(keystore.backend is None or locked)
        self.save_button.setEnabled(False)
        self.test_button.setEnabled(False)

        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        layout.addWidget(intro)
        layout.addLayout(row)
        layout.addWidget(self.result_label)
        layout.addWidget(self.where_label)
        layout.addWidget(self.buttons)
        # Enter in the key field keeps the key where it can be kept (set once the buttons are
        # the dialog's: before, Qt does not make them its default, and Enter pressed "Show")
        (self.save_button if keystore.backend is not None else self.session_button
         ).setDefault(True)

    # -- slots ------------------------------------------------------------------------
    def _key(self) -> str:
        return self.key_edit.text().strip()

    def _key_edited(self) -> None:
        has = bool(self._key())
        self.save_button.setEnabled(has)
        self.session_button.setEnabled(has)
        self.test_button.setEnabled(has and not self._testing)
        self.result_label.clear()

    def _toggle_visible(self, shown: bool) -> None:
        self.key_edit.setEchoMode(QLineEdit.EchoMode.Normal if shown
                                  else QLineEdit.EchoMode.Password)
        self.show_button.setText("Hide" if shown else "Show")

    def _test(self) -> None:
        from desktop_app.api.connection import Connection

        connection = Connection(self._base_url, self._key())
        self.test_button.setEnabled(False)
        self.result_label.setText("Asking HitPaw\u2026")

        def check() -> None:
            client = connection.client(read_timeout=10)  # requests loads in the worker
            try:
                client.check_key()
            finally:
                client.close()

        self._testing = True
        run_task(self, check, lambda _: self._tested(True, "HitPaw accepts this key."),
                 lambda message: self._tested(False, message))

    def _tested(self, ok: bool, message: str) -> None:
        self._testing = False
        self.test_button.setEnabled(bool(self._key()))
        colour = "#2e9d4f" if ok else "#d04437"
        self.result_label.setStyleSheet(f"color: {colour};")
        self.result_label.setText(("\u2713 " if ok else "\u2717 ") + message)

    def _save(self) -> None:
        try:
            self._keystore.save(self._key())
        except KeyStoreError as err:
            self._tested(False, str(err))
            self.session_button.setVisible(True)
            self.session_button.setEnabled(True)
            return
        self.saved_key = self._key()
        self.accept()

    def _use_for_session(self) -> None:
        self._keystore.use_for_session(self._key())
        self.saved_key = self._key()
        self.session_only = True
        self.accept()
