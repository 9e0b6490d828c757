"""The export dialogs and the clipboard, with pytest-qt on the offscreen platform.

Modal boxes are answered by clicking their real buttons from a timer, the way a person would;
only the platform's own file and colour pickers are replaced (they would wait for a person).
"""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from PIL import Image, ImageDraw
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import (
    QApplication,
    QColorDialog,
    QDialog,
    QFileDialog,
    QMessageBox,
    QPushButton,
)

from desktop_app.export import ExportOptions
from desktop_app.ui import export_dialogs
from desktop_app.ui.export_dialogs import (
    ClipboardImage,
    SaveAllDialog,
    ask_save_path,
    confirm_overwrite,
    copy_image_to_clipboard,
    format_for,
    load_for_clipboard,
    save_target,
)

TODAY = date(2025, 6, 1)


def make_dialog(qtbot, stems=("cat", "cat", "dog"), state=None) -> SaveAllDialog:
    dialog = SaveAllDialog(stems, state, today=TODAY)
    qtbot.addWidget(dialog)
    return dialog


# -- the single-file save dialog -------------------------------------------------------------
@pytest.mark.parametrize("chosen, selected, path, fmt", [
    ("/x/out", "WebP image (*.webp)", "/x/out.webp", "WEBP"),
    ("/x/out", "JPEG image (*.jpg)", "/x/out.jpg", "JPEG"),
    ("/x/out.jpeg", "PNG image (*.png)", "/x/out.jpeg", "JPEG"),   # what they typed wins
    ("/x/out.PNG", "WebP image (*.webp)", "/x/out.PNG", "PNG"),
    ("/x/out.v2", "JPEG image (*.jpg)", "/x/out.v2.jpg", "JPEG"),
    ("/x/out", "", "/x/out.png", "PNG"),
])
def test_the_save_dialogs_answer_maps_to_a_format_and_a_path(chosen, selected, path, fmt):
    assert format_for(chosen, selected) == fmt
    assert save_target(chosen, selected) == (Path(path), fmt)


def test_ask_save_path_offers_the_three_formats_and_returns_the_final_path(
        qtbot, tmp_path, monkeypatch):
    asked = {}

    def fake(parent, title, suggested, filters, selected):
        asked.update(title=title, suggested=suggested, filters=filters, selected=selected)
        return str(tmp_path / "shoe"), "JPEG image (*.jpg)"

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(fake))
    answer = ask_save_path(None, "Save cut-out", tmp_path / "shoe-cutout.webp", "WEBP")
    assert answer == (tmp_path / "shoe.jpg", "JPEG")
    assert asked["filters"] == ("PNG image (*.png);;WebP image (*.webp);;"
                                "JPEG image (*.jpg)")
    assert asked["selected"] == "WebP image (*.webp)"

    # the added extension names a file the native dialog never asked about: ask here
    (tmp_path / "shoe.jpg").write_bytes(b"keep me")
    questions = []
    monkeypatch.setattr(export_dialogs, "confirm_overwrite",
                        lambda parent, existing: questions.append(existing) or "cancel")
    assert ask_save_path(None, "Save cut-out", tmp_path / "x.png", "PNG") is None
    assert questions == [[tmp_path / "shoe.jpg"]]


def test_a_mask_is_always_saved_as_png(qtbot, tmp_path, monkeypatch):
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a: (str(tmp_path / "m.jpg"), "")))
    assert ask_save_path(None, "Save mask", tmp_path / "m.png", "PNG", formats=("PNG",)) \
        == (tmp_path / "m.jpg.png", "PNG")


# -- "Save all" ------------------------------------------------------------------------------
def test_save_all_state_round_trips(qtbot, tmp_path):
    state = {"folder": str(tmp_path), "pattern": "{n:02}-{stem}.{ext}",
             "mask_pattern": "{n:02}-{stem}-{kind}.png", "format": "JPEG",
             "background": "#112233", "crop_to_subject": True, "padding": 12,
             "include_masks": True}
    dialog = make_dialog(qtbot, state=state)
    assert dialog.state() == state
    assert dialog.options() == ExportOptions(format="JPEG", background="#112233",
                                             crop_to_subject=True, padding=12)
    assert dialog.folder() == tmp_path and dialog.include_masks()
    assert dialog.pattern() == "{n:02}-{stem}.{ext}"
    assert dialog.mask_pattern() == "{n:02}-{stem}-{kind}.png"

    # QSettings' ini files give every value back as a string
    again = make_dialog(qtbot, state={k: str(v).lower() if isinstance(v, bool) else str(v)
                                      for k, v in state.items()})
    assert again.state() == state

    # broken values keep the defaults instead of breaking the dialog
    broken = make_dialog(qtbot, state={"format": "GIF", "background": "blue-ish",
                                       "padding": "lots", "crop_to_subject": "maybe"})
    assert broken.state()["format"] == "PNG" and broken.state()["background"] == "#ffffff"
    assert broken.state()["padding"] == 0 and broken.state()["crop_to_subject"] is False


def test_save_all_preview_shows_the_first_two_names(qtbot, tmp_path):
    dialog = make_dialog(qtbot, state={"folder": str(tmp_path)})
    preview = dialog.preview
    assert "cat-cutout.png" in preview.text() and "cat-2-cutout.png" in preview.text()
    assert "dog" not in preview.text() and "1 more" in preview.text()
    assert dialog.ok_button.isEnabled() and dialog.ok_button.text() == "Save 3 files"

    dialog.format_combo.setCurrentIndex(dialog.format_combo.findData("WEBP"))
    dialog.masks_check.setChecked(True)
    assert "cat-cutout.webp" in preview.text() and "cat-mask.png" in preview.text()
    assert "cat-2-mask.png" in preview.text()
    assert dialog.ok_button.text() == "Save 6 files"

    dialog.pattern_edit.setText("{date}_{n:03}.{ext}")
    assert "2025-06-01_001.webp" in preview.text() and "2025-06-01_002.webp" in preview.text()

    dialog.pattern_edit.setText("shoot/{stem}.{ext}")
    assert "cannot contain /" in preview.text()
    assert not dialog.ok_button.isEnabled()
    dialog.pattern_edit.setText("{stem}-{size}.{ext}")
    assert "{size}" in preview.text() and not dialog.ok_button.isEnabled()
    dialog.pattern_edit.setText("{stem}-cutout.{ext}")
    assert dialog.ok_button.isEnabled()


def test_save_all_controls_follow_their_switches(qtbot, monkeypatch):
    dialog = make_dialog(qtbot)
    assert not dialog.background_button.isEnabled()         # PNG: nothing to fill
    assert not dialog.padding_spin.isEnabled()
    assert not dialog.mask_pattern_edit.isEnabled()
    dialog.format_combo.setCurrentIndex(dialog.format_combo.findData("JPEG"))
    dialog.crop_check.setChecked(True)
    dialog.masks_check.setChecked(True)
    assert dialog.background_button.isEnabled() and dialog.padding_spin.isEnabled()
    assert dialog.mask_pattern_edit.isEnabled()

    monkeypatch.setattr(QColorDialog, "getColor",
                        staticmethod(lambda *a, **k: QColor("#ff8800")))
    qtbot.mouseClick(dialog.background_button, Qt.MouseButton.LeftButton)
    assert dialog.background() == "#ff8800" and dialog.options().background == "#ff8800"
    assert dialog.background_button.text() == "#ff8800"
    monkeypatch.setattr(QColorDialog, "getColor", staticmethod(lambda *a, **k: QColor()))
    qtbot.mouseClick(dialog.background_button, Qt.MouseButton.LeftButton)
    assert dialog.background() == "#ff8800"                  # cancelled: unchanged


def test_save_all_folder_is_chosen_and_a_missing_one_is_offered_to_be_made(qtbot, tmp_path,
                                                                          monkeypatch):
    dialog = make_dialog(qtbot)
    assert not dialog.ok_button.isEnabled()                  # no folder yet
    monkeypatch.setattr(QFileDialog, "getExistingDirectory",
                        staticmethod(lambda *a, **k: str(tmp_path / "gone")))
    qtbot.mouseClick(dialog.browse_button, Qt.MouseButton.LeftButton)
    assert dialog.folder() == tmp_path / "gone" and dialog.ok_button.isEnabled()
    dialog.show()
    seen = {}
    answer_modal(qtbot, "cancelButton", seen)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert "does not exist" in seen["text"] and "Create folder" in seen["buttons"]
    assert dialog.isVisible() and dialog.result() != QDialog.DialogCode.Accepted
    answer_modal(qtbot, "createFolderButton", seen)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert not (tmp_path / "gone").exists()                  # made when saving, in a worker
    (tmp_path / "file").write_bytes(b"x")
    dialog.folder_edit.setText(str(tmp_path / "file"))
    dialog.show()
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert "is a file, not a folder" in dialog.preview.text()


# -- the overwrite question --------------------------------------------------------------------
def answer_modal(qtbot, button_name: str, seen: dict) -> None:
    """Click ``button_name`` in the message box once it is up (as a person would)."""

    def attempt() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(10, attempt)
            return
        seen["text"] = box.text()
        seen["buttons"] = {b.text() for b in box.buttons()}
        seen["details"] = box.detailedText()
        box.findChild(QPushButton, button_name).click()

    QTimer.singleShot(0, attempt)


@pytest.mark.parametrize("button, answer", [("replaceButton", "replace"),
                                            ("skipButton", "skip"),
                                            ("cancelButton", "cancel")])
def test_confirm_overwrite_returns_the_button_clicked(qtbot, tmp_path, button, answer):
    existing = [tmp_path / "a-cutout.png", tmp_path / "b-cutout.png", tmp_path / "c.png"]
    seen = {}
    answer_modal(qtbot, button, seen)
    assert confirm_overwrite(None, existing) == answer
    assert seen["text"] == f"3 files already exist in \u201c{tmp_path}\u201d."
    assert {"Replace all", "Skip them", "Cancel"} <= seen["buttons"]
    assert seen["details"].splitlines() == ["a-cutout.png", "b-cutout.png", "c.png"]


def test_confirm_overwrite_for_one_file_names_it_and_escape_cancels(qtbot, tmp_path):
    seen = {}

    def press_escape() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(10, press_escape)
            return
        seen["text"] = box.text()
        qtbot.keyClick(box, Qt.Key.Key_Escape)

    QTimer.singleShot(0, press_escape)
    assert confirm_overwrite(None, [tmp_path / "shoe.jpg"]) == "cancel"
    assert seen["text"] == f"\u201cshoe.jpg\u201d already exists in \u201c{tmp_path}\u201d."
    assert confirm_overwrite(None, []) == "replace"          # nothing to ask


# -- the clipboard ------------------------------------------------------------------------------
def clipboard_png() -> Image.Image:
    mime = QApplication.clipboard().mimeData()
    assert mime is not None and mime.hasFormat("image/png") and mime.hasImage()
    return Image.open(io.BytesIO(bytes(mime.data("image/png").data())))


def cutout_qimage() -> QImage:
    image = QImage(40, 30, QImage.Format.Format_ARGB32)
    image.fill(QColor(0, 0, 0, 0))
    for x in range(10, 30):
        for y in range(5, 25):
            image.setPixelColor(x, y, QColor(200, 40, 20, 255))
    return image


def test_copying_the_cutout_keeps_its_transparency(qtbot):
    QApplication.clipboard().clear()
    copy_image_to_clipboard(cutout_qimage(), "cutout")
    with clipboard_png() as img:
        assert img.mode == "RGBA" and img.size == (40, 30)
        assert img.getpixel((0, 0))[3] == 0
        assert img.getpixel((20, 15)) == (200, 40, 20, 255)
    image = QApplication.clipboard().mimeData().imageData()
    assert image.hasAlphaChannel() and image.pixelColor(0, 0).alpha() == 0


def test_copying_the_mask_puts_a_greyscale_image(qtbot):
    mask = QImage(16, 16, QImage.Format.Format_RGB32)
    mask.fill(QColor("black"))
    mask.setPixelColor(8, 8, QColor("white"))
    copy_image_to_clipboard(mask, "mask")
    with clipboard_png() as img:
        assert img.mode == "L"
        assert img.getpixel((0, 0)) == 0 and img.getpixel((8, 8)) == 255


@pytest.mark.parametrize("suffix", ["png", "webp"])
def test_full_size_results_load_off_the_gui_thread_and_copy_with_alpha(qtbot, tmp_path,
                                                                       suffix):
    source = Image.new("RGBA", (300, 200), (0, 0, 0, 0))
    ImageDraw.Draw(source).ellipse((50, 40, 250, 160), fill=(10, 120, 200, 255))
    path = tmp_path / f"cutout.{suffix}"
    source.save(path, lossless=True) if suffix == "webp" else source.save(path)
    loaded = load_for_clipboard(path, "cutout")
    assert isinstance(loaded, ClipboardImage) and loaded.png.startswith(b"\x89PNG")
    if suffix == "png":
        assert loaded.png == path.read_bytes()       # the cached PNG as it is: no re-encode
    copy_image_to_clipboard(loaded)
    with clipboard_png() as img:
        assert img.mode == "RGBA" and img.size == (300, 200)
        assert img.getpixel((0, 0))[3] == 0 and img.getpixel((150, 100))[3] == 255


def test_a_missing_result_cannot_be_copied_and_says_why(qtbot, tmp_path):
    with pytest.raises(Exception, match="Could not read the cut-out"):
        load_for_clipboard(tmp_path / "gone.png", "cutout")
