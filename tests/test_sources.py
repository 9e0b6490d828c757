"""What a designer pastes, drops or opens: links, real files on disk (made here), folders, and
one sentence for every item refused, all of them listed. Qt-free."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from PIL import Image

from desktop_app.jobs import images
from desktop_app.jobs.sources import (
    Problem,
    check,
    collect,
    expand,
    items_in_text,
    local_path,
    read_items,
    read_text,
)

ROOT = Path(__file__).resolve().parent.parent


def photo(path: Path, size=(60, 40), orientation: int | None = None, **save) -> Path:
    """A real image file: a red square in the top-left corner of a white picture."""
    path.parent.mkdir(parents=True, exist_ok=True)
    img = Image.new("RGB", size, "white")
    img.paste((255, 0, 0), (0, 0, 20, 20))
    if orientation is not None and path.suffix.lower() in (".tif", ".tiff"):
        save["tiffinfo"] = {0x0112: orientation}  # TIFF keeps it among its own tags
    elif orientation is not None:
        exif = Image.Exif()
        exif[0x0112] = orientation
        save["exif"] = exif.tobytes()
    if path.suffix.lower() in (".heic", ".heif"):
        images.register_heif()
    img.save(path, **save)
    return path


def red_corner(img: Image.Image) -> str:
    w, h = img.size
    corners = {"top-left": (2, 2), "top-right": (w - 3, 2), "bottom-left": (2, h - 3),
               "bottom-right": (w - 3, h - 3)}
    rgb = img.convert("RGB")
    return next(k for k, xy in corners.items() if rgb.getpixel(xy)[0] > 200
                and rgb.getpixel(xy)[1] < 90)


def assert_sentence(text: str) -> None:
    assert text and text.rstrip().endswith("."), text
    assert "Traceback" not in text and "Errno" not in text, text


# -- how a path or a link is written ----------------------------------------------------
def test_every_way_a_path_is_written_names_the_same_file(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    spaced = photo(tmp_path / "my photos" / "summer day.jpg")
    url = spaced.as_uri()  # file:///.../my%20photos/summer%20day.jpg
    assert "%20" in url
    for text in (str(spaced), f"'{spaced}'", f'"{spaced}"', str(spaced).replace(" ", "\\ "),
                 url, url.replace("file:///", "file://localhost/"), f"  {spaced}  ",
                 "~/my photos/summer day.jpg", f"{tmp_path}/my photos/../my photos/summer day.jpg"):
        found = check(expand(read_text(text)))
        assert found.files == [spaced], text
        assert found.problems == [] and found.links == []


def test_links_and_paths_mixed_in_one_paste_keep_their_order_and_kind(tmp_path):
    a, b = photo(tmp_path / "a.jpg"), photo(tmp_path / "b b.png")
    text = (f"Here: https://cdn.example.com/x.jpg, and\n{a}\n'{b}' '{a}'\n"
            f"{a} {tmp_path}/c.webp\n{b.as_uri()}\n{a} https://cdn.example.com/x.jpg")
    assert items_in_text(text) == ["https://cdn.example.com/x.jpg", str(a), str(b), str(a),
                                   str(a), f"{tmp_path}/c.webp", b.as_uri(), str(a),
                                   "https://cdn.example.com/x.jpg"]
    found = check(expand(read_text(text)))
    assert found.links == ["https://cdn.example.com/x.jpg"]
    assert found.files == [a, b]  # each once
    assert [p.item for p in found.problems] == [f"{tmp_path}/c.webp"]
    assert found.sources == ["https://cdn.example.com/x.jpg", str(a), str(b)]
    assert found.summary == f"Added 3 images. {found.problems[0].sentence}"


def test_the_same_link_twice_is_added_once():
    found = read_text("https://a.example.com/1.jpg\nhttps://a.example.com/1.jpg "
                      "https://a.example.com/2.jpg")
    assert found.links == ["https://a.example.com/1.jpg", "https://a.example.com/2.jpg"]
    assert found.summary == "Added 2 image links." and not found.needs_disk


def test_a_file_reached_by_a_symbolic_link_is_the_same_file(tmp_path):
    real = photo(tmp_path / "real.jpg")
    (tmp_path / "alias.jpg").symlink_to(real)
    found = collect([str(real), str(tmp_path / "alias.jpg")])
    assert found.files == [real]


def test_local_path_for_the_cli(tmp_path):
    assert local_path("https://example.com/a.jpg") is None
    assert local_path("photo.jpg") is None
    assert local_path("photo.jpg", cwd=tmp_path) == tmp_path / "photo.jpg"
    assert local_path("file:///tmp/a%23b.jpg") == Path("/tmp/a#b.jpg")
    assert local_path("file://server/share/a.jpg") is None
    assert local_path("/x/../y/a.jpg") == Path("/y/a.jpg")
    photo(tmp_path / "in here.png")
    found = collect(["in here.png", "https://example.com/a.png"], cwd=tmp_path)
    assert found.sources == ["https://example.com/a.png", str(tmp_path / "in here.png")]


def test_sources_given_to_the_cutout_command_are_made_absolute_in_its_folder(tmp_path):
    from desktop_app.__main__ import absolute_sources

    assert absolute_sources(["photo.jpg", "../b/x.png", "https://a.example.com/c.png",
                             "/abs/d.jpg", (tmp_path / "e f.jpg").as_uri()], tmp_path / "a") == [
        str(tmp_path / "a" / "photo.jpg"), str(tmp_path / "b" / "x.png"),
        "https://a.example.com/c.png", "/abs/d.jpg", str(tmp_path / "e f.jpg")]


@pytest.mark.parametrize("item, words", [
    ("photo.jpg", "file name without its folder"),
    ("file://nas/photos/a.jpg", "file on another computer"),
    ("javascript:void", "not a web link"),
    ("https://a.example.com/scan.gif", "JPG, PNG and WebP"),
])
def test_words_that_are_neither_a_link_nor_a_path_get_a_sentence(item, words):
    found = read_text(f"{item}\nhttps://ok.example.com/fine.png")
    assert found.links == ["https://ok.example.com/fine.png"]
    (problem,) = found.problems
    assert problem.item == item and words in problem.sentence
    assert_sentence(problem.sentence)


def test_plain_prose_is_not_a_source():
    found = read_text("hello there, nothing to see here\nwww.example.com/cat.jpg is not a link")
    assert found.sources == [] and found.problems == []
    assert found.summary.startswith("No images found")


# -- every bad input, each with its own sentence, all of them listed -------------------
def bad_files(folder: Path) -> dict[str, tuple[Path, str]]:
    """One file for each way a local image can be bad, and words its sentence must have."""
    folder.mkdir(parents=True, exist_ok=True)
    empty = folder / "empty.jpg"
    empty.write_bytes(b"")
    text = folder / "notes.jpg"
    text.write_text("not a picture at all")
    whole = photo(folder / "whole.jpg", size=(400, 300), quality=95).read_bytes()
    truncated = folder / "truncated.jpg"
    truncated.write_bytes(whole[: len(whole) // 2])
    gif = folder / "anim.gif"
    Image.new("P", (10, 10)).save(gif)
    bomb = folder / "bomb.png"
    Image.new("1", (12_000, 12_000)).save(bomb)  # 144 megapixels in a few kB
    return {"missing": (folder / "gone.jpg", "was not found"),
            "empty": (empty, "0 bytes"),
            "not an image": (text, "not an image"),
            "truncated": (truncated, "ends early"),
            "unsupported": (gif, "is a GIF image"),
            "bomb": (bomb, "too large to open safely")}


def test_every_bad_file_gets_its_own_sentence_and_all_are_listed(tmp_path):
    cases = bad_files(tmp_path / "bad")
    good = photo(tmp_path / "good.png")
    empty_folder = tmp_path / "nothing here"
    (empty_folder / "sub").mkdir(parents=True)
    (empty_folder / "readme.txt").write_text("no images")
    items = [str(p) for p, _ in cases.values()] + [str(good), str(empty_folder)]
    found = collect(items)
    assert found.files == [good]
    by_item = {p.item: p.sentence for p in found.problems}
    assert len(found.problems) == len(cases) + 1
    for path, words in cases.values():
        assert words in by_item[str(path)], (path.name, by_item[str(path)])
        assert path.name in by_item[str(path)]
        assert_sentence(by_item[str(path)])
    assert "has no images" in by_item[str(empty_folder)]
    assert found.summary == f"Added 1 image. {len(cases) + 1} items were not added."
    assert sorted(found.refused_text.splitlines()) == sorted(i for i in items if i != str(good))


def test_a_file_you_may_not_read_says_so(tmp_path):
    folder = Path(tempfile.mkdtemp(prefix="cutout-perm-"))  # a folder others may enter
    try:
        folder.chmod(0o755)
        locked = photo(folder / "locked.jpg")
        locked.chmod(0o000)
        if os.geteuid() == 0:  # root reads anything: ask as an ordinary user
            if shutil.which("setpriv") is None:
                pytest.skip("running as root without setpriv (util-linux) to drop privileges")
            script = ("import json, sys; from desktop_app.jobs.sources import collect; "
                      "print(json.dumps([p.sentence for p in collect(sys.argv[1:]).problems]))")
            out = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                                  sys.executable, "-c", script, str(locked)], cwd=ROOT,
                                 env={**os.environ, "PYTHONPATH": str(ROOT)},
                                 capture_output=True, text=True, timeout=60)
            assert out.returncode == 0, out.stderr
            sentences = json.loads(out.stdout)
        else:
            sentences = [p.sentence for p in collect([str(locked)]).problems]
        assert len(sentences) == 1
        assert "locked.jpg" in sentences[0] and "permission" in sentences[0]
        assert_sentence(sentences[0])
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_the_same_bad_file_twice_is_said_once(tmp_path):
    found = collect([str(tmp_path / "gone.jpg"), str(tmp_path / "gone.jpg")])
    assert len(found.problems) == 1


# -- folders ---------------------------------------------------------------------------
def test_folders_are_read_recursively_sorted_without_hidden_files(tmp_path):
    top = tmp_path / "Shoot"
    expected = [photo(top / "a.jpg"), photo(top / "B.png"), photo(top / "c.webp"),
                photo(top / "day 2" / "d.JPG"), photo(top / "day 2" / "deeper" / "e.tif")]
    photo(top / ".hidden.jpg")
    photo(top / ".thumbnails" / "a.jpg")
    (top / "notes.txt").write_text("not an image name: skipped without a word")
    (top / "day 2" / "loop").symlink_to(top)  # not followed
    found = expand(read_items([str(top)]))
    assert [p for _, p in found.pending] == expected
    assert [(f.path, f.images) for f in found.folders] == [(top, 5)]
    found = check(found)
    assert found.files == expected and found.problems == []


def test_a_folder_with_a_bad_image_adds_the_rest_and_names_the_bad_one(tmp_path):
    good = photo(tmp_path / "f" / "good.jpg")
    (tmp_path / "f" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
    found = collect([str(tmp_path / "f")])
    assert found.files == [good]
    (problem,) = found.problems
    assert problem.item == str(tmp_path / "f" / "broken.png")


def test_a_folder_with_no_images(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.pdf").write_bytes(b"%PDF-1.4")
    photo(tmp_path / "docs" / ".hidden.jpg")
    found = collect([str(tmp_path / "docs")])
    assert found.files == []
    assert found.problems == [Problem(str(tmp_path / "docs"), (
        "The folder \u201cdocs\u201d has no images Cutout can read (JPG, PNG, WebP, HEIC or "
        "TIFF)."))]


# -- formats and orientation ------------------------------------------------------------
@pytest.mark.parametrize("name", ["phone.heic", "scan.tiff", "camera.jpg"])
def test_rotated_photos_are_reported_upright_and_opened_upright(tmp_path, name):
    """EXIF orientation 6 (turn a quarter clockwise): a 60x40 sensor image is a 40x60 photo,
    with the sensor's top-left corner at the top right. pillow-heif already applies a HEIC's
    rotation (and writes the tag into the file too): Cutout must not turn it a second time."""
    path = photo(tmp_path / name, orientation=6)
    found = collect([str(path)])
    assert found.files == [path] and found.problems == []
    info = images.inspect(path)
    assert (info.width, info.height) == (40, 60), info
    upright = images.open_upright(path)
    assert upright.size == (40, 60)
    assert red_corner(upright) == "top-right"


def test_a_heic_whose_exif_still_says_rotate_is_not_turned_twice(tmp_path):
    path = photo(tmp_path / "phone.heic", orientation=6)
    images.register_heif()
    from pillow_heif import open_heif

    stored = Image.Exif()
    stored.load(open_heif(path).info["exif"])
    assert stored.get(0x0112) == 6  # the file says "rotate" and holds the rotation itself
    with Image.open(path) as img:
        assert img.size == (40, 60)  # pillow-heif has applied it already
    assert (images.inspect(path).width, images.open_upright(path).width) == (40, 40)
