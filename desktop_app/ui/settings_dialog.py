"""Preferences: where the API is, how often to ask, how many at once, what to keep, and
(on its own page) the user's storage for local files."""

from __future__ import annotations

from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QColorDialog,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop_app.api.defaults import BASE_URL_ENV, DEFAULT_BASE_URL, trim_base_url
from desktop_app.jobs.limits import MAX_CONCURRENCY, MAX_POLL, MIN_POLL
from desktop_app.settings import Settings, is_plain_http_remote

RETENTION = [("Keep everything", 0), ("30 days", 30), ("90 days", 90), ("7 days", 7),
             ("1 day", 1)]
LOCAL_ENGINES = [("Automatically", "auto"), ("On this computer (free)", "local"),
                 ("With HitPaw (needs your storage)", "hitpaw")]
FORMATS = [("PNG (transparent)", "PNG"), ("WebP (transparent)", "WEBP"),
           ("JPEG (on a background colour)", "JPEG")]


class SettingsDialog(QDialog):
    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Cutout settings")
        self.setObjectName("settingsDialog")
        self.setMinimumWidth(520)
        self.settings = settings
        override = settings.base_url_override
        self._make_service_fields(bool(override))
        self._make_export_fields()
        self._make_engine_field()
        self._lay_out(bool(override))

    def _make_service_fields(self, overridden: bool) -> None:
        settings = self.settings
        self.base_url = QLineEdit(settings.base_url)
        self.base_url.setObjectName("baseUrlEdit")
        self.base_url.setAccessibleName("API address")
        self.base_url.setPlaceholderText(DEFAULT_BASE_URL)
        self.base_url.setToolTip("HitPaw's address, or a compatible proxy or sandbox")
        if overridden:
            self.base_url.setEnabled(False)
            self.base_url.setToolTip(f"Set by {BASE_URL_ENV} in the environment")
        self.poll = QDoubleSpinBox()
        self.poll.setObjectName("pollIntervalSpin")
        self.poll.setRange(MIN_POLL, MAX_POLL)
        self.poll.setSingleStep(0.5)
        self.poll.setSuffix(" s")
        self.poll.setValue(settings.poll_interval)
        self.poll.setToolTip("How often Cutout asks HitPaw whether a job is done (HitPaw "
                             f"advises {MIN_POLL:g} to {MAX_POLL:g} seconds)")
        self.concurrency = QSpinBox()
        self.concurrency.setObjectName("concurrencySpin")
        self.concurrency.setRange(1, MAX_CONCURRENCY)
        self.concurrency.setValue(settings.concurrency)
        self.concurrency.setToolTip("Jobs sent and followed at the same time")
        self.limit = QSpinBox()
        self.limit.setObjectName("processingLimitSpin")
        self.limit.setRange(1, 60)
        self.limit.setSuffix(" min")
        self.limit.setValue(max(1, round(settings.processing_limit / 60)))
        self.limit.setToolTip("Give up on a job that HitPaw is still processing after this "
                              "long (Retry checks again without a new charge)")
        self.retention = QComboBox()
        self.retention.setObjectName("retentionCombo")
        for label, days in RETENTION:
            self.retention.addItem(label, days)
        index = self.retention.findData(settings.history_days)
        self.retention.setCurrentIndex(max(0, index))
        self.retention.setToolTip("Finished jobs older than this are removed from the history "
                                  "and the cache when Cutout starts")

    def _make_engine_field(self) -> None:
        """Who cuts out files from this computer; HitPaw needs the designer's own storage."""
        self.local_engine = QComboBox()
        self.local_engine.setObjectName("localEngineCombo")
        self.local_engine.setAccessibleName("Files on this computer are cut out")
        for label, value in LOCAL_ENGINES:
            self.local_engine.addItem(label, value)
        self.local_engine.setCurrentIndex(
            max(0, self.local_engine.findData(self.settings.local_engine)))
        self._storage_ready_changed(self.settings.storage_ready)
        self.local_engine.setToolTip("Who cuts out images you open, drop or paste from this "
                                     "computer. Links always go to HitPaw; any job can also "
                                     "be cut out on this computer from the Jobs menu.")

    def _storage_ready_changed(self, ready: bool) -> None:
        """Offer HitPaw for files (and say what "automatically" means) as the storage is,
        also while it is being typed on the Storage tab."""
        combo = self.local_engine
        combo.setItemText(combo.findData("auto"), LOCAL_ENGINES[0][0] + (
            " (with HitPaw, through your storage)" if ready else
            " (on this computer until your storage is set up)"))
        hitpaw = combo.model().item(combo.findData("hitpaw"))
        hitpaw.setEnabled(ready)
        hitpaw.setToolTip("" if ready else "HitPaw fetches images by link, so it needs your "
                          "own storage to share a file: set it up first")
        if not ready and combo.currentData() == "hitpaw":
            combo.setCurrentIndex(combo.findData("auto"))

    def _make_export_fields(self) -> None:
        settings = self.settings
        self.format = QComboBox()
        self.format.setObjectName("exportFormatCombo")
        for label, value in FORMATS:
            self.format.addItem(label, value)
        self.format.setCurrentIndex(max(0, self.format.findData(settings.export_format)))
        self.background = QPushButton()
        self.background.setObjectName("jpegBackgroundButton")
        self.background.setToolTip("The colour a JPEG cut-out is placed on (JPEG has no "
                                   "transparency)")
        self._set_background(settings.export_background)
        self.background.clicked.connect(self._pick_background)
        self.crop = QCheckBox("Crop to the subject, keeping")
        self.crop.setObjectName("cropCheck")
        self.crop.setChecked(settings.export_crop)
        self.crop.setToolTip("Saved cut-outs and masks are cut to the subject's bounding box")
        self.padding = QSpinBox()
        self.padding.setObjectName("paddingSpin")
        self.padding.setRange(0, 2000)
        self.padding.setSuffix(" px around it")
        self.padding.setValue(settings.export_padding)
        self.padding.setEnabled(self.crop.isChecked())
        self.crop.toggled.connect(self.padding.setEnabled)
        crop_row = QHBoxLayout()
        crop_row.addWidget(self.crop)
        crop_row.addWidget(self.padding)
        crop_row.addStretch(1)
        self.folder = QLineEdit(settings.export_dir)
        self.folder.setObjectName("exportFolderEdit")
        self.folder.setPlaceholderText("The last folder you saved to")
        browse = QPushButton("Choose\u2026")
        browse.clicked.connect(self._browse)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder, 1)
        folder_row.addWidget(browse)
        self._crop_row, self._folder_row = crop_row, folder_row

    def _lay_out(self, overridden: bool) -> None:
        general = QWidget()
        form = QFormLayout(general)
        form.addRow("API address:", self.base_url)
        if overridden:
            form.addRow("", QLabel(f"Set by {BASE_URL_ENV} for this session."))
        form.addRow("Check status every:", self.poll)
        form.addRow("Jobs at once:", self.concurrency)
        form.addRow("Give up after:", self.limit)
        form.addRow("Files on this computer:", self.local_engine)
        form.addRow("Default format:", self.format)
        form.addRow("JPEG background:", self.background)
        form.addRow("Cropping:", self._crop_row)
        form.addRow("Default folder:", self._folder_row)
        form.addRow("Keep history:", self.retention)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        from desktop_app.ui.storage_settings import StorageSettings  # storage (issue 15)

        self.storage = StorageSettings(self.settings)
        self.storage.readiness_changed.connect(self._storage_ready_changed)
        self._storage_ready_changed(self.storage.typed_ready())
        self.tabs = QTabWidget()
        self.tabs.setObjectName("settingsTabs")
        self.tabs.addTab(general, "General")
        self.tabs.addTab(self.storage, "Storage")
        outer = QVBoxLayout(self)
        outer.addWidget(self.tabs)
        outer.addWidget(buttons)

    def _set_background(self, colour: str) -> None:
        self._background = colour
        self.background.setText(colour)
        self.background.setStyleSheet(
            f"QPushButton {{ background: {colour}; color: "
            f"{'#000000' if QColor(colour).lightness() > 128 else '#ffffff'}; }}")

    def _pick_background(self) -> None:
        colour = QColorDialog.getColor(QColor(self._background), self, "JPEG background")
        if colour.isValid():
            self._set_background(colour.name())

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Default folder for saved images",
                                                  self.folder.text() or
                                                  self.settings.last_save_dir)
        if folder:
            self.folder.setText(folder)

    def accept(self) -> None:
        url = trim_base_url(self.base_url.text()) or DEFAULT_BASE_URL
        if self.base_url.isEnabled() and url != self.settings.base_url:
            if not url.startswith(("http://", "https://")):
                QMessageBox.warning(self, "API address", "The API address must start with "
                                    "https:// (or http:// for this computer).")
                return
            if is_plain_http_remote(url):
                answer = QMessageBox.warning(
                    self, "Unencrypted address",
                    f"{url} is not encrypted (http, not https): your API key and your links "
                    "would travel in clear text. Use it anyway?",
                    QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                    QMessageBox.StandardButton.No)
                if answer != QMessageBox.StandardButton.Yes:
                    return
            self.settings.base_url = url
        if not self.storage.save():   # storage (issue 15): the secret goes to the keyring
            return
        s = self.settings
        s.poll_interval = self.poll.value()
        s.concurrency = self.concurrency.value()
        s.processing_limit = self.limit.value() * 60
        s.export_format = self.format.currentData()
        s.export_dir = self.folder.text().strip()
        s.export_background = self._background
        s.export_crop = self.crop.isChecked()
        s.export_padding = self.padding.value()
        s.history_days = self.retention.currentData()
        s.local_engine = self.local_engine.currentData()
        s.sync()
        super().accept()
