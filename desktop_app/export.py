"""Writing one result where the user asked, never leaving a half-written file behind.

Qt-free (Pillow only) so the CLI and worker threads share it. Every write goes to a temporary
file in the target's own folder and is renamed over the target, so a crash, a full disk or a
pulled USB stick leaves either the old file or the new one, never half of one. Every failure is
an ``ExportError`` whose text is one sentence a designer understands. Many files at once
("Save all": names, plan, run) are ``desktop_app.save_all``'s business.

Pillow is imported where pixels are touched, in those threads: the window reads the options
here at start-up and should not wait for it.
"""

from __future__ import annotations

import errno
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL import Image

FORMATS = ("PNG", "WEBP", "JPEG")
EXTENSIONS = {"PNG": "png", "WEBP": "webp", "JPEG": "jpg"}
_FORMAT_ALIASES = {"PNG": "PNG", "WEBP": "WEBP", "JPEG": "JPEG", "JPG": "JPEG"}
_SUFFIX_FORMATS = {".png": "PNG", ".webp": "WEBP", ".jpg": "JPEG", ".jpeg": "JPEG"}

MASK_THRESHOLD = 8          # mask values at or below this are background (JPEG-ish noise)


class ExportError(Exception):
    """A sentence for the user: why the file could not be written.

    ``kind`` says what went wrong, so a batch can stop early when every further file would
    fail the same way: "folder" (missing or read-only), "disk" (full), "file" (this one file),
    "source" (the result could not be read).
    """

    def __init__(self, message: str, kind: str = "file") -> None:
        super().__init__(message)
        self.kind = kind

    @property
    def user_message(self) -> str:
        return str(self)


# -- options -------------------------------------------------------------------------------
def normalize_format(value: str) -> str:
    """"png", "WebP", "jpg" -> "PNG", "WEBP", "JPEG"; anything else is a ValueError."""
    fmt = _FORMAT_ALIASES.get(str(value).strip().upper().lstrip("."))
    if fmt is None:
        raise ValueError(f"Cutout saves PNG, WebP or JPEG images, not \u201c{value}\u201d.")
    return fmt


def parse_colour(value: str) -> tuple[int, int, int]:
    """"#fff", "#ffffff" or "ffffff" -> (255, 255, 255)."""
    text = str(value).strip().lstrip("#")
    if len(text) == 3:
        text = "".join(c * 2 for c in text)
    try:
        if len(text) != 6:
            raise ValueError
        return int(text[0:2], 16), int(text[2:4], 16), int(text[4:6], 16)
    except ValueError:
        raise ValueError(f"\u201c{value}\u201d is not a colour: use a hex colour such as "
                         "#ffffff.") from None


def format_for_suffix(path: str | Path) -> str | None:
    """The format a file name's extension asks for, or None when it names no image format."""
    return _SUFFIX_FORMATS.get(Path(path).suffix.lower())


def with_extension(path: str | Path, fmt: str) -> Path:
    """``path`` ending in an extension of ``fmt`` (".jpeg" counts for JPEG); else one added."""
    path, fmt = Path(path), normalize_format(fmt)
    if format_for_suffix(path) == fmt:
        return path
    return path.with_name(f"{path.name}.{EXTENSIONS[fmt]}")


@dataclass(frozen=True)
class ExportOptions:
    """How results are written. WebP is lossless by default so alpha edges stay exact."""

    format: str = "PNG"
    background: str = "#ffffff"     # JPEG has no transparency: the cut-out is laid on this
    crop_to_subject: bool = False
    padding: int = 0                 # pixels around the subject when cropping
    webp_lossless: bool = True
    webp_quality: int = 90           # lossy WebP only
    jpeg_quality: int = 92

    def __post_init__(self) -> None:
        object.__setattr__(self, "format", normalize_format(self.format))
        rgb = parse_colour(self.background)
        object.__setattr__(self, "background", "#{:02x}{:02x}{:02x}".format(*rgb))
        object.__setattr__(self, "padding", max(0, int(self.padding)))
        object.__setattr__(self, "webp_quality", min(100, max(1, int(self.webp_quality))))
        object.__setattr__(self, "jpeg_quality", min(95, max(1, int(self.jpeg_quality))))

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.format]

    @property
    def background_rgb(self) -> tuple[int, int, int]:
        return parse_colour(self.background)


# -- writing single files ------------------------------------------------------------------
def write_image(source: Path, target: Path, mode: str, fmt: str = "PNG") -> Path:
    """Write ``source`` as ``fmt`` in ``mode`` at ``target`` (the CLI's plain copy)."""
    source, target = Path(source), Path(target)
    with _read(source, "result") as img:
        if img.format == fmt and img.mode == mode and not _grey_with_profile(img):
            # already right: keep the bytes as they are
            return _atomic_write(target, lambda tmp: shutil.copyfile(source, tmp))
        img = img.convert(mode)
    extra = _NO_PROFILE if img.mode in _GREY_MODES else {}
    return _atomic_write(target, lambda tmp: img.save(tmp, fmt, **extra))


def export_cutout(cutout_path: str | Path, mask_path: str | Path | None, target: str | Path,
                  options: ExportOptions = ExportOptions()) -> Path:
    """Write the cut-out as ``options.format``: PNG and WebP keep alpha, JPEG is flattened.

    With ``crop_to_subject`` the image is cropped to the mask's subject plus padding (the
    cut-out's own alpha stands in when there is no mask); an empty mask keeps the whole image.
    """
    cutout_path, target = Path(cutout_path), Path(target)
    if (options.format == "PNG" and not options.crop_to_subject
            and _copyable_png(cutout_path, "RGBA")):
        return _atomic_write(target, lambda tmp: shutil.copyfile(cutout_path, tmp))
    with _read(cutout_path, "cut-out") as src:
        box = None
        if options.crop_to_subject:
            box = _cutout_box(src, mask_path, options.padding)
        if (options.format == "PNG" and box is None and src.format == "PNG"
                and src.mode == "RGBA" and not _rotated(src)):
            return _atomic_write(target, lambda tmp: shutil.copyfile(cutout_path, tmp))
        icc = src.info.get("icc_profile")
        img = _upright(src).convert("RGBA")
    if box is not None:
        img = img.crop(box)
    extra = {"icc_profile": icc} if icc else {}
    if options.format == "PNG":
        return _atomic_write(target, lambda tmp: img.save(tmp, "PNG", **extra))
    if options.format == "WEBP":
        webp = ({"lossless": True, "quality": 80, "method": 4} if options.webp_lossless
                else {"quality": options.webp_quality, "alpha_quality": 100, "method": 4})
        return _atomic_write(target, lambda tmp: img.save(tmp, "WEBP", **webp, **extra))
    from PIL import Image

    flat = Image.new("RGB", img.size, options.background_rgb)
    flat.paste(img, mask=img.getchannel("A"))
    return _atomic_write(target, lambda tmp: flat.save(
        tmp, "JPEG", quality=options.jpeg_quality, subsampling=0, optimize=True, **extra))


def export_mask(mask_path: str | Path, target: str | Path,
                options: ExportOptions = ExportOptions()) -> Path:
    """Write the mask as a greyscale PNG, cropped like the cut-out when asked."""
    mask_path, target = Path(mask_path), Path(target)
    if not options.crop_to_subject and _copyable_png(mask_path, "L"):
        return _atomic_write(target, lambda tmp: shutil.copyfile(mask_path, tmp))
    with _read(mask_path, "mask") as src:
        box = subject_box(src, options.padding) if options.crop_to_subject else None
        if (box is None and src.format == "PNG" and src.mode == "L"
                and not _rotated(src) and not _grey_with_profile(src)):
            return _atomic_write(target, lambda tmp: shutil.copyfile(mask_path, tmp))
        img = _upright(src).convert("L")
    if box is not None:
        img = img.crop(box)
    return _atomic_write(target, lambda tmp: img.save(tmp, "PNG", **_NO_PROFILE))


# A mask is grey: an RGB colour profile in a grey PNG is invalid (libpng warns about it, and
# some apps refuse the file), and a grey one says nothing a mask needs. None is written.
_GREY_MODES = ("1", "L", "LA", "I", "I;16")
_NO_PROFILE = {"icc_profile": None}


def _grey_with_profile(img: Image.Image) -> bool:
    return img.mode in _GREY_MODES and bool(img.info.get("icc_profile"))


def _copyable_png(path: Path, mode: str) -> bool:
    """Whether a cached result is a sound PNG in ``mode`` that is saved as it is (a byte copy),
    found without decoding its pixels: the header, then every chunk's checksum to the end.

    Decoding a 3-megapixel result only to copy its bytes was most of Save all's work, and the
    worker held the GIL for parts of it (allocating the image) while the window waited. Any
    doubt (another format or mode, a colour profile on a grey mask, an EXIF turn, a damaged
    or missing file) answers False: the caller then reads the file the full way, with its
    sentences for what is wrong.
    """
    from PIL import Image

    try:
        with Image.open(path) as img:
            if img.format != "PNG" or img.mode != mode or _grey_with_profile(img):
                return False
            if "exif" in img.info and _rotated(img):
                return False
            img.fp.seek(img.tile[0][2] - 8)        # the first IDAT, as PngImageFile.verify
            later = img.png.verify()               # checksums to IEND; the chunks after IDAT
            return b"eXIf" not in later            # an EXIF block after the pixels: read fully
    except Exception:  # noqa: BLE001 - any doubt: the full reading path says what is wrong
        return False


def subject_box(mask: Image.Image, padding: int = 0
                ) -> tuple[int, int, int, int] | None:
    """The subject's bounding box (mask above ``MASK_THRESHOLD``) plus padding, clamped to
    the image; None when the mask is empty or the box is the whole image anyway."""
    mask = _upright(mask)
    grey = mask.convert("L")
    if "A" in mask.getbands() and mask.getchannel("A").getextrema() != (255, 255):
        grey = mask.getchannel("A")       # a mask carried in transparency, not in grey
    bbox = grey.point(lambda v: 255 if v > MASK_THRESHOLD else 0).getbbox()
    if bbox is None:
        return None
    left, top, right, bottom = bbox
    pad = max(0, int(padding))
    box = (max(0, left - pad), max(0, top - pad), min(grey.width, right + pad),
           min(grey.height, bottom + pad))
    return None if box == (0, 0, grey.width, grey.height) else box


def _cutout_box(cutout: Image.Image, mask_path: str | Path | None, padding: int
                ) -> tuple[int, int, int, int] | None:
    size = _upright_size(cutout)
    if mask_path is None:
        alpha = _upright(cutout).convert("RGBA").getchannel("A")
        return subject_box(alpha, padding)
    with _read(Path(mask_path), "mask") as mask:
        msize = _upright_size(mask)
        box = subject_box(mask, padding)
    if box is None or msize == size:
        return box
    # a mask of another size (never seen, but cheap to get right): scale its box
    sx, sy = size[0] / msize[0], size[1] / msize[1]
    scaled = (int(box[0] * sx), int(box[1] * sy), min(size[0], round(box[2] * sx + 0.5)),
              min(size[1], round(box[3] * sy + 0.5)))
    return None if scaled == (0, 0, *size) else scaled


def _rotated(img: Image.Image) -> bool:
    from desktop_app.jobs.images import orientation

    return orientation(img) != 1


def _upright(img: Image.Image) -> Image.Image:
    """The image as the previews show it (EXIF orientation applied)."""
    from PIL import ImageOps

    return ImageOps.exif_transpose(img) if _rotated(img) else img


def _upright_size(img: Image.Image) -> tuple[int, int]:
    from desktop_app.jobs.images import orientation

    if orientation(img) in (5, 6, 7, 8):
        return img.height, img.width
    return img.size


@contextmanager
def _read(path: Path, label: str) -> Iterator[Image.Image]:
    """Open a cached result for reading, turning every failure into a sentence."""
    from PIL import Image

    path = Path(path)
    try:
        img = Image.open(path)
        img.load()
    except FileNotFoundError:
        raise ExportError(f"The {label} is no longer in Cutout's cache; retry the job to "
                          "download it again.", "source") from None
    except (OSError, ValueError, Image.DecompressionBombError) as err:
        raise ExportError(f"Could not read the {label} (\u201c{path.name}\u201d): "
                          f"{_reason(err)}; retry the job to download it again.",
                          "source") from None
    with img:
        yield img


def _reason(err: BaseException) -> str:
    text = getattr(err, "strerror", None) or str(err) or type(err).__name__
    return text.rstrip(".")


def _atomic_write(target: Path, write: Callable[[str], object]) -> Path:
    """Call ``write(temp_path)`` for a temp file beside ``target``, then rename it over."""
    target = Path(target)
    if target.is_dir():
        raise ExportError(f"Could not save \u201c{target.name}\u201d in {target.parent}: there "
                          "is a folder with that name. Choose another name.", "file")
    tmp = _make_temp(target)
    try:
        try:
            write(str(tmp))
        except OSError as err:
            raise _error(err, target) from None
        except (ValueError, KeyError) as err:   # Pillow: an option the encoder refused
            raise ExportError(f"Could not save \u201c{target.name}\u201d: {_reason(err)}.",
                              "file") from None
        try:
            os.replace(tmp, target)
        except OSError as err:
            raise _error(err, target, replacing=True) from None
    finally:
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass
    return target


def _make_temp(target: Path) -> Path:
    """A new, empty, hidden file in the target's folder, created with the user's umask
    (``mkstemp`` would make it 0600 and the saved image unreadable to others)."""
    for _ in range(20):
        tmp = target.parent / f".{target.name}.{os.urandom(4).hex()}.part"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue
        except OSError as err:
            raise _error(err, target) from None
        os.close(fd)
        return tmp
    raise ExportError(f"Could not save \u201c{target.name}\u201d in {target.parent}: could "
                      "not make a temporary file there.", "folder")


_IN_USE_WINERRORS = {32, 33}        # ERROR_SHARING_VIOLATION, ERROR_LOCK_VIOLATION
_DISK_FULL = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}


def _error(err: OSError, target: Path, replacing: bool = False) -> ExportError:
    """The sentence for an OSError while saving ``target``, and whether it is about the
    folder or disk (so a batch stops) or about this one file."""
    where = f"\u201c{target.name}\u201d in {target.parent}"
    winerror = getattr(err, "winerror", None)
    if winerror in _IN_USE_WINERRORS or err.errno in (errno.EBUSY, errno.ETXTBSY) or (
            replacing and err.errno in (errno.EACCES, errno.EPERM) and target.exists()):
        return ExportError(f"Could not save {where}: another app has that file open, or it "
                           "is read-only. Close it there, or choose another name, and try "
                           "again.", "file")
    if err.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return ExportError(f"Could not save {where}: that folder is read-only. Choose another "
                           "folder.", "folder")
    if err.errno in _DISK_FULL:
        return ExportError(f"Could not save {where}: the disk is full. Free some space and "
                           "try again.", "disk")
    if err.errno == errno.ENOENT:
        return ExportError(f"Could not save {where}: the folder no longer exists. Choose "
                           "another folder.", "folder")
    if err.errno == errno.ENAMETOOLONG:
        return ExportError(f"Could not save {where}: the name is too long. Choose a shorter "
                           "name.", "file")
    if err.errno == errno.EINVAL or winerror == 123:
        return ExportError(f"Could not save {where}: the disk does not accept that name. "
                           "Choose a name without unusual characters.", "file")
    return ExportError(f"Could not save {where}: {_reason(err)}.", "file")


# Names that moved to ``save_all`` and that ui/export_actions.py and ui/export_dialogs.py still
# import from here; forwarded on first use (``save_all`` imports this module, so a plain import
# would be circular). Remove once those two modules import them from ``desktop_app.save_all``.
