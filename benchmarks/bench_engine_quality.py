"""Engine quality on the dev set: each pre/post-processing choice, measured the same way.

For every choice (a ``segment.Recipe``) and every dev-set item (``benchmarks/devset``, built
by ``devset/make_devset.py``): IoU of the mask at ≥ 50 % against the truth at ≥ 50 %, and the
mean absolute alpha error (0…1). Printed as a table: mean IoU (all, real photos, composites,
pets = cat, furred horse and raccoon), the worst item, mean alpha error, and the time per image.
The model's output is computed once per distinct pre-processing and reused by the choices
that differ only after it (curves, edge refinement), so the table is cheap to extend.

    .venv/bin/python benchmarks/bench_engine_quality.py          anchor and default (run_all)
    .venv/bin/python benchmarks/bench_engine_quality.py --all    every choice below
    .venv/bin/python benchmarks/bench_engine_quality.py flip     the choices whose label has "flip"

Anchor: u2netp run exactly as rembg runs it. The engine's default must beat it here; the
figure reported to run_all is the default's mean IoU against the anchor's, in one run.
"""

from __future__ import annotations

import json
import sys
from dataclasses import replace
import time
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import Figure, report  # noqa: E402

from desktop_app.engine import segment, session  # noqa: E402
from desktop_app.engine.segment import Recipe  # noqa: E402

DEVSET = Path(__file__).resolve().parent / "devset"
PETS = ("cat", "horse", "raccoon")  # the animals: what the held-out pet set stands for

CHOICES: list[tuple[str, Recipe]] = [
    ("anchor (rembg: squash, LANCZOS)", segment.ANCHOR),
    ("fast shrink (reducing_gap 2)", Recipe()),
    ("bilinear mask upscale", Recipe(bilinear=True)),
    ("letterboxed 2nd look below 12 %", Recipe(fallback=0.12)),
    ("letterboxed 2nd look below 20 %", Recipe(fallback=0.20)),
    ("2nd look < 20 % or band > 0.25", Recipe(fallback=0.20, doubt=0.25)),
    ("same, int8 2nd look (default)", segment.DEFAULT),
    ("same, int8 both looks", Recipe(fallback=0.20, doubt=0.25, model=session.INT8)),
    ("int8, 2nd look below 20 %", Recipe(fallback=0.20, model=session.INT8)),
    ("2nd look < 20 % or band > 0.15", Recipe(fallback=0.20, doubt=0.15)),
    ("2nd look < 20 % or band > 0.35", Recipe(fallback=0.20, doubt=0.35)),
    ("flip averaging", Recipe(flip=True)),
    ("letterbox", Recipe(letterbox=True)),
    ("letterbox + flip", Recipe(letterbox=True, flip=True)),
    ("letterbox, grey padding", Recipe(letterbox=True, pad="grey")),
    ("letterbox, black padding", Recipe(letterbox=True, pad="black")),
    ("margin 5%", Recipe(margin=0.05)),
    ("margin 10%", Recipe(margin=0.1)),
    ("letterbox + margin 5%", Recipe(letterbox=True, margin=0.05)),
    ("letterbox + margin 10%", Recipe(letterbox=True, margin=0.1)),
    ("letterbox + margin 5% + holes", Recipe(letterbox=True, margin=0.05, holes=True)),
    ("curve 0.1-0.9", Recipe(low=0.1, high=0.9)),
    ("curve 0.2-0.8", Recipe(low=0.2, high=0.8)),
    ("threshold 0.3 (curve 0.1-0.5)", Recipe(low=0.1, high=0.5)),
    ("threshold 0.4 (curve 0.2-0.6)", Recipe(low=0.2, high=0.6)),
    ("threshold 0.6 (curve 0.4-0.8)", Recipe(low=0.4, high=0.8)),
    ("guided r4 eps1e-3", Recipe(refine=4, refine_eps=1e-3)),
    ("guided r8 eps1e-3", Recipe(refine=8, refine_eps=1e-3)),
    ("guided r8 eps1e-2", Recipe(refine=8, refine_eps=1e-2)),
    ("guided r16 eps1e-2", Recipe(refine=16, refine_eps=1e-2)),
    ("flip + guided r8 eps1e-2", Recipe(flip=True, refine=8, refine_eps=1e-2)),
    ("flip + curve 0.2-0.6", Recipe(flip=True, low=0.2, high=0.6)),
    ("fill holes", Recipe(holes=True)),
    ("drop islands", Recipe(islands=True)),
    ("fill holes + drop islands", Recipe(holes=True, islands=True)),
    ("flip + fill holes", Recipe(flip=True, holes=True)),
    ("flip + holes + islands", Recipe(flip=True, holes=True, islands=True)),
    ("flip + holes + guided r4", Recipe(flip=True, holes=True, refine=4)),
    ("holes + islands + curve 0.1-0.9", Recipe(holes=True, islands=True, low=0.1, high=0.9)),
    ("holes + islands + guided r4", Recipe(holes=True, islands=True, refine=4)),
    ("letterbox + holes", Recipe(letterbox=True, holes=True)),
    ("letterbox + flip + holes", Recipe(letterbox=True, flip=True, holes=True)),
    ("letterbox + flip + holes + islands",
     Recipe(letterbox=True, flip=True, holes=True, islands=True)),
    ("letterbox + flip + holes + bilinear",
     Recipe(letterbox=True, flip=True, holes=True, bilinear=True)),
]


def load_devset() -> list[dict]:
    items = json.loads((DEVSET / "manifest.json").read_text())
    for item in items:
        with Image.open(DEVSET / "images" / f"{item['name']}.jpg") as img:
            item["image"] = img.convert("RGB")
        with Image.open(DEVSET / "masks" / f"{item['name']}.png") as mask:
            item["truth"] = np.asarray(mask.convert("L"), dtype=np.float32) / 255.0
    return items


def scores(mask: Image.Image, truth: np.ndarray) -> tuple[float, float]:
    m = np.asarray(mask, dtype=np.float32) / 255.0
    a, b = m >= 0.5, truth >= 0.5
    iou = float((a & b).sum() / max((a | b).sum(), 1))
    return iou, float(np.abs(m - truth).mean())


def evaluate(items: list[dict], choices=CHOICES) -> list[dict]:
    cache: dict[tuple, tuple[np.ndarray, float]] = {}
    rows = []
    for label, recipe in choices:
        # what the model sees: the recipe with every after-the-model field at its default
        key_fields = (replace(recipe, low=0.0, high=1.0, refine=0, refine_eps=1e-3,
                              bilinear=False, holes=False, islands=False),)
        ious, maes, secs, per_item = [], [], [], {}
        for item in items:
            key = key_fields + (item["name"],)
            t0 = time.perf_counter()
            if recipe.fallback or recipe.doubt:  # two looks decided inside predict: not cached
                mask = segment.predict(item["image"], recipe)
                secs.append(time.perf_counter() - t0)
                iou, mae = scores(mask, item["truth"])
                ious.append(iou)
                maes.append(mae)
                per_item[item["name"]] = iou
                continue
            if key not in cache:
                pred = segment.soft_mask(item["image"], recipe)
                cache[key] = (pred, time.perf_counter() - t0)
                t0 = time.perf_counter()
            pred, infer_s = cache[key]
            mask = segment.finish(pred, item["image"], recipe)
            secs.append(infer_s + time.perf_counter() - t0)
            iou, mae = scores(mask, item["truth"])
            ious.append(iou)
            maes.append(mae)
            per_item[item["name"]] = iou
        rows.append({"label": label, "ious": ious, "maes": maes, "secs": secs,
                     "per_item": per_item})
    return rows


def subset_mean(row: dict, items: list[dict], pick) -> float:
    vals = [iou for iou, item in zip(row["ious"], items) if pick(item)]
    return float(np.mean(vals)) if vals else float("nan")


def table(rows: list[dict], items: list[dict]) -> list[str]:
    head = (f"{'choice':<34} {'IoU':>6} {'photo':>6} {'comp':>6} {'pets':>6} "
            f"{'worst':>6} {'MAE':>6} {'ms/img':>7}  worst item")
    lines = [head, "-" * len(head)]
    for row in rows:
        worst = int(np.argmin(row["ious"]))
        lines.append(
            f"{row['label']:<34} {np.mean(row['ious']):6.3f} "
            f"{subset_mean(row, items, lambda i: i['kind'] == 'photo'):6.3f} "
            f"{subset_mean(row, items, lambda i: i['kind'] == 'composite'):6.3f} "
            f"{subset_mean(row, items, lambda i: i['subject'] in PETS):6.3f} "
            f"{row['ious'][worst]:6.3f} {np.mean(row['maes']):6.3f} "
            f"{1000 * np.mean(row['secs']):7.0f}  {items[worst]['name']}")
    return lines


def main() -> None:
    session.load_all()
    items = load_devset()
    wanted = sys.argv[1:]
    if "--all" in wanted:
        choices = CHOICES
    elif wanted:  # labels (or parts of them) picked on the command line
        choices = [c for c in CHOICES if any(w in c[0] for w in wanted)] or CHOICES[:1]
    else:  # run_all's quick run: the anchor and the engine's default only
        choices = [CHOICES[0], ("engine default", segment.DEFAULT)]
    rows = evaluate(items, choices)
    lines = table(rows, items)
    print(f"dev set: {len(items)} items ({sum(i['kind'] == 'photo' for i in items)} photos, "
          f"{sum(i['kind'] == 'composite' for i in items)} composites); "
          f"onnxruntime threads {session.intra_op_threads()}")
    print("\n".join(lines))
    anchor = next(r for r in rows if r["label"].startswith("anchor"))
    default_label = next((label for label, rec in choices if rec == segment.DEFAULT), None)
    default = next((r for r in rows if r["label"] == default_label), None)
    if default is None:
        default = evaluate(items, [("engine default", segment.DEFAULT)])[0]
    a_iou, d_iou = float(np.mean(anchor["ious"])), float(np.mean(default["ious"]))
    report([Figure(
        "engine quality (dev set, mean IoU at 50 %: default / rembg anchor)",
        f"{d_iou:.3f} / {a_iou:.3f} (worst {min(default['ious']):.3f} / "
        f"{min(anchor['ious']):.3f})",
        "default ≥ anchor, mean and worst", d_iou >= a_iou and min(default["ious"]) >=
        min(anchor["ious"]),
        {"default recipe": repr(segment.DEFAULT),
         "columns": lines[0].split("  worst item")[0].split(None, 1)[1],
         **{row["label"]: line[34:].strip()
            for row, line in zip(rows, lines[2:])},
         "dev set": f"{len(items)} items, benchmarks/devset (every choice: --all)"})])


if __name__ == "__main__":
    main()
