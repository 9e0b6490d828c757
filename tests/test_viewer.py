"""The results viewer, driven like a designer would: wheel, pinch, drag, actions, dialogs.

Pictures are made here with QPainter or Pillow; pixels are read back from ``grab()``, so the
checks are about what is on screen, not about the viewer's own bookkeeping.
"""

from __future__ import annotations

import subprocess
import sys
from types import SimpleNamespace

import pytest
from PIL import Image
from PySide6.QtCore import QPoint, QPointF, QSettings, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QImage,
    QNativeGestureEvent,
    QPainter,
    QPointingDevice,
    QWheelEvent,
)
from PySide6.QtWidgets import QApplication, QColorDialog, QFileDialog, QWidget

from desktop_app.ui.canvas import ImageCanvas
from desktop_app.ui.pyramid import to_qimage
from desktop_app.ui.viewer import Viewer

WAIT_MS = 5000


@pytest.fixture
def viewer(qtbot):
    view = Viewer()
    qtbot.addWidget(view)
    view.resize(960, 480)
    view.show()
    qtbot.waitExposed(view)
    return view


def blocks(width: int, height: int, *, alpha: bool = False) -> QImage:
    """An 8x6 grid of distinct colours, so any pixel tells where in the picture it is."""
    image = QImage(width, height, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    for row in range(6):
        for col in range(8):
            colour = QColor(30 * col + 10, 40 * row + 10, 200 if (row + col) % 2 else 60)
            painter.fillRect(col * width // 8, row * height // 6, width // 8 + 1,
                             height // 6 + 1, colour)
    painter.end()
    if alpha:       # the left half is see-through, as a cut-out's background would be
        painter = QPainter(image)
        painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_Clear)
        painter.fillRect(0, 0, width // 2, height, Qt.GlobalColor.transparent)
        painter.end()
    return image


def solid(width: int, height: int, colour: str) -> QImage:
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(QColor(colour))
    return image


def noise(width: int, height: int, seed: int = 0) -> QImage:
    """Pixel-level detail that any smoothing, offset or preview would destroy."""
    channels = [Image.effect_noise((width, height), 90).point(lambda v, s=s: (v * 7 + s) % 256)
                for s in (seed, seed + 85, seed + 170)]
    return to_qimage(Image.merge("RGB", channels))


def previews(original, cutout, mask):
    return SimpleNamespace(original=original, cutout=cutout, mask=mask, thumb=None)


def canvases(view: Viewer) -> list[ImageCanvas]:
    return [view.findChild(ImageCanvas, name)
            for name in ("originalView", "mattedView", "maskView")]


def pixel(widget: QWidget, pos: QPointF | QPoint) -> QColor:
    grabbed = widget.grab().toImage()
    ratio = grabbed.devicePixelRatio()
    return grabbed.pixelColor(int(pos.x() * ratio), int(pos.y() * ratio))


def image_point(canvas: ImageCanvas, pos: QPointF) -> QPointF:
    """The full-image point under ``pos``, from the public zoom and centre alone."""
    ratio, zoom, center = canvas.devicePixelRatioF(), canvas.zoom(), canvas.center()
    return QPointF(center.x() + (pos.x() - canvas.width() / 2) * ratio / zoom,
                   center.y() + (pos.y() - canvas.height() / 2) * ratio / zoom)


def wheel(widget: QWidget, pos: QPointF, notches: float) -> None:
    event = QWheelEvent(pos, widget.mapToGlobal(pos), QPoint(), QPoint(0, int(120 * notches)),
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier,
                        Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(widget, event)


def same(a: QColor, b: QColor, tolerance: int = 0) -> bool:
    return all(abs(x - y) <= tolerance for x, y in zip(a.getRgb()[:3], b.getRgb()[:3], strict=True))


def test_wheel_zooms_all_panes_around_the_cursor(viewer):
    viewer.show_previews(previews(blocks(800, 600), blocks(800, 600, alpha=True),
                                  blocks(800, 600)))
    panes = canvases(viewer)
    mask = panes[2]
    pos = QPointF(mask.width() * 0.3, mask.height() * 0.45)
    before, fitted = image_point(mask, pos), viewer.zoom()
    colour = pixel(mask, pos)
    wheel(mask, pos, 3)
    assert viewer.zoom() == pytest.approx(fitted * 1.2 ** 3)
    assert not viewer.state.is_fit()
    for pane in panes:
        assert pane.zoom() == viewer.zoom() and pane.center() == viewer.center()
    after = image_point(mask, pos)
    tolerance = 1.0 / viewer.zoom()           # one device pixel, from whole-pixel placement
    assert abs(after.x() - before.x()) <= tolerance and abs(after.y() - before.y()) <= tolerance
    assert same(pixel(mask, pos), colour)     # the same spot of the picture is still there
    # the other panes moved too: the same spot of the picture shows at the same place
    assert same(pixel(panes[0], pos), colour)


def test_pinch_zooms_like_the_wheel(viewer):
    viewer.show_previews(previews(blocks(800, 600), blocks(800, 600), blocks(800, 600)))
    canvas = viewer.original_view
    pos = QPointF(canvas.width() / 2, canvas.height() / 2)
    fitted = viewer.zoom()
    event = QNativeGestureEvent(Qt.NativeGestureType.ZoomNativeGesture,
                                QPointingDevice.primaryPointingDevice(), 2, pos, pos,
                                canvas.mapToGlobal(pos), 0.5, QPointF())
    QApplication.sendEvent(canvas, event)
    assert viewer.zoom() == pytest.approx(fitted * 1.5)
    assert viewer.matted_view.zoom() == viewer.zoom()


def test_dragging_one_pane_pans_all_three(qtbot, viewer):
    viewer.show_previews(previews(blocks(800, 600), blocks(800, 600), blocks(800, 600)))
    viewer.act_actual.trigger()
    start = viewer.center()
    mask_before = viewer.mask_view.grab().toImage()
    canvas = viewer.original_view
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=QPoint(100, 100))
    qtbot.mouseMove(canvas, QPoint(120, 110))
    qtbot.mouseMove(canvas, QPoint(140, 130))
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=QPoint(140, 130))
    ratio = canvas.devicePixelRatioF()
    assert viewer.center() == QPointF(start.x() - 40 * ratio, start.y() - 30 * ratio)
    assert viewer.zoom() == 1.0
    for pane in canvases(viewer):
        assert pane.center() == viewer.center()
    # the mask pane, never touched, shows what was 40 px left and 30 px up before
    assert same(pixel(viewer.mask_view, QPoint(70, 80)),
                mask_before.pixelColor(int(30 * ratio), int(50 * ratio)))


def test_fit_and_actual_pixels(viewer):
    viewer.show_previews(previews(blocks(800, 600), blocks(800, 600, alpha=True),
                                  blocks(800, 600)), QSize(1600, 1200))
    wanted = []
    viewer.full_resolution_wanted.connect(lambda: wanted.append(1))
    panes = canvases(viewer)
    ratio = viewer.devicePixelRatioF()
    expected = min(min(p.width() * ratio / 1600, p.height() * ratio / 1200) for p in panes)
    assert viewer.zoom() == pytest.approx(expected)
    for pane in panes:
        shown = pane.pixmap()
        assert shown.width() <= pane.width() * ratio and shown.height() <= pane.height() * ratio
        assert abs(shown.width() / shown.height() - 4 / 3) < 0.02
    assert wanted == []                        # the preview holds all the fit view needs
    viewer.act_actual.trigger()
    assert viewer.zoom() == 1.0 and viewer.original_view.zoom() == 1.0
    assert wanted == [1]                       # 100 % of 1600 px needs more than 800 px
    viewer.act_zoom_in.trigger()
    assert viewer.zoom() == 1.5
    viewer.act_actual.trigger()
    assert wanted == [1]                       # once per picture
    viewer.act_fit.trigger()
    assert viewer.zoom() == pytest.approx(expected) and viewer.state.is_fit()
    viewer.act_zoom_out.trigger()
    assert viewer.zoom() < expected
    viewer.show_previews(previews(blocks(800, 600), blocks(800, 600), blocks(800, 600)),
                         QSize(1600, 1200))
    viewer.act_actual.trigger()
    assert wanted == [1, 1]                    # a new picture may ask again
    keys = {a.text().replace("&", ""): a.shortcut().toString() for a in
            viewer.actions_for_menu() if not a.isSeparator()}
    assert keys["Fit in window"] == "Ctrl+0" and keys["Actual pixels (100 %)"] == "Ctrl+1"
    assert keys["Compare before and after"] == "Ctrl+B"


def test_actual_pixels_are_the_image_pixels_one_to_one(viewer):
    picture = noise(300, 200)
    viewer.show_previews(previews(picture, picture, picture))
    for zoom in (1.0, 2.0):
        viewer.state.set_view(zoom, QPointF(150.3, 100.7))
        canvas = viewer.original_view
        grabbed = canvas.grab().toImage()
        ratio = canvas.devicePixelRatioF()
        origin = canvas.origin()               # device pixel of the picture's corner
        assert origin.x() == int(origin.x()) and origin.y() == int(origin.y())
        for dy in range(0, 40, 3):
            for dx in range(0, 40, 3):
                x, y = int(origin.x()) + 200 + dx, int(origin.y()) + 120 + dy
                source = picture.pixelColor(int((x - origin.x()) / zoom),
                                            int((y - origin.y()) / zoom))
                assert grabbed.pixelColor(x, y) == source, (zoom, x, y, ratio)


def test_full_images_replace_the_previews_when_zoomed_in(qtbot, viewer, tmp_path):
    full = noise(800, 600, seed=3)
    full_file = tmp_path / "full.png"
    assert full.save(str(full_file))
    preview = full.scaled(200, 150, Qt.AspectRatioMode.KeepAspectRatio,
                          Qt.TransformationMode.SmoothTransformation)
    wanted = []
    viewer.full_resolution_wanted.connect(lambda: wanted.append(1))
    viewer.show_previews(previews(preview, preview, preview), QSize(800, 600))
    viewer.act_actual.trigger()
    assert wanted == [1]
    canvas = viewer.original_view

    def matches() -> int:
        grabbed, origin = canvas.grab().toImage(), canvas.origin()
        hits = 0
        for i in range(50):
            x, y = int(origin.x()) + 300 + i * 3, int(origin.y()) + 250 + i
            hits += grabbed.pixelColor(x, y) == full.pixelColor(x - int(origin.x()),
                                                                y - int(origin.y()))
        return hits

    assert matches() < 25                      # the preview cannot show single pixels
    with qtbot.waitSignal(viewer.full_resolution_ready, timeout=WAIT_MS):
        viewer.load_full_files(full_file, full_file, full_file)
    assert viewer.has_full_images()
    assert matches() == 50
    viewer.clear()
    assert not viewer.has_full_images() and canvas.pixmap() is None


def test_compare_mode_shows_before_and_after_with_a_divider(qtbot, viewer):
    viewer.show_previews(previews(solid(1600, 500, "#d02020"), solid(1600, 500, "#2040d0"),
                                  solid(1600, 500, "#ffffff")))
    viewer.act_compare.trigger()
    compare = viewer.findChild(QWidget, "compareView")
    assert compare.isVisible() and compare.accessibleName() == "Before and after"
    assert viewer.is_comparing()
    assert not any(pane.isVisible() for pane in canvases(viewer))
    red, blue = QColor("#d02020"), QColor("#2040d0")
    y = int(compare.height() * 0.8)
    width = compare.width()
    assert same(pixel(compare, QPoint(int(width * 0.35), y)), red)
    assert same(pixel(compare, QPoint(int(width * 0.65), y)), blue)
    qtbot.mousePress(compare, Qt.MouseButton.LeftButton, pos=QPoint(width // 2, y))
    qtbot.mouseMove(compare, QPoint(width // 3, y))
    qtbot.mouseMove(compare, QPoint(width // 4, y))
    qtbot.mouseRelease(compare, Qt.MouseButton.LeftButton, pos=QPoint(width // 4, y))
    assert compare.divider() == pytest.approx(0.25, abs=0.01)
    assert same(pixel(compare, QPoint(int(width * 0.35), y)), blue)
    assert same(pixel(compare, QPoint(int(width * 0.15), y)), red)
    qtbot.keyClick(compare, Qt.Key.Key_Right)
    assert compare.divider() == pytest.approx(0.30, abs=0.01)
    qtbot.keyClick(compare, Qt.Key.Key_Left)
    qtbot.keyClick(compare, Qt.Key.Key_Left)
    assert compare.divider() == pytest.approx(0.20, abs=0.01)
    assert same(pixel(compare, QPoint(int(width * 0.22), y)), blue)
    wheel(compare, QPointF(width / 2, y), 2)   # the shared zoom still applies
    assert viewer.original_view.zoom() == viewer.zoom() > 0
    viewer.act_compare.trigger()
    assert not compare.isVisible() and all(pane.isVisible() for pane in canvases(viewer))


def test_background_choices_paint_behind_the_transparent_part(qtbot, viewer, monkeypatch,
                                                              tmp_path):
    viewer.show_previews(previews(blocks(400, 300), blocks(400, 300, alpha=True),
                                  blocks(400, 300)))
    canvas = viewer.matted_view
    see_through = canvas.map_from_image(QPointF(100, 150))
    opaque = canvas.map_from_image(QPointF(300, 150))
    subject = pixel(canvas, opaque)
    checker = pixel(canvas, see_through)
    assert checker.name() in ("#ffffff", "#d6d6d6", "#4d4d4d", "#3a3a3a")

    changes = []
    viewer.background_changed.connect(changes.append)
    viewer.act_bg_white.trigger()
    assert pixel(canvas, see_through) == QColor("#ffffff")
    viewer.act_bg_black.trigger()
    assert pixel(canvas, see_through) == QColor("#000000")
    monkeypatch.setattr(QColorDialog, "getColor",
                        staticmethod(lambda *args, **kwargs: QColor("#12ab34")))
    viewer.act_bg_color.trigger()
    assert pixel(canvas, see_through) == QColor("#12ab34")
    assert pixel(canvas, opaque) == subject   # the subject itself is untouched
    assert [c["kind"] for c in changes] == ["white", "black", "color"]
    assert changes[-1]["color"] == "#12ab34" and viewer.act_bg_color.isChecked()

    backdrop = tmp_path / "wall.png"
    Image.new("RGB", (300, 500), (250, 140, 20)).save(backdrop)
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *args, **kwargs: (str(backdrop), "")))
    with qtbot.waitSignal(viewer.background_changed, timeout=WAIT_MS):
        viewer.act_bg_image.trigger()
    assert same(pixel(canvas, see_through), QColor(250, 140, 20), tolerance=1)
    assert viewer.background_state() == {"kind": "image", "color": "#12ab34",
                                         "image": str(backdrop)}

    broken = tmp_path / "notes.png"
    broken.write_text("not a picture")
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *args, **kwargs: (str(broken), "")))
    with qtbot.waitSignal(viewer.background_failed, timeout=WAIT_MS) as failure:
        viewer.act_bg_image.trigger()
    assert "notes.png is not an image" in failure.args[0]
    assert viewer.background_state()["image"] == str(backdrop)   # the last good one stays
    assert same(pixel(canvas, see_through), QColor(250, 140, 20), tolerance=1)

    viewer.act_bg_checker.trigger()
    assert pixel(canvas, see_through) == checker
    viewer.set_compare(True)                  # the compare pane uses the same backdrop
    viewer.act_bg_black.trigger()
    compare = viewer.compare_view
    right = compare.map_from_image(QPointF(60, 250))
    compare.set_divider(0.0)
    assert pixel(compare, right) == QColor("#000000")


def test_background_state_round_trips_through_qsettings(qtbot, viewer, tmp_path):
    viewer.show_previews(previews(blocks(400, 300), blocks(400, 300, alpha=True),
                                  blocks(400, 300)))
    chosen = {"kind": "color", "color": "#336699", "image": ""}
    viewer.set_background_state(chosen)
    assert viewer.background_state() == chosen
    spot = viewer.matted_view.map_from_image(QPointF(50, 50))
    assert pixel(viewer.matted_view, spot) == QColor("#336699")

    settings = QSettings(str(tmp_path / "view.ini"), QSettings.Format.IniFormat)
    settings.setValue("view/background", viewer.background_state())
    settings.sync()
    restored = QSettings(str(tmp_path / "view.ini"), QSettings.Format.IniFormat).value(
        "view/background")
    again = Viewer()
    qtbot.addWidget(again)
    again.set_background_state(restored)
    assert again.background_state() == chosen and again.act_bg_color.isChecked()

    again.set_background_state({"kind": "plaid", "color": "not a colour"})
    assert again.background_state()["kind"] == "checker"
    again.set_background_state(None)           # nothing stored yet: nothing changes
    assert again.background_state()["kind"] == "checker"

    wall = tmp_path / "wall.jpg"
    Image.new("RGB", (64, 64), (10, 200, 90)).save(wall)
    with qtbot.waitSignal(again.background_changed, timeout=WAIT_MS):
        again.set_background_state({"kind": "image", "color": "#336699", "image": str(wall)})
    assert again.background_state() == {"kind": "image", "color": "#336699",
                                        "image": str(wall)}
    with qtbot.waitSignal(again.background_failed, timeout=WAIT_MS):
        again.set_background_state({"kind": "image", "image": str(tmp_path / "gone.png")})
    assert again.background_state()["kind"] == "checker"


def test_placeholder_and_clear_drop_the_pictures(viewer):
    viewer.show_previews(previews(None, blocks(400, 300, alpha=True), blocks(400, 300)))
    assert viewer.original_view.pixmap() is None
    assert viewer.original_view.placeholder() == "The original could not be downloaded."
    assert viewer.matted_view.pixmap() is not None and viewer.mask_view.pixmap() is not None

    viewer.show_placeholder("HitPaw is cutting out the subject\u2026")
    assert viewer.matted_view.placeholder() == "HitPaw is cutting out the subject\u2026"
    assert viewer.original_view.placeholder() == "" and viewer.mask_view.placeholder() == ""
    for pane in canvases(viewer):
        assert pane.image() is None and pane.pixmap() is None
    assert not viewer.act_actual.isEnabled()

    viewer.show_previews(previews(blocks(400, 300), blocks(400, 300), blocks(400, 300)))
    assert viewer.act_actual.isEnabled()
    viewer.clear()
    assert not viewer.has_pictures()
    for pane in canvases(viewer):
        assert pane.image() is None and pane.pixmap() is None and pane.placeholder() == ""


def test_showing_the_same_pictures_again_keeps_the_view(viewer):
    shown = previews(blocks(800, 600), blocks(800, 600), blocks(800, 600))
    viewer.show_previews(shown, QSize(800, 600))
    viewer.act_actual.trigger()
    viewer.original_view.pan_by(30, 20)
    kept = (viewer.zoom(), viewer.center())
    viewer.show_previews(shown, QSize(800, 600))   # a job update re-shows the same job
    assert (viewer.zoom(), viewer.center()) == kept
    viewer.show_previews(previews(blocks(800, 600), blocks(800, 600), blocks(800, 600)))
    assert viewer.state.is_fit()               # another picture starts fitted


def test_the_viewer_keeps_qwidget_show_and_imports_no_pillow():
    """``show()`` means what it means on every widget, and Pillow loads only in workers.

    The viewer is built just after the window's first paint, so anything its modules import
    at import time is start-up cost; Pillow alone is tens of milliseconds.
    """
    assert Viewer.show is QWidget.show
    child = ("import sys, desktop_app.ui.viewer, desktop_app.ui.decode, desktop_app.ui.glyphs; "
             "print('PIL' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"
