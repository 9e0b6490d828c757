"""Settings > Storage and the window's uploads, against moto's S3 server and the sandbox.

The Test button runs off the GUI thread and says one sentence; the secret goes to the
keyring only; a local file queued in the window goes up with its percentage on the row, is
cut out by the sandbox from the presigned link, and leaves nothing in the bucket; what a
crash left is deleted when the window starts.
"""

from __future__ import annotations

from pathlib import Path

import keyring
import keyring.backends.fail
import pytest
from PIL import Image, ImageDraw
from PySide6.QtWidgets import QCheckBox, QDialog, QLabel, QLineEdit, QPushButton, QTabWidget
from storage_support import (  # noqa: F401 - fixtures
    ACCESS_KEY,
    REGION,
    SECRET,
    bucket,
    closed_port,
    objects,
    s3_env,
    s3_server,
)

from desktop_app.jobs.model import Job, JobState
from desktop_app.secrets import SERVICE, STORAGE_USERNAME, StorageSecretStore
from desktop_app.settings import Settings
from desktop_app.ui.settings_dialog import SettingsDialog

WAIT_MS = 30000
ENTRY = (SERVICE, STORAGE_USERNAME)


@pytest.fixture
def no_aws_env(monkeypatch):
    """Only what the Storage page says counts (boto3 must not find keys elsewhere)."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE",
                 "AWS_ENDPOINT_URL_S3", "CUTOUT_UPLOAD_BUCKET"):
        monkeypatch.delenv(name, raising=False)


def open_storage_page(qtbot) -> SettingsDialog:
    dialog = SettingsDialog(Settings())
    qtbot.addWidget(dialog)
    tabs = dialog.findChild(QTabWidget, "settingsTabs")
    tabs.setCurrentWidget(dialog.storage)
    dialog.show()
    return dialog


def fill(dialog: SettingsDialog, **values: str) -> None:
    for name, value in values.items():
        edit = dialog.findChild(QLineEdit, name)
        edit.clear()
        edit.setText(value)


def test_the_test_button_says_what_works_and_what_does_not(qtbot, s3_env, bucket,
                                                            no_aws_env, memory_keyring):
    dialog = open_storage_page(qtbot)
    result = dialog.findChild(QLabel, "storageTestResult")
    test = dialog.findChild(QPushButton, "storageTestButton")
    assert dialog.findChild(QLineEdit, "storageSecretEdit").echoMode() == \
        QLineEdit.EchoMode.Password
    fill(dialog, storageEndpointEdit=s3_env.endpoint, storageRegionEdit=REGION,
         storageBucketEdit="no-such-bucket", storageKeyIdEdit=ACCESS_KEY,
         storageSecretEdit=SECRET)
    test.click()
    assert not test.isEnabled()          # running, in a worker: the window is not held
    qtbot.waitUntil(lambda: "no bucket" in result.text(), timeout=WAIT_MS)
    assert test.isEnabled() and "no-such-bucket" in result.text()

    fill(dialog, storageBucketEdit=bucket)
    test.click()
    qtbot.waitUntil(lambda: "storage works" in result.text(), timeout=WAIT_MS)
    assert objects(s3_env, bucket) == []
    assert memory_keyring.store == {}     # testing keeps nothing

    fill(dialog, storageEndpointEdit=f"http://127.0.0.1:{closed_port()}")
    test.click()
    qtbot.waitUntil(lambda: "cannot reach" in result.text(), timeout=WAIT_MS)


def test_saving_puts_the_secret_in_the_keyring_and_nowhere_else(qtbot, s3_env, bucket,
                                                                no_aws_env, memory_keyring,
                                                                isolated_home):
    dialog = open_storage_page(qtbot)
    fill(dialog, storageEndpointEdit=s3_env.endpoint, storageRegionEdit=REGION,
         storageBucketEdit=bucket, storagePrefixEdit="team", storageKeyIdEdit=ACCESS_KEY,
         storageSecretEdit=SECRET)
    assert dialog.findChild(QCheckBox, "stripLocationCheck").isChecked()   # on by default
    dialog.accept()
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert memory_keyring.store == {ENTRY: SECRET}
    settings = Settings()
    assert settings.storage_ready and settings.storage_bucket == bucket
    assert settings.storage_config().secret_access_key == ""   # the settings never hold it
    for path in Path(isolated_home).rglob("*"):
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), path

    again = open_storage_page(qtbot)        # the saved secret is not shown back
    assert again.findChild(QLineEdit, "storageSecretEdit").text() == ""
    again.findChild(QPushButton, "storageTestButton").click()
    result = again.findChild(QLabel, "storageTestResult")
    qtbot.waitUntil(lambda: "storage works" in result.text(), timeout=WAIT_MS)


def test_without_a_keyring_the_secret_lives_for_this_session_only(qtbot, no_aws_env,
                                                                  isolated_home):
    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    try:
        dialog = open_storage_page(qtbot)
        fill(dialog, storageBucketEdit="b", storageKeyIdEdit=ACCESS_KEY,
             storageSecretEdit=SECRET)
        dialog.accept()
        assert "session only" in dialog.findChild(QLineEdit, "storageSecretEdit") \
            .placeholderText()
        assert StorageSecretStore().load() == SECRET
        for path in Path(isolated_home).rglob("*"):
            if path.is_file():
                assert SECRET.encode() not in path.read_bytes(), path
    finally:
        StorageSecretStore().delete()
        keyring.set_keyring(previous)


def photo(path: Path) -> Path:
    img = Image.new("RGB", (320, 240), (40, 120, 200))
    ImageDraw.Draw(img).ellipse((80, 50, 240, 190), fill=(230, 180, 40))
    img.save(path)
    return path


def test_a_local_file_goes_up_with_its_percentage_and_nothing_is_left(
        qtbot, make_window, connected, s3_env, bucket, monkeypatch, tmp_path):
    monkeypatch.setenv("CUTOUT_UPLOAD_BUCKET", f"{bucket}/team")
    window = make_window()
    qtbot.waitUntil(lambda: window.controller.storage_ready, timeout=WAIT_MS)
    seen: list[str] = []
    window.controller.job_changed.connect(lambda job: seen.append(job.row_status))
    [job] = window.controller.add_urls([str(photo(tmp_path / "photo.png"))])
    qtbot.waitUntil(lambda: window.controller.jobs[job.id].state == JobState.DONE,
                    timeout=WAIT_MS)
    assert "Uploading 100 %" in seen
    assert seen.index("Uploading 100 %") < seen.index("Sending")
    # deleted as the run ends, a moment after the row says Done
    qtbot.waitUntil(lambda: window.controller.jobs[job.id].storage_key is None,
                    timeout=WAIT_MS)
    assert objects(s3_env, bucket) == []
    assert connected.stats.submits == 1


def test_leftovers_of_a_crash_are_deleted_when_the_window_starts(
        qtbot, make_window, connected, s3_env, bucket, monkeypatch):
    from desktop_app import paths
    from desktop_app.jobs.store import HistoryStore

    monkeypatch.setenv("CUTOUT_UPLOAD_BUCKET", f"{bucket}/team")
    client = s3_env.client()
    key = "team/cutout-uploads/left-by-a-crash.jpg"
    client.put_object(Bucket=bucket, Key=key, Body=b"x")
    store = HistoryStore(paths.history_db())
    crashed = Job("/home/someone/photo.jpg", state=JobState.FAILED, message="x",
                  storage_key=key, finished_at=1.0)
    store.save(crashed)
    store.close()

    window = make_window()
    qtbot.waitUntil(lambda: objects(s3_env, bucket) == [], timeout=WAIT_MS)
    qtbot.waitUntil(lambda: crashed.id in window.controller.jobs
                    and window.controller.jobs[crashed.id].storage_key is None,
                    timeout=WAIT_MS)


def test_removing_a_job_deletes_an_object_its_run_could_not(qtbot, make_window, connected,
                                                            s3_env, bucket, monkeypatch):
    """The run's own delete failed (the storage was unreachable then): the object goes when
    the user removes the job, and with Clear history."""
    monkeypatch.setenv("CUTOUT_UPLOAD_BUCKET", f"{bucket}/team")
    window = make_window()
    controller = window.controller
    qtbot.waitUntil(lambda: controller.storage_ready, timeout=WAIT_MS)
    client = s3_env.client()
    jobs = []
    for n in range(2):
        key = f"team/cutout-uploads/undeleted-{n}.jpg"
        client.put_object(Bucket=bucket, Key=key, Body=b"x")
        jobs.append(Job(f"/home/someone/photo{n}.jpg", state=JobState.DONE, storage_key=key,
                        finished_at=1.0))
    controller.queue.restore(jobs)     # finished jobs that still name their objects
    controller.remove([jobs[0].id])
    qtbot.waitUntil(lambda: objects(s3_env, bucket) == ["team/cutout-uploads/undeleted-1.jpg"],
                    timeout=WAIT_MS)
    controller.clear_history()
    qtbot.waitUntil(lambda: objects(s3_env, bucket) == [], timeout=WAIT_MS)


def test_storage_ready_from_the_settings_or_the_environment(no_aws_env, monkeypatch):
    """The one answer the engine choice asks (``choose_engine(storage_ready=...)``)."""
    from desktop_app.jobs.model import Engine, choose_engine

    settings = Settings()
    assert not settings.storage_ready and settings.storage_config() is None
    settings.storage_bucket = "photos"
    assert not settings.storage_ready                 # no keys, no profile
    settings.storage_access_key_id = ACCESS_KEY
    assert settings.storage_ready
    assert choose_engine(True, storage_ready=settings.storage_ready) == Engine.HITPAW
    settings.storage_bucket = ""
    assert choose_engine(True, storage_ready=settings.storage_ready) == Engine.LOCAL
    monkeypatch.setenv("CUTOUT_UPLOAD_BUCKET", "env-bucket/pre")
    assert settings.storage_ready and settings.storage_from_env
    cfg = settings.storage_config()
    assert (cfg.bucket, cfg.prefix, cfg.use_profile) == ("env-bucket", "pre/", True)
    assert settings.strip_location                    # on by default


def test_the_engine_for_files_follows_the_storage_typed_in_the_same_dialog(
        qtbot, no_aws_env, isolated_home):
    """HitPaw becomes a choice for files as soon as the Storage tab holds a usable storage,
    without reopening the dialog, and goes away again when it no longer does."""
    from PySide6.QtWidgets import QComboBox

    dialog = open_storage_page(qtbot)
    combo = dialog.findChild(QComboBox, "localEngineCombo")
    hitpaw = combo.model().item(combo.findData("hitpaw"))
    assert not hitpaw.isEnabled()
    assert "until your storage is set up" in combo.itemText(combo.findData("auto"))
    fill(dialog, storageBucketEdit="b")
    assert not hitpaw.isEnabled()                 # a bucket alone: no way to sign in yet
    fill(dialog, storageKeyIdEdit=ACCESS_KEY)
    assert hitpaw.isEnabled() and hitpaw.toolTip() == ""
    assert "through your storage" in combo.itemText(combo.findData("auto"))
    combo.setCurrentIndex(combo.findData("hitpaw"))
    fill(dialog, storageKeyIdEdit="")
    assert not hitpaw.isEnabled() and combo.currentData() == "auto"
    dialog.findChild(QCheckBox, "storageUseProfileCheck").setChecked(True)
    assert hitpaw.isEnabled()
    combo.setCurrentIndex(combo.findData("hitpaw"))
    dialog.accept()
    settings = Settings()
    assert settings.storage_ready and settings.local_engine == "hitpaw"
