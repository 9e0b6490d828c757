"""A local file made ready for HitPaw: converted only when HitPaw could not read it, and
without its location.

HitPaw reads JPG, PNG and WebP. A HEIC or TIFF, a CMYK JPEG, a 16-bit image or one whose
EXIF says "rotate me" is decoded upright (``images.open_upright``) and written again: JPEG at
quality 95 without chroma subsampling for photos, PNG when there is transparency. Anything
else is sent as the designer's own bytes. Removing the location (a setting, on by default)
never re-encodes a JPEG: the GPS block of its EXIF is zeroed where it lies and an XMP packet
that mentions GPS is dropped, so every pixel stays as it was. A PNG or WebP that carries
GPS is rewritten losslessly as PNG.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageCms

from desktop_app.jobs.images import inspect, open_upright, register_heif

SENDABLE = {"JPEG": (".jpg", "image/jpeg"), "PNG": (".png", "image/png"),
            "WEBP": (".webp", "image/webp")}
GPS_IFD = 0x8825
ORIENTATION = 0x0112
_EXIF_HEAD = b"Exif\x00\x00"
_XMP_HEADS = (b"http://ns.adobe.com/xap/1.0/\x00", b"http://ns.adobe.com/xmp/extension/\x00")
_TIFF_TYPE_SIZES = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8,
                    13: 4}


@dataclass(frozen=True)
class Prepared:
    path: Path
    suffix: str        # ".jpg", ".png" or ".webp": what the object's key ends with
    content_type: str
    made: bool         # a file Cutout wrote (delete it after the upload), not the original
    why: str = ""      # what was changed, for the log: "converted (HEIF)", "location removed"


def prepare_for_upload(source: Path | str, folder: Path, *,
                       strip_location: bool = True) -> Prepared:
    """The file to upload for ``source``; raises ``images.LocalImageError`` (a sentence) for
    a file that cannot be read."""
    source = Path(source)
    info = inspect(source)
    register_heif()
    with Image.open(source) as img:
        reason = _needs_conversion(img, info.format, source)
        exif = _exif(img)
    if reason:
        return _convert(source, folder, reason)
    has_gps = bool(exif.get_ifd(GPS_IFD)) if exif is not None else False
    suffix, content_type = SENDABLE[info.format]
    if info.format == "JPEG" and strip_location:
        data = source.read_bytes()
        cleaned = strip_jpeg_location(data)
        if cleaned is None:       # an EXIF block too odd to edit in place: re-encode it
            return _convert(source, folder, "location removed (re-encoded)")
        if cleaned != data:
            return _write(folder, cleaned, suffix, content_type, "location removed")
    elif has_gps and strip_location:
        return _convert(source, folder, "location removed", lossless=True)
    return Prepared(source, suffix, content_type, made=False)


def _needs_conversion(img: Image.Image, fmt: str, path: Path) -> str:
    if fmt not in SENDABLE:
        return f"converted ({fmt})"
    if img.mode in ("CMYK", "YCbCr", "LAB", "HSV"):
        return f"converted ({img.mode})"
    if img.mode.startswith(("I", "F")) or (fmt == "PNG" and _png_bit_depth(path) > 8):
        return "converted (16-bit)"
    exif = _exif(img)
    if exif is not None and exif.get(ORIENTATION, 1) not in (1, 0):
        return "turned upright"   # HitPaw may ignore EXIF orientation: send it upright
    return ""


def _convert(source: Path, folder: Path, why: str, *, lossless: bool = False) -> Prepared:
    img = open_upright(source)
    icc = img.info.get("icc_profile")
    if img.mode == "CMYK":
        img, icc = _cmyk_to_srgb(img, icc), None
    elif img.mode.startswith(("I", "F")):
        img = _to_8_bit(img)
    alpha = img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency"
                                                   in img.info)
    folder.mkdir(parents=True, exist_ok=True)
    extra = {"icc_profile": icc} if icc else {}
    if alpha or lossless:
        img = img.convert("RGBA" if alpha else "RGB") if img.mode not in ("RGB", "L",
                                                                           "RGBA") else img
        target = folder / "upload.png"
        img.save(target, "PNG", compress_level=3, **extra)
        return Prepared(target, ".png", "image/png", made=True, why=why)
    target = folder / "upload.jpg"
    img.convert("L" if img.mode == "L" else "RGB").save(target, "JPEG", quality=95,
                                                          subsampling=0, **extra)
    return Prepared(target, ".jpg", "image/jpeg", made=True, why=why)


def _write(folder: Path, data: bytes, suffix: str, content_type: str, why: str) -> Prepared:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"upload{suffix}"
    target.write_bytes(data)
    return Prepared(target, suffix, content_type, made=True, why=why)


def _exif(img: Image.Image) -> Image.Exif | None:
    try:
        return img.getexif()
    except Exception:  # noqa: BLE001 - a broken EXIF block: treat as none
        return None


def _png_bit_depth(path: Path) -> int:
    with open(path, "rb") as fh:
        head = fh.read(26)
    return head[24] if len(head) >= 25 and head[12:16] == b"IHDR" else 8


def _to_8_bit(img: Image.Image) -> Image.Image:
    """16-bit grey (or 32-bit) to 8-bit by scaling, not clipping."""
    import numpy as np

    values = np.asarray(img, dtype=np.float64)
    top = 65535.0 if img.mode.startswith("I;16") or values.max() > 255 else 255.0
    return Image.fromarray(np.clip(values * (255.0 / top), 0, 255).round().astype(np.uint8),
                           "L")


def _cmyk_to_srgb(img: Image.Image, icc: bytes | None) -> Image.Image:
    """Through the file's own CMYK profile when it has one (press files do), else Pillow's
    plain formula."""
    if icc:
        import io

        try:
            return ImageCms.profileToProfile(img, ImageCms.ImageCmsProfile(io.BytesIO(icc)),
                                             ImageCms.createProfile("sRGB"), outputMode="RGB")
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass
    return img.convert("RGB")


# -- location out of a JPEG, without touching its pixels -----------------------------------
def strip_jpeg_location(data: bytes) -> bytes | None:
    """The JPEG with its GPS EXIF zeroed and GPS-bearing XMP dropped; the same bytes when
    there is none; None when the EXIF block cannot be edited safely in place."""
    segments = _jpeg_segments(data)
    if segments is None:
        return None
    xmp_gps = any(marker == 0xE1 and seg[4:].startswith(_XMP_HEADS) and b"GPS" in seg
                  for marker, seg in segments)
    out = bytearray(data[:2])
    for marker, segment in segments:
        if marker == 0xE1 and segment[4:].startswith(_EXIF_HEAD):
            segment = bytearray(segment)
            if not _zero_gps(segment, 4 + len(_EXIF_HEAD)):
                return None
        elif marker == 0xE1 and segment[4:].startswith(_XMP_HEADS) and xmp_gps:
            continue                                  # the XMP packet tells the place too
        out += segment
    return bytes(out)


def _jpeg_segments(data: bytes) -> list[tuple[int, bytes]] | None:
    """(marker, bytes) for each segment up to the scan; the last holds the scan and the
    rest of the file untouched. None if it is not a JPEG's structure."""
    if data[:2] != b"\xff\xd8":
        return None
    segments, pos = [], 2
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            return None
        marker = data[pos + 1]
        if marker in (0xDA, 0xD9):                    # start of scan: the rest is pixels
            segments.append((marker, data[pos:]))
            return segments
        if 0xD0 <= marker <= 0xD7 or marker in (0x01, 0xFF):
            segments.append((marker, data[pos:pos + 2]))
            pos += 2
            continue
        length = struct.unpack(">H", data[pos + 2:pos + 4])[0]
        segments.append((marker, data[pos:pos + 2 + length]))
        pos += 2 + length
    return None


def _zero_gps(buf: bytearray, base: int) -> bool:
    """Empty the GPS IFD of the TIFF structure at ``buf[base:]``, zeroing its values too;
    False when the structure is not what TIFF says it should be."""
    try:
        order = {b"II": "<", b"MM": ">"}[bytes(buf[base:base + 2])]
        u16 = lambda at: struct.unpack_from(order + "H", buf, base + at)[0]  # noqa: E731
        u32 = lambda at: struct.unpack_from(order + "I", buf, base + at)[0]  # noqa: E731
        ifd0 = u32(4)
        for i in range(u16(ifd0)):
            entry = ifd0 + 2 + 12 * i
            if u16(entry) != GPS_IFD:
                continue
            gps = u32(entry + 8)
            count = u16(gps)
            if base + gps + 2 + 12 * count > len(buf):
                return False
            for j in range(count):
                field = gps + 2 + 12 * j
                size = _TIFF_TYPE_SIZES.get(u16(field + 2), 1) * u32(field + 4)
                if size > 4:
                    start = base + u32(field + 8)
                    if start + size > len(buf):
                        return False
                    buf[start:start + size] = bytes(size)
                buf[base + field:base + field + 12] = bytes(12)
            struct.pack_into(order + "H", buf, base + gps, 0)
        return True
    except (KeyError, struct.error):
        return False
