"""The on-device cut-out engine: U²-Net (u2netp) through onnxruntime, no Qt, no network.

Importing this package is cheap (no numpy, Pillow or onnxruntime): the heavy parts load on the
first call, so the window can import it before its first paint. ``warm_up()`` loads the
model sessions of the process ahead of time; ``predict_mask`` and ``cut_out_to`` take an
upright image and an optional ``Cancel`` token. Every failure is an ``EngineError`` whose text
is one sentence for the user; a stop through the token is ``Cancelled``. The window runs
its cut-outs in a helper process of their own (``helper.EngineHelper``), so onnxruntime and
the full-size pixels never hold its GIL; the CLI and the sandbox run them in their process.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from .errors import Cancel, Cancelled, EngineError
from .notice import MODEL_NOTICE
from .result import LocalResult

if TYPE_CHECKING:
    from PIL import Image

__all__ = ["Cancel", "Cancelled", "EngineError", "LocalResult", "MODEL_NOTICE", "warm_up",
           "predict_mask", "cut_out_to", "model_path"]


def warm_up() -> None:
    """Load the model sessions now (blocking; call it off the GUI thread)."""
    from . import session

    session.load_all()


def predict_mask(image: Image.Image, *, cancel: Cancel | None = None) -> Image.Image:
    """The subject's mask of an upright image: mode 'L', the image's size, 255 = subject."""
    from . import segment

    return segment.predict(image, segment.DEFAULT, cancel)


def cut_out_to(image: Image.Image, workdir: Path, *,
               cancel: Cancel | None = None) -> LocalResult:
    """Write ``workdir/cutout.png`` (RGBA) and ``workdir/mask.png`` (L), full size, each
    atomically; return their paths and the image's size."""
    from . import cutout

    return cutout.cut_out_to(image, Path(workdir), cancel=cancel)


def model_path() -> Path:
    """The bundled model file (for packaging and the About box)."""
    return Path(__file__).resolve().parent / "models" / "u2netp.onnx"
