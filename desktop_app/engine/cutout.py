"""A whole cut-out written to disk: the subject's own pixels with the mask as alpha.

Both files are written beside their final names and renamed into place, so a reader (the
viewer, a resumed job, a crash) sees either nothing or the whole file, never half a PNG.
They are written by ``png.write`` (parallel deflate, zlib level 1): at 24 MP Pillow's own PNG
writer alone would take longer than decoding and segmenting the photo.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import BinaryIO, Callable

import numpy as np
from PIL import Image

from . import png, segment, session
from .errors import Cancel, EngineError
from .result import LocalResult

CUTOUT_NAME = "cutout.png"
MASK_NAME = "mask.png"


def cut_out_to(image: Image.Image, workdir: Path, *, cancel: Cancel | None = None,
               recipe: segment.Recipe = segment.DEFAULT) -> LocalResult:
    """Cut the subject out of an upright image into ``workdir``; return where it went."""
    workdir = Path(workdir)
    if cancel is not None:
        cancel.check()
    rgb = segment.to_rgb(image)
    mask = segment.predict(rgb, recipe, cancel)
    if cancel is not None:
        cancel.check()
    try:
        workdir.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise EngineError(_disk_sentence(workdir, err)) from None
    pixels, alpha = np.asarray(rgb), np.asarray(mask)
    cutout_path = workdir / CUTOUT_NAME
    mask_path = workdir / MASK_NAME
    threads = session.intra_op_threads()
    save_atomically(mask_path, lambda fh: png.write(fh, alpha, threads=threads))
    if cancel is not None:
        cancel.check()
    save_atomically(cutout_path, lambda fh: png.write(fh, pixels, alpha, threads=threads))
    return LocalResult(cutout_path, mask_path, image.width, image.height)


def save_atomically(path: Path, write: Callable[[BinaryIO], None]) -> None:
    """Run ``write`` on a temporary file beside ``path``, then rename it into place; on any
    failure (or a cancel) the temporary file is removed and ``path`` is left as it was."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=".png.part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
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
