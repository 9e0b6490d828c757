"""The designer's workbench around the job list: getting links in, history, settings."""

from __future__ import annotations

import time

from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QApplication, QComboBox, QLineEdit, QListView, QMessageBox

from desktop_app import paths
from desktop_app.jobs.model import RESULT_LIFETIME, Job, JobState
from desktop_app.jobs.store import HistoryStore
from desktop_app.ui import link_intake
from desktop_app.ui.settings_dialog import SettingsDialog

WAIT_MS = 20000


def states(window):
    """The states the job list shows (a turn after the queue's: the window shows a turn's
    changes once, after it)."""
    model = window.model
    return [model.job_at(row).state for row in range(model.rowCount())]


def wait_all(qtbot, window, state=JobState.DONE):
    qtbot.waitUntil(lambda: states(window) and all(s == state for s in states(window))
                    and window.controller.running_count == 0, timeout=WAIT_MS)


def visible_rows(window) -> int:
    return window.findChild(QListView, "jobList").model().rowCount()


def test_paste_anywhere_adds_the_clipboard_links(qtbot, make_window, connected):
    window = make_window()
    window.jobs_panel.view.setFocus()
    QApplication.clipboard().setText(f"look: {connected.sample_url('a.png')} and "
                                     f"{connected.sample_url('b.png')}")
    window.commands.paste.trigger()
    assert len(window.controller.jobs) == 2
    wait_all(qtbot, window)


def test_dropping_a_link_and_a_file_that_is_not_an_image(qtbot, make_window, connected,
                                                         tmp_path):
    window = make_window()
    local = tmp_path / "holiday.jpg"
    local.write_bytes(b"not sent")
    mime = QMimeData()
    mime.setUrls([QUrl(connected.sample_url("dropped.png")), QUrl.fromLocalFile(str(local))])
    event = QDropEvent(QPointF(50, 50), Qt.DropAction.CopyAction, mime,
                       Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    window.dropEvent(event)  # the file is checked in a worker, then both are handled
    qtbot.waitUntil(lambda: bool(window.controller.jobs), timeout=WAIT_MS)
    assert [j.url for j in window.controller.jobs.values()] == [
        connected.sample_url("dropped.png")]
    message = window.statusBar().currentMessage()
    assert "holiday.jpg" in message and "not an image" in message
    wait_all(qtbot, window)


def test_a_link_done_today_offers_the_cached_result(qtbot, make_window, connected,
                                                     monkeypatch):
    window = make_window()
    url = connected.sample_url("again.png")
    window.intake.url_input.setPlainText(url)
    window.intake.submit()
    wait_all(qtbot, window)
    asked = []
    monkeypatch.setattr(link_intake, "ask_reuse",
                        lambda parent, reused, total: asked.append((len(reused), total)) or "reuse")
    window.intake.url_input.setPlainText(url)
    window.intake.submit()
    assert asked == [(1, 1)]
    assert len(window.controller.jobs) == 1
    assert connected.stats.submits == 1
    assert "no coins spent" in window.statusBar().currentMessage()
    monkeypatch.setattr(link_intake, "ask_reuse", lambda *a: "send")
    window.intake.url_input.setPlainText(url)
    window.intake.submit()
    assert len(window.controller.jobs) == 2
    wait_all(qtbot, window)
    assert connected.stats.submits == 2


def test_pause_one_job_and_resume_it_without_a_new_charge(qtbot, make_window, connected):
    connected.processing_time = 3.0
    window = make_window()
    window.intake.url_input.setPlainText(connected.sample_url("slow.png"))
    window.intake.submit()
    qtbot.waitUntil(lambda: next(iter(window.controller.jobs.values())).job_id is not None,
                    timeout=WAIT_MS)
    window.jobs_panel.select_job(next(iter(window.controller.jobs)))
    window.commands.pause_selected.trigger()
    wait_all(qtbot, window, JobState.PAUSED)
    assert "Paused by you" in window.model.data(window.model.index(0))
    connected.processing_time = 0.1
    window.commands.retry.trigger()
    wait_all(qtbot, window)
    assert connected.stats.submits == 1


def test_search_and_filter_the_history(qtbot, make_window, connected):
    window = make_window()
    window.intake.url_input.setPlainText("\n".join([connected.sample_url("red-shoe.png"),
                                                    connected.sample_url("blue-hat.png"),
                                                    connected.sample_url("not-an-image.png")]))
    window.intake.submit()
    qtbot.waitUntil(lambda: all(s in (JobState.DONE, JobState.FAILED) for s in states(window))
                    and len(states(window)) == 3, timeout=WAIT_MS)
    search = window.findChild(QLineEdit, "jobSearch")
    search.setText("shoe")
    assert visible_rows(window) == 1
    search.clear()
    combo = window.findChild(QComboBox, "jobFilter")
    combo.setCurrentIndex(combo.findText("Needs attention"))
    assert visible_rows(window) == 1
    combo.setCurrentIndex(combo.findText("Done"))
    assert visible_rows(window) == 2
    combo.setCurrentIndex(combo.findText("All jobs"))
    assert visible_rows(window) == 3


def test_clear_history_asks_first_and_then_forgets_everything(qtbot, make_window, connected,
                                                              monkeypatch):
    window = make_window()
    window.intake.url_input.setPlainText(connected.sample_url("gone.png"))
    window.intake.submit()
    wait_all(qtbot, window)
    workdir = window.controller.workdir(next(iter(window.controller.jobs.values())))
    assert workdir.exists()
    monkeypatch.setattr(QMessageBox, "question",
                        staticmethod(lambda *a: QMessageBox.StandardButton.No))
    window.commands.clear.trigger()
    assert len(window.controller.jobs) == 1
    monkeypatch.setattr(QMessageBox, "question",
                        staticmethod(lambda *a: QMessageBox.StandardButton.Yes))
    window.commands.clear.trigger()
    assert window.controller.jobs == {} and visible_rows(window) == 0
    assert not workdir.exists()
    window.controller.store.flush()
    assert HistoryStore(paths.history_db()).load_all() == []


def test_old_jobs_are_pruned_and_stale_job_ids_are_not_polled(qtbot, make_window, connected):
    store = HistoryStore(paths.history_db())
    now = time.time()
    old_done = Job("https://example.com/old.png", state=JobState.DONE,
                   finished_at=now - 40 * 86400, completed_at=now - 40 * 86400)
    stale = Job("https://example.com/stale.png", state=JobState.CONVERTING, job_id="gone",
                submitted_at=now - RESULT_LIFETIME - 3600)
    store.save(old_done)
    store.save(stale)
    store.close()
    window = make_window()
    window.settings.history_days = 30
    window.close()
    again = make_window()
    qtbot.waitUntil(lambda: len(again.controller.jobs) == 1, timeout=WAIT_MS)
    job = next(iter(again.controller.jobs.values()))
    assert job.url.endswith("stale.png") and job.state == JobState.EXPIRED
    assert connected.stats.polls == 0


def test_a_history_that_cannot_be_opened_is_said_once_and_jobs_still_run(
        qtbot, make_window, connected):
    paths.history_db().mkdir(parents=True)   # a folder where the history file should be
    window = make_window()
    qtbot.waitUntil(lambda: "could not open its history" in window.statusBar().currentMessage(),
                    timeout=WAIT_MS)
    assert window.statusBar().currentMessage() == (
        "Cutout could not open its history (the file cannot be opened), so jobs run as usual "
        "but are not kept after Cutout closes.")
    window.intake.url_input.setPlainText(connected.sample_url("cat.png"))
    window.intake.submit()                    # the window still takes links
    assert visible_rows(window) == 1
    wait_all(qtbot, window)                   # and the job goes all the way, not "went wrong"
    job = next(iter(window.controller.jobs.values()))
    assert job.has_results and not job.message


def test_settings_dialog_saves_values_and_confirms_plain_http(qtbot, make_window,
                                                             monkeypatch):
    window = make_window()
    dialog = SettingsDialog(window.settings, window)
    qtbot.addWidget(dialog)
    dialog.poll.setValue(4.5)
    dialog.concurrency.setValue(7)
    dialog.base_url.setText("http://api.example.com")
    asked = []
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(
        lambda *a, **k: asked.append(a[2]) or QMessageBox.StandardButton.No))
    dialog.accept()
    assert asked and "not encrypted" in asked[0]
    assert window.settings.base_url != "http://api.example.com"
    dialog.base_url.setText("https://proxy.example.com/")
    dialog.accept()
    assert window.settings.base_url == "https://proxy.example.com"
    assert window.settings.poll_interval == 4.5 and window.settings.concurrency == 7


def test_save_all_writes_every_finished_job_and_never_overwrites_without_asking(
        qtbot, make_window, connected, tmp_path, monkeypatch):
    from desktop_app.ui import export_dialogs
    from desktop_app.ui.export_dialogs import SaveAllDialog

    window = make_window()
    window.intake.url_input.setPlainText("\n".join([connected.sample_url("cat.png"),
                                                    connected.sample_url("dog.png")]))
    window.intake.submit()
    wait_all(qtbot, window)
    out = tmp_path / "out"
    out.mkdir()
    (out / "cat-cutout.png").write_bytes(b"keep me")

    def accept(dialog):
        dialog.from_state({"folder": str(out), "pattern": "{stem}-cutout.{ext}",
                           "format": "WEBP", "include_masks": True})
        return 1

    monkeypatch.setattr(SaveAllDialog, "exec", accept)
    asked = []
    monkeypatch.setattr(export_dialogs, "confirm_overwrite",
                        lambda parent, existing: asked.append(existing) or "skip")
    assert window.commands.save_all.isEnabled()
    window.commands.save_all.trigger()
    names = ["cat-cutout.webp", "cat-mask.png", "dog-cutout.webp", "dog-mask.png"]
    qtbot.waitUntil(lambda: all((out / n).exists() for n in names), timeout=WAIT_MS)
    assert asked == [[]]  # .webp names: nothing to overwrite yet
    from PIL import Image
    with Image.open(out / "dog-cutout.webp") as img:
        assert img.format == "WEBP" and img.mode == "RGBA"
    assert (out / "cat-mask.png").exists() and (out / "dog-mask.png").exists()
    assert (out / "cat-cutout.png").read_bytes() == b"keep me"

    asked.clear()
    window.commands.save_all.trigger()
    qtbot.waitUntil(lambda: bool(asked), timeout=WAIT_MS)
    assert sorted(p.name for p in asked[0]) == names


def test_copy_cutout_puts_a_png_with_alpha_on_the_clipboard(qtbot, make_window, connected):
    import io

    from PIL import Image

    window = make_window()
    window.intake.url_input.setPlainText(connected.sample_url("clip.png"))
    window.intake.submit()
    wait_all(qtbot, window)
    window.jobs_panel.select_job(next(iter(window.controller.jobs)))
    QApplication.clipboard().clear()
    window.commands.copy_cutout.trigger()
    def has_png() -> bool:
        mime = QApplication.clipboard().mimeData()
        return mime is not None and mime.hasFormat("image/png")

    qtbot.waitUntil(has_png, timeout=WAIT_MS)
    data = bytes(QApplication.clipboard().mimeData().data("image/png"))
    with Image.open(io.BytesIO(data)) as img:
        assert img.mode == "RGBA" and img.size == (800, 600)
        assert img.getpixel((0, 0))[3] == 0
    assert "Copied the cut-out" in window.statusBar().currentMessage()


def test_a_locked_keyring_says_so_and_offers_a_session_only_key(qtbot, make_window,
                                                                monkeypatch):
    import keyring
    import keyring.errors
    from keyring.backend import KeyringBackend
    from PySide6.QtWidgets import QLabel

    from desktop_app.ui.key_dialog import KeyDialog

    class Locked(KeyringBackend):
        priority = 1

        def get_password(self, service, username):
            raise keyring.errors.KeyringLocked("locked")

        def set_password(self, service, username, password):
            raise keyring.errors.KeyringLocked("locked")

        def delete_password(self, service, username):
            raise keyring.errors.KeyringLocked("locked")

    keyring.set_keyring(Locked())
    window = make_window()
    banner = window.findChild(QLabel, "bannerText")
    qtbot.waitUntil(lambda: banner.isVisible() and "locked" in banner.text(), timeout=5000)
    dialog = KeyDialog(window.connection.keystore, "http://127.0.0.1:9", "", window)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.session_button.isVisible()
    dialog.key_edit.setText("for-now-key")
    dialog.session_button.click()
    assert window.connection.keystore.load().source == "session"


def test_single_save_follows_the_export_settings(qtbot, make_window, connected, tmp_path,
                                                 monkeypatch):
    from PIL import Image
    from PySide6.QtWidgets import QFileDialog

    window = make_window()
    window.settings.export_crop = True
    window.settings.export_padding = 4
    window.settings.export_background = "#ff0000"
    window.intake.url_input.setPlainText(connected.sample_url("crop.png"))
    window.intake.submit()
    wait_all(qtbot, window)
    window.jobs_panel.select_job(next(iter(window.controller.jobs)))
    target = tmp_path / "cut.jpg"
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a: (str(target), "JPEG image (*.jpg)")))
    from desktop_app.ui.save_options import SaveOptionsDialog

    monkeypatch.setattr(SaveOptionsDialog, "exec", lambda dialog: 1)  # as the settings say
    window.commands.save_matted.trigger()
    qtbot.waitUntil(target.exists, timeout=WAIT_MS)
    with Image.open(target) as img:
        assert img.format == "JPEG" and img.mode == "RGB"
        assert img.width < 800 and img.height < 600          # cropped to the subject
        r, g, b = img.getpixel((0, 0))                         # the padding: background colour
        assert r > 200 and g < 60 and b < 60
    assert window.settings.export_format == "JPEG"            # remembered for next time


def test_a_key_in_the_keyring_is_read_off_the_gui_thread(qtbot, make_window, sandbox,
                                                          monkeypatch, memory_keyring):
    import threading

    from PySide6.QtWidgets import QLabel

    monkeypatch.setenv("HITPAW_API_BASE", sandbox.base_url)
    monkeypatch.delenv("HITPAW_API_KEY", raising=False)
    memory_keyring.store[("cutout-desktop", "hitpaw-api-key")] = "sandbox-key"
    readers = []
    read = memory_keyring.get_password
    monkeypatch.setattr(memory_keyring, "get_password", lambda *args: (
        readers.append(threading.current_thread() is threading.main_thread()) or read(*args)))

    window = make_window()
    qtbot.waitUntil(lambda: window.controller.has_key, timeout=5000)
    assert readers == [False]                      # asked once, and not by the GUI thread
    assert not window.findChild(QLabel, "bannerText").isVisible()   # never asked for a key
    window.intake.url_input.setPlainText(sandbox.sample_url("from-keyring.png"))
    window.intake.submit()
    wait_all(qtbot, window)
