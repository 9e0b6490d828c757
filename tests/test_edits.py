"""Touch-up's stored edits and pixel work, without Qt: strokes, edges, files, result paths."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from desktop_app.export import ExportOptions
from desktop_app.jobs.edit_render import paint_stroke, render_full, render_mask
from desktop_app.jobs.edits import (
    EDITED_CUTOUT,
    EDITED_MASK,
    EDITED_PREVIEWS,
    EDITS_FILE,
    Edits,
    Stroke,
    clear_edits,
    edited_previews,
    is_edited,
    load_edits,
    result_paths,
    save_edits,
    thumbnail_path,
)
from desktop_app.jobs.mask_ops import StrokeRaster, apply_edges, shift_edge, stamp
from desktop_app.jobs.model import Job, JobState
from desktop_app.jobs.previews import PreviewFiles
from desktop_app.save_all import plan_save_all


def square_mask(size=(200, 160), box=(50, 40, 150, 120)) -> np.ndarray:
    mask = np.zeros((size[1], size[0]), np.uint8)
    x0, y0, x1, y1 = box
    mask[y0:y1, x0:x1] = 255
    return mask


def a_job(tmp_path: Path, size=(200, 160)) -> Job:
    """A done job with a service cut-out, mask and a striped original in ``tmp_path``."""
    mask = square_mask(size)
    colours = np.zeros((size[1], size[0], 3), np.uint8)
    colours[..., 1] = (np.arange(size[0]) * 7 % 256)[None, :]
    colours[..., 2] = 200
    Image.fromarray(mask, "L").save(tmp_path / "mask.png")
    cutout = Image.fromarray(np.zeros_like(colours), "RGB")   # black where the service cut
    cutout.putalpha(Image.fromarray(mask, "L"))
    cutout.save(tmp_path / "cutout.png")
    Image.fromarray(colours, "RGB").save(tmp_path / "original.png")
    return Job("https://example.com/a.png", state=JobState.DONE,
               cutout_path=str(tmp_path / "cutout.png"), mask_path=str(tmp_path / "mask.png"),
               original_path=str(tmp_path / "original.png"), width=size[0], height=size[1])


# -- brushes -----------------------------------------------------------------------------------
def test_a_stamp_is_full_inside_and_empty_outside_its_radius():
    hard, soft = stamp(10.0, 1.0), stamp(10.0, 0.0)
    centre = hard.shape[0] // 2
    assert hard[centre, centre] == 255 and hard[centre, centre + 9] == 255
    assert hard[centre, centre + 11] == 0
    assert soft[centre, centre] == 255 and 0 < soft[centre, centre + 5] < 255
    assert soft[centre, centre + 11] == 0


def test_dabs_along_a_stroke_never_build_up_and_cover_it_evenly():
    raster = StrokeRaster((100, 300), 1.0, 20, 1.0)
    for x in range(20, 281, 3):
        raster.add(x, 50)
    row = raster.cov[50, 20:279]
    assert row.min() == 255
    assert raster.cov[38, 20:279].max() == 0 and raster.cov[62, 20:279].max() == 0
    x0, y0, x1, y1 = raster.box
    assert x0 <= 10 and y0 <= 40 and x1 >= 288 and y1 >= 61
    assert raster.cov[:, :x0].max() == 0 and raster.cov[:y0].max() == 0


def test_erase_and_restore_change_only_the_stroke(tmp_path):
    base = square_mask()
    erase = Stroke("erase", 20, 1.0, [(60, 80), (140, 80)])
    done = paint_stroke(out := base.copy(), erase, 1.0)
    assert done is not None
    assert out[80, 60:141].max() == 0
    changed = np.argwhere(out != base)
    assert changed[:, 0].min() >= 69 and changed[:, 0].max() <= 91
    restore = Stroke("restore", 10, 1.0, [(10, 10), (30, 10)])
    paint_stroke(out, restore, 1.0)
    assert out[10, 10:31].min() == 255 and out[30, 20] == 0


def test_strokes_at_preview_scale_land_where_they_do_at_full_size():
    full = square_mask((400, 320), (100, 80, 300, 240))
    small = np.array(Image.fromarray(full).resize((200, 160), Image.Resampling.NEAREST))
    stroke = Stroke("erase", 40, 1.0, [(120, 160), (280, 160)])
    edits = Edits((400, 320), [stroke])
    big, little = render_mask(full, edits), render_mask(small, edits)
    assert big[160, 120:281].max() == 0 and little[80, 60:141].max() == 0
    assert big[150, 200] == 0 and little[75, 100] == 0


def test_a_stroke_off_the_image_changes_nothing():
    base = square_mask()
    assert paint_stroke(base.copy(), Stroke("erase", 10, 1.0, [(-100, -100)]), 1.0) is None


# -- edges -------------------------------------------------------------------------------------
def test_shift_grows_and_shrinks_by_whole_and_part_pixels():
    mask = square_mask()
    assert (shift_edge(mask, 5) > 127).sum() == 110 * 90
    assert (shift_edge(mask, -5) > 127).sum() == 90 * 70
    half = shift_edge(mask, 0.5)
    assert half[80, 49] == 128 and half[80, 50] == 255 and half[80, 48] == 0


def test_feather_softens_the_edge_and_keeps_the_middle():
    mask = square_mask()
    soft = apply_edges(mask, 10, 0)
    ramp = soft[80, 30:70]
    assert soft[80, 100] == 255 and soft[80, 5] == 0
    assert np.count_nonzero((ramp > 5) & (ramp < 250)) >= 10
    assert np.all(np.diff(ramp.astype(int)) >= 0)


# -- files and paths ---------------------------------------------------------------------------
def test_edits_round_trip_through_json_and_bad_files_are_ignored(tmp_path):
    edits = Edits((200, 160), [Stroke("erase", 12.5, 0.8, [(1.234, 5.678), (9, 9)])], 3, -2)
    save_edits(tmp_path, edits)
    again = load_edits(tmp_path)
    assert again.frame == (200, 160) and again.feather == 3 and again.shift == -2
    assert again.strokes[0].points == [(1.23, 5.68), (9.0, 9.0)]
    (tmp_path / EDITS_FILE).write_text("{not json")
    assert load_edits(tmp_path) is None
    (tmp_path / EDITS_FILE).write_text(json.dumps({"frame": [1, 1], "strokes": [
        {"tool": "smudge", "size": 3, "hardness": 1, "points": [[0, 0]]}]}))
    assert load_edits(tmp_path) is None
    assert load_edits(tmp_path / "nowhere") is None


def test_render_full_writes_beside_the_service_files_and_result_paths_follow(tmp_path):
    job = a_job(tmp_path)
    service = (tmp_path / "mask.png").read_bytes()
    assert result_paths(job) == (tmp_path / "cutout.png", tmp_path / "mask.png")
    edits = Edits((200, 160), [Stroke("restore", 20, 1.0, [(10, 10), (40, 10)])], 0, 2)
    alpha = np.full((160, 200), 255, np.uint8)
    rgb = np.zeros((160, 200, 3), np.uint8)
    done = render_full(tmp_path, Path(job.cutout_path), Path(job.mask_path),
                       Path(job.original_path), edits, (rgb, alpha))
    assert done.used_original and done.mask == tmp_path / EDITED_MASK
    assert (tmp_path / "mask.png").read_bytes() == service          # never written over
    job.edited_mask_path = str(done.mask)
    assert is_edited(job)
    assert result_paths(job) == (tmp_path / EDITED_CUTOUT, tmp_path / EDITED_MASK)
    with Image.open(tmp_path / EDITED_CUTOUT) as img:
        cutout = np.array(img)
    with Image.open(tmp_path / "original.png") as img:
        original = np.array(img)
    assert cutout[10, 25, 3] == 255
    assert np.array_equal(cutout[10, 25, :3], original[10, 25])         # original's colours
    assert cutout[80, 48, 3] == 255 and cutout[80, 47, 3] == 0          # grown by 2 px
    for name in EDITED_PREVIEWS.values():
        assert (tmp_path / name).exists()
    files = PreviewFiles(None, tmp_path / "preview-cutout.png", tmp_path / "preview-mask.png",
                         tmp_path / "thumb.png")
    shown = edited_previews(job, files)
    assert shown.cutout.name == EDITED_PREVIEWS["cutout"]
    assert thumbnail_path(job, tmp_path).name == EDITED_PREVIEWS["thumb"]
    # Save all plans from the edited files
    plan = plan_save_all([job], tmp_path / "out", "{stem}-cutout.{ext}", ExportOptions(), True)
    assert [p.source.name for p in plan] == [EDITED_CUTOUT, EDITED_MASK]
    # reset: the service's result again
    clear_edits(tmp_path)
    assert not is_edited(job)
    assert result_paths(job) == (tmp_path / "cutout.png", tmp_path / "mask.png")
    assert edited_previews(job, files) == files
    assert not (tmp_path / EDITS_FILE).exists()


def test_without_an_original_the_cutouts_own_colours_stand_in(tmp_path):
    job = a_job(tmp_path)
    edits = Edits((200, 160), [Stroke("restore", 10, 1.0, [(20, 20)])])
    done = render_full(tmp_path, Path(job.cutout_path), Path(job.mask_path), None, edits)
    assert not done.used_original
    with Image.open(done.cutout) as img:
        assert img.getpixel((20, 20)) == (0, 0, 0, 255)


def test_an_original_of_another_size_is_scaled_to_the_cutout(tmp_path):
    job = a_job(tmp_path)
    Image.new("RGB", (400, 320), (10, 200, 30)).save(tmp_path / "original.png")
    edits = Edits((200, 160), [Stroke("restore", 10, 1.0, [(20, 20)])])
    done = render_full(tmp_path, Path(job.cutout_path), Path(job.mask_path),
                       Path(job.original_path), edits)
    with Image.open(done.cutout) as img:
        assert img.size == (200, 160) and img.getpixel((20, 20)) == (10, 200, 30, 255)


@pytest.mark.parametrize("feather, shift", [(0, 0), (4, 0), (0, -3), (6, 2)])
def test_a_partial_update_matches_the_whole(feather, shift):
    """What the window does per mouse move (edges on a padded rectangle) equals the whole."""
    from desktop_app.jobs.mask_ops import edge_reach

    mask = square_mask()
    whole = apply_edges(mask, feather, shift)
    reach = edge_reach(feather, shift)
    x0, y0, x1, y1 = 40, 30, 90, 70
    part = apply_edges(mask[y0 - reach:y1 + reach, x0 - reach:x1 + reach], feather, shift)
    inner = part[reach:reach + y1 - y0, reach:reach + x1 - x0]
    assert np.abs(inner.astype(int) - whole[y0:y1, x0:x1].astype(int)).max() <= 1


def test_asking_where_a_result_is_loads_no_numpy_or_pillow():
    """The window's save and copy commands import jobs.edits when it completes itself."""
    import subprocess
    import sys

    code = ("import sys, desktop_app.jobs.edits, desktop_app.save_all; "
            "print([m for m in ('numpy', 'PIL') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "[]"


def test_an_original_turned_otherwise_is_not_stretched_onto_the_cutout(tmp_path):
    job = a_job(tmp_path)
    Image.new("RGB", (160, 200), (10, 200, 30)).save(tmp_path / "original.png")   # portrait
    edits = Edits((200, 160), [Stroke("restore", 10, 1.0, [(20, 20)])])
    done = render_full(tmp_path, Path(job.cutout_path), Path(job.mask_path),
                       Path(job.original_path), edits)
    assert not done.used_original
    with Image.open(done.cutout) as img:
        assert img.getpixel((20, 20)) == (0, 0, 0, 255)


def test_the_queue_stores_an_edit_and_a_restart_reads_it_back(tmp_path):
    from desktop_app.jobs.queue import JobQueue, QueueEvents
    from desktop_app.jobs.store import HistoryStore

    changed = []
    store = HistoryStore(tmp_path / "history.sqlite3")
    queue = JobQueue(QueueEvents(start=lambda job, stopper: None, job_changed=changed.append),
                     results_dir=tmp_path, store=store)
    job = a_job(tmp_path)
    queue.restore([job])
    queue.set_edited(job.id, str(tmp_path / EDITED_MASK))
    assert changed[-1].edited_mask_path == str(tmp_path / EDITED_MASK)
    def stored() -> Job:
        """The job as a restart reads it from the history file."""
        store.flush()
        reader = HistoryStore(tmp_path / "history.sqlite3")
        try:
            (loaded,) = reader.load_all()
        finally:
            reader.close()
        return loaded

    assert stored().edited_mask_path == str(tmp_path / EDITED_MASK)
    queue.set_edited(job.id, None)                       # reset
    assert changed[-1].edited_mask_path is None
    assert stored().edited_mask_path is None
    store.close()
