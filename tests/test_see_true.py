"""The viewer shows what is there: transparency, deep tones, upright photos, each shape kept.

Every picture is a real file written here with Pillow, taken through the app's own preview
making (``jobs.previews``) and decoding (``ui.decode``), shown in a real ``Viewer`` and read
back from ``grab()``: the checks are about the pixels on screen.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QPoint, QSize
from PySide6.QtGui import QColor, QImage

from desktop_app.jobs.previews import ensure_previews
from desktop_app.ui.pyramid import read_image
from desktop_app.ui.view_state import checkerboard
from desktop_app.ui.viewer import Viewer
from desktop_app.ui.workers import load_previews


@pytest.fixture
def viewer(qtbot):
    view = Viewer()
    qtbot.addWidget(view)
    view.resize(960, 480)
    view.show()
    qtbot.waitExposed(view)
    return view


def write_results(folder: Path, size: tuple[int, int] = (200, 150)) -> tuple[Path, Path]:
    """A plain cut-out and mask, so the previews have something beside the original."""
    cutout = Image.new("RGBA", size, (0, 120, 255, 255))
    mask = Image.new("L", size, 255)
    cutout.save(folder / "cutout.png")
    mask.save(folder / "mask.png")
    return folder / "cutout.png", folder / "mask.png"


def show_with_original(viewer: Viewer, tmp_path: Path, original: Path,
                       size: tuple[int, int] = (200, 150)):
    cutout, mask = write_results(tmp_path, size)
    files = ensure_previews(tmp_path, cutout, mask, original)
    previews = load_previews(files)
    viewer.show_previews(previews, QSize(*size))
    return previews


def grabbed(widget) -> QImage:
    image = widget.grab().toImage()
    return image.convertToFormat(QImage.Format.Format_RGB32)


def colours_in(image: QImage, box: tuple[int, int, int, int]) -> set[tuple[int, int, int]]:
    left, top, right, bottom = box
    return {QColor(image.pixel(x, y)).getRgb()[:3]
            for x in range(left, right, 3) for y in range(top, bottom, 3)}


def painted_box(image: QImage, test) -> tuple[int, int, int, int]:
    """The bounding box of the pixels for which ``test(r, g, b)`` holds."""
    xs, ys = [], []
    for y in range(image.height()):
        for x in range(image.width()):
            r, g, b, _ = QColor(image.pixel(x, y)).getRgb()
            if test(r, g, b):
                xs.append(x)
                ys.append(y)
    assert xs, "nothing painted"
    return min(xs), min(ys), max(xs) + 1, max(ys) + 1


def checker_colours() -> set[tuple[int, int, int]]:
    tile = checkerboard(4).toImage()
    return {QColor(tile.pixel(x, y)).getRgb()[:3] for x in (0, 5) for y in (0, 5)}


def test_a_transparent_original_shows_the_checkerboard_not_the_hidden_colour(viewer,
                                                                             tmp_path):
    # The left half is transparent, but its hidden RGB is pure green; the right half is red.
    data = np.zeros((150, 200, 4), np.uint8)
    data[:, :100] = (0, 255, 0, 0)
    data[:, 100:] = (255, 0, 0, 255)
    Image.fromarray(data).save(tmp_path / "original.png")
    show_with_original(viewer, tmp_path, tmp_path / "original.png")

    canvas = viewer.original_view
    image = grabbed(canvas)
    rect = canvas.source_rect(canvas.source())
    ratio = canvas.devicePixelRatioF()
    left = int(rect.left() / ratio) + 4, int(rect.top() / ratio) + 4
    middle = int(rect.center().x() / ratio)
    bottom = int(rect.bottom() / ratio) - 4
    seen = colours_in(image, (left[0], left[1], middle - 4, bottom))
    assert seen <= checker_colours() and len(seen) == 2       # both squares of the board
    assert (0, 255, 0) not in seen and (0, 0, 0) not in seen
    right = colours_in(image, (middle + 4, left[1], int(rect.right() / ratio) - 4, bottom))
    assert right == {(255, 0, 0)}

    viewer.set_compare(True)                                     # the original's side too
    viewer.compare_view.set_divider(1.0)
    image = grabbed(viewer.compare_view)
    rect = viewer.compare_view.source_rect(canvas.source())
    seen = colours_in(image, (int(rect.left() / ratio) + 4, int(rect.top() / ratio) + 20,
                              int(rect.center().x() / ratio) - 4,
                              int(rect.bottom() / ratio) - 4))
    assert seen <= checker_colours() | {(255, 255, 255)}, seen  # the divider's labels aside
    assert (0, 255, 0) not in seen and (0, 0, 0) not in seen


@pytest.mark.parametrize("mode", ["I;16", "I", "F"])
def test_a_deep_grey_gradient_shows_its_tones(viewer, tmp_path, mode):
    ramp = np.tile(np.linspace(0, 65535, 200), (150, 1))
    if mode == "I;16":
        Image.fromarray(ramp.astype(np.uint16)).save(tmp_path / "deep.png")
        path = tmp_path / "deep.png"
    elif mode == "I":
        Image.fromarray(ramp.astype(np.int32)).save(tmp_path / "deep.tif")
        path = tmp_path / "deep.tif"
    else:
        Image.fromarray((ramp / 65535).astype(np.float32)).save(tmp_path / "deep.tif")
        path = tmp_path / "deep.tif"
    with Image.open(path) as written:
        assert written.mode.startswith(mode)                     # really a deep image
    show_with_original(viewer, tmp_path, path)
    canvas = viewer.original_view
    image = grabbed(canvas)
    rect = canvas.source_rect(canvas.source())
    ratio = canvas.devicePixelRatioF()
    y = int(rect.center().y() / ratio)
    greys = [QColor(image.pixel(int(rect.left() / ratio + f * rect.width() / ratio), y)).red()
             for f in (0.05, 0.25, 0.5, 0.75, 0.95)]
    assert greys == sorted(greys) and greys[0] < 30 and greys[-1] > 225
    assert 100 < greys[2] < 155                                 # mid-grey, not white
    full = read_image(path)                                      # the full-size decode too
    assert 100 < QColor(full.pixel(100, 75)).red() < 155


def exif_rotated_jpeg(path: Path) -> None:
    """Stored landscape (40x20, red left, blue right) with EXIF "turn 90° clockwise"."""
    img = Image.new("RGB", (40, 20), (255, 0, 0))
    img.paste((0, 0, 255), (20, 0, 40, 20))
    exif = Image.Exif()
    exif[0x0112] = 6
    img.save(path, quality=95, exif=exif.tobytes())


def test_an_exif_rotated_local_jpeg_and_a_heic_show_upright(viewer, tmp_path):
    from desktop_app.jobs.images import register_heif

    exif_rotated_jpeg(tmp_path / "phone.jpg")
    register_heif()
    portrait = Image.new("RGB", (20, 40), (255, 0, 0))
    portrait.paste((0, 0, 255), (0, 20, 20, 40))
    portrait.save(tmp_path / "phone.heic")
    for name in ("phone.jpg", "phone.heic"):
        full = read_image(tmp_path / name)
        assert (full.width(), full.height()) == (20, 40), name
        # turned clockwise: the left (red) half is now on top
        top, bottom = QColor(full.pixel(10, 5)), QColor(full.pixel(10, 35))
        assert top.red() > 200 and top.blue() < 60, name
        assert bottom.blue() > 200 and bottom.red() < 60, name

    folder = tmp_path / "job"
    folder.mkdir()
    show_with_original(viewer, folder, tmp_path / "phone.jpg", size=(20, 40))
    canvas = viewer.original_view
    assert (canvas.source().image().width(), canvas.source().image().height()) == (20, 40)
    image = grabbed(canvas)
    red = painted_box(image, lambda r, g, b: r > 200 and b < 60)
    blue = painted_box(image, lambda r, g, b: b > 200 and r < 60)
    assert red[3] <= blue[1] + 2                                  # red above blue


def test_a_turned_cutout_is_not_stretched_to_the_originals_shape(viewer, tmp_path):
    # the service kept the file's landscape pixels; the photo is a portrait (or vice versa)
    Image.new("RGB", (300, 200), (255, 0, 0)).save(tmp_path / "original.png")
    show_with_original(viewer, tmp_path, tmp_path / "original.png", size=(200, 300))
    image = grabbed(viewer.original_view)
    left, top, right, bottom = painted_box(image, lambda r, g, b: r > 200 and g < 60)
    assert abs((right - left) / (bottom - top) - 1.5) < 0.05      # landscape stays landscape
    cut = painted_box(grabbed(viewer.matted_view), lambda r, g, b: b > 200 and r < 60)
    assert abs((cut[2] - cut[0]) / (cut[3] - cut[1]) - 2 / 3) < 0.05


def test_a_one_pixel_image_zooms_sanely(viewer):
    one = QImage(1, 1, QImage.Format.Format_ARGB32)
    one.fill(QColor(200, 30, 30))
    viewer.show_previews(SimpleNamespace(original=one, cutout=one, mask=one), QSize(1, 1))
    fitted = viewer.zoom()
    assert fitted > 100                                          # it fills the pane
    viewer.zoom_in()
    assert viewer.zoom() >= fitted                               # zooming in never shrinks it
    for _ in range(30):
        viewer.zoom_out()
    low = viewer.zoom()
    assert 8 <= low < fitted                                     # still a visible square
    viewer.actual_size()
    assert viewer.zoom() == pytest.approx(max(1.0, viewer.state.zoom_limits()[0]))
    viewer.fit()
    canvas = viewer.original_view
    image = grabbed(canvas)
    centre = QPoint(canvas.width() // 2, canvas.height() // 2)
    assert QColor(image.pixel(centre)).getRgb()[:3] == (200, 30, 30)


# -- a finished job restored from the history, with files as a service might return them ----
def quadrants(size: tuple[int, int]) -> Image.Image:
    """Four colours, so any turn of the picture is told apart."""
    width, height = size
    img = Image.new("RGB", size, (220, 40, 40))
    img.paste((40, 200, 40), (width // 2, 0, width, height // 2))
    img.paste((40, 40, 220), (0, height // 2, width // 2, height))
    img.paste((230, 230, 40), (width // 2, height // 2, width, height))
    return img


def restored_job(original: Path, cutout: Image.Image, **fields):
    """A done job in the history, its results in its own cache folder, as after a restart."""
    from desktop_app import paths
    from desktop_app.jobs.model import Job, JobState
    from desktop_app.jobs.store import HistoryStore

    job = Job(f"https://example.com/{original.name}", state=JobState.DONE, job_id="j1",
              width=cutout.width, height=cutout.height, **fields)
    folder = paths.results_dir() / job.id
    folder.mkdir(parents=True)
    cutout.convert("RGBA").save(folder / "cutout.png")
    Image.new("L", cutout.size, 255).save(folder / "mask.png")
    job.cutout_path, job.mask_path = str(folder / "cutout.png"), str(folder / "mask.png")
    job.original_path = str(original)
    paths.history_db().parent.mkdir(parents=True, exist_ok=True)
    store = HistoryStore(paths.history_db())
    store.save(job)
    store.close()
    return job


def open_job(qtbot, make_window, job):
    window = make_window()
    qtbot.waitUntil(lambda: job.id in window.controller.jobs, timeout=5000)
    window.jobs_panel.select_job(job.id)
    qtbot.waitUntil(lambda: window.viewer.matted_view.image() is not None, timeout=5000)
    return window


def test_a_cutout_the_service_did_not_turn_is_said_and_turned_to_match(
        qtbot, make_window, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog, QLabel, QPushButton

    from desktop_app.ui.save_options import SaveOptionsDialog

    stored = quadrants((400, 300))                   # the file's pixels: landscape
    exif = Image.Exif()
    exif[0x0112] = 6                                 # "turn 90° clockwise to show"
    stored.save(tmp_path / "phone.jpg", quality=95, exif=exif.tobytes())
    job = restored_job(tmp_path / "phone.jpg", stored)   # a service that ignored the EXIF note
    window = open_job(qtbot, make_window, job)
    notes = window.findChild(QLabel, "resultNotesText")
    qtbot.waitUntil(notes.isVisible, timeout=5000)
    assert notes.text() == ("The cut-out is 400\u00d7300 but the original is 300\u00d7400: "
                            "HitPaw may have turned it.")
    original_image = window.viewer.original_view.image()
    assert (original_image.width(), original_image.height()) == (300, 400)   # upright
    turn = window.findChild(QPushButton, "rotateToMatchButton")
    assert turn.isVisible() and "90\u00b0 clockwise" in turn.text()

    turn.click()
    qtbot.waitUntil(lambda: "was turned" in notes.text(), timeout=5000)
    assert not turn.isVisible()
    assert window.findChild(QPushButton, "undoTurnButton").isVisible()
    shown = window.viewer.matted_view.image()
    assert (shown.width(), shown.height()) == (300, 400)
    with Image.open(job.cutout_path) as service:      # the service's file is untouched
        assert service.size == (400, 300)

    target = tmp_path / "saved.png"
    monkeypatch.setattr(SaveOptionsDialog, "exec", lambda dialog: 1)
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a: (str(target), "PNG image (*.png)")))
    window.commands.save_matted.trigger()
    qtbot.waitUntil(target.exists, timeout=5000)
    with Image.open(target) as saved, Image.open(tmp_path / "phone.jpg") as photo:
        upright = quadrants((400, 300)).transpose(Image.Transpose.ROTATE_270)
        assert saved.size == (300, 400)
        for point in ((40, 40), (260, 40), (40, 360), (260, 360)):
            got, want = saved.getpixel(point)[:3], upright.getpixel(point)
            assert all(abs(a - b) < 40 for a, b in zip(got, want, strict=True)), point
        assert photo.size == (400, 300)               # the original is untouched too

    window.findChild(QPushButton, "undoTurnButton").click()
    qtbot.waitUntil(lambda: "may have turned" in notes.text(), timeout=5000)


def test_an_animated_original_says_only_its_first_frame_was_used(qtbot, make_window,
                                                                 tmp_path):
    from PySide6.QtWidgets import QLabel

    frames = [Image.new("RGB", (120, 90), colour) for colour in ("red", "green", "blue")]
    frames[0].save(tmp_path / "wave.gif", save_all=True, append_images=frames[1:],
                   duration=100, loop=0)
    job = restored_job(tmp_path / "wave.gif", frames[0])
    window = open_job(qtbot, make_window, job)
    notes = window.findChild(QLabel, "resultNotesText")
    qtbot.waitUntil(notes.isVisible, timeout=5000)
    assert notes.text() == ("The original is an animated GIF with 3 frames: only its first "
                            "frame was cut out.")


@pytest.mark.parametrize("make, alpha_at_0, colour_at_1", [
    # grey with alpha: the see-through pixel stays see-through
    (lambda: Image.merge("LA", [Image.new("L", (2, 1), 200),
                                Image.frombytes("L", (2, 1), bytes([0, 255]))]), 0, (200,) * 3),
    # a palette with a transparent index
    (lambda: _palette_with_transparency(), 0, (10, 20, 250)),
    # CMYK (a print JPEG): pure cyan shows cyan, not black or inverted
    (lambda: Image.new("CMYK", (2, 1), (255, 0, 0, 0)), 255, (0, 255, 255)),
    # RGB with a transparent colour key (tRNS)
    (lambda: _rgb_with_key(), 0, (250, 250, 10)),
])
def test_odd_modes_show_their_real_colours_and_transparency(make, alpha_at_0, colour_at_1):
    from desktop_app.ui.pyramid import to_qimage

    image = to_qimage(make())
    assert QColor.fromRgba(image.pixel(0, 0)).alpha() == alpha_at_0
    got = QColor.fromRgba(image.pixel(1, 0)).getRgb()[:3]
    assert all(abs(a - b) <= 2 for a, b in zip(got, colour_at_1, strict=True)), got


def _palette_with_transparency() -> Image.Image:
    img = Image.new("P", (2, 1))
    img.putpalette([0, 255, 0, 10, 20, 250] + [0] * 762)
    img.putpixel((0, 0), 0)
    img.putpixel((1, 0), 1)
    img.info["transparency"] = 0
    return img


def _rgb_with_key() -> Image.Image:
    img = Image.new("RGB", (2, 1), (0, 255, 0))
    img.putpixel((1, 0), (250, 250, 10))
    img.info["transparency"] = (0, 255, 0)
    return img


def _png_48bit(path: Path, width: int = 64, height: int = 8) -> None:
    """An RGB PNG with 16 bits a channel (Pillow cannot write one), a red ramp to 65535."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data)))

    rows = b""
    for _ in range(height):
        rows += b"\x00" + b"".join(struct.pack(">HHH", x * 65535 // (width - 1), 0, 0)
                                   for x in range(width))
    header = struct.pack(">IIBBBBB", width, height, 16, 2, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
                     + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def test_a_48_bit_rgb_png_shows_its_ramp(tmp_path):
    _png_48bit(tmp_path / "deep-rgb.png")
    image = read_image(tmp_path / "deep-rgb.png")
    reds = [QColor(image.pixel(x, 4)).red() for x in (0, 16, 32, 48, 63)]
    assert reds == sorted(reds) and reds[0] < 10 and reds[-1] > 245 and 100 < reds[2] < 155


def test_an_upside_down_cutout_of_the_same_size_is_said_too(qtbot, make_window, tmp_path):
    from PySide6.QtWidgets import QLabel, QPushButton

    stored = quadrants((400, 300))
    exif = Image.Exif()
    exif[0x0112] = 3                                 # "turn 180° to show": same size
    stored.save(tmp_path / "upside.jpg", quality=95, exif=exif.tobytes())
    job = restored_job(tmp_path / "upside.jpg", stored)
    window = open_job(qtbot, make_window, job)
    notes = window.findChild(QLabel, "resultNotesText")
    qtbot.waitUntil(notes.isVisible, timeout=5000)
    assert notes.text() == ("The cut-out is upside down compared with the original: HitPaw "
                            "may have turned it.")
    assert "180\u00b0" in window.findChild(QPushButton, "rotateToMatchButton").text()


def test_a_cutout_the_service_turned_upright_needs_no_sentence(qtbot, make_window, tmp_path):
    from PySide6.QtWidgets import QWidget

    stored = quadrants((400, 300))
    exif = Image.Exif()
    exif[0x0112] = 3
    stored.save(tmp_path / "upside.jpg", quality=95, exif=exif.tobytes())
    upright = stored.transpose(Image.Transpose.ROTATE_180)     # the service applied EXIF
    job = restored_job(tmp_path / "upside.jpg", upright)
    window = open_job(qtbot, make_window, job)
    assert window.results.has_previews(job.id)
    assert not window.findChild(QWidget, "resultNotes").isVisible()
