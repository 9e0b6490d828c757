"""Touch-up in the real window: brushes on the cut-out and mask panes, undo, edges, saving.

Jobs are finished for real against the sandbox (800 x 600 samples: a bust in the middle on a
light background, so the service's mask is 255 at (400, 300) and 0 at (50, 50)). Strokes are
real mouse presses, moves and releases sent to ``mattedView`` and ``maskView``; results are
checked in the full-size files the worker renders.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication, QSpinBox, QToolButton, QWidget

from desktop_app.jobs.edits import EDITED_CUTOUT, EDITS_FILE, result_paths
from desktop_app.jobs.model import JobState

WAIT_MS = 20000


# -- helpers ------------------------------------------------------------------------------------
def finished(qtbot, window, sandbox, name: str = "cat.png"):
    """Submit one sample, wait until it is done and shown; the job."""
    window.intake.url_input.setPlainText(sandbox.sample_url(name))
    window.intake.submit()
    qtbot.waitUntil(lambda: any(j.state == JobState.DONE and window.controller.running_count == 0
                                for j in window.controller.jobs.values()), timeout=WAIT_MS)
    job = next(j for j in window.controller.jobs.values() if j.url.endswith(name))
    window.jobs_panel.select_job(job.id)
    qtbot.waitUntil(lambda: window.results.has_previews(job.id)
                    and window.viewer.has_pictures(), timeout=WAIT_MS)
    return window.controller.jobs[job.id]


def button(window, name: str) -> QToolButton:
    return window.findChild(QToolButton, name)


def canvas(window, name: str):
    return window.findChild(QWidget, name)


def open_touch_up(qtbot, window) -> None:
    touch = button(window, "touchUpButton")
    assert touch.isEnabled()
    touch.click()
    qtbot.waitUntil(window.results.touch_up.is_active, timeout=WAIT_MS)


def mouse(widget, kind, pos: QPointF, button=Qt.MouseButton.LeftButton,
          buttons=Qt.MouseButton.LeftButton) -> None:
    event = QMouseEvent(kind, pos, widget.mapToGlobal(pos), button, buttons,
                        Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, event)


def stroke(view, points: list[tuple[float, float]]) -> None:
    """Press, move along, release: points in the full image's pixels."""
    where = [view.map_from_image(QPointF(x, y)) for x, y in points]
    mouse(view, QEvent.Type.MouseButtonPress, where[0])
    for pos in where[1:]:
        mouse(view, QEvent.Type.MouseMove, pos, Qt.MouseButton.NoButton)
    mouse(view, QEvent.Type.MouseButtonRelease, where[-1], buttons=Qt.MouseButton.NoButton)


def set_brush(window, size: int, hardness: int = 100) -> None:
    window.findChild(QSpinBox, "brushSize").setValue(size)
    window.findChild(QSpinBox, "brushHardness").setValue(hardness)


def done(qtbot, window, job_id: str):
    """Press Done and wait for the full-size files; the job as stored."""
    window.results.touch_up.bar.done_button.click()
    qtbot.waitUntil(lambda: not window.results.touch_up.is_saving(job_id), timeout=WAIT_MS)
    return window.controller.jobs[job_id]


def pixels(path) -> np.ndarray:
    with Image.open(path) as img:
        return np.array(img)


def service_mask(job) -> np.ndarray:
    return pixels(job.mask_path).astype(int)


def live_mask(window) -> np.ndarray:
    """The live preview mask touch-up paints (grey in RGB32)."""
    image = window.results.touch_up.session().mask
    view = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(),
                                                              image.bytesPerLine())
    return view[:, :image.width() * 4].reshape(image.height(), image.width(), 4)[..., 2].copy()


# -- opening ---------------------------------------------------------------------------------
def test_touch_up_opens_only_on_finished_jobs(qtbot, make_window, connected):
    window = make_window()
    connected.processing_time = 3.0
    window.intake.url_input.setPlainText(connected.sample_url("slow.png"))
    window.intake.submit()
    job_id = next(iter(window.controller.jobs))
    window.jobs_panel.select_job(job_id)
    touch = button(window, "touchUpButton")
    assert touch.accessibleName() == "Touch up"
    assert "(T)" in touch.toolTip()
    assert not touch.isEnabled()                    # still running
    touch.defaultAction().trigger()
    assert not window.results.touch_up.is_active()
    connected.processing_time = 0.3
    qtbot.waitUntil(lambda: window.controller.jobs[job_id].state == JobState.DONE,
                    timeout=WAIT_MS)
    qtbot.waitUntil(touch.isEnabled, timeout=WAIT_MS)
    open_touch_up(qtbot, window)
    bar = window.findChild(QWidget, "touchUpBar")
    assert bar.isVisible()
    for name in ("eraseTool", "restoreTool"):
        assert button(window, name).isVisible() and button(window, name).accessibleName()
    assert window.findChild(QSpinBox, "brushSize").accessibleName() == "Brush size"


# -- brushes ------------------------------------------------------------------------------------
def test_an_erase_stroke_clears_alpha_where_painted_and_nowhere_else(qtbot, make_window,
                                                                     connected):
    window = make_window()
    job = finished(qtbot, window, connected)
    before = service_mask(job)
    assert before[300, 400] == 255
    open_touch_up(qtbot, window)
    set_brush(window, 40, 100)
    assert button(window, "eraseTool").isChecked()
    stroke(canvas(window, "mattedView"), [(300 + 5 * i, 300) for i in range(41)])
    assert live_mask(window)[300, 400] == 0          # the preview shows it at once
    job = done(qtbot, window, job.id)
    assert job.edited_mask_path
    after = pixels(job.edited_mask_path).astype(int)
    assert after.shape == before.shape
    assert after[300, 300:501].max() == 0               # along the stroke
    assert after[282:319, 320:481].max() == 0           # within its 20 px radius
    changed = np.argwhere(after != before)
    assert changed.size
    ys, xs = changed[:, 0], changed[:, 1]
    assert ys.min() >= 278 and ys.max() <= 322 and xs.min() >= 278 and xs.max() <= 522
    # the edited cut-out carries the edited mask as its alpha
    cutout = pixels(Path(job.edited_mask_path).with_name(EDITED_CUTOUT))
    assert np.array_equal(cutout[..., 3], after.astype(np.uint8))
    assert Path(job.mask_path).exists() and np.array_equal(service_mask(job), before)


def test_restore_brings_back_the_originals_pixels(qtbot, make_window, connected):
    window = make_window()
    job = finished(qtbot, window, connected)
    # a known original: red and blue stripes 10 px wide (its preview is the same size)
    stripes = np.zeros((600, 800, 3), np.uint8)
    stripes[:, :, 0] = np.where((np.arange(800) // 10) % 2 == 0, 255, 0)[None, :]
    stripes[:, :, 2] = 255 - stripes[:, :, 0]
    Image.fromarray(stripes).save(job.original_path, "PNG")
    Image.fromarray(stripes).save(Path(job.mask_path).parent / "preview-original.png")
    assert service_mask(job)[50, 100] == 0
    open_touch_up(qtbot, window)
    set_brush(window, 30, 100)
    button(window, "restoreTool").click()
    stroke(canvas(window, "mattedView"), [(60 + 4 * i, 50) for i in range(41)])
    job = done(qtbot, window, job.id)
    cutout = pixels(result_paths(job)[0])
    region = cutout[40:61, 70:221]
    assert (region[..., 3] == 255).all()
    assert np.array_equal(region[..., :3], stripes[40:61, 70:221])   # not a flat colour
    assert cutout[300, 400, 3] == 255 and np.array_equal(cutout[300, 400, :3], stripes[300, 400])


def test_painting_on_the_mask_pane_edits_the_same_mask(qtbot, make_window, connected):
    window = make_window()
    job = finished(qtbot, window, connected)
    open_touch_up(qtbot, window)
    set_brush(window, 20, 100)
    matted, mask_view = canvas(window, "mattedView"), canvas(window, "maskView")

    def on_screen(view, x, y) -> int:
        """The grey the pane paints at an image point (drawn from a halving at fit zoom)."""
        pos = view.map_from_image(QPointF(x, y)).toPoint()
        return view.grab().toImage().pixelColor(pos).red()

    assert window.viewer.zoom() < 0.5 and on_screen(mask_view, 400, 300) == 255
    stroke(mask_view, [(350, 300), (450, 300)])
    live = live_mask(window)
    assert live[300, 400] == 0
    assert on_screen(mask_view, 400, 300) < 10 and on_screen(mask_view, 400, 250) > 245
    assert window.results.touch_up.session().undo_count() == 1
    stroke(matted, [(400, 200), (400, 250)])
    assert window.results.touch_up.session().undo_count() == 2
    job = done(qtbot, window, job.id)
    after = pixels(job.edited_mask_path)
    assert after[300, 400] == 0 and after[225, 400] == 0 and after[300, 330] == 255


def test_brush_size_keys_spin_box_and_cursor(qtbot, make_window, connected):
    window = make_window()
    finished(qtbot, window, connected)
    open_touch_up(qtbot, window)
    size = window.findChild(QSpinBox, "brushSize")
    assert size.value() == 40                       # a fifteenth of the short side
    size.setValue(50)
    window.results.touch_up.actions.bigger.trigger()
    assert size.value() == 60
    window.results.touch_up.actions.smaller.trigger()
    window.results.touch_up.actions.smaller.trigger()
    assert size.value() == 42
    view = canvas(window, "mattedView")
    mouse(view, QEvent.Type.MouseMove, QPointF(100, 100), Qt.MouseButton.NoButton,
          Qt.MouseButton.NoButton)
    ring = view.findChild(QWidget, "brushCursor")
    assert ring.isVisible()
    assert ring.diameter() == pytest.approx(42 * view.zoom() / view.devicePixelRatioF())
    window.viewer.actual_size()
    assert ring.diameter() == pytest.approx(42 / view.devicePixelRatioF())


def test_hardness_changes_the_edge_profile(qtbot, make_window, connected):
    window = make_window()
    job = finished(qtbot, window, connected)
    open_touch_up(qtbot, window)
    matted = canvas(window, "mattedView")
    set_brush(window, 60, 100)
    stroke(matted, [(340, 360), (340, 361)])
    set_brush(window, 60, 0)
    stroke(matted, [(460, 360), (460, 361)])
    job = done(qtbot, window, job.id)
    after = pixels(job.edited_mask_path).astype(int)
    hard = after[360, 340:375]      # from the centre outwards
    soft = after[360, 460:495]
    assert hard[:25].max() == 0 and hard[33:].min() == 255          # a crisp edge
    assert soft[0] == 0 and 0 < soft[10] < soft[20] < 255            # a gradual one
    assert np.count_nonzero((soft > 10) & (soft < 245)) > 3 * np.count_nonzero(
        (hard > 10) & (hard < 245))


def test_undo_and_redo_of_sixty_strokes(qtbot, make_window, connected):
    window = make_window()
    job = finished(qtbot, window, connected)
    open_touch_up(qtbot, window)
    set_brush(window, 4, 100)
    original = live_mask(window)
    matted = canvas(window, "mattedView")
    for i in range(60):                     # side by side across the subject, 3 px apart
        x = 300 + 3 * i
        stroke(matted, [(x, 290), (x, 310)])
    painted = live_mask(window)
    assert painted[300, 300:479].max() == 0
    undo, redo = window.results.touch_up.actions.undo, window.results.touch_up.actions.redo
    assert "Ctrl+Z" in undo.toolTip() and "Ctrl+Shift+Z" in redo.toolTip()
    for _ in range(60):
        assert undo.isEnabled()
        undo.trigger()
    assert not undo.isEnabled()
    assert np.array_equal(live_mask(window), original)
    for _ in range(60):
        redo.trigger()
    assert not redo.isEnabled()
    assert np.array_equal(live_mask(window), painted)
    for _ in range(30):
        undo.trigger()
    job = done(qtbot, window, job.id)
    after = pixels(job.edited_mask_path)
    assert after[300, 300:386].max() == 0       # the first 30 strokes stay
    assert after[300, 392:470].min() == 255     # the last 30 are undone


def test_reset_brings_the_services_mask_back(qtbot, make_window, connected):
    window = make_window()
    job = finished(qtbot, window, connected)
    open_touch_up(qtbot, window)
    set_brush(window, 40)
    stroke(canvas(window, "mattedView"), [(350, 300), (450, 300)])
    job = done(qtbot, window, job.id)
    assert job.edited_mask_path and result_paths(job)[1] == Path(job.edited_mask_path)
    open_touch_up(qtbot, window)
    assert live_mask(window)[300, 400] == 0             # the stored strokes are back
    window.results.touch_up.bar.reset_button.click()
    assert live_mask(window)[300, 400] == 255
    window.results.touch_up.actions.undo.trigger()      # a reset can be undone...
    assert live_mask(window)[300, 400] == 0
    window.results.touch_up.actions.redo.trigger()      # ...and redone
    job = done(qtbot, window, job.id)
    assert job.edited_mask_path is None
    assert result_paths(job) == (Path(job.cutout_path), Path(job.mask_path))
    assert not (Path(job.mask_path).parent / EDITS_FILE).exists()


def test_feather_and_shift_change_the_edge(qtbot, make_window, connected):
    window = make_window()
    job = finished(qtbot, window, connected)
    before = service_mask(job)
    row = before[391]
    left = int(np.argmax(row > 127))   # the body's left edge where the ellipse is widest
    open_touch_up(qtbot, window)
    shift = window.findChild(QSpinBox, "edgeShift")
    feather = window.findChild(QSpinBox, "edgeFeather")
    shift.setValue(5)
    assert shift.text().startswith("+5")
    job = done(qtbot, window, job.id)
    grown = pixels(job.edited_mask_path)[391]
    assert int(np.argmax(grown > 127)) == left - 5
    assert grown.sum() > row.sum()
    open_touch_up(qtbot, window)
    assert shift.value() == 5                           # stored with the edit
    shift.setValue(-4)
    assert "\u2212" in shift.text()
    feather.setValue(3)
    feather.setValue(12)
    actions = window.results.touch_up.actions
    actions.undo.trigger()                  # the edge changes in a row are one step
    assert (shift.value(), feather.value()) == (5, 0)
    actions.redo.trigger()
    assert (shift.value(), feather.value()) == (-4, 12)
    job = done(qtbot, window, job.id)
    soft = pixels(job.edited_mask_path)[391].astype(int)
    assert int(np.argmax(soft > 127)) == pytest.approx(left + 4, abs=1)
    ramp = np.count_nonzero((soft > 5) & (soft < 250))
    assert ramp >= 12 > np.count_nonzero((row > 5) & (row < 250))


def test_edits_survive_a_restart_and_the_row_says_edited(qtbot, make_window, connected):
    window = make_window()
    job = finished(qtbot, window, connected)
    open_touch_up(qtbot, window)
    set_brush(window, 40)
    stroke(canvas(window, "mattedView"), [(350, 300), (450, 300)])
    job = done(qtbot, window, job.id)
    index = window.jobs_panel.view.currentIndex()
    assert "Edited" in index.data(Qt.ItemDataRole.DisplayRole)
    window.close()

    again = make_window()                              # same folders: same history and cache
    qtbot.waitUntil(lambda: job.id in again.controller.jobs, timeout=WAIT_MS)
    restored = again.controller.jobs[job.id]
    assert restored.edited_mask_path == job.edited_mask_path
    again.jobs_panel.select_job(job.id)
    qtbot.waitUntil(lambda: again.results.has_previews(job.id), timeout=WAIT_MS)
    shown = again.viewer.mask_view.image()
    assert QColorValue(shown, 400 * shown.width() // 800, 300 * shown.height() // 600) == 0
    assert "Edited" in again.jobs_panel.view.currentIndex().data(Qt.ItemDataRole.DisplayRole)
    open_touch_up(qtbot, again)
    assert again.results.touch_up.session().undo_count() == 1   # the stroke is undoable still
    again.results.touch_up.actions.undo.trigger()
    assert live_mask(again)[300, 400] == 255


def QColorValue(image, x: int, y: int) -> int:  # noqa: N802 - reads like the Qt call
    return image.pixelColor(x, y).red()


def test_save_save_all_copy_and_compare_use_the_edited_result(qtbot, make_window, connected,
                                                              tmp_path, monkeypatch):
    import io

    from desktop_app.ui import export_dialogs
    from desktop_app.ui.export_dialogs import SaveAllDialog

    window = make_window()
    job = finished(qtbot, window, connected)
    window.viewer.set_compare(True)
    open_touch_up(qtbot, window)
    assert not window.viewer.is_comparing()
    set_brush(window, 40)
    stroke(canvas(window, "mattedView"), [(350, 300), (450, 300)])
    job = done(qtbot, window, job.id)
    window.viewer.set_compare(True)
    compare = window.viewer.compare_view
    compare.set_divider(0.0)                          # all of the pane is "after"

    def lightness(x, y) -> int:
        pos = compare.map_from_image(QPointF(x, y)).toPoint()
        return compare.grab().toImage().pixelColor(pos).lightness()

    assert lightness(400, 300) > 150 and lightness(400, 200) < 150   # erased; kept
    # compare: the before/after pane's "after" is the edited cut-out (and touch-up, which
    # paints on the cut-out and mask panes, leaves compare mode when it opens)
    assert window.viewer.compare_view._cutout is window.viewer.matted_view.source()
    assert window.viewer.matted_view.image().pixelColor(400, 300).alpha() == 0
    # save one (the save options are asked first: answered with their defaults)
    from desktop_app.ui.save_options import SaveOptionsDialog

    monkeypatch.setattr(SaveOptionsDialog, "exec", lambda dialog: 1)
    target = tmp_path / "one.png"
    monkeypatch.setattr(export_dialogs, "ask_save_path", lambda *a, **k: (target, "PNG"))
    window.commands.save_matted.trigger()
    qtbot.waitUntil(target.exists, timeout=WAIT_MS)
    assert pixels(target)[300, 400, 3] == 0
    mask_target = tmp_path / "one-mask.png"
    monkeypatch.setattr(export_dialogs, "ask_save_path", lambda *a, **k: (mask_target, "PNG"))
    window.commands.save_mask.trigger()
    qtbot.waitUntil(mask_target.exists, timeout=WAIT_MS)
    assert pixels(mask_target)[300, 400] == 0
    # save all
    out = tmp_path / "all"
    out.mkdir()

    def accept(dialog):
        dialog.from_state({"folder": str(out), "pattern": "{stem}-cutout.{ext}",
                           "format": "PNG", "include_masks": True})
        return 1

    monkeypatch.setattr(SaveAllDialog, "exec", accept)
    monkeypatch.setattr(export_dialogs, "confirm_overwrite", lambda *a: "replace")
    window.commands.save_all.trigger()
    qtbot.waitUntil(lambda: (out / "cat-mask.png").exists(), timeout=WAIT_MS)
    assert pixels(out / "cat-cutout.png")[300, 400, 3] == 0
    assert pixels(out / "cat-mask.png")[300, 400] == 0
    # copy
    QApplication.clipboard().clear()
    window.commands.copy_cutout.trigger()
    qtbot.waitUntil(lambda: QApplication.clipboard().mimeData() is not None
                    and QApplication.clipboard().mimeData().hasFormat("image/png"),
                    timeout=WAIT_MS)
    data = bytes(QApplication.clipboard().mimeData().data("image/png"))
    with Image.open(io.BytesIO(data)) as img:
        assert img.getpixel((400, 300))[3] == 0 and img.getpixel((400, 200))[3] == 255


def test_keyboard_shortcuts(qtbot, make_window, connected):
    window = make_window()
    job = finished(qtbot, window, connected)
    window.activateWindow()
    matted = canvas(window, "mattedView")
    matted.setFocus()
    qtbot.waitUntil(matted.hasFocus)
    qtbot.keyClick(matted, Qt.Key.Key_T)
    qtbot.waitUntil(window.results.touch_up.is_active, timeout=WAIT_MS)
    restore, erase = button(window, "restoreTool"), button(window, "eraseTool")
    qtbot.keyClick(matted, Qt.Key.Key_R)
    assert restore.isChecked() and not erase.isChecked()
    qtbot.keyClick(matted, Qt.Key.Key_E)
    assert erase.isChecked()
    size = window.findChild(QSpinBox, "brushSize")
    size.setValue(30)
    matted.setFocus()
    qtbot.keyClick(matted, Qt.Key.Key_BracketRight)
    assert size.value() == 36
    qtbot.keyClick(matted, Qt.Key.Key_BracketLeft)
    assert size.value() == 30
    stroke(matted, [(350, 300), (450, 300)])
    assert live_mask(window)[300, 400] == 0
    qtbot.keyClick(matted, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert live_mask(window)[300, 400] == 255
    qtbot.keyClick(matted, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier
                   | Qt.KeyboardModifier.ShiftModifier)
    assert live_mask(window)[300, 400] == 0
    qtbot.keyClick(matted, Qt.Key.Key_T)              # T again closes touch-up, and saves
    assert not window.results.touch_up.is_active()
    qtbot.waitUntil(lambda: window.controller.jobs[job.id].edited_mask_path is not None,
                    timeout=WAIT_MS)
    # typing in the link box is typing, not a shortcut
    window.intake.url_input.setFocus()
    qtbot.keyClick(window.intake.url_input, Qt.Key.Key_T)
    assert not window.results.touch_up.is_active()
    assert window.intake.url_input.toPlainText().endswith("t")


def test_return_is_done_and_ctrl_shift_r_resets_but_return_in_a_field_stays_there(
        qtbot, make_window, connected):
    window = make_window()
    job = finished(qtbot, window, connected)
    actions = window.results.touch_up.actions
    assert actions.done.toolTip().endswith("(Return)")
    assert [k.toString() for k in actions.done.shortcuts()] == ["Return", "Enter"]
    assert actions.reset.toolTip().endswith("(Ctrl+Shift+R)")
    assert {actions.done, actions.reset} <= set(window.commands.edit_menu.actions())
    window.activateWindow()
    matted = canvas(window, "mattedView")
    matted.setFocus()
    qtbot.waitUntil(matted.hasFocus)
    qtbot.keyClick(matted, Qt.Key.Key_T)
    qtbot.waitUntil(window.results.touch_up.is_active, timeout=WAIT_MS)
    set_brush(window, 40)
    matted.setFocus()
    stroke(matted, [(350, 300), (450, 300)])
    assert live_mask(window)[300, 400] == 0
    qtbot.keyClick(matted, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier
                   | Qt.KeyboardModifier.ShiftModifier)
    assert live_mask(window)[300, 400] == 255           # reset...
    assert actions.restore.isChecked() is False         # ...not the R of Restore
    qtbot.keyClick(matted, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert live_mask(window)[300, 400] == 0             # ...and Undo takes it back
    size = window.findChild(QSpinBox, "brushSize")      # Return in a field is the field's
    size.setFocus()
    qtbot.waitUntil(size.hasFocus)
    size.lineEdit().selectAll()
    qtbot.keyClicks(size, "24")
    qtbot.keyClick(size, Qt.Key.Key_Return)
    assert window.results.touch_up.is_active() and size.value() == 24
    box = window.intake.url_input
    box.setFocus()
    qtbot.waitUntil(box.hasFocus)
    qtbot.keyClick(box, Qt.Key.Key_Enter, Qt.KeyboardModifier.KeypadModifier)
    assert window.results.touch_up.is_active()
    matted.setFocus()
    qtbot.waitUntil(matted.hasFocus)
    qtbot.keyClick(matted, Qt.Key.Key_Return)           # Done: closes and saves
    assert not window.results.touch_up.is_active()
    qtbot.waitUntil(lambda: window.controller.jobs[job.id].edited_mask_path is not None,
                    timeout=WAIT_MS)


def test_leaving_the_job_saves_the_edit(qtbot, make_window, connected):
    window = make_window()
    first = finished(qtbot, window, connected, "first.png")
    second = finished(qtbot, window, connected, "second.png")
    window.jobs_panel.select_job(first.id)
    qtbot.waitUntil(lambda: window.results.shown_id() == first.id
                    and button(window, "touchUpButton").isEnabled(), timeout=WAIT_MS)
    open_touch_up(qtbot, window)
    set_brush(window, 40)
    stroke(canvas(window, "maskView"), [(350, 300), (450, 300)])
    window.jobs_panel.select_job(second.id)
    assert not window.results.touch_up.is_active()
    qtbot.waitUntil(lambda: window.controller.jobs[first.id].edited_mask_path is not None,
                    timeout=WAIT_MS)
    assert pixels(window.controller.jobs[first.id].edited_mask_path)[300, 400] == 0
    assert window.controller.jobs[second.id].edited_mask_path is None


def test_without_an_original_restore_uses_the_cutouts_colours_and_says_so(qtbot, make_window,
                                                                          connected):
    window = make_window()
    job = finished(qtbot, window, connected)
    Path(job.original_path).unlink()
    (Path(job.mask_path).parent / "preview-original.png").unlink()
    open_touch_up(qtbot, window)
    assert "no original image" in window.statusBar().currentMessage()
    set_brush(window, 20, 100)
    window.results.touch_up.actions.restore.trigger()
    stroke(canvas(window, "maskView"), [(80, 50), (120, 50)])
    job = done(qtbot, window, job.id)
    service = pixels(job.cutout_path)
    edited = pixels(result_paths(job)[0])
    assert edited[50, 100, 3] == 255 and service[50, 100, 3] == 0
    assert np.array_equal(edited[50, 100, :3], service[50, 100, :3])


def test_the_edit_menu_lists_touch_up(qtbot, make_window, connected):
    window = make_window()
    finished(qtbot, window, connected)
    texts = [a.text() for a in window.commands.edit_menu.actions()]
    assert "&Touch up" in texts and "&Undo stroke" in texts and "&Redo stroke" in texts


def test_an_original_of_another_shape_is_not_stretched_and_that_is_said(qtbot, make_window,
                                                                        connected):
    window = make_window()
    job = finished(qtbot, window, connected)
    turned = Image.new("RGB", (600, 800), (0, 255, 0))    # the original turned on its side
    turned.save(job.original_path, "PNG")
    turned.save(Path(job.mask_path).parent / "preview-original.png")
    open_touch_up(qtbot, window)
    assert "not the cut-out's shape" in window.statusBar().currentMessage()
    window.results.touch_up.actions.restore.trigger()
    stroke(canvas(window, "mattedView"), [(80, 50), (120, 50)])
    job = done(qtbot, window, job.id)
    edited = pixels(result_paths(job)[0])
    assert edited[50, 100, 3] == 255
    assert tuple(edited[50, 100, :3]) != (0, 255, 0)


def test_closing_the_window_mid_edit_keeps_the_edit(qtbot, make_window, connected):
    window = make_window()
    job = finished(qtbot, window, connected)
    open_touch_up(qtbot, window)
    set_brush(window, 40)
    stroke(canvas(window, "maskView"), [(350, 300), (450, 300)])
    window.close()                 # saves in a worker; closing waits for it (2 s at most)

    again = make_window()
    qtbot.waitUntil(lambda: job.id in again.controller.jobs, timeout=WAIT_MS)
    restored = again.controller.jobs[job.id]
    assert restored.edited_mask_path
    assert pixels(result_paths(restored)[1])[300, 400] == 0


def test_undo_of_many_big_strokes_keeps_memory_small(qtbot, tmp_path):
    """A 24 MP job is edited on its 1600 px preview; 60 strokes across all of it keep
    their undo patches compressed, and every one still undoes exactly."""
    from desktop_app.ui.touch_up_session import EditSession, load_session

    width, height = 1600, 1067
    mask = np.zeros((height, width), np.uint8)
    mask[200:900, 300:1300] = 255
    Image.fromarray(mask, "L").save(tmp_path / "preview-mask.png")
    Image.new("RGBA", (width, height), (90, 60, 30, 255)).save(tmp_path / "preview-cutout.png")
    data = load_session(tmp_path, (6000, 4000), tmp_path / "preview-mask.png",
                        tmp_path / "preview-cutout.png", None)
    session = EditSession(data)
    for i in range(60):
        tool = "erase" if i % 2 == 0 else "restore"
        session.begin(tool, 900, 0.5, 0, 150 + 60 * i)
        for x in range(0, 6001, 200):
            session.extend(x, 150 + 60 * i)
        assert session.end()
    kept = sum(len(step._before) if step._packed else step._before.nbytes
               for step in session._steps)
    assert kept < 60 * width * height / 20        # under 5 % of 60 full-preview copies
    for _ in range(60):
        session.undo()
    assert np.array_equal(session._brushed, mask)


def test_zoomed_in_the_full_size_view_shows_the_edit(qtbot, make_window, connected):
    """Past the preview's detail the viewer loads full-size images: the edited ones."""
    window = make_window()
    window.intake.url_input.setPlainText(connected.sample_url("big.png", 2400, 1800))
    window.intake.submit()
    qtbot.waitUntil(lambda: any(j.state == JobState.DONE
                                for j in window.controller.jobs.values()), timeout=WAIT_MS)
    job = next(iter(window.controller.jobs.values()))
    window.jobs_panel.select_job(job.id)
    qtbot.waitUntil(lambda: window.results.has_previews(job.id), timeout=WAIT_MS)
    open_touch_up(qtbot, window)
    set_brush(window, 120)
    stroke(canvas(window, "mattedView"), [(1050, 900), (1350, 900)])
    job = done(qtbot, window, job.id)
    assert job.edited_mask_path
    with qtbot.waitSignal(window.viewer.full_resolution_ready, timeout=WAIT_MS):
        window.viewer.actual_size()
    source = window.viewer.matted_view.source()
    assert source.has_full()
    full = source.level_for(2400, 1.0)
    assert full.width() == 2400
    assert full.pixelColor(1200, 900).alpha() == 0 and full.pixelColor(1200, 700).alpha() == 255
    mask = window.viewer.mask_view.source().level_for(2400, 1.0)
    assert mask.width() == 2400 and mask.pixelColor(1200, 900).red() == 0


def test_the_tool_bar_folds_into_two_rows_in_a_narrow_window(qtbot, make_window, connected):
    window = make_window()
    finished(qtbot, window, connected)
    open_touch_up(qtbot, window)
    bar = window.results.touch_up.bar
    window.resize(1600, 760)
    qtbot.waitUntil(lambda: not bar.is_folded())          # wide: one row
    qtbot.waitUntil(lambda: bar.height() == bar.sizeHint().height())
    one_row = bar.height()
    window.resize(900, 700)
    qtbot.waitUntil(bar.is_folded)
    qtbot.waitUntil(lambda: bar.height() >= 1.8 * one_row)
    assert window.results.width() <= 900
    for name in ("eraseTool", "restoreTool", "touchUpDoneButton"):
        widget = window.findChild(QWidget, name)
        assert widget.isVisible()
        assert bar.rect().contains(widget.geometry().translated(
            widget.parentWidget().mapTo(bar, widget.pos()) - widget.pos()))
