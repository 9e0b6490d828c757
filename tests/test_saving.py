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


def finished_window(qtbot, make_window, connected, names):
    window = make_window()
    window.intake.url_input.setPlainText("\n".join(connected.sample_url(n) for n in names))
    window.intake.submit()
    qtbot.waitUntil(lambda: len(window.controller.jobs) == len(names)
                    and all(j.state == JobState.DONE for j in window.controller.jobs.values()),
                    timeout=WAIT_MS)
    window.jobs_panel.select_job(next(iter(window.controller.jobs)))
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
