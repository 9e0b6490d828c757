"""Writing results where the user asked, never leaving a half-written file behind."""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from pathlib import Path

from PIL import Image


class ExportError(Exception):
    """A sentence for the user: why the file could not be written."""


def write_image(source: Path, target: Path, mode: str, fmt: str = "PNG") -> Path:
    """Write ``source`` as ``fmt`` at ``target`` via a temporary file renamed over it."""
    target = Path(target)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.stem}-", suffix=".part",
                                   dir=target.parent)
    except OSError as err:
        raise ExportError(_sentence(err, target)) from None
    os.close(fd)
    try:
        with Image.open(source) as img:
            if img.format == fmt and img.mode == mode:
                shutil.copyfile(source, tmp)  # already right: keep the bytes as they are
            else:
                img.convert(mode).save(tmp, fmt)
        os.replace(tmp, target)
    except OSError as err:
        raise ExportError(_sentence(err, target)) from None
    finally:
        Path(tmp).unlink(missing_ok=True)
    return target


def _sentence(err: OSError, target: Path) -> str:
    where = f"\u201c{target.name}\u201d in {target.parent}"
    if err.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"Could not save {where}: that folder is read-only. Choose another folder."
    if err.errno in (errno.ENOSPC, errno.EDQUOT):
        return f"Could not save {where}: the disk is full. Free some space and try again."
    if err.errno == errno.ENOENT:
        return f"Could not save {where}: the folder no longer exists."
    return f"Could not save {where}: {err.strerror or err}."
