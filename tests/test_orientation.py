"""The EXIF orientation of a file, read from its header only (``jobs.images.orientation``).

Pillow's ``getexif`` on a PNG without an eXIf chunk in its header decodes every pixel to look
for one after them: 0.2-0.4 s on each peek of a 24 MP result, twice per job shown, and again
on each save. These tests use a PNG whose pixel data is damaged: any decode of it fails, so
a header-only read is the only way they pass.
"""

from __future__ import annotations

import zlib
from pathlib import Path

import pytest
from PIL import Image

from desktop_app import export
from desktop_app.jobs.images import orientation, peek


def damaged_png(path: Path, size=(60, 40), exif: Image.Exif | None = None) -> Path:
    """A PNG with a sound header (and ``exif`` there) whose compressed pixels are garbage."""
    Image.new("RGBA", size, (10, 200, 30, 255)).save(path, exif=exif or Image.Exif())
    data = bytearray(path.read_bytes())
    at = data.index(b"IDAT") + 4
    length = int.from_bytes(data[at - 8:at - 4], "big")
    data[at + 8:at + length - 4] = bytes(length - 12)   # zeros are no deflate stream
    crc = zlib.crc32(bytes(data[at - 4:at + length]))  # keep the chunk's CRC right
    data[at + length:at + length + 4] = crc.to_bytes(4, "big")
    path.write_bytes(bytes(data))
    with Image.open(path) as img, pytest.raises((OSError, SyntaxError, ValueError)):
        img.load()
    return path


def test_a_png_without_exif_is_upright_without_decoding(tmp_path):
    path = damaged_png(tmp_path / "cutout.png")
    head = peek(path)
    assert (head.width, head.height, head.orientation) == (60, 40, 1)
    with Image.open(path) as img:
        assert orientation(img) == 1
        assert not export._rotated(img)
        assert export._upright_size(img) == (60, 40)


def test_a_png_with_its_exif_in_the_header_is_still_turned(tmp_path):
    exif = Image.Exif()
    exif[0x0112] = 6
    path = damaged_png(tmp_path / "turned.png", exif=exif)
    head = peek(path)
    assert (head.width, head.height, head.orientation) == (40, 60, 6)
    with Image.open(path) as img:
        assert export._upright_size(img) == (40, 60)


def test_a_jpeg_says_its_orientation(tmp_path):
    exif = Image.Exif()
    exif[0x0112] = 8
    path = tmp_path / "phone.jpg"
    Image.new("RGB", (64, 48), (200, 10, 10)).save(path, exif=exif)
    assert peek(path).orientation == 8
    assert (peek(path).width, peek(path).height) == (48, 64)
