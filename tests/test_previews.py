"""Preview making (``jobs.previews``): a small result is its own preview, copied, not re-encoded;
anything else is still decoded, shrunk, turned upright and written."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from desktop_app.jobs.previews import PREVIEW_SIZE, THUMB_SIZE, ensure_previews


def _result(folder: Path, size: tuple[int, int], *, exif_turn: int = 1) -> tuple[Path, Path]:
    """A job's folder with a cut-out (a red square on transparency) and its mask."""
    folder.mkdir(exist_ok=True)
    cutout = Image.new("RGBA", size, (0, 0, 0, 0))
    cutout.paste((200, 40, 40, 255), (size[0] // 4, size[1] // 4, size[0] // 2, size[1] // 2))
    exif = Image.Exif()
    exif[0x0112] = exif_turn
    cutout.save(folder / "cutout.png", exif=exif.tobytes())
    cutout.getchannel("A").save(folder / "mask.png")
    return folder / "cutout.png", folder / "mask.png"


def test_a_small_result_is_copied_as_its_own_preview(tmp_path):
    cutout, mask = _result(tmp_path, (800, 600))
    files = ensure_previews(tmp_path, cutout, mask, None)
    assert files.cutout.read_bytes() == cutout.read_bytes()
    assert files.mask.read_bytes() == mask.read_bytes()
    with Image.open(files.thumb) as thumb:
        assert max(thumb.size) == THUMB_SIZE and thumb.mode == "RGBA"
        assert thumb.getpixel((THUMB_SIZE * 3 // 8, THUMB_SIZE * 3 // 8 * 3 // 4))[3] == 255
        assert thumb.getpixel((2, 2))[3] == 0


def test_a_large_or_turned_result_is_still_made_into_a_preview(tmp_path):
    big_cutout, big_mask = _result(tmp_path / "big", (PREVIEW_SIZE * 2, 1200))
    files = ensure_previews(tmp_path / "big", big_cutout, big_mask, None)
    with Image.open(files.cutout) as preview, Image.open(files.mask) as mask:
        assert preview.size == (PREVIEW_SIZE, 600) and mask.size == (PREVIEW_SIZE, 600)
    cutout, mask = _result(tmp_path / "turned", (800, 600), exif_turn=6)   # "turn 90 degrees"
    files = ensure_previews(tmp_path / "turned", cutout, mask, None)
    assert files.cutout.read_bytes() != cutout.read_bytes()
    with Image.open(files.cutout) as preview:
        assert preview.size == (600, 800)


def test_a_big_preview_is_read_with_its_halvings_which_the_panes_draw_from(tmp_path,
                                                                               qapp):
    """The worker reads each big pane preview with its halvings; a pane at fit draws from
    one as it is, halving nothing on the GUI thread."""
    from desktop_app.ui.view_state import ImageSource
    from desktop_app.ui.workers import HALVED_FROM, load_previews

    cutout, mask = _result(tmp_path, (1600, 1000))
    Image.new("RGB", (1600, 1000), (90, 120, 30)).save(tmp_path / "original.jpg")
    files = ensure_previews(tmp_path, cutout, mask, tmp_path / "original.jpg")
    previews = load_previews(files)
    assert sorted(previews.halvings) == ["cutout", "mask", "original"]
    for levels in previews.halvings.values():
        assert [(level.width(), level.height()) for level in levels] == [
            (800, 500), (400, 250), (200, 125)]
    red = previews.halvings["cutout"][0].pixelColor(300, 180)   # in the square, at 800 px
    assert (red.red(), red.alpha()) == (200, 255)
    source = ImageSource(previews.cutout, previews.halvings["cutout"])
    assert source.level_for(frame_width=1600, zoom=0.3) is previews.halvings["cutout"][0]
    assert source.level_for(frame_width=1600, zoom=0.2) is previews.halvings["cutout"][1]
    small = _result(tmp_path / "small", (HALVED_FROM - 200, 500))
    assert load_previews(ensure_previews(tmp_path / "small", *small, None)).halvings == {}
