"""What is uploaded for a local file: the designer's own bytes when HitPaw can read them,
a faithful conversion when it cannot, and never the place a photo was taken."""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from desktop_app.jobs.images import LocalImageError, register_heif
from desktop_app.jobs.upload_prep import GPS_IFD, prepare_for_upload, strip_jpeg_location

PLACE = (48.0, 51.0, 29.123)   # a latitude that must not leave the computer


def picture(mode: str = "RGB", size=(120, 80)) -> Image.Image:
    img = Image.new("RGB", size, (30, 90, 200))
    ImageDraw.Draw(img).rectangle((30, 20, 90, 60), fill=(240, 200, 20))
    return img.convert(mode)


def with_gps(exif: Image.Exif | None = None, orientation: int | None = None) -> Image.Exif:
    exif = exif or Image.Exif()
    exif[0x010F] = "PhoneMaker"
    gps = exif.get_ifd(GPS_IFD)
    gps.update({1: "N", 2: PLACE, 3: "E", 4: (2.0, 17.0, 40.5)})
    if orientation:
        exif[0x0112] = orientation
    return exif


def gps_of(path: Path) -> dict:
    with Image.open(path) as img:
        return dict(img.getexif().get_ifd(GPS_IFD))


def has_place(data: bytes) -> bool:
    """The seconds of the latitude, as EXIF stores them (29123/1000, either byte order)."""
    return any(b"".join(n.to_bytes(4, order) for n in (29123, 1000)) in data
               for order in ("big", "little"))


def scan(data: bytes) -> bytes:
    return data[data.find(b"\xff\xda"):]


def test_a_plain_jpeg_png_or_webp_is_sent_as_it_is(tmp_path):
    for fmt, suffix in (("JPEG", ".jpg"), ("PNG", ".png"), ("WEBP", ".webp")):
        source = tmp_path / f"a{suffix}"
        picture().save(source, fmt)
        prepared = prepare_for_upload(source, tmp_path / "up")
        assert prepared.path == source and not prepared.made
        assert prepared.suffix == suffix


def test_gps_leaves_a_jpeg_without_touching_a_pixel(tmp_path):
    source = tmp_path / "phone.jpg"
    picture().save(source, "JPEG", quality=88, exif=with_gps())
    assert gps_of(source)
    prepared = prepare_for_upload(source, tmp_path / "up")
    assert prepared.made and prepared.suffix == ".jpg"
    original, sent = source.read_bytes(), prepared.path.read_bytes()
    assert scan(sent) == scan(original)          # the compressed pixels, byte for byte
    assert len(sent) == len(original)
    assert gps_of(prepared.path) == {}
    with Image.open(prepared.path) as img:
        assert img.getexif()[0x010F] == "PhoneMaker"   # the rest of EXIF stays
    assert b"PhoneMaker" in sent
    # the coordinates' bytes themselves are gone, not just unlinked
    assert has_place(original) and not has_place(sent)


def test_location_is_kept_when_the_setting_says_so(tmp_path):
    source = tmp_path / "phone.jpg"
    picture().save(source, "JPEG", exif=with_gps())
    prepared = prepare_for_upload(source, tmp_path / "up", strip_location=False)
    assert prepared.path == source and not prepared.made


def test_xmp_that_names_the_place_is_dropped(tmp_path):
    source = tmp_path / "edited.jpg"
    xmp = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><rdf:Description '
           b'exif:GPSLatitude="48,51.48N"/></rdf:RDF></x:xmpmeta>')
    picture().save(source, "JPEG", xmp=xmp)
    assert b"GPSLatitude" in source.read_bytes()
    sent = prepare_for_upload(source, tmp_path / "up").path.read_bytes()
    assert b"GPSLatitude" not in sent and scan(sent) == scan(source.read_bytes())


def test_a_png_with_gps_is_rewritten_losslessly(tmp_path):
    source = tmp_path / "shot.png"
    img = picture("RGBA")
    img.save(source, "PNG", exif=with_gps())
    assert gps_of(source)
    prepared = prepare_for_upload(source, tmp_path / "up")
    assert prepared.suffix == ".png" and gps_of(prepared.path) == {}
    assert np.array_equal(np.asarray(Image.open(prepared.path)), np.asarray(img))


def test_heic_and_tiff_are_converted_upright_with_alpha_kept(tmp_path):
    register_heif()
    heic = tmp_path / "phone.heic"
    picture(size=(120, 80)).save(heic, "HEIF", exif=with_gps(orientation=6).tobytes())
    prepared = prepare_for_upload(heic, tmp_path / "up1")
    assert prepared.suffix == ".jpg" and prepared.content_type == "image/jpeg"
    with Image.open(prepared.path) as img:
        assert img.size == (80, 120)                  # turned upright
        assert dict(img.getexif().get_ifd(GPS_IFD)) == {}
        assert img.getexif().get(0x0112, 1) == 1

    tiff = tmp_path / "cutout.tif"
    picture("RGBA").save(tiff, "TIFF")
    prepared = prepare_for_upload(tiff, tmp_path / "up2")
    assert prepared.suffix == ".png"
    with Image.open(prepared.path) as img:
        assert img.mode == "RGBA"


def test_a_rotated_jpeg_is_sent_upright(tmp_path):
    source = tmp_path / "portrait.jpg"
    picture(size=(120, 80)).save(source, "JPEG", exif=with_gps(orientation=8))
    prepared = prepare_for_upload(source, tmp_path / "up")
    with Image.open(prepared.path) as img:
        assert img.size == (80, 120) and img.getexif().get(0x0112, 1) == 1
        assert dict(img.getexif().get_ifd(GPS_IFD)) == {}


def test_cmyk_and_16_bit_are_converted(tmp_path):
    cmyk = tmp_path / "print.jpg"
    picture("CMYK").save(cmyk, "JPEG", quality=95)
    prepared = prepare_for_upload(cmyk, tmp_path / "up1")
    with Image.open(prepared.path) as img:
        assert img.mode == "RGB" and prepared.suffix == ".jpg"
        r, g, b = img.getpixel((60, 40))
        assert r > 200 and g > 160 and b < 80        # still yellow

    deep = tmp_path / "scan.png"
    values = np.linspace(0, 65535, 120 * 80).reshape(80, 120).astype(np.uint16)
    Image.fromarray(values).save(deep)
    prepared = prepare_for_upload(deep, tmp_path / "up2")
    with Image.open(prepared.path) as img:
        assert img.mode == "L"
        assert img.getpixel((0, 0)) == 0 and img.getpixel((119, 79)) == 255  # scaled


def test_a_file_that_cannot_be_read_says_so(tmp_path):
    with pytest.raises(LocalImageError, match="was not found: it was moved"):
        prepare_for_upload(tmp_path / "gone.jpg", tmp_path / "up")
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"not an image at all")
    with pytest.raises(LocalImageError):
        prepare_for_upload(broken, tmp_path / "up")


def test_an_odd_exif_block_is_reencoded_rather_than_sent_with_gps(tmp_path):
    buf = io.BytesIO()
    picture().save(buf, "JPEG", exif=with_gps())
    data = bytearray(buf.getvalue())
    at = data.find(b"Exif\x00\x00") + 6
    data[at:at + 2] = b"XX"                            # neither II nor MM
    assert strip_jpeg_location(bytes(data)) is None
    source = tmp_path / "odd.jpg"
    source.write_bytes(bytes(data))
    prepared = prepare_for_upload(source, tmp_path / "up")
    assert prepared.made
    assert has_place(data) and not has_place(prepared.path.read_bytes())
    os.remove(prepared.path)
