"""Saving as a designer expects, in a real window against the sandbox: a JPEG on the viewer's
background at the chosen quality, cropped with padding; Save all with progress, Stop, a folder
made on request and "Show in folder".

Only what would wait for a person or launch another program is replaced: the platform's save
dialog (it returns the path a person would type) and ``QDesktopServices.openUrl`` (the test
records the URL it was asked to open instead of starting a file manager).
"""

from __future__ import annotations

import threading

from PIL import Image
from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QApplication, QFileDialog, QPushButton

from desktop_app.jobs.model import JobState
from desktop_app.ui.save_options import SaveOptionsDialog

WAIT_MS = 10000
JOBS_MS = 60000       # three jobs through the sandbox's real model, on a shared, busy machine


def finished_window(qtbot, make_window, connected, names):
    window = make_window()
    window.intake.url_input.setPlainText("\n".join(connected.sample_url(n) for n in names))
    window.intake.submit()
    qtbot.waitUntil(lambda: len(window.controller.jobs) == len(names)
                    and all(j.state == JobState.DONE for j in window.controller.jobs.values()),
                    timeout=JOBS_MS)
    window.jobs_panel.select_job(next(iter(window.controller.jobs)))
    # the window shows a turn's job changes after it: Save is offered once it has
    qtbot.waitUntil(window.commands.save_matted.isEnabled, timeout=JOBS_MS)
    return window


def save_jpeg(qtbot, window, monkeypatch, target, quality, *, crop=False, padding=0):
    seen = {}

    def answer(dialog):
        dialog.format_combo.setCurrentIndex(dialog.format_combo.findData("JPEG"))
        seen["background"] = dialog.background_button.text()
        seen["viewer_enabled"] = dialog.viewer_button.isEnabled()
        dialog.quality_spin.setValue(quality)
        dialog.crop_check.setChecked(crop)
        dialog.padding_spin.setValue(padding)
        return 1

    monkeypatch.setattr(SaveOptionsDialog, "exec", answer)
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a: (str(target), "JPEG image (*.jpg)")))
    window.commands.save_matted.trigger()
    qtbot.waitUntil(target.exists, timeout=WAIT_MS)
    return seen


def test_a_jpeg_is_saved_on_the_viewers_background_at_the_chosen_quality(
        qtbot, make_window, connected, tmp_path, monkeypatch):
    window = finished_window(qtbot, make_window, connected, ["bag.png"])
    window.viewer.act_bg_black.trigger()                 # the designer looks at it on black
    assert window.settings.view_background["kind"] == "black"
    seen = save_jpeg(qtbot, window, monkeypatch, tmp_path / "high.jpg", 95)
    assert seen == {"background": "#000000", "viewer_enabled": True}
    save_jpeg(qtbot, window, monkeypatch, tmp_path / "low.jpg", 20)
    job = next(iter(window.controller.jobs.values()))
    with Image.open(job.mask_path) as mask, Image.open(tmp_path / "high.jpg") as high:
        assert high.format == "JPEG" and high.size == mask.size
        corner = high.getpixel((0, 0))                   # background: black, as viewed
        assert max(corner) < 20
        assert mask.getpixel((0, 0)) == 0
    assert (tmp_path / "low.jpg").stat().st_size < 0.7 * (tmp_path / "high.jpg").stat().st_size
    assert window.settings.export_jpeg_quality == 20     # remembered for next time

    # a colour of one's own is kept: the viewer's button offers the viewer's colour back
    monkeypatch.setattr(SaveOptionsDialog, "exec", lambda dialog: (
        dialog.set_background("#2040ff"), dialog.viewer_button.click(),
        seen.update(after=dialog.background_button.text()), 0)[-1])
    window.commands.save_matted.trigger()
    assert seen["after"] == "#000000"


def test_crop_to_subject_keeps_the_padding_asked(qtbot, make_window, connected, tmp_path,
                                                  monkeypatch):
    window = finished_window(qtbot, make_window, connected, ["shoe.png"])
    save_jpeg(qtbot, window, monkeypatch, tmp_path / "crop.jpg", 90, crop=True, padding=7)
    job = next(iter(window.controller.jobs.values()))
    with Image.open(job.mask_path) as mask:
        left, top, right, bottom = mask.point(lambda v: 255 if v > 8 else 0).getbbox()
        width, height = mask.size
    expected = (min(width, right + 7) - max(0, left - 7), min(height, bottom + 7)
                - max(0, top - 7))
    with Image.open(tmp_path / "crop.jpg") as cropped:
        assert cropped.size == expected and expected != (width, height)
    assert window.settings.export_crop and window.settings.export_padding == 7


def test_save_all_shows_progress_stops_makes_the_folder_and_shows_it(
        qtbot, make_window, connected, tmp_path, monkeypatch):
    from desktop_app import save_all
    from desktop_app.ui.export_dialogs import SaveAllDialog

    window = finished_window(qtbot, make_window, connected,
                             ["one.png", "two.png", "three.png"])
    out = tmp_path / "new" / "campaign"                   # not there yet
    monkeypatch.setattr(SaveAllDialog, "exec", lambda dialog: (dialog.from_state(
        {"folder": str(out), "format": "PNG", "include_masks": True}), 1)[-1])
    real_export = save_all.export_cutout
    stop_clicked = threading.Event()
    calls = []

    def gated(*args, **kwargs):                           # the first file, then wait for Stop
        result = real_export(*args, **kwargs)
        calls.append(result)
        if len(calls) == 1:
            stop_clicked.wait(10)
        return result

    monkeypatch.setattr(save_all, "export_cutout", gated)
    opened = []
    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(opened.append))
    window.commands.save_all.trigger()
    qtbot.waitUntil(lambda: bool(calls), timeout=WAIT_MS)
    assert out.is_dir()                                    # made by the worker
    progress = QApplication.activeModalWidget()
    assert progress is not None and progress.objectName() == "saveAllProgress"
    assert progress.findChild(QPushButton, "stopSavingButton").isVisible()
    assert "of 6 files" in progress.label.text()
    progress.findChild(QPushButton, "stopSavingButton").click()
    stop_clicked.set()
    close = progress.findChild(QPushButton, "closeSavingButton")
    qtbot.waitUntil(close.isVisible, timeout=WAIT_MS)
    written = sorted(p.name for p in out.iterdir())
    assert len(written) == 1                              # the file written before Stop stays
    text = progress.label.text()
    assert text.startswith(f"Saved 1 file in {out}") and "stopped before 5 files" in text
    assert window.statusBar().currentMessage() == text
    show = progress.findChild(QPushButton, "showInFolderButton")
    assert show.isVisible()
    show.click()
    assert opened == [QUrl.fromLocalFile(str(out))]
    close.click()
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is None, timeout=WAIT_MS)


def test_save_all_plans_in_a_worker_keeps_clashing_names_apart_and_asks_about_existing(
        qtbot, make_window, connected, tmp_path, monkeypatch):
    from desktop_app.ui import export_actions, export_dialogs
    from desktop_app.ui.export_dialogs import SaveAllDialog

    window = make_window()
    window.intake.url_input.setPlainText("\n".join([connected.sample_url("cat.png", 800, 600),
                                                    connected.sample_url("cat.png", 640, 480)]))
    window.intake.submit()
    qtbot.waitUntil(lambda: len(window.controller.jobs) == 2 and all(
        j.state == JobState.DONE for j in window.controller.jobs.values()), timeout=JOBS_MS)
    out = tmp_path / "out"
    out.mkdir()
    (out / "cat-cutout.png").write_bytes(b"keep me")
    monkeypatch.setattr(SaveAllDialog, "exec", lambda dialog: (dialog.from_state(
        {"folder": str(out), "format": "PNG", "include_masks": False}), 1)[-1])
    real_plan, planners, release = export_actions.plan_save_all, [], threading.Event()

    def gated(*args, **kwargs):                  # held until the test has looked
        planners.append(threading.current_thread())
        release.wait(10)
        return real_plan(*args, **kwargs)

    monkeypatch.setattr(export_actions, "plan_save_all", gated)
    asked = []
    monkeypatch.setattr(export_dialogs, "confirm_overwrite",
                        lambda parent, existing: asked.append(list(existing)) or "skip")
    window.commands.save_all.trigger()
    # the plan is being made, and the window's event loop goes on meanwhile
    qtbot.waitUntil(lambda: bool(planners), timeout=WAIT_MS)
    assert planners[0] is not threading.main_thread()
    assert window.statusBar().currentMessage() == "Preparing to save 2 results\u2026"
    assert not asked
    release.set()
    qtbot.waitUntil(lambda: (out / "cat-2-cutout.png").exists(), timeout=WAIT_MS)
    assert asked == [[out / "cat-cutout.png"]]           # the clash in the folder was asked
    assert (out / "cat-cutout.png").read_bytes() == b"keep me"    # and kept ("skip")
    with Image.open(out / "cat-2-cutout.png") as saved:
        assert saved.mode == "RGBA"
    progress = QApplication.activeModalWidget()
    close = progress.findChild(QPushButton, "closeSavingButton")
    qtbot.waitUntil(close.isVisible, timeout=WAIT_MS)
    assert "kept 1 file that already existed" in progress.label.text()
    close.click()


def test_a_save_all_plan_that_cannot_work_says_why(qtbot, make_window, connected, tmp_path,
                                                   monkeypatch):
    from desktop_app.ui import main_window
    from desktop_app.ui.export_dialogs import SaveAllDialog

    window = finished_window(qtbot, make_window, connected, ["one.png"])
    out = tmp_path / "out"
    out.mkdir()
    # the dialog refuses these patterns itself; were they to get through, the plan says why
    monkeypatch.setattr(SaveAllDialog, "exec", lambda dialog: (dialog.from_state(
        {"folder": str(out), "pattern": "{stem}.{ext}", "mask_pattern": "{stem}.png",
         "format": "PNG", "include_masks": True}), 1)[-1])
    warnings = []
    monkeypatch.setattr(main_window.QMessageBox, "warning",
                        staticmethod(lambda parent, title, text: warnings.append((title, text))))
    window.commands.save_all.trigger()
    qtbot.waitUntil(lambda: bool(warnings), timeout=WAIT_MS)
    title, text = warnings[0]
    assert title == "Not saved" and "would both be named \u201cone.png\u201d" in text
    assert window.statusBar().currentMessage() == text
    assert list(out.iterdir()) == []


def test_save_all_progress_is_coalesced_however_fast_the_files_go(qtbot):
    from desktop_app.ui.save_all_progress import Progress

    progress, shown = Progress(), []
    progress.progressed.connect(lambda done, total: shown.append(done))
    total = 2000

    def worker():
        for done in range(1, total + 1):
            progress.report(done, total)

    thread = threading.Thread(target=worker)
    thread.start()
    qtbot.waitUntil(lambda: bool(shown) and shown[-1] == total, timeout=WAIT_MS)
    thread.join()
    assert shown == sorted(shown)                          # in order, the last one shown
    assert len(shown) < 50                                 # not 2,000 updates of the bar
    shown.clear()
    progress.report(1, 1)                                  # a late one still arrives
    qtbot.waitUntil(lambda: shown == [1], timeout=WAIT_MS)
