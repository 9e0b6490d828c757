"""The int8 calibration study: each way of quantising u2netp, scored on the dev set and timed.

For every ``Variant`` below (``packaging/build_int8_model.py`` builds it from the bundled
``u2netp.onnx``, calibrated on ``packaging/int8_calibration.py``'s photos, none from the dev
set): mean IoU of the default recipe on the dev set with that model in place of the float one
(all, pets, composites, worst item); the same for the doubt look (a second, letterboxed look
when the first is unsure) with every look int8, and with a float first look and an int8 second, and its median inference time on one 320×320 input,
alternating with the float model in the same run.

    .venv/bin/python benchmarks/bench_engine_int8.py            every variant
    .venv/bin/python benchmarks/bench_engine_int8.py entropy    variants whose label has it

Needs the build-only ``onnx`` package. Not part of run_all (minutes per variant).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "packaging"))

from bench_engine_quality import PETS, evaluate, load_devset  # noqa: E402
from build_int8_model import (WIDE, Variant, calibrate, calibration_batches,  # noqa: E402
                              preprocess, quantize)

from desktop_app.engine import segment, session  # noqa: E402



def _convs() -> list[str]:
    import onnx

    return [n.name for n in onnx.load(str(session.MODEL_PATH)).graph.node if n.op_type == "Conv"]


CONVS = _convs()
# u2netp's stages by conv index (the export keeps the forward order): encoder RSU7-RSU4F,
# decoder RSU4F-RSU7, then the six side-output convs and their 1×1 fusion
STAGES = {"en1": (0, 14), "en2": (14, 26), "en3": (26, 36), "en4": (36, 44), "en5": (44, 52),
          "en6": (52, 60), "de5": (60, 68), "de4": (68, 76), "de3": (76, 86), "de2": (86, 98),
          "de1": (98, 112), "side": (112, 119)}
SIGMOIDS = tuple(f"Sigmoid_{n}" for n in range(1048, 1055))


def floating(*stages: str) -> tuple[str, ...]:
    """Node names of these stages (and the sigmoids, with "side"), left in float."""
    names = [c for s in stages for c in CONVS[STAGES[s][0]:STAGES[s][1]]]
    return tuple(names) + (SIGMOIDS if "side" in stages else ())


FUSION = ("Concat_1046", "Conv_1047") + SIGMOIDS
VARIANTS: list[tuple[str, Variant]] = [
    ("minmax, float wide concats", Variant(exclude=WIDE)),
    ("minmax, float wide + fusion", Variant(exclude=WIDE + FUSION)),
    ("percentile 99.999, float wide + fusion", Variant(method="Percentile", percentile=99.999,
                                                      exclude=WIDE + FUSION)),
    ("minmax, float wide + fusion + de1", Variant(exclude=WIDE + FUSION + floating("de1"))),
    ("minmax qdq u8s8 per-channel", Variant()),
    ("minmax, float side", Variant(exclude=floating("side"))),
    ("percentile 99.999", Variant(method="Percentile", percentile=99.999)),
    ("percentile 99.99", Variant(method="Percentile", percentile=99.99)),
    ("entropy", Variant(method="Entropy")),
    ("minmax, float 1st conv + side", Variant(exclude=(CONVS[0],) + floating("side"))),
    ("minmax, float en1 + de1 + side", Variant(exclude=floating("en1", "de1", "side"))),
    ("minmax, float decoder + side", Variant(exclude=floating("de5", "de4", "de3", "de2",
                                                              "de1", "side"))),
    ("minmax, conv only", Variant(ops=("Conv",))),
    ("wide float, per-tensor", Variant(exclude=WIDE, per_channel=False)),
    ("wide float, u8u8", Variant(exclude=WIDE, weight="QUInt8")),
    ("wide float, reduce_range", Variant(exclude=WIDE, reduce_range=True)),
    ("wide float, qoperator", Variant(exclude=WIDE, qdq=False)),
    ("minmax s8s8 symmetric", Variant(activation="QInt8", symmetric=True)),
]
for _stage in STAGES:  # sensitivity: everything quantised but one stage
    VARIANTS.append((f"minmax, float {_stage} only", Variant(exclude=floating(_stage))))


def score(items: list[dict], model: Path | None) -> dict:
    """Dev-set figures (mean IoU, worst, pets, composites) of the default recipe and of the
    doubt look with ``model`` as the int8 model: all looks int8, or float first + int8 second
    look. ``model`` None: the float model alone."""
    first = segment.Recipe(fallback=0.2)  # the default before the int8 model
    doubt = segment.Recipe(fallback=0.2, doubt=0.25)
    if model is None:
        recipes = [("default", first), ("doubt", doubt)]
    else:
        session._int8 = _session(model)
        recipes = [("default", replace(first, model=session.INT8)),
                   ("doubt", replace(doubt, model=session.INT8)),
                   ("mixed", replace(doubt, second=session.INT8))]
    out = {}
    for row in evaluate(items, recipes):
        ious = row["ious"]
        pets = [v for v, i in zip(ious, items) if i["subject"] in PETS]
        comp = [v for v, i in zip(ious, items) if i["kind"] == "composite"]
        out[row["label"]] = (float(np.mean(ious)), min(ious), float(np.mean(pets)),
                             float(np.mean(comp)))
    session._int8 = None
    return out


def _session(model: Path):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = session.intra_op_threads()
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3
    return ort.InferenceSession(str(model), sess_options=options,
                                providers=["CPUExecutionProvider"])


def timing(model: Path, runs: int = 15) -> tuple[float, float]:
    """Median ms of one inference: (this model, the float one), alternating."""
    fp32, q = _session(session.MODEL_PATH), _session(model)
    x = np.random.default_rng(0).normal(size=(1, 3, 320, 320)).astype(np.float32)
    name = fp32.get_inputs()[0].name
    for s in (fp32, q):
        s.run(None, {name: x})
    a, b = [], []
    for _ in range(runs):
        for s, acc in ((q, b), (fp32, a)):
            t0 = time.perf_counter()
            s.run(None, {name: x})
            acc.append(time.perf_counter() - t0)
    return 1000 * statistics.median(b), 1000 * statistics.median(a)


def line(label: str, figs: dict, ms: tuple[float, float] | None) -> str:
    t = f"{ms[0]:6.1f} / {ms[1]:6.1f} ms" if ms else " " * 19
    parts = [" ".join(f"{v:.3f}" for v in figs[k]) if k in figs else " " * 23
             for k in ("default", "doubt", "mixed")]
    return f"{label:<30} " + " | ".join(parts) + f" | {t}"


def main() -> None:
    wanted = [w for w in sys.argv[1:] if not w.startswith("-")]
    variants = [v for v in VARIANTS if not wanted or any(w in v[0] for w in wanted)]
    items = load_devset()
    print(f"{'variant':<30} {'default: IoU worst pets comp':<23} | {'doubt look: same':<23} | "
          f"{'fp32 + int8 2nd look':<23} | int8 / fp32 ms")
    print(line("fp32 (the bundled model)", score(items, None), None), flush=True)
    cache = Path(tempfile.gettempdir()) / "cutout-int8-study"  # the wheel and the ranges
    cache.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="cutout-int8-") as tmp:
        tmpdir = Path(tmp)
        pre = preprocess(tmpdir / "pre.onnx")
        batches: list[np.ndarray] = []
        for n, (label, variant) in enumerate(variants):
            ranges = cache / f"ranges-{variant.method}-{variant.percentile}-{variant.symmetric}.json"
            if not ranges.is_file():
                batches = batches or calibration_batches(cache)
                calibrate(pre, batches, variant, ranges)
            model = quantize(pre, ranges, variant, tmpdir / f"{n}.onnx")
            figs = score(items, model)
            print(line(label, figs, timing(model)), flush=True)
    session._session = None


if __name__ == "__main__":
    main()
