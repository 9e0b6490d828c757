"""Full-size images and backdrops made ready to paint in a worker (``ui/pyramid.py``), and the
viewer that loads them from files: the same pixels the Qt-side decode gives, every level the
zoom needs, and a wrong or broken file said, never shown. Real files, a real viewer."""

from __future__ import annotations

import gc
from pathlib import Path
from types import SimpleNamespace

import pytest
from PIL import Image
from PySide6.QtCore import QSize
from PySide6.QtGui import QColor, QImage

from desktop_app.ui.decode import paint_ready
from desktop_app.ui.pyramid import read_background_image, read_levels, to_qimage
from desktop_app.ui.tasks import running_tasks
from desktop_app.ui.viewer import Viewer

WAIT_MS = 15000


def picture(width: int, height: int, mode: str) -> Image.Image:
    """Noise in every channel (alpha too), so any wrong byte order or rounding shows."""
    bands = [Image.effect_noise((width, height), 80 + 10 * i) for i in range(len(mode))]
    return Image.merge(mode, bands) if len(mode) > 1 else bands[0]


@pytest.mark.parametrize(("mode", "alpha"), [("RGBA", True), ("RGB", False), ("L", False)])
def test_levels_hold_the_same_pixels_as_the_qt_side_decode(tmp_path: Path, mode, alpha):
    path = tmp_path / f"full-{mode}.png"
    picture(1700, 1000, mode).save(path)
    levels = read_levels(path, 450, 265)
    assert [(level.width(), level.height()) for level in levels] == \
        [(1700, 1000), (850, 500)]          # halved while more detailed than the preview
    expected = QImage.Format.Format_ARGB32_Premultiplied if alpha else QImage.Format.Format_RGB32
    assert all(level.format() == expected for level in levels)
    reference = paint_ready(QImage(str(path)))   # Qt's own decode
    gc.collect()                              # the pixels live as long as the QImage does
    for x, y in ((0, 0), (7, 3), (850, 500), (1699, 999), (1234, 777)):
        assert levels[0].pixel(x, y) == reference.pixel(x, y), (x, y)
    if not alpha:
        assert QColor.fromRgba(levels[0].pixel(5, 5)).alpha() == 255   # RGB32 wants 0xff
    # the halving is a box filter over the premultiplied pixels
    block = [QColor.fromRgba(levels[0].pixel(x, y)) for x in (20, 21) for y in (30, 31)]
    half = QColor.fromRgba(levels[1].pixel(10, 15))
    assert abs(half.green() - sum(c.green() for c in block) / 4) <= 1.5


def test_a_file_of_another_shape_gives_no_levels(tmp_path: Path):
    path = tmp_path / "portrait.png"
    picture(400, 800, "RGB").save(path)
    assert read_levels(path, 800, 400) is None


def test_a_pillow_image_of_any_mode_becomes_a_paint_ready_qimage():
    image = to_qimage(Image.new("LA", (30, 20), (200, 128)))
    assert image.format() == QImage.Format.Format_ARGB32_Premultiplied
    colour = QColor.fromRgba(image.pixel(3, 3))
    assert colour.alpha() == 128 and abs(colour.red() - 200 * 128 / 255) <= 1


def test_a_background_image_is_scaled_and_a_bad_one_is_one_sentence(tmp_path: Path):
    big = tmp_path / "backdrop.jpg"
    picture(4096, 1024, "RGB").save(big, quality=80)
    image = read_background_image(str(big))
    assert (image.width(), image.height()) == (2048, 512)
    broken = tmp_path / "notes.png"
    broken.write_text("not a picture")
    with pytest.raises(OSError, match=r"^notes\.png is not an image Cutout can read\.$"):
        read_background_image(str(broken))
    with pytest.raises(OSError, match=r"^gone\.png is no longer there\.$"):
        read_background_image(str(tmp_path / "gone.png"))


@pytest.fixture
def viewer(qtbot):
    view = Viewer()
    qtbot.addWidget(view)
    view.resize(900, 500)
    view.show()
    qtbot.waitExposed(view)
    return view


def show(viewer: Viewer, folder: Path) -> dict[str, Path]:
    """A 1200x800 job on show as 300x200 previews; its full-size files on disk."""
    folder.mkdir(exist_ok=True)
    files, previews = {}, {}
    for name, mode in (("original", "RGB"), ("cutout", "RGBA"), ("mask", "L")):
        full = picture(1200, 800, mode)
        files[name] = folder / f"{name}.png"
        full.save(files[name])
        previews[name] = to_qimage(full.resize((300, 200)))
    viewer.show_previews(SimpleNamespace(**previews), QSize(1200, 800))
    return files


def test_the_viewer_loads_the_full_size_files_when_a_zoom_needs_them(qtbot, viewer, tmp_path):
    files = show(viewer, tmp_path)
    with qtbot.waitSignal(viewer.full_resolution_wanted, timeout=WAIT_MS):
        viewer.actual_size()
    with qtbot.waitSignal(viewer.full_resolution_ready, timeout=WAIT_MS):
        viewer.load_full_files(files["original"], files["cutout"], files["mask"])
    source = viewer.matted_view.source()
    full = source.level_for(1200, 1.0)
    assert (full.width(), full.height()) == (1200, 800)
    assert full.pixel(1000, 700) == paint_ready(QImage(str(files["cutout"]))).pixel(1000, 700)
    assert source.level_for(1200, 0.5).width() == 600       # a halving made in the worker


def test_a_full_size_file_of_another_picture_is_ignored_and_a_broken_one_said(
        qtbot, viewer, tmp_path):
    files = show(viewer, tmp_path)
    other = tmp_path / "other.png"
    picture(300, 900, "RGB").save(other)
    with qtbot.waitSignal(viewer.full_resolution_ready, timeout=WAIT_MS):
        viewer.load_full_files(other, files["cutout"], None)
    assert viewer.matted_view.source().has_full()
    assert not viewer.original_view.source().has_full()        # not stretched onto it

    show(viewer, tmp_path / "again")           # afresh: no full-size images yet
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n but not really")
    with qtbot.waitSignal(viewer.full_resolution_failed, timeout=WAIT_MS) as failed:
        viewer.load_full_files(None, broken, None)
    assert failed.args[0] and "Traceback" not in failed.args[0]
    assert not viewer.has_full_images()


def test_a_picture_shown_meanwhile_drops_the_late_answer(qtbot, viewer, tmp_path):
    files = show(viewer, tmp_path)
    viewer.load_full_files(files["original"], files["cutout"], files["mask"])
    viewer.show_previews(SimpleNamespace(original=None, cutout=to_qimage(
        picture(300, 200, "RGBA")), mask=to_qimage(picture(300, 200, "L"))), QSize(300, 200))
    ready = []
    viewer.full_resolution_ready.connect(lambda: ready.append(True))
    qtbot.waitUntil(lambda: running_tasks() == 0, timeout=WAIT_MS)   # answered, and dropped
    assert not ready and not viewer.has_full_images()
