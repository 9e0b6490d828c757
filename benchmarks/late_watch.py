"""What the GUI thread was doing while a tick was late: its Python stack, sampled.

A profiler over the whole span (cProfile, py-spy) slows every turn, and a rare long gap is
then lost among the profiler's own; this watches only the lateness. A thread of the same
process checks every ``EVERY_S`` whether the GUI thread's 5 ms ticker is more than
``LATE_S`` past its last tick, and while it is, records the GUI thread's Python stack
(``sys._current_frames``) and its CPU and run-queue time so far (Linux schedstat of that
thread). A stack that ends in the event loop's ``exec`` is Qt's C++ work (painting, layout)
or a wait for the GIL; the CPU figures say which, and the thread's user and kernel time
over the sampled part (``/proc``'s ticks, 10 ms each) say whether the CPU went to the
window's code or to the kernel (page faults, reclaim, a big ``munmap``).

``bench_hitches.py --profile late`` turns it on; the report lists the late gaps with the
stacks seen in each, most frequent first.
"""

from __future__ import annotations

import json
import sys
import threading
import time
import traceback
from collections import Counter
from pathlib import Path

LATE_S = 0.025      # a tick this late (beyond its 5 ms) starts sampling
EVERY_S = 0.002


class LateWatch:
    def __init__(self) -> None:
        self.gaps: list[dict] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._main = threading.main_thread()

    def start(self, ticker) -> None:
        """Watch ``ticker`` (``bench_hitches.Ticker``: its ticks, and the GUI thread's CPU
        and run-queue time at each)."""
        stat = f"/proc/self/task/{self._main.native_id}/schedstat"
        self._times = f"/proc/self/task/{self._main.native_id}/stat"
        self._thread = threading.Thread(target=self._run, args=(ticker, stat),
                                        name="late-watch", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(2)

    def _run(self, ticker, stat: str) -> None:
        current: dict | None = None
        ticks = ticker.ticks
        t0 = ticks[0]
        while not self._stop.wait(EVERY_S):
            n = min(len(ticks), len(ticker.cpu), len(ticker.runq))
            last = ticks[n - 1]
            now = time.perf_counter()
            if now - last < LATE_S:
                current = None
                continue
            cpu, queued = _schedstat(stat)
            if current is None or current["tick"] != last:
                # the GUI thread's CPU and queue time at the late tick itself
                current = {"tick": last, "at_s": last - t0, "cpu0": ticker.cpu[n - 1],
                           "queued0": ticker.runq[n - 1], "samples": [],
                           "user_sys0": _user_sys(self._times)}
                self.gaps.append(current)
            current["user_sys"] = [b - a for a, b in zip(current["user_sys0"],
                                                         _user_sys(self._times))]
            frame = sys._current_frames().get(self._main.ident)
            stack = [f"{Path(f.filename).name}:{f.lineno} {f.name}"
                     for f in traceback.extract_stack(frame)][-12:] if frame else []
            current["samples"].append(((now - last) * 1000, (cpu - current["cpu0"]) * 1000,
                                       (queued - current["queued0"]) * 1000, stack))

    def dump(self, path: Path) -> None:
        path.write_text(json.dumps([{k: v for k, v in g.items()
                                     if k not in ("tick", "user_sys0")}
                                    for g in self.gaps]))


def _user_sys(path: str) -> tuple[int, int]:
    """The thread's user and kernel CPU time so far, in clock ticks."""
    try:
        with open(path) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[11]), int(fields[12])
    except (OSError, IndexError, ValueError):
        return 0, 0


def _schedstat(path: str) -> tuple[float, float]:
    try:
        with open(path) as f:
            on_cpu, queued, _ = f.read().split()
        return int(on_cpu) / 1e9, int(queued) / 1e9
    except (OSError, ValueError):
        return 0.0, 0.0


def report(path: Path, top: int = 8) -> list[str]:
    gaps = json.loads(path.read_text())
    gaps.sort(key=lambda g: g["samples"][-1][0] if g["samples"] else 0, reverse=True)
    lines = [(f"{len(gaps)} ticks more than {LATE_S * 1000:.0f} ms late; the longest, with "
              "the GUI thread's stacks sampled in each (innermost last):")]
    for g in gaps[:top]:
        last = g["samples"][-1]
        lines.append(f"  at {g['at_s']:.2f} s: >= {last[0]:.0f} ms since the tick, GUI CPU "
                     f"{last[1]:.0f} ms and waiting for a core {last[2]:.0f} ms in "
                     f"the {len(g['samples'])} samples' span; sampled part: user / kernel "
                     f"{'/'.join(str(t * 10) for t in g.get('user_sys', (0, 0)))} ms")
        stacks = Counter(" > ".join(s[3][-6:]) for s in g["samples"])
        for stack, n in stacks.most_common(4):
            lines.append(f"    x{n}: {stack}")
    return lines
