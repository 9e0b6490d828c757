"""Procedural test images, so the sandbox needs no network and no image files on disk.

Each sample is a softly graded background with a two-coloured "bust" (a head on shoulders)
in the middle: an obvious subject for the cut-out model, and recognisable in a
screenshot. The same name always gives the same picture, so tests and benchmarks can
compare results across runs. Also here: the deliberately broken files the fault kinds serve.
"""

from __future__ import annotations

import colorsys
import hashlib
import io
import random
import struct
import threading
import zlib
from collections import OrderedDict
from functools import lru_cache

from PIL import Image, ImageDraw

DEFAULT_SIZE = (800, 600)
MAX_SIDE = 8000
NOT_AN_IMAGE = "not-an-image.png"

#: Extension -> (Pillow format, content type).
FORMATS: dict[str, tuple[str, str]] = {
    "png": ("PNG", "image/png"),
    "jpg": ("JPEG", "image/jpeg"),
    "jpeg": ("JPEG", "image/jpeg"),
    "webp": ("WEBP", "image/webp"),
}

#: Above this many pixels, encode for speed rather than size: a 24 MP PNG at the default
#: level takes seconds, at level 1 a fraction of that, and the sandbox serves it over loopback.
_FAST_ENCODE_PIXELS = 2_000_000


def extension_of(name: str) -> str | None:
    """The sample's lower-case extension if it is one we can produce, else None."""
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return ext if ext in FORMATS else None


def encode_png(image: Image.Image) -> bytes:
    """PNG bytes, fast for big images (the sandbox favours latency over a few megabytes)."""
    buffer = io.BytesIO()
    level = 1 if image.width * image.height > _FAST_ENCODE_PIXELS else 6
    # a mask never carries a colour profile: an RGB one is invalid in a grey PNG
    extra = {"icc_profile": None} if image.mode in ("1", "L", "LA") else {}
    image.save(buffer, format="PNG", compress_level=level, **extra)
    return buffer.getvalue()


def _rgb(hue: float, saturation: float, value: float) -> tuple[int, int, int]:
    red, green, blue = colorsys.hsv_to_rgb(hue % 1.0, saturation, value)
    return round(red * 255), round(green * 255), round(blue * 255)


def render_sample(name: str, width: int, height: int) -> Image.Image:
    """Draw the sample picture for ``name`` (the stem decides the colours) at that size."""
    stem = name.rsplit(".", 1)[0]
    rng = random.Random(hashlib.sha256(stem.encode("utf-8")).digest())
    hue = rng.random()
    # A light, muted background and a darker, saturated subject of the opposite hue: far apart
    # in every channel-distance sense, whatever the hue turned out to be.
    bg_saturation, bg_value = rng.uniform(0.12, 0.3), rng.uniform(0.86, 0.95)
    top = _rgb(hue, bg_saturation, min(1.0, bg_value + 0.03))
    bottom = _rgb(hue, bg_saturation, bg_value - 0.04)
    subject_hue = hue + 0.5 + rng.uniform(-0.12, 0.12)
    head = _rgb(subject_hue, rng.uniform(0.55, 0.85), rng.uniform(0.45, 0.65))
    body = _rgb(subject_hue + rng.uniform(0.06, 0.14), rng.uniform(0.6, 0.9), rng.uniform(0.3, 0.45))

    # A two-pixel image stretched bilinearly is the cheapest gentle gradient at any size.
    gradient = Image.new("RGB", (1, 2))
    gradient.putpixel((0, 0), top)
    gradient.putpixel((0, 1), bottom)
    image = gradient.resize((width, height), Image.Resampling.BILINEAR)

    draw = ImageDraw.Draw(image)
    cx, cy = width / 2, height / 2
    side = 0.8 * min(width, height)
    draw.ellipse((cx - 0.3 * side, cy - 0.08 * side, cx + 0.3 * side, cy + 0.46 * side), fill=body)
    radius = 0.17 * side
    head_y = cy - 0.22 * side
    draw.ellipse((cx - radius, head_y - radius, cx + radius, head_y + radius), fill=head)
    return image


class SampleCache:
    """Encoded samples by (name, width, height), keeping the few most recent.

    Rendering and encoding a 6000x4000 sample costs about a second and 70 MB; a benchmark may
    submit twenty jobs for the same URL at once. So generation is serialised and cached:
    the first request pays, the others wait for it and reuse the bytes.
    """

    def __init__(self, capacity: int = 6) -> None:
        self._capacity = capacity
        self._items: OrderedDict[tuple[str, int, int], tuple[bytes, str]] = OrderedDict()
        self._lock = threading.Lock()
        self._render_lock = threading.Lock()

    def get(self, name: str, width: int, height: int) -> tuple[bytes, str]:
        """Bytes and content type of the sample; ``name`` must have a known extension."""
        key = (name, width, height)
        cached = self._lookup(key)
        if cached is not None:
            return cached
        with self._render_lock:
            cached = self._lookup(key)  # someone may have rendered it while we waited
            if cached is not None:
                return cached
            encoded = self._encode(name, width, height)
            with self._lock:
                self._items[key] = encoded
                while len(self._items) > self._capacity:
                    self._items.popitem(last=False)
            return encoded

    def _lookup(self, key: tuple[str, int, int]) -> tuple[bytes, str] | None:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    @staticmethod
    def _encode(name: str, width: int, height: int) -> tuple[bytes, str]:
        ext = extension_of(name)
        if ext is None:
            raise ValueError(f"no image format for sample name {name!r}")
        pil_format, content_type = FORMATS[ext]
        image = render_sample(name, width, height)
        if pil_format == "PNG":
            return encode_png(image), content_type
        buffer = io.BytesIO()
        if pil_format == "JPEG":
            image.save(buffer, format="JPEG", quality=90)
        else:
            image.save(
                buffer, format="WEBP", quality=85, method=0 if width * height > _FAST_ENCODE_PIXELS else 4
            )
        return buffer.getvalue(), content_type


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


@lru_cache(maxsize=1)
def bomb_png(side: int = 30_000) -> bytes:
    """A small, fully valid 1-bit PNG that declares ``side`` x ``side`` pixels.

    Written chunk by chunk rather than through Pillow, so making it never needs the
    hundreds of megabytes a decoder would: the point is that a client must refuse it
    from the header (Pillow's decompression-bomb guard) instead of decoding it.
    """
    row = b"\x00" + bytes((side + 7) // 8)  # filter byte "None", then all-black pixels
    compressor = zlib.compressobj(9)
    parts = [compressor.compress(row) for _ in range(side)]
    parts.append(compressor.flush())
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)  # 1-bit greyscale
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", b"".join(parts))
        + _png_chunk(b"IEND", b"")
    )


NOT_IMAGE_HTML = (
    b"<!DOCTYPE html>\n<html><head><title>Sign in</title></head>"
    b"<body><p>Please sign in to view this file.</p></body></html>\n"
)
