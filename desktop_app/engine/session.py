"""The one onnxruntime session of this process, created lazily under a lock.

onnxruntime is imported only here and only when the first cut-out (or ``warm_up``) needs it,
so the window paints before it loads. ``InferenceSession.run`` is thread-safe, so every
worker shares the one session (the model's 4.6 MB of weights and its arena are loaded once).
"""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path
from typing import Any

import numpy as np

from .errors import Cancel, Cancelled, EngineError

MODEL_PATH = Path(__file__).resolve().parent / "models" / "u2netp.onnx"
MODEL_MD5 = "8e83ca70e441ab06c318d82300c84806"

_lock = threading.Lock()
_session: Any = None


def intra_op_threads() -> int:
    """Threads one inference uses: the cores there are, at most 4 (u2netp gains little beyond,
    and a laptop stays responsive). ``CUTOUT_ENGINE_THREADS`` overrides it, for measuring."""
    forced = os.environ.get("CUTOUT_ENGINE_THREADS", "").strip()
    if forced.isdigit() and int(forced) > 0:
        return int(forced)
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return max(1, min(4, cores))


def get_session() -> Any:
    """The process's session, loading the model on first use (blocking: call off the GUI thread)."""
    global _session
    with _lock:
        if _session is None:
            _session = _load()
        return _session


def _load() -> Any:
    if not MODEL_PATH.is_file():
        raise EngineError("The cut-out model is missing from this installation of Cutout; "
                          "reinstall Cutout to use cut-outs on this computer.")
    try:
        import onnxruntime as ort
    except ImportError:
        raise EngineError("Cut-outs on this computer are not available in this installation "
                          "of Cutout; reinstall Cutout or use HitPaw instead.") from None
    options = ort.SessionOptions()
    options.intra_op_num_threads = intra_op_threads()
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3  # warnings about unused initialisers are noise here
    try:
        return ort.InferenceSession(str(MODEL_PATH), sess_options=options,
                                    providers=["CPUExecutionProvider"])
    except Exception:
        raise EngineError("The cut-out model could not be loaded; it may be damaged, so "
                          "reinstall Cutout to use cut-outs on this computer.") from None


def run(batch: np.ndarray, cancel: Cancel | None = None) -> np.ndarray:
    """Run the model on an N×3×H×W float32 batch; return its finest output (d1), N×H×W."""
    session = get_session()
    if cancel is not None:
        cancel.check()
    import onnxruntime as ort  # already loaded by get_session

    options = ort.RunOptions()
    if cancel is not None:
        cancel.attach(options)
    try:
        name = session.get_inputs()[0].name
        outputs = session.run([session.get_outputs()[0].name], {name: batch}, options)
    except Exception:
        if cancel is not None and cancel.cancelled:
            raise Cancelled() from None
        raise EngineError("The cut-out failed on this computer; try again, or use HitPaw "
                          "for this image.") from None
    finally:
        if cancel is not None:
            cancel.detach(options)
    if cancel is not None:
        cancel.check()
    return outputs[0][:, 0, :, :]


def model_md5() -> str:
    """The bundled model file's md5, to check it is the one the README names."""
    return hashlib.md5(MODEL_PATH.read_bytes()).hexdigest()
