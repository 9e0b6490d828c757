"""Run every benchmark, print their figures, and write ``benchmarks/results.md``.

    .venv/bin/python benchmarks/run_all.py        (or: make bench)

Each ``bench_*.py`` runs in its own process (offscreen, throwaway folders, no keyring) and
in its own session, so a script that overruns its time is stopped with everything it
started. The whole run keeps to a fixed budget (16 minutes) and stops by itself; a figure
whose script did not finish is reported as such, and fails.

These are measurements, not timed tests: the exit status is 0 whenever the figures could be
written, whatever they say. The machine is shared and noisy, so every goal that is a ratio
is measured inside one run.
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import signal
import subprocess
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
RESULTS = BENCH_DIR / "results.md"
JSON_TAG = "BENCH_JSON "
BUDGET_S = 18 * 60

# (script, what it measures, its own time limit in seconds), in the order
SCRIPTS = [
    ("bench_responsiveness.py", "window responsiveness", 300),
    ("bench_latency.py", "latency the client adds", 150),
    ("bench_batch.py", "batch overhead", 120),
    ("bench_requests.py", "requests per job", 90),
    ("bench_startup.py", "start-up", 90),
    ("bench_memory.py", "memory", 240),
    ("bench_hitches.py", "hitches on the GUI thread (ten cases)", 480),    # about 4 min
    ("bench_gui_per_job.py", "GUI-thread CPU per finished job", 90),     # about 25 s
    ("bench_engine_quality.py", "engine quality (dev set)", 180),            # about 40 s
    ("bench_engine_speed.py", "engine speed (local job / bare u2netp)", 240),  # about 90 s
    ("bench_upload_prep.py", "removing GPS before an upload (storage)", 60),
    ("bench_touchup.py", "touch-up on a 24 MP job", 150),                  # about 25 s
]


def run_script(script: str, limit: float) -> tuple[list[dict], list[str], str]:
    """Run one benchmark; (figures, notes, trouble) where trouble is "" when all went well."""
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen([sys.executable, str(BENCH_DIR / script)], cwd=BENCH_DIR.parent,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=limit)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)   # the script and whatever it started
        out, err = proc.communicate()
        trouble = f"stopped after {limit:.0f} s"
    else:
        trouble = "" if proc.returncode == 0 else f"exit status {proc.returncode}"
    figures, notes = [], []
    for line in out.splitlines():
        if line.startswith(JSON_TAG):
            data = json.loads(line[len(JSON_TAG):])
            figures, notes = data["figures"], data.get("notes", [])
        else:
            print("  " + line, flush=True)
    if not figures:
        tail = "\n".join(err.strip().splitlines()[-8:])
        if tail:
            print("  " + tail.replace("\n", "\n  "), flush=True)
        trouble = trouble or "printed no figures"
    return figures, notes, trouble


def versions() -> dict[str, str]:
    try:
        import PySide6
        pyside = PySide6.__version__
    except ImportError:
        pyside = "not installed"
    return {
        "date": datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "cores (os.cpu_count())": str(os.cpu_count()),
        "Python": platform.python_version(),
        "PySide6": pyside,
        "platform": platform.platform(),
    }


def write_results(rows: list[tuple[str, dict | None, str]], took: float) -> None:
    def cell(text: str) -> str:
        return str(text).replace("|", "\\|").replace("\n", " ")

    lines = ["# Benchmark results", "",
             "Written by `benchmarks/run_all.py` (`make bench`). Offscreen, throwaway folders, "
             "no keyring; see each `bench_*.py` for how its figure is taken.", ""]
    lines += [f"- {name}: {value}" for name, value in versions().items()]
    lines += [f"- whole run: {took:.0f} s", "",
              "| figure | measured value | goal | pass/fail |", "| --- | --- | --- | --- |"]
    for label, figure, trouble in rows:
        if figure is None:
            lines.append(f"| {cell(label)} | did not finish ({cell(trouble)}) | see script "
                         "| FAIL |")
            continue
        verdict = {True: "PASS", False: "FAIL", None: "n/a"}[figure["passed"]]
        lines.append(f"| {cell(figure['figure'])} | {cell(figure['value'])} | "
                     f"{cell(figure['goal'])} | {verdict} |")
    lines += ["", "## Details", ""]
    for label, figure, trouble in rows:
        if figure is None:
            continue
        lines.append(f"**{figure['figure']}**")
        lines.append("")
        for key, value in figure.get("details", {}).items():
            lines.append(f"- {key}: {value}")
        if trouble:
            lines.append(f"- note: {trouble}")
        lines.append("")
    RESULTS.write_text("\n".join(lines).rstrip() + "\n")


def main() -> int:
    started = time.monotonic()
    rows: list[tuple[str, dict | None, str]] = []
    for script, label, limit in SCRIPTS:
        left = BUDGET_S - (time.monotonic() - started)
        if left < 15:
            print(f"== {script}: skipped, the run's time budget is spent", flush=True)
            rows.append((label, None, "skipped: the run's time budget was spent"))
            continue
        print(f"== {script}", flush=True)
        t0 = time.monotonic()
        figures, notes, trouble = run_script(script, min(limit, left))
        print(f"   ({time.monotonic() - t0:.0f} s{', ' + trouble if trouble else ''})",
              flush=True)
        if not figures:
            rows.append((label, None, trouble))
        for figure in figures:
            rows.append((label, figure, trouble))
    took = time.monotonic() - started
    write_results(rows, took)
    print(f"\nwrote {RESULTS.relative_to(BENCH_DIR.parent)} ({took:.0f} s)")
    for name, value in versions().items():
        print(f"{name}: {value}")
    print()
    width = max(len(f["figure"]) if f else len(label) for label, f, _t in rows)
    for label, figure, trouble in rows:
        if figure is None:
            print(f"{label:<{width}}  did not finish ({trouble})  FAIL")
        else:
            verdict = {True: "PASS", False: "FAIL", None: "n/a"}[figure["passed"]]
            print(f"{figure['figure']:<{width}}  {figure['value']}  [goal: {figure['goal']}]"
                  f"  {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
