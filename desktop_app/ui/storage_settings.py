"""Settings > Storage: the user's own bucket, for local files sent to HitPaw (issue 15).

A page of the settings dialog, self-contained: it reads and writes the storage settings and
the secret (keyring), and its Test button runs ``Storage.test`` off the GUI thread (boto3 is
imported there, never here), then shows the one sentence, or that it worked.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QWidget,
)

from desktop_app.settings import Settings

ABOUT = ("HitPaw fetches images from a link. To send a file from this computer, Cutout puts "
         "it in your own S3-compatible bucket (AWS S3, Cloudflare R2, Backblaze B2, Wasabi, "
         "MinIO), shares it with HitPaw by a link that lives 15 minutes, and deletes it as "
         "soon as the job ends.")
ENV_NOTE = ("Set by CUTOUT_UPLOAD_BUCKET and the AWS variables (AWS_ACCESS_KEY_ID, "
            "AWS_ENDPOINT_URL_S3, ...) for this session.")
SECRET_KEPT = "Kept in the system keyring; leave empty to keep it"
WORKS = "The storage works: Cutout put a test file in {where}, fetched it by link and deleted it."


class StorageSettings(QWidget):
    """The Storage page. ``save()`` writes what was typed; False (and a message) when it
    cannot be kept as typed. ``readiness_changed`` tells the dialog, as the designer types,
    whether local files could go to HitPaw with the storage as typed."""

    readiness_changed = Signal(bool)

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("storageSettings")
        self.settings = settings
        self._testing = False
        self._make_fields()
        self._lay_out()
        self._use_profile_toggled(self.use_profile.isChecked())
        if settings.storage_from_env:
            for field in self._fields():
                field.setEnabled(False)
        self._ready = self.typed_ready()
        for edit in (self.bucket, self.key_id, self.profile):
            edit.textChanged.connect(self._typed)
        self.use_profile.toggled.connect(self._typed)

    def _line(self, name: str, value: str, accessible: str, placeholder: str = "") -> QLineEdit:
        edit = QLineEdit(value)
        edit.setObjectName(name)
        edit.setAccessibleName(accessible)
        edit.setPlaceholderText(placeholder)
        return edit

    def _make_fields(self) -> None:
        s = self.settings
        self.endpoint = self._line("storageEndpointEdit", s.storage_endpoint,
                                   "Storage endpoint", "Empty for AWS S3")
        self.endpoint.setToolTip("The provider's S3 address, e.g. "
                                 "https://ACCOUNT_ID.r2.cloudflarestorage.com for R2 or "
                                 "http://minio.local:9000 for MinIO; empty for AWS S3")
        self.region = self._line("storageRegionEdit", s.storage_region, "Storage region",
                                 "e.g. eu-west-1 (auto for R2)")
        self.bucket = self._line("storageBucketEdit", s.storage_bucket, "Bucket")
        self.prefix = self._line("storagePrefixEdit", s.storage_prefix, "Key prefix",
                                 "Optional, e.g. team/")
        self.prefix.setToolTip("Cutout writes only under PREFIX/cutout-uploads/ and deletes "
                               "only there")
        self.use_profile = QCheckBox("Use my AWS profile (~/.aws) instead of keys")
        self.use_profile.setObjectName("storageUseProfileCheck")
        self.use_profile.setChecked(s.storage_use_profile)
        self.use_profile.toggled.connect(self._use_profile_toggled)
        self.profile = self._line("storageProfileEdit", s.storage_profile, "AWS profile",
                                  "default")
        self.key_id = self._line("storageKeyIdEdit", s.storage_access_key_id, "Access key id")
        self.secret = self._line("storageSecretEdit", "", "Secret access key",
                                 SECRET_KEPT if s.storage_access_key_id else "")
        self.secret.setEchoMode(QLineEdit.EchoMode.Password)
        self.strip_location = QCheckBox("Remove the location (GPS) before uploading")
        self.strip_location.setToolTip("Photos from phones record where they were taken; "
                                       "this removes it from the copy sent to HitPaw")
        self.strip_location.setObjectName("stripLocationCheck")
        self.strip_location.setChecked(s.strip_location)
        self.test_button = QPushButton("Test")
        self.test_button.setObjectName("storageTestButton")
        self.test_button.setAccessibleName("Test the storage")
        self.test_button.setToolTip("Put a tiny file in the bucket, fetch it by link, delete "
                                    "it")
        self.test_button.clicked.connect(self.run_test)
        self.result = QLabel("")
        self.result.setObjectName("storageTestResult")
        self.result.setWordWrap(True)
        self.result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

    def _fields(self) -> list[QWidget]:
        return [self.endpoint, self.region, self.bucket, self.prefix, self.use_profile,
                self.profile, self.key_id, self.secret]

    def _lay_out(self) -> None:
        form = QFormLayout(self)
        about = QLabel(ABOUT)
        about.setWordWrap(True)
        form.addRow(about)
        if self.settings.storage_from_env:
            form.addRow(QLabel(ENV_NOTE))
        form.addRow("Endpoint:", self.endpoint)
        form.addRow("Region:", self.region)
        form.addRow("Bucket:", self.bucket)
        form.addRow("Key prefix:", self.prefix)
        form.addRow("", self.use_profile)
        form.addRow("AWS profile:", self.profile)
        form.addRow("Access key id:", self.key_id)
        form.addRow("Secret access key:", self.secret)
        form.addRow("", self.strip_location)
        test_row = QHBoxLayout()
        test_row.addWidget(self.test_button)
        test_row.addWidget(self.result, 1)
        form.addRow("", test_row)

    def _use_profile_toggled(self, on: bool) -> None:
        if self.settings.storage_from_env:
            return
        self.profile.setEnabled(on)
        self.key_id.setEnabled(not on)
        self.secret.setEnabled(not on)

    def typed_ready(self) -> bool:
        """``Settings.storage_ready``'s rule applied to the fields as typed (not yet saved)."""
        if self.settings.storage_from_env:
            return True
        return bool(self.bucket.text().strip()) and (self.use_profile.isChecked()
                                                     or bool(self.key_id.text().strip()))

    def _typed(self, *_: object) -> None:
        ready = self.typed_ready()
        if ready != self._ready:
            self._ready = ready
            self.readiness_changed.emit(ready)

    # -- the Test button ---------------------------------------------------------------
    def typed_config(self):
        """The storage as typed (not yet saved), without its secret."""
        from desktop_app.storage import StorageConfig

        if self.settings.storage_from_env:
            return StorageConfig.from_env()
        if not self.bucket.text().strip():
            return None
        return StorageConfig(self.bucket.text(), self.prefix.text(),
                             self.endpoint.text() or None, self.region.text() or None,
                             self.key_id.text().strip(),
                             use_profile=self.use_profile.isChecked(),
                             profile=self.profile.text().strip())

    def run_test(self) -> None:
        from desktop_app.ui.tasks import run_task

        config = self.typed_config()
        if config is None:
            self._show("Enter the bucket's name first.", ok=False)
            return
        if self._testing:
            return
        typed_secret = self.secret.text().strip()

        def test() -> str | None:   # in a worker: the keyring, boto3 and the network
            from desktop_app.secrets import StorageSecretStore
            from desktop_app.storage import Storage

            cfg = config
            if not cfg.use_profile:
                secret = typed_secret or StorageSecretStore().load() or ""
                if not secret:
                    return "Enter the secret access key to test the storage."
                cfg = cfg.with_secret(secret)
            return Storage(cfg, max_attempts=2, connect_timeout=5).test()

        self._testing = True
        self.test_button.setEnabled(False)
        self._show("Testing\u2026", ok=None)
        run_task(self, test, self._tested, lambda sentence: self._tested(sentence))

    def _tested(self, sentence: str | None) -> None:
        self._testing = False
        self.test_button.setEnabled(True)
        config = self.typed_config()
        if sentence is None and config is not None:
            self._show(WORKS.format(where=config.where), ok=True)
        else:
            self._show(sentence or "The test did not finish.", ok=False)

    def _show(self, text: str, ok: bool | None) -> None:
        colour = {True: "#2e7d32", False: "#c62828", None: ""}[ok]
        self.result.setStyleSheet(f"color: {colour};" if colour else "")
        self.result.setText(text)

    # -- saving --------------------------------------------------------------------------
    def save(self) -> bool:
        """Write the fields to the settings and a typed secret to the keyring."""
        if self.settings.storage_from_env:
            self.settings.strip_location = self.strip_location.isChecked()
            return True
        from desktop_app.secrets import KeyStoreError, StorageSecretStore

        secret = self.secret.text().strip()
        if secret and not self.use_profile.isChecked():
            try:
                where = StorageSecretStore().save(secret)
            except KeyStoreError as err:
                QMessageBox.warning(self, "Storage secret", str(err))
                return False
            self.secret.clear()
            self.secret.setPlaceholderText(f"Kept {where}")
        s = self.settings
        s.storage_endpoint = self.endpoint.text()
        s.storage_region = self.region.text()
        s.storage_bucket = self.bucket.text()
        s.storage_prefix = self.prefix.text()
        s.storage_use_profile = self.use_profile.isChecked()
        s.storage_profile = self.profile.text()
        s.storage_access_key_id = self.key_id.text()
        s.strip_location = self.strip_location.isChecked()
        return True
