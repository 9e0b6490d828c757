"""The Python garbage collector during a measured span: how often it ran, and for how long.

Every collection holds the GIL, whichever thread set it off, so a long one stalls the GUI
thread as surely as the window's own code. ``gc.callbacks`` hears each collection's start
and end (with its generation); the summary says how much of it fell inside long gaps.

``HITCH_GC`` (set by ``bench_hitches.py --gc``) tries another set-up at the span's start,
after the window's start-up: "freeze" (``gc.freeze()``: what start-up made is never scanned
again), "tune" (``gc.set_threshold`` with a larger first threshold), "both", or "app" (leave
the collector as the app leaves it: the default).
"""

from __future__ import annotations

import gc
import os
import time

MODES = ("app", "freeze", "tune", "both")
TUNED = (10_000, 20, 40)     # gen0 after 10,000 net allocations (default 700, 10, 10)


class GcWatch:
    def __init__(self) -> None:
        self.mode = os.environ.get("HITCH_GC", "app") or "app"
        self.runs: list[tuple[float, float, int]] = []   # (start, end, generation)
        self._began: tuple[float, int] | None = None
        self.frozen = 0

    def _callback(self, phase: str, info: dict) -> None:
        now = time.perf_counter()
        if phase == "start":
            self._began = (now, info["generation"])
        elif self._began is not None:
            self.runs.append((self._began[0], now, self._began[1]))
            self._began = None

    def start(self) -> None:
        if self.mode in ("freeze", "both"):
            gc.collect()
            gc.freeze()
        if self.mode in ("tune", "both"):
            gc.set_threshold(*TUNED)
        self.frozen = gc.get_freeze_count()
        gc.callbacks.append(self._callback)

    def stop(self) -> None:
        if self._callback in gc.callbacks:
            gc.callbacks.remove(self._callback)

    def summary(self, ticks: list[float], long_gap: float = 0.033) -> str:
        """One line: collections per generation, their time, and the part in long gaps."""
        per_gen = {0: [], 1: [], 2: []}
        for start, end, gen in self.runs:
            per_gen[gen].append(end - start)
        long_gaps = [(a, b) for a, b in zip(ticks, ticks[1:]) if b - a > long_gap]
        in_long = 0.0
        for start, end, _gen in self.runs:
            for a, b in long_gaps:
                in_long += max(0.0, min(end, b) - max(start, a))
        parts = [f"gen{g} {len(d)}x {sum(d) * 1000:.1f} ms (longest {max(d, default=0) * 1000:.1f})"
                 for g, d in per_gen.items()]
        return (f"mode {self.mode}, thresholds {gc.get_threshold()}, {self.frozen} objects "
                f"frozen; " + "; ".join(parts)
                + f"; inside gaps over {long_gap * 1000:.0f} ms: {in_long * 1000:.1f} ms")


GC = GcWatch()
