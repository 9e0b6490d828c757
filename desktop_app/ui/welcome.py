"""The page shown while no job is selected: what Cutout does, and how to begin."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget


class WelcomePage(QWidget):
    key_wanted = Signal()
    sandbox_wanted = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("welcomePage")
        title = QLabel("Remove the background of any image")
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.5)
        font.setBold(True)
        title.setFont(font)
        self.text = QLabel()
        self.text.setObjectName("welcomeText")
        self.text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.text.setWordWrap(True)
        self.key_button = QPushButton("Enter API key\u2026")
        self.key_button.setObjectName("enterKeyButton")
        self.key_button.setToolTip("Paste your HitPaw API key; it is kept in the system keyring")
        self.key_button.clicked.connect(self.key_wanted)
        self.sandbox_button = QPushButton("Try it with the built-in sandbox")
        self.sandbox_button.setObjectName("sandboxButton")
        self.sandbox_button.setToolTip("Start a small test server inside Cutout and send three "
                                       "sample images to it: no key, no coins")
        self.sandbox_button.clicked.connect(self.sandbox_wanted)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.key_button)
        buttons.addWidget(self.sandbox_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(title)
        layout.addSpacing(8)
        layout.addWidget(self.text)
        layout.addSpacing(16)
        layout.addLayout(buttons)
        layout.addStretch(2)

    def update_for(self, has_key: bool, sandbox_running: bool) -> None:
        if has_key:
            self.text.setText("Paste image links above and press Enter, or open (Ctrl+O) or "
                              "drop image files and folders. Links go to HitPaw; files can "
                              "be cut out on this computer, for free. Each shows the "
                              "original, the cut-out and its mask side by side.")
        else:
            self.text.setText("Cutout needs a HitPaw API key to remove backgrounds from "
                              "links. Without one, open (Ctrl+O) or drop image files and "
                              "folders: they are cut out on this computer, for free. Enter "
                              "your key, or try HitPaw first with the built-in sandbox (no "
                              "key, no coins).")
        self.key_button.setVisible(not has_key)
        self.sandbox_button.setVisible(not has_key and not sandbox_running)
