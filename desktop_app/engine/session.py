"""The onnxruntime sessions of this process, one per model file, created lazily under a lock.

onnxruntime is imported only here and only when the first cut-out (or ``warm_up``) needs it,
so the window paints before it loads. ``InferenceSession.run`` is thread-safe, so every
worker shares one session per model (its weights and arena are loaded once). Two models are
bundled: ``u2netp.onnx`` (float, as distributed) and ``u2netp_int8.onnx``, derived from it by
``packaging/build_int8_model.py`` (static int8, about twice as fast on CPUs with int8 dot
products); a ``segment.Recipe`` names which one each look uses.
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
INT8_PATH = MODEL_PATH.with_name("u2netp_int8.onnx")
INT8_MD5 = "07de33cb25a9865cbea37deab5bcc5e1"
FLOAT, INT8 = "fp32", "int8"  # the models a Recipe can name

_lock = threading.Lock()
_session: Any = None   # the float model's session
_int8: Any = None      # the int8 model's session


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


def get_session(model: str = FLOAT) -> Any:
    """The session of ``model`` (FLOAT or INT8), loading it on first use (blocking: call off
    the GUI thread)."""
    global _session, _int8
    with _lock:
        if model == INT8:
            if _int8 is None:
                _int8 = _load(INT8_PATH)
            return _int8
        if _session is None:
            _session = _load(MODEL_PATH)
        return _session


def load_all() -> None:
    """Load both models now (``warm_up``): the default recipe's second look uses the int8 one,
    and loading it in the middle of the first photo that needs it would slow that job."""
    get_session(FLOAT)
    get_session(INT8)


def _load(path: Path) -> Any:
    if not path.is_file():
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
    # No busy-waiting after a run: the float session's threads would otherwise spin on the
    # cores while the int8 session runs the second look (192 → 154 ms for that look, at a
    # cost within noise to the float run, measured in benchmarks/measurements.md).
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    try:
        return ort.InferenceSession(str(path), sess_options=options,
                                    providers=["CPUExecutionProvider"])
    except Exception:
        raise EngineError("The cut-out model could not be loaded; it may be damaged, so "
                          "reinstall Cutout to use cut-outs on this computer.") from None


def run(batch: np.ndarray, cancel: Cancel | None = None, model: str = FLOAT) -> np.ndarray:
    """Run ``model`` on an N×3×H×W float32 batch; return its fused output (d0), N×H×W."""
    session = get_session(model)
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


def model_md5(path: Path = MODEL_PATH) -> str:
    """A bundled model file's md5, to check it is the one the README names."""
    return hashlib.md5(path.read_bytes()).hexdigest()
