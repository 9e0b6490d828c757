"""What a finished cut-out on this computer hands back to the job pipeline."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class LocalResult:
    """The two files a cut-out wrote (full size PNGs) and the image's size in pixels."""

    cutout_path: Path
    mask_path: Path
    width: int
    height: int
