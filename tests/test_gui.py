"""The window, driven through its object names with pytest-qt against the real sandbox.

Modal dialogs are the only thing patched (a file dialog or a message box would wait for a
person); everything else is the real window, real threads and real HTTP over loopback.
"""

from __future__ import annotations

import time

from PIL import Image
from PySide6.QtWidgets import (
    QFileDialog,
    QLabel,
    QLineEdit,
    QListView,
    QMessageBox,
    QPushButton,
)

from desktop_app.jobs.model import JobState
from desktop_app.sandbox import Fault
from desktop_app.ui.canvas import ImageCanvas
from desktop_app.ui.main_window import MainWindow

WAIT_MS = 20000


def paste(window: MainWindow, *urls: str) -> None:
    window.findChild(object, "urlInput").setPlainText("\n".join(urls))
    window.findChild(QPushButton, "submitButton").click()


def states(window: MainWindow) -> list[JobState]:
    """The states the job list shows (a turn after the queue's: the window shows a turn's
    changes once, after it)."""
    model = window.model
    return [model.job_at(row).state for row in range(model.rowCount())]


def status_text(window: MainWindow) -> str:
    return window.statusBar().currentMessage()


def select(window: MainWindow, row: int) -> None:
    view = window.findChild(QListView, "jobList")
    view.setCurrentIndex(view.model().index(row, 0))


def wait_all(qtbot, window, state=JobState.DONE, timeout=WAIT_MS):
    qtbot.waitUntil(lambda: states(window) and all(s == state for s in states(window)),
                    timeout=timeout)


def test_three_links_finish_and_fill_all_three_panes(qtbot, make_window, connected):
    window = make_window()
    paste(window, connected.sample_url("cat.png"), connected.sample_url("mug.jpg"),
          connected.sample_url("shoe.webp"))
    assert window.findChild(QListView, "jobList").model().rowCount() == 3
    assert window.findChild(object, "urlInput").toPlainText() == ""
    wait_all(qtbot, window)
    for row in range(3):
        select(window, row)
        job = window.model.job_at(row)
        qtbot.waitUntil(lambda: window.results.has_previews(job.id), timeout=WAIT_MS)
        for name in ("originalView", "mattedView", "maskView"):
            canvas = window.findChild(ImageCanvas, name)
            pixmap = canvas.pixmap()
            assert pixmap is not None and not pixmap.isNull(), name
            # scaled to fit, keeping the aspect ratio of the 800x600 samples
            assert pixmap.width() <= canvas.width() and pixmap.height() <= canvas.height()
            assert abs(pixmap.width() / pixmap.height() - 4 / 3) < 0.05
    assert connected.stats.submits == 3
    assert "60 coins" in window.findChild(QLabel, "coinsLabel").text()
    text = window.model.data(window.model.index(0))
    assert "Done" in text


def test_invalid_link_fails_alone_with_a_sentence(qtbot, make_window, connected):
    window = make_window()
    paste(window, connected.sample_url("not-an-image.png"), connected.sample_url("ok.png"))
    qtbot.waitUntil(lambda: sorted(states(window)) == sorted([JobState.DONE, JobState.FAILED]),
                    timeout=WAIT_MS)
    failed = next(j for j in window.controller.jobs.values() if j.state == JobState.FAILED)
    assert "could not fetch this link" in failed.status_text
    assert "could not fetch this link" in status_text(window)
    assert failed.status_text in window.model.data(window.model.index(0))


def test_bad_input_gets_one_sentence_and_sends_nothing(qtbot, make_window, connected):
    window = make_window()
    paste(window, "just some words, no links at all")
    assert "No images found" in status_text(window)
    paste(window, "ftp://example.com/a.png javascript:alert(1) https://example.com/a.gif")
    assert "3 items were not added" in status_text(window)
    assert window.controller.jobs == {}
    assert connected.stats.submits == 0


def test_invalid_key_mid_batch_pauses_opens_the_key_dialog_and_resumes(
        qtbot, make_window, connected, monkeypatch):
    opened = []

    def fake_exec(dialog):
        opened.append(dialog.findChild(QLabel, "keyReason").text())
        dialog.saved_key = "sandbox-key"
        return 1

    from desktop_app.ui.key_dialog import KeyDialog

    monkeypatch.setattr(KeyDialog, "exec", fake_exec)
    window = make_window()
    connected.add_fault(Fault(endpoint="submit", kind="code", code=110400000, times=2))
    # Six links to one picture (the sandbox ignores the unknown "n"): it segments it once, with
    # the real model in this process, not six times in a row (which took most of 20 s under
    # load, and is not what this test is about: the pause, the dialog and the resume).
    paste(window, *(connected.sample_url("img.png") + f"?n={i}" for i in range(6)))
    wait_all(qtbot, window)
    assert opened and "does not accept this API key" in opened[0]
    assert connected.stats.jobs_created == 6     # nothing lost, nothing charged twice


def test_out_of_coins_pauses_the_queue_and_resume_finishes_it(qtbot, make_window, connected):
    window = make_window()
    connected.add_fault(Fault(endpoint="submit", kind="code", code=110402000, times=None,
                              http_style=False))
    paste(window, *(connected.sample_url(f"img{i}.png") for i in range(5)))
    banner = window.findChild(QLabel, "bannerText")
    qtbot.waitUntil(lambda: banner.isVisible() and "out of coins" in banner.text(),
                    timeout=WAIT_MS)
    assert "out of coins" in status_text(window)
    qtbot.waitUntil(lambda: window.controller.running_count == 0, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: all(s in (JobState.PAUSED, JobState.QUEUED)
                                for s in states(window)), timeout=WAIT_MS)
    assert len(window.controller.jobs) == 5
    connected.clear_faults()
    window.findChild(QPushButton, "bannerButton").click()
    wait_all(qtbot, window)
    assert connected.stats.jobs_created == 5
    assert not window.connection.banner.isVisible()


def test_lost_submit_answer_is_not_resent_until_the_user_resubmits(
        qtbot, make_window, connected):
    window = make_window()
    connected.add_fault(Fault(endpoint="submit", kind="drop_after_charge"))
    paste(window, connected.sample_url("lost.png"))
    wait_all(qtbot, window, JobState.UNKNOWN)
    time.sleep(0.5)
    assert connected.stats.submits == 1
    select(window, 0)
    assert window.commands.retry.text().replace("&", "") == "Resubmit"
    window.commands.retry.trigger()
    wait_all(qtbot, window)
    assert connected.stats.submits == 2


def test_retry_pressed_the_moment_a_job_stops_is_not_lost(qtbot, make_window, connected):
    """Its row turns Unknown (or Failed) a moment before its worker thread has ended: a
    Resubmit in that moment waits for the thread, then runs; it is never dropped."""
    window = make_window()
    connected.add_fault(Fault(endpoint="submit", kind="drop_after_charge"))
    pressed = []

    def press_at_once(job) -> None:  # runs before the worker's thread has ended
        if job.state == JobState.UNKNOWN and not pressed:
            pressed.append(job.id in window.controller._workers)
            window.controller.retry(job.id)

    window.controller.job_changed.connect(press_at_once)
    paste(window, connected.sample_url("impatient.png"))
    wait_all(qtbot, window)
    assert pressed == [True]  # the press did come while the worker was still registered
    assert connected.stats.submits == 2


def test_remove_pressed_while_previews_are_being_made_is_not_lost(qtbot, make_window,
                                                                   connected):
    """A job shows Done while its worker still makes the previews: Remove then waits for
    the worker and removes the job, its row and its files."""
    window = make_window()
    pressed = []

    def press_at_once(job) -> None:  # runs before the worker's thread has ended
        if job.state == JobState.DONE and not pressed:
            pressed.append(job.id in window.controller._workers)
            window.controller.remove([job.id])

    window.controller.job_changed.connect(press_at_once)
    paste(window, connected.sample_url("unwanted.png"))
    qtbot.waitUntil(lambda: bool(pressed) and not window.controller.jobs, timeout=WAIT_MS)
    assert pressed == [True]
    assert window.model.rowCount() == 0
    window.controller.store.flush()
    assert window.controller.store.load_all() == []


def test_expired_result_links_say_so(qtbot, make_window, connected):
    window = make_window()
    connected.add_fault(Fault(endpoint="file", kind="expired_404", times=None,
                              match="cutout"))
    paste(window, connected.sample_url("old.png"))
    wait_all(qtbot, window, JobState.EXPIRED)
    assert "expired" in window.model.data(window.model.index(0)).lower()


def accept_save_options(monkeypatch) -> None:
    """Answer the save-options dialog (format, crop...) with what it shows, as OK would."""
    from desktop_app.ui.save_options import SaveOptionsDialog

    monkeypatch.setattr(SaveOptionsDialog, "exec", lambda dialog: 1)


def test_save_buttons_write_png_files_with_alpha(qtbot, make_window, connected, tmp_path,
                                                 monkeypatch):
    window = make_window()
    paste(window, connected.sample_url("bottle.png"))
    wait_all(qtbot, window)
    select(window, 0)
    saved = {}

    def fake_dialog(parent, title, suggested, filters, *rest):
        saved["suggested"] = suggested
        return str(tmp_path / ("out-mask" if "mask" in title.lower() else "out-cutout")), ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(fake_dialog))
    accept_save_options(monkeypatch)
    matted_button = window.findChild(QPushButton, "saveMattedButton")
    assert matted_button.isEnabled()
    matted_button.click()
    assert saved["suggested"].endswith("bottle-cutout.png")
    qtbot.waitUntil(lambda: (tmp_path / "out-cutout.png").exists(), timeout=WAIT_MS)
    window.findChild(QPushButton, "saveMaskButton").click()
    qtbot.waitUntil(lambda: (tmp_path / "out-mask.png").exists(), timeout=WAIT_MS)
    with Image.open(tmp_path / "out-cutout.png") as img:
        assert img.format == "PNG" and img.mode == "RGBA"
        assert img.getpixel((0, 0))[3] == 0                      # background gone
        assert img.getpixel((img.width // 2, img.height // 2))[3] == 255
    with Image.open(tmp_path / "out-mask.png") as img:
        assert img.format == "PNG" and img.mode == "L"
    qtbot.waitUntil(lambda: "Saved the mask" in status_text(window), timeout=WAIT_MS)
    assert window.settings.last_save_dir == str(tmp_path)
    assert not list(tmp_path.glob("*.part"))


def test_saving_into_a_read_only_folder_says_so(qtbot, make_window, connected, tmp_path,
                                                monkeypatch):
    import os
    if os.geteuid() == 0:
        target_dir = tmp_path / "missing" / "folder"   # root ignores permissions
        expected = "no longer exists"
    else:
        target_dir = tmp_path / "locked"
        target_dir.mkdir()
        target_dir.chmod(0o500)
        expected = "read-only"
    window = make_window()
    paste(window, connected.sample_url("bottle.png"))
    wait_all(qtbot, window)
    select(window, 0)
    warnings = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a: (str(target_dir / "x.png"), "")))
    accept_save_options(monkeypatch)
    monkeypatch.setattr(QMessageBox, "warning",
                        staticmethod(lambda parent, title, text: warnings.append(text)))
    window.findChild(QPushButton, "saveMattedButton").click()
    qtbot.waitUntil(lambda: bool(warnings), timeout=WAIT_MS)
    assert expected in warnings[0] and expected in status_text(window)
    assert not (target_dir / "x.png").exists()


def test_first_start_without_a_key_offers_the_key_dialog_and_the_sandbox(qtbot, make_window):
    window = make_window()
    welcome = window.findChild(QLabel, "welcomeText")
    qtbot.waitUntil(lambda: "needs a HitPaw API key" in welcome.text(), timeout=5000)
    assert "cut out on this computer, for free" in welcome.text()   # no key: files still work
    banner = window.findChild(QLabel, "bannerText")
    assert banner.isVisible() and "cut out here, for free" in banner.text()
    assert "file names" in window.findChild(QLineEdit, "jobSearch").placeholderText()
    sandbox_button = window.findChild(QPushButton, "sandboxButton")
    assert sandbox_button.isVisible()
    sandbox_button.click()
    assert window.findChild(QLabel, "sandboxLabel").isVisible()
    assert window.connection.sandbox is not None
    window.connection.sandbox.processing_time = 0.2
    assert window.findChild(object, "urlInput").toPlainText().count("http") == 3
    window.intake.submit()
    wait_all(qtbot, window)
    assert len(window.controller.jobs) == 3


def test_closing_with_jobs_running_stops_within_two_seconds_and_resumes_on_restart(
        qtbot, make_window, connected):
    connected.processing_time = 4.0
    window = make_window()
    paste(window, *(connected.sample_url(f"img{i}.png") for i in range(8)))
    qtbot.waitUntil(lambda: sum(1 for j in window.controller.jobs.values() if j.job_id) == 4,
                    timeout=WAIT_MS)
    started = time.monotonic()
    window.close()
    assert time.monotonic() - started < 2.5
    assert window.controller.running_count == 0 or all(
        not w.isRunning() for w in window.controller._workers.values())
    submitted = connected.stats.submits
    assert submitted == 4
    connected.processing_time = 0.2
    again = make_window()
    qtbot.waitUntil(lambda: len(again.controller.jobs) == 8, timeout=WAIT_MS)
    wait_all(qtbot, again)
    # the four that had a job id resumed by polling; only the four queued ones were sent
    assert connected.stats.submits == submitted + 4
    assert connected.stats.jobs_created == 8


def test_history_comes_back_from_the_cache_without_the_network(qtbot, make_window,
                                                                connected):
    window = make_window()
    paste(window, connected.sample_url("kept.png"))
    wait_all(qtbot, window)
    window.close()
    connected.stop()                       # the service is gone
    again = make_window()
    qtbot.waitUntil(lambda: len(again.controller.jobs) == 1, timeout=WAIT_MS)
    assert states(again) == [JobState.DONE]
    select(again, 0)
    canvas = again.findChild(ImageCanvas, "mattedView")
    qtbot.waitUntil(lambda: canvas.pixmap() is not None, timeout=WAIT_MS)


def test_key_dialog_masks_tests_and_saves_to_the_keyring(qtbot, sandbox, memory_keyring):
    from desktop_app.secrets import KeyStore
    from desktop_app.ui.key_dialog import KeyDialog

    store = KeyStore()
    dialog = KeyDialog(store, sandbox.base_url)
    qtbot.addWidget(dialog)
    edit = dialog.key_edit
    assert edit.echoMode() == edit.EchoMode.Password
    dialog.show_button.click()
    assert edit.echoMode() == edit.EchoMode.Normal
    dialog.show_button.click()
    assert edit.echoMode() == edit.EchoMode.Password
    edit.setText("wrong-key")
    dialog.test_button.click()
    qtbot.waitUntil(lambda: "does not accept" in dialog.result_label.text(), timeout=WAIT_MS)
    edit.setText("sandbox-key")
    dialog.test_button.click()
    qtbot.waitUntil(lambda: "accepts this key" in dialog.result_label.text(), timeout=WAIT_MS)
    dialog.save_button.click()
    assert memory_keyring.store[("cutout-desktop", "hitpaw-api-key")] == "sandbox-key"
    assert KeyStore().load().key == "sandbox-key"


def test_without_a_keyring_the_dialog_offers_a_session_only_key(qtbot, isolated_home):
    import keyring
    from keyring.backends import fail

    from desktop_app.secrets import KeyStore
    from desktop_app.ui.key_dialog import KeyDialog

    keyring.set_keyring(fail.Keyring())
    store = KeyStore()
    dialog = KeyDialog(store, "http://127.0.0.1:9")
    qtbot.addWidget(dialog)
    dialog.show()
    assert "only be kept for this session" in dialog.where_label.text()
    dialog.key_edit.setText("secret-session-key")
    dialog.save_button.click()
    assert "No system keyring" in dialog.result_label.text()
    assert dialog.session_button.isVisible()
    dialog.session_button.click()
    assert dialog.session_only and store.load().source == "session"
    written = [p for p in isolated_home.rglob("*") if p.is_file()]
    assert not any("secret-session-key" in p.read_text(errors="ignore") for p in written)


def test_enter_in_the_key_field_keeps_the_key_and_never_shows_it(qtbot, memory_keyring,
                                                                  isolated_home):
    import keyring
    from keyring.backends import fail
    from PySide6.QtCore import Qt

    from desktop_app.secrets import KeyStore
    from desktop_app.ui.key_dialog import KeyDialog

    for backend, kept in ((memory_keyring, "keyring"), (fail.Keyring(), "session")):
        keyring.set_keyring(backend)
        store = KeyStore()
        dialog = KeyDialog(store, "http://127.0.0.1:9")
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitUntil(dialog.isVisible)
        dialog.key_edit.setFocus()
        qtbot.keyClicks(dialog.key_edit, "hp-typed-key")
        qtbot.keyClick(dialog.key_edit, Qt.Key.Key_Return)
        assert dialog.key_edit.echoMode() == dialog.key_edit.EchoMode.Password, kept
        assert dialog.saved_key == "hp-typed-key", kept
        assert dialog.session_only == (kept == "session")
        assert store.load().source == kept


def test_hitpaw_never_works_on_more_jobs_at_once_than_the_concurrency_setting(
        qtbot, make_window, connected):
    connected.processing_time = 0.6
    window = make_window()
    window.controller.concurrency = 2
    busy = {JobState.SUBMITTING, JobState.CONVERTING}
    most = []
    window.controller.job_changed.connect(lambda _job: most.append(
        sum(job.state in busy for job in window.controller.jobs.values())))
    paste(window, *(connected.sample_url(f"shoe-{i}.png") for i in range(6)))
    wait_all(qtbot, window, timeout=30000)
    assert max(most) == 2, most          # two at a time, never more, and never fewer
    assert connected.stats.jobs_created == 6


def test_a_bug_in_a_worker_fails_only_its_job_with_a_sentence_and_the_batch_goes_on(
        qtbot, make_window, connected, monkeypatch):
    """A bug cannot be had on demand, so this one is planted: the pipeline raises for one
    link. The worker reports it (``crashed``), the queue writes the sentence, and the row,
    the status bar and the history all say it; the other job still finishes."""
    import desktop_app.jobs.pipeline as pipeline

    real_run_job = pipeline.run_job

    def run_job(job, *args, **kwargs):
        if "buggy" in job.url:
            raise RuntimeError("a planted bug")
        return real_run_job(job, *args, **kwargs)

    monkeypatch.setattr(pipeline, "run_job", run_job)
    window = make_window()
    paste(window, connected.sample_url("buggy.png"), connected.sample_url("fine.png"))
    qtbot.waitUntil(lambda: sorted(states(window)) == sorted([JobState.DONE, JobState.FAILED])
                    and window.controller.running_count == 0, timeout=WAIT_MS)
    failed = next(j for j in window.controller.jobs.values() if j.state == JobState.FAILED)
    assert "buggy" in failed.url
    assert failed.message.startswith("Something went wrong inside Cutout")
    assert failed.status_text in window.model.data(window.model.index(0))
    window.controller.store.flush()
    stored = {j.id: j for j in window.controller.store.load_all()}
    assert stored[failed.id].state == JobState.FAILED
