"""Fetching result files: no API key, a size cap, a timeout, and proof that it is an image.

Result links are plain, expiring download links on whatever host the service chooses, so the
request never carries the ``Apikey`` header (the session has none; only API calls add it).
"""

from __future__ import annotations

import os
import threading
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import requests
from PIL import Image

from desktop_app.api.defaults import DownloadLimits
from desktop_app.api.errors import DownloadError, ResultExpiredError

ACCEPTED_FORMATS = {"PNG", "JPEG", "WEBP"}
# One whole-image job at a time in the process: this check's full decode here, and the
# previews made and read (``jobs.previews``). Several 24-megapixel decodes at once finish no
# sooner on a laptop, hold several times the memory and keep the window's thread waiting for
# the GIL; and a batch's jobs finish together, so on two cores the window's thread waited
# for a core while two decoded (bench_hitches cases 1 and 2).
IMAGE_WORK = threading.BoundedSemaphore(1)


@dataclass(frozen=True)
class ImageFile:
    path: Path
    width: int
    height: int
    format: str


def download_image(url: str, dest: Path, session: requests.Session,
                   limits: DownloadLimits = DownloadLimits(), what: str = "result") -> ImageFile:
    """Download ``url`` to ``dest`` (atomically) and check it is a whole, sane image."""
    if urlsplit(url).scheme not in ("http", "https"):
        raise DownloadError(f"The {what} link is not a web link, so Cutout did not open it.")
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    try:
        with session.get(url, stream=True, allow_redirects=True,
                         timeout=(limits.connect_timeout, limits.read_timeout)) as response:
            if response.status_code in (403, 404, 410):
                raise ResultExpiredError(
                    f"The {what} link has expired (HitPaw keeps results for 8 days).")
            if response.status_code >= 400:
                raise DownloadError(f"The {what} could not be downloaded (the server answered "
                                    f"HTTP {response.status_code}).")
            declared = response.headers.get("Content-Length", "")
            cap = _size_label(limits.max_bytes)
            if declared.isdigit() and int(declared) > limits.max_bytes:
                raise DownloadError(f"The {what} is larger than {cap}, so it was not "
                                    "downloaded.")
            size = 0
            deadline = time.monotonic() + limits.total_timeout
            with open(part, "wb") as out:
                for chunk in response.iter_content(chunk_size=256 * 1024):
                    size += len(chunk)
                    if size > limits.max_bytes:
                        raise DownloadError(f"The {what} is larger than {cap}, so the "
                                            "download was stopped.")
                    if time.monotonic() > deadline:
                        raise DownloadError(f"The {what} download was too slow and was "
                                            "stopped.")
                    out.write(chunk)
        info = check_image(part, limits.max_pixels, what)
        os.replace(part, dest)
        return ImageFile(dest, info.width, info.height, info.format)
    except requests.exceptions.RequestException as err:
        raise DownloadError(f"The {what} download failed: the connection dropped or timed "
                            "out.", detail=type(err).__name__) from None
    finally:
        part.unlink(missing_ok=True)


def _size_label(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.0f} MB"
    return f"{max(1, size // 1024)} KB"


def check_image(path: Path, max_pixels: int, what: str = "image") -> ImageFile:
    """Open and fully decode an image file; refuse bombs, truncation and non-images."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(path) as img:
                if img.format not in ACCEPTED_FORMATS:
                    raise DownloadError(f"The {what} is a {img.format} file, not a PNG, JPEG "
                                        "or WebP image.")
                width, height = img.size
                if width * height > max_pixels:
                    raise DownloadError(f"The {what} claims to be {width}x{height} pixels, "
                                        "too large to open safely.")
                with IMAGE_WORK:
                    img.load()
                return ImageFile(path, width, height, img.format)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise DownloadError(f"The {what} is too large to open safely.") from None
        except Image.UnidentifiedImageError:
            raise DownloadError(f"The {what} is not an image.") from None
        except (OSError, SyntaxError, ValueError) as err:
            raise DownloadError(f"The {what} is damaged or incomplete.",
                                detail=str(err)) from None
