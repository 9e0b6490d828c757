"""Derive ``u2netp_int8.onnx`` from the bundled ``u2netp.onnx``: static int8 quantisation.

Run from the repository root (needs the build-only ``onnx`` package: ``pip install onnx``):

    .venv/bin/python packaging/build_int8_model.py            writes desktop_app/engine/models/
                                                               u2netp_int8.onnx (the shipped one)

Steps, all with ``onnxruntime.quantization``: ``quant_pre_process`` (shape inference and
graph optimisation of the float model), calibration of every activation's range on the photos
of ``int8_calibration.py`` (none from the dev set), each fed as the engine feeds the model
(squashed and letterboxed, ``segment.model_input``), then ``quantize_static``. ``SHIPPED`` is
the variant chosen by ``benchmarks/bench_engine_int8.py`` (the study of the alternatives,
figures in ``benchmarks/measurements.md``). The output is deterministic for one onnxruntime
version; ``tests/test_engine.py`` checks the committed file's md5.
"""

from __future__ import annotations

import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from desktop_app.engine import segment  # noqa: E402

MODELS = ROOT / "desktop_app" / "engine" / "models"
SOURCE = MODELS / "u2netp.onnx"
TARGET = MODELS / "u2netp_int8.onnx"


@dataclass(frozen=True)
class Variant:
    """One way to quantise: calibration method and the quantiser's switches."""

    method: str = "MinMax"          # MinMax, Entropy, Percentile
    percentile: float = 99.999
    qdq: bool = True                # QDQ format, else QOperator
    per_channel: bool = True
    reduce_range: bool = False
    activation: str = "QUInt8"      # QUInt8 or QInt8
    weight: str = "QInt8"
    symmetric: bool = False         # symmetric activation ranges
    exclude: tuple[str, ...] = field(default=())  # node names left in float
    ops: tuple[str, ...] = ()       # op types quantised (empty = the quantiser's default)


# The concats whose inputs' ranges differ 4-11× (an upsampled decoder map reaching 228 beside
# an encoder map of ~20) and the convs reading them: one shared uint8 scale wipes the small
# half out (the activation SQNR against the float model falls from 42 dB to -8 dB at
# Conv_787, the end of the second decoder stage), so they stay float. Everything else is int8.
WIDE = ("Concat_786", "Conv_787", "Concat_919", "Conv_920", "Concat_941", "Conv_942")
SHIPPED = Variant(exclude=WIDE)  # MinMax, QDQ, uint8 activations, int8 per-channel weights


def preprocess(dst: Path) -> Path:
    """The float model at opset 13 (per-channel Q/DQ needs it), shapes inferred, optimised."""
    import onnx
    from onnx import version_converter
    from onnxruntime.quantization import quant_pre_process

    opset13 = dst.with_name(dst.stem + "-opset13.onnx")
    onnx.save(version_converter.convert_version(onnx.load(str(SOURCE)), 13), str(opset13))
    quant_pre_process(str(opset13), str(dst), skip_symbolic_shape=False)
    return dst


def calibration_batches(cache: Path) -> list[np.ndarray]:
    """Every calibration photo as the engine feeds it: squashed and letterboxed."""
    from int8_calibration import calibration_images

    out = []
    for img in calibration_images(cache):
        for recipe in (segment.Recipe(), segment.Recipe(letterbox=True)):
            out.append(segment.model_input(img, recipe))
    return out


class _Reader:
    """A CalibrationDataReader over fixed batches, readable in strides (bounded memory)."""

    def __init__(self, batches: list[np.ndarray], name: str) -> None:
        self.batches, self.name = batches, name
        self.start, self.end = 0, len(batches)
        self.pos = 0

    def __len__(self) -> int:
        return len(self.batches)

    def set_range(self, start_index: int, end_index: int) -> None:
        self.start, self.end, self.pos = start_index, end_index, start_index

    def get_next(self) -> dict | None:
        if self.pos >= min(self.end, len(self.batches)):
            return None
        self.pos += 1
        return {self.name: self.batches[self.pos - 1]}

    def rewind(self) -> None:
        self.pos = self.start


def calibrate(pre: Path, batches: list[np.ndarray], variant: Variant, out: Path) -> Path:
    """Measure every float tensor's range once (all op types) and save them to ``out``."""
    from onnxruntime.quantization import CalibrationMethod, create_calibrator
    from onnxruntime.quantization.calibrate import save_tensors_data  # type: ignore

    import onnx

    name = onnx.load(str(pre)).graph.input[0].name
    extra = {"symmetric": variant.symmetric}
    if variant.method == "Percentile":
        extra["percentile"] = variant.percentile
    with tempfile.TemporaryDirectory() as tmp:
        calibrator = create_calibrator(
            pre, None, augmented_model_path=str(Path(tmp) / "augmented.onnx"),
            calibrate_method=getattr(CalibrationMethod, variant.method), extra_options=extra)
        reader = _Reader(batches, name)
        for start in range(0, len(batches), 8):
            reader.set_range(start, start + 8)
            calibrator.collect_data(reader)
        ranges = calibrator.compute_data()
    save_tensors_data(ranges, out)
    return out


def quantize(pre: Path, ranges: Path, variant: Variant, dst: Path) -> Path:
    from onnxruntime.quantization import QuantFormat, QuantType, quantize_static

    fmt = QuantFormat.QDQ if variant.qdq else QuantFormat.QOperator
    quantize_static(
        str(pre), str(dst), calibration_data_reader=None, calibration_cache_path=str(ranges),
        quant_format=fmt, per_channel=variant.per_channel, reduce_range=variant.reduce_range,
        activation_type=getattr(QuantType, variant.activation),
        weight_type=getattr(QuantType, variant.weight),
        calibrate_method=_method(variant),
        nodes_to_exclude=list(variant.exclude) or None,
        op_types_to_quantize=list(variant.ops) or None,
        extra_options={"ActivationSymmetric": variant.symmetric})
    return dst


def _method(variant: Variant):
    from onnxruntime.quantization import CalibrationMethod

    return getattr(CalibrationMethod, variant.method)


def build(variant: Variant, dst: Path, cache: Path) -> Path:
    with tempfile.TemporaryDirectory() as tmp:
        pre = preprocess(Path(tmp) / "pre.onnx")
        ranges = calibrate(pre, calibration_batches(cache), variant, Path(tmp) / "ranges.json")
        return quantize(pre, ranges, variant, dst)


def main() -> None:
    with tempfile.TemporaryDirectory() as cache:
        out = build(SHIPPED, TARGET, Path(cache))
    print(f"wrote {out} ({out.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
