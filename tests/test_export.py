"""Getting results out, without Qt: formats, cropping, names, "Save all" plans and failures.

Real files in tmp_path, decoded back with Pillow; only the operating system's failures (a
full disk, a file held open by another app) are simulated, by making one call raise.
"""

from __future__ import annotations

import errno
import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from desktop_app import export
from desktop_app.export import ExportError, ExportOptions, export_cutout, export_mask, write_image
from desktop_app.save_all import DEFAULT_PATTERN, plan_save_all, render_name, run_plan

W, H = 120, 90
SUBJECT = (30, 20, 70, 60)          # left, top, right, bottom (exclusive), as getbbox gives
EDGE = (30, 40)                     # a half-transparent edge pixel of the subject


@pytest.fixture
def results(tmp_path) -> tuple[Path, Path]:
    """A cut-out (red subject on transparency, one soft edge pixel) and its mask."""
    cache = tmp_path / "cache"
    cache.mkdir()
    cutout = Image.new("RGBA", (W, H), (0, 0, 0, 0))
    ImageDraw.Draw(cutout).rectangle((SUBJECT[0], SUBJECT[1], SUBJECT[2] - 1, SUBJECT[3] - 1),
                                     fill=(220, 30, 20, 255))
    cutout.putpixel(EDGE, (220, 30, 20, 128))
    mask = Image.new("L", (W, H), 0)
    ImageDraw.Draw(mask).rectangle((SUBJECT[0], SUBJECT[1], SUBJECT[2] - 1, SUBJECT[3] - 1),
                                   fill=255)
    mask.putpixel((2, 2), 5)        # JPEG-ish noise under the threshold: not subject
    cutout.save(cache / "cutout.png")
    mask.save(cache / "mask.png")
    return cache / "cutout.png", cache / "mask.png"


@dataclass
class FakeJob:
    stem: str
    cutout_path: str | None
    mask_path: str | None


def leftovers(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.endswith(".part")]


# -- formats ---------------------------------------------------------------------------------
def test_png_keeps_alpha(results, tmp_path):
    target = export_cutout(*results, tmp_path / "out.png", ExportOptions(format="PNG"))
    with Image.open(target) as img:
        assert (img.format, img.mode, img.size) == ("PNG", "RGBA", (W, H))
        assert img.getpixel((0, 0))[3] == 0
        assert img.getpixel((50, 40)) == (220, 30, 20, 255)


def test_webp_is_lossless_and_keeps_alpha(results, tmp_path):
    target = export_cutout(*results, tmp_path / "out.webp", ExportOptions(format="webp"))
    with Image.open(target) as img, Image.open(results[0]) as src:
        assert (img.format, img.mode, img.size) == ("WEBP", "RGBA", (W, H))
        assert img.getpixel((0, 0))[3] == 0
        assert img.getchannel("A").tobytes() == src.getchannel("A").tobytes()
        assert img.getpixel(EDGE) == (220, 30, 20, 128)      # the soft edge, exactly
        assert img.getpixel((50, 40)) == (220, 30, 20, 255)


def test_jpeg_is_flattened_onto_the_chosen_background(results, tmp_path):
    options = ExportOptions(format="JPEG", background="#3366cc")
    target = export_cutout(*results, tmp_path / "out.jpg", options)
    with Image.open(target) as img:
        assert (img.format, img.mode, img.size) == ("JPEG", "RGB", (W, H))
        for corner in ((0, 0), (W - 1, H - 1)):
            assert all(abs(a - b) <= 4 for a, b in zip(img.getpixel(corner), (0x33, 0x66, 0xcc),
                                                       strict=True))
        assert all(abs(a - b) <= 6 for a, b in zip(img.getpixel((50, 40)), (220, 30, 20),
                                                   strict=True))


def test_options_refuse_an_unknown_format_and_a_non_colour():
    with pytest.raises(ValueError, match="PNG, WebP or JPEG"):
        ExportOptions(format="GIF")
    with pytest.raises(ValueError, match="not a colour"):
        ExportOptions(format="JPEG", background="blue-ish")
    assert ExportOptions(format="jpg", background="FFF").background == "#ffffff"
    assert ExportOptions(format="jpg").extension == "jpg"


# -- cropping --------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", ["PNG", "WEBP", "JPEG"])
def test_crop_to_subject_is_the_mask_box_plus_padding(results, tmp_path, fmt):
    options = ExportOptions(format=fmt, crop_to_subject=True, padding=5)
    target = export_cutout(*results, tmp_path / f"out.{options.extension}", options)
    width, height = SUBJECT[2] - SUBJECT[0] + 10, SUBJECT[3] - SUBJECT[1] + 10
    with Image.open(target) as img:
        assert img.size == (width, height)
        if fmt != "JPEG":
            assert img.getpixel((4, 4))[3] == 0               # padding is transparent
            assert img.getpixel((5 + 5, 5 + 5))[3] == 255     # the subject starts at 5, 5
    mask = export_mask(results[1], tmp_path / "mask.png", options)
    with Image.open(mask) as img:
        assert (img.format, img.mode, img.size) == ("PNG", "L", (width, height))
        assert img.getpixel((5, 5)) == 255 and img.getpixel((4, 4)) == 0


def test_padding_is_clamped_to_the_image(results, tmp_path):
    options = ExportOptions(crop_to_subject=True, padding=25)
    target = export_cutout(*results, tmp_path / "out.png", options)
    with Image.open(target) as img:
        # left 30-25=5, top 20-25 -> 0, right 70+25=95, bottom 60+25 -> 85
        assert img.size == (95 - 5, 85 - 0)
    target = export_cutout(*results, tmp_path / "big.png",
                           ExportOptions(crop_to_subject=True, padding=1000))
    with Image.open(target) as img:
        assert img.size == (W, H)


def test_mask_noise_above_the_threshold_counts_as_subject(results, tmp_path):
    with Image.open(results[1]) as mask:
        mask = mask.copy()
    mask.putpixel((2, 2), export.MASK_THRESHOLD + 1)
    mask.save(results[1])
    target = export_cutout(*results, tmp_path / "out.png", ExportOptions(crop_to_subject=True))
    with Image.open(target) as img:
        assert img.size == (SUBJECT[2] - 2, SUBJECT[3] - 2)


def test_an_empty_mask_exports_the_whole_image(results, tmp_path):
    Image.new("L", (W, H), 0).save(results[1])
    options = ExportOptions(format="WEBP", crop_to_subject=True, padding=3)
    target = export_cutout(*results, tmp_path / "out.webp", options)
    with Image.open(target) as img:
        assert img.size == (W, H) and img.mode == "RGBA"
    mask = export_mask(results[1], tmp_path / "mask.png", options)
    with Image.open(mask) as img:
        assert img.size == (W, H) and img.mode == "L"


def test_crop_without_a_mask_uses_the_cutouts_alpha(results, tmp_path):
    target = export_cutout(results[0], None, tmp_path / "out.png",
                           ExportOptions(crop_to_subject=True))
    with Image.open(target) as img:
        assert img.size == (SUBJECT[2] - SUBJECT[0], SUBJECT[3] - SUBJECT[1])


def test_a_mask_of_another_size_crops_the_same_part(results, tmp_path):
    with Image.open(results[1]) as mask:
        mask.resize((W // 2, H // 2), Image.Resampling.NEAREST).save(results[1])
    target = export_cutout(*results, tmp_path / "out.png", ExportOptions(crop_to_subject=True))
    with Image.open(target) as img:
        assert img.size == (SUBJECT[2] - SUBJECT[0], SUBJECT[3] - SUBJECT[1])


# -- names -----------------------------------------------------------------------------------
@pytest.mark.parametrize("pattern, expected", [
    ("{stem}-cutout.{ext}", "cat-cutout.png"),
    ("{stem}-{kind}.{ext}", "cat-cutout.png"),
    ("{n:03}_{stem}.{ext}", "007_cat.png"),
    ("{date} {stem}.{ext}", "2025-03-04 cat.png"),
    ("{stem}-cutout", "cat-cutout.png"),                # no extension: one is added
    ("{stem}.jpg", "cat.png"),                          # another image extension: replaced
    ('a<b>:"|?*{stem}.{ext}', "a-b------cat.png"),     # nothing Windows refuses
    ("{{{stem}}}.{ext}", "{cat}.png"),
    (".{stem}.{ext}", "cat.png"),                       # never a hidden file
])
def test_render_name(pattern, expected):
    assert render_name(pattern, stem="cat", kind="cutout", ext="png", index=7,
                       date=date(2025, 3, 4)) == expected


def test_render_name_avoids_windows_reserved_names_and_trailing_dots():
    assert render_name("{stem}.{ext}", stem="con", kind="cutout", ext="jpg", index=1) \
        == "con_.jpg"
    assert render_name("{stem}. .{ext}", stem="a", kind="cutout", ext="png", index=1) \
        == "a.png"
    assert render_name("{stem}", stem="cat", kind="cutout", ext="jpg", index=1,
                       date="2025-01-01") == "cat.jpg"


@pytest.mark.parametrize("pattern, words", [
    ("photos/{stem}.{ext}", "cannot contain /"),
    ("..\\{stem}.{ext}", "cannot contain /"),
    ("{stem}-{size}.{ext}", "{size}"),
    ("{stem!r}.{ext}", "does not know"),
    ("{0}.{ext}", "{0}"),
    ("{stem.upper}.{ext}", "does not know"),
    ("{stem.{ext}", "without its partner"),
    ("{stem:>9}.{ext}", "Only {n} takes a format"),
    ("{n:zz}.{ext}", "not a number format"),
    ("   ", "empty"),
])
def test_render_name_refuses_patterns_with_a_sentence(pattern, words):
    with pytest.raises(ValueError) as caught:
        render_name(pattern, stem="cat", kind="cutout", ext="png", index=1)
    message = str(caught.value)
    assert words in message and message.endswith(".") and message[0].isupper()


# -- plans -----------------------------------------------------------------------------------
def test_plan_save_all_never_repeats_a_name_and_flags_existing_files(results, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "cat-cutout.png").write_bytes(b"old")
    cut, mask = map(str, results)
    jobs = [FakeJob("cat", cut, mask), FakeJob("cat", cut, mask), FakeJob("Cat", cut, mask),
            FakeJob("dog", cut, mask), FakeJob("gone", None, None)]
    plan = plan_save_all(jobs, out, "{stem}-cutout.{ext}", ExportOptions(format="WEBP"), True)
    names = [p.target.name for p in plan]
    assert names == ["cat-cutout.webp", "cat-mask.png", "cat-2-cutout.webp", "cat-2-mask.png",
                     "Cat-3-cutout.webp", "Cat-3-mask.png", "dog-cutout.webp", "dog-mask.png"]
    assert len({n.casefold() for n in names}) == len(names)
    assert [p.kind for p in plan] == ["cutout", "mask"] * 4
    assert all(p.target.parent == out for p in plan)
    assert not any(p.exists for p in plan)                  # .png exists, not .webp

    plan = plan_save_all(jobs, out, "{stem}-cutout.{ext}", ExportOptions(), False)
    assert [p.target.name for p in plan] == ["cat-cutout.png", "cat-2-cutout.png",
                                             "Cat-3-cutout.png", "dog-cutout.png"]
    assert [p.exists for p in plan] == [True, False, False, False]
    assert plan[0].source == results[0] and plan[0].mask_source == results[1]


def test_a_pattern_without_the_stem_is_numbered_not_overwritten(results, tmp_path):
    cut, mask = map(str, results)
    jobs = [FakeJob("a", cut, mask), FakeJob("b", cut, mask), FakeJob("c", cut, mask)]
    plan = plan_save_all(jobs, tmp_path, "image.{ext}", ExportOptions(format="JPEG"), False)
    assert [p.target.name for p in plan] == ["image.jpg", "image-2.jpg", "image-3.jpg"]


def test_plan_refuses_a_mask_pattern_that_names_the_cutout(results, tmp_path):
    cut, mask = map(str, results)
    with pytest.raises(ValueError, match="both be named"):
        plan_save_all([FakeJob("a", cut, mask)], tmp_path, "{stem}.{ext}", ExportOptions(),
                      True, mask_pattern="{stem}.png")


def test_run_plan_keeps_existing_files_unless_told_to_replace_them(results, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    old = b"the designer's earlier file"
    (out / "cat-cutout.png").write_bytes(old)
    (out / "cat-mask.png").write_bytes(old)
    cut, mask = map(str, results)
    jobs = [FakeJob("cat", cut, mask), FakeJob("dog", cut, mask)]
    plan = plan_save_all(jobs, out, DEFAULT_PATTERN, ExportOptions(), True)
    assert [p.exists for p in plan] == [True, True, False, False]

    report = run_plan(plan, overwrite=False)
    assert report.ok and not report.failed
    assert sorted(p.name for p in report.skipped) == ["cat-cutout.png", "cat-mask.png"]
    assert sorted(p.name for p in report.written) == ["dog-cutout.png", "dog-mask.png"]
    assert (out / "cat-cutout.png").read_bytes() == old
    assert (out / "cat-mask.png").read_bytes() == old
    assert "Saved 2 files" in report.summary() and "kept 2 files" in report.summary()

    report = run_plan(plan, overwrite={out / "cat-mask.png"})
    assert [p.name for p in report.skipped] == ["cat-cutout.png", "dog-cutout.png",
                                                "dog-mask.png"]
    assert (out / "cat-cutout.png").read_bytes() == old
    with Image.open(out / "cat-mask.png") as img:
        assert img.mode == "L"

    report = run_plan(plan, overwrite=True)
    assert len(report.written) == 4 and not report.skipped
    with Image.open(out / "cat-cutout.png") as img:
        assert img.mode == "RGBA" and img.getpixel((0, 0))[3] == 0
    assert leftovers(out) == []


def test_run_plan_keeps_a_file_that_appeared_after_planning(results, tmp_path):
    cut, mask = map(str, results)
    plan = plan_save_all([FakeJob("cat", cut, mask)], tmp_path, DEFAULT_PATTERN,
                         ExportOptions(), False)
    assert not plan[0].exists
    plan[0].target.write_bytes(b"arrived meanwhile")
    report = run_plan(plan, overwrite=False)
    assert report.skipped == [plan[0].target]
    assert plan[0].target.read_bytes() == b"arrived meanwhile"


def test_run_plan_reports_progress_and_stops_when_asked(results, tmp_path):
    cut, mask = map(str, results)
    jobs = [FakeJob(s, cut, mask) for s in ("a", "b", "c")]
    plan = plan_save_all(jobs, tmp_path, DEFAULT_PATTERN, ExportOptions(), False)
    seen = []
    report = run_plan(plan, False, progress=lambda done, total: seen.append((done, total)),
                      should_stop=lambda: len(seen) >= 2)
    assert seen == [(1, 3), (2, 3)]
    assert [p.name for p in report.written] == ["a-cutout.png", "b-cutout.png"]
    assert [p.name for p in report.cancelled] == ["c-cutout.png"]
    assert not (tmp_path / "c-cutout.png").exists()


# -- failures --------------------------------------------------------------------------------
def test_a_read_only_or_missing_folder_gives_a_sentence_and_no_file(results, tmp_path):
    if os.geteuid() == 0:
        folder = tmp_path / "missing" / "folder"          # root ignores permissions
        words = "no longer exists"
    else:
        folder = tmp_path / "locked"
        folder.mkdir()
        folder.chmod(0o500)
        words = "read-only"
    try:
        with pytest.raises(ExportError) as caught:
            export_cutout(*results, folder / "out.png", ExportOptions(format="JPEG"))
        assert words in str(caught.value) and "out.png" in str(caught.value)
        assert caught.value.kind == "folder"
        cut, mask = map(str, results)
        plan = plan_save_all([FakeJob("a", cut, mask), FakeJob("b", cut, mask)], folder,
                             DEFAULT_PATTERN, ExportOptions(), True)
        report = run_plan(plan, overwrite=True)
        assert not report.written and len(report.failed) == 4
        assert words in report.summary() and "4 files could not be saved" in report.summary()
        assert not folder.exists() or list(folder.iterdir()) == []
    finally:
        if folder.exists():
            folder.chmod(0o700)


def test_a_full_disk_at_the_rename_leaves_no_partial_file(results, tmp_path, monkeypatch):
    (tmp_path / "out.png").write_bytes(b"previous")

    def full(*args):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(export.os, "replace", full)
    with pytest.raises(ExportError, match="the disk is full") as caught:
        export_cutout(*results, tmp_path / "out.png", ExportOptions(format="WEBP"))
    assert caught.value.kind == "disk"
    assert (tmp_path / "out.png").read_bytes() == b"previous"
    assert leftovers(tmp_path) == []


def test_a_full_disk_while_writing_leaves_no_partial_file_and_stops_the_batch(
        results, tmp_path, monkeypatch):
    calls = []

    def half_then_full(self, fp, *args, **kwargs):
        calls.append(fp)
        Path(fp).write_bytes(b"\xff\xd8 half a JPEG")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Image.Image, "save", half_then_full)
    out = tmp_path / "out"
    out.mkdir()
    cut, mask = map(str, results)
    jobs = [FakeJob(s, cut, mask) for s in ("a", "b", "c")]
    plan = plan_save_all(jobs, out, DEFAULT_PATTERN, ExportOptions(format="JPEG"),
                         False)
    report = run_plan(plan, overwrite=False)
    assert len(calls) == 1                       # the first failure stopped the batch
    assert len(report.failed) == 3 and not report.written
    assert "the disk is full" in report.summary()
    assert list(out.iterdir()) == []


def test_a_file_held_open_by_another_app_gives_its_own_sentence(results, tmp_path,
                                                                monkeypatch):
    target = tmp_path / "out.png"
    target.write_bytes(b"open elsewhere")

    def in_use(*args):
        raise PermissionError(errno.EACCES, "Access is denied")

    monkeypatch.setattr(export.os, "replace", in_use)
    with pytest.raises(ExportError, match="another app has that file open") as caught:
        export_cutout(*results, target, ExportOptions(format="JPEG"))
    assert caught.value.kind == "file"
    assert target.read_bytes() == b"open elsewhere"
    assert leftovers(tmp_path) == []


def test_a_result_missing_from_the_cache_says_so(results, tmp_path):
    results[0].unlink()
    with pytest.raises(ExportError, match="no longer in Cutout's cache"):
        export_cutout(*results, tmp_path / "out.png", ExportOptions())
    assert not (tmp_path / "out.png").exists()


def test_a_folder_with_the_targets_name_is_not_replaced(results, tmp_path):
    (tmp_path / "out.png").mkdir()
    with pytest.raises(ExportError, match="folder with that name"):
        export_cutout(*results, tmp_path / "out.png", ExportOptions(format="JPEG"))
    assert (tmp_path / "out.png").is_dir()


def test_saved_files_follow_the_umask_not_0600(results, tmp_path):
    previous = os.umask(0o022)
    try:
        target = export_cutout(*results, tmp_path / "out.webp", ExportOptions(format="WEBP"))
    finally:
        os.umask(previous)
    assert target.stat().st_mode & 0o777 == 0o644


def test_write_image_still_serves_the_cli(results, tmp_path):
    cutout = write_image(results[0], tmp_path / "c.png", "RGBA")
    assert cutout.read_bytes() == results[0].read_bytes()        # already right: same bytes
    mask = write_image(results[0], tmp_path / "m.png", "L")
    with Image.open(mask) as img:
        assert (img.format, img.mode) == ("PNG", "L")
    with pytest.raises(ExportError, match="no longer exists"):
        write_image(results[0], tmp_path / "nowhere" / "c.png", "RGBA")
    assert leftovers(tmp_path) == []


def test_a_mask_carried_in_transparency_crops_too(results, tmp_path):
    with Image.open(results[1]) as grey:
        mask = Image.new("RGBA", grey.size, (0, 0, 0, 0))
        mask.putalpha(grey)                     # black everywhere, the subject in alpha
    mask.save(results[1])
    target = export_cutout(*results, tmp_path / "out.png", ExportOptions(crop_to_subject=True))
    with Image.open(target) as img:
        assert img.size == (SUBJECT[2] - SUBJECT[0], SUBJECT[3] - SUBJECT[1])


def test_a_written_mask_never_carries_a_colour_profile(tmp_path):
    """HitPaw's masks may come with the photo's RGB profile; an RGB profile is invalid in a
    grey PNG (libpng warns). Every mask Cutout writes, copied or converted, has none."""
    from PIL import ImageCms

    from desktop_app.jobs.previews import ensure_previews
    from desktop_app.sandbox.samples import encode_png

    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    mask = Image.new("L", (W, H), 0)
    ImageDraw.Draw(mask).rectangle((30, 20, 69, 59), fill=255)
    mask.save(tmp_path / "mask.png", icc_profile=srgb)
    Image.new("RGB", (W, H), 0).save(tmp_path / "mask.jpg", icc_profile=srgb)
    cutout = Image.new("RGBA", (W, H), (200, 0, 0, 255))
    cutout.save(tmp_path / "cutout.png", icc_profile=srgb)
    with Image.open(tmp_path / "mask.png") as img:
        assert img.info.get("icc_profile")                      # the trap is really there

    written = [export_mask(tmp_path / "mask.png", tmp_path / "out-copy.png"),
               export_mask(tmp_path / "mask.png", tmp_path / "out-crop.png",
                           ExportOptions(crop_to_subject=True, padding=2)),
               export_mask(tmp_path / "mask.jpg", tmp_path / "out-jpg.png"),
               write_image(tmp_path / "mask.png", tmp_path / "cli-mask.png", "L")]
    (tmp_path / "sandbox.png").write_bytes(encode_png(Image.open(tmp_path / "mask.png")))
    written.append(tmp_path / "sandbox.png")
    cache = tmp_path / "cache"
    cache.mkdir()
    files = ensure_previews(cache, tmp_path / "cutout.png", tmp_path / "mask.png", None)
    written.append(files.mask)
    for path in written:
        with Image.open(path) as im:
            assert im.mode == "L", path
            assert "icc_profile" not in im.info, path
    # the cut-out is colour: its profile is kept
    export_cutout(tmp_path / "cutout.png", tmp_path / "mask.png", tmp_path / "c.png",
                  ExportOptions(crop_to_subject=True))
    with Image.open(tmp_path / "c.png") as im:
        assert im.info.get("icc_profile") == srgb


def test_a_sound_png_is_copied_as_it_is_without_decoding_its_pixels(results, tmp_path,
                                                                    monkeypatch):
    from PIL import ImageFile

    def no_decoding(self):
        raise AssertionError("decoded a result only to copy its bytes")

    monkeypatch.setattr(ImageFile.ImageFile, "load", no_decoding)
    cut, mask = results
    export_cutout(cut, mask, tmp_path / "c.png", ExportOptions())
    export_mask(mask, tmp_path / "m.png", ExportOptions())
    assert (tmp_path / "c.png").read_bytes() == cut.read_bytes()
    assert (tmp_path / "m.png").read_bytes() == mask.read_bytes()


def test_a_truncated_cached_result_is_not_copied_but_said(results, tmp_path):
    cut, mask = results
    data = cut.read_bytes()
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(ExportError, match="Could not read the cut-out") as caught:
        export_cutout(cut, mask, tmp_path / "out.png", ExportOptions())
    assert caught.value.kind == "source" and not (tmp_path / "out.png").exists()
