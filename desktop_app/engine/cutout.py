"""A whole cut-out written to disk: the subject's own pixels with the mask as alpha.

Both files are written beside their final names and renamed into place, so a reader (the
viewer, a resumed job, a crash) sees either nothing or the whole file, never half a PNG.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

from . import segment
from .errors import Cancel, EngineError
from .result import LocalResult

CUTOUT_NAME = "cutout.png"
MASK_NAME = "mask.png"
PNG_LEVEL = 1  # zlib level: 1 writes a 24 MP RGBA PNG several times faster than Pillow's 6


def cut_out_to(image: Image.Image, workdir: Path, *, cancel: Cancel | None = None,
               recipe: segment.Recipe = segment.DEFAULT) -> LocalResult:
    """Cut the subject out of an upright image into ``workdir``; return where it went."""
    workdir = Path(workdir)
    mask = segment.predict(image, recipe, cancel)
    if cancel is not None:
        cancel.check()
    cutout = compose(image, mask)
    if cancel is not None:
        cancel.check()
    try:
        workdir.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise EngineError(_disk_sentence(workdir, err)) from None
    cutout_path = workdir / CUTOUT_NAME
    mask_path = workdir / MASK_NAME
    save_atomically(mask, mask_path)
    save_atomically(cutout, cutout_path)
    return LocalResult(cutout_path, mask_path, image.width, image.height)


def compose(image: Image.Image, mask: Image.Image) -> Image.Image:
    """The image's own RGB with ``mask`` as its alpha, built in one numpy pass."""
    rgb = segment.to_rgb(image)
    out = np.empty((rgb.height, rgb.width, 4), dtype=np.uint8)
    out[:, :, :3] = np.asarray(rgb)
    out[:, :, 3] = np.asarray(mask)
    return Image.fromarray(out, "RGBA")


def save_atomically(image: Image.Image, path: Path) -> None:
    """Write ``image`` as PNG to a temporary file beside ``path``, then rename it into place."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=".png.part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            image.save(fh, "PNG", compress_level=PNG_LEVEL)
        os.replace(tmp, path)
    except OSError as err:
        _remove_quietly(tmp)
        raise EngineError(_disk_sentence(path.parent, err)) from None
    except BaseException:
        _remove_quietly(tmp)
        raise


def _remove_quietly(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def _disk_sentence(folder: Path, err: OSError) -> str:
    import errno

    if err.errno == errno.ENOSPC:
        return "The cut-out could not be saved because the disk is full; free some space and try again."
    if isinstance(err, PermissionError):
        return (f"The cut-out could not be saved because Cutout may not write to "
                f"\u201c{folder}\u201d; check that folder's permissions and try again.")
    return "The cut-out could not be saved to disk; check there is free space and try again."
