"""Who held the GIL while the GUI thread waited for it: a watchdog thread inside the window's
process (``bench_hitches.py --profile holders``).

A gap between the GUI thread's ticks with ~0 ms of its own CPU and no wait for a core is a
wait for the GIL, and py-spy's ``--gil`` sums who held it over the whole span, not at that
moment. This watchdog sleeps 2 ms at a time; when it wakes late it too has waited for the
GIL, over the same stretch as the GUI thread. At each wake it reads every Python thread's
own CPU clock (``pthread_getcpuclockid``), so the thread whose CPU grew by about the wait is
the holder; its stack, taken as the watchdog gets the GIL, shows where it let go (just after
the long call: an import's module, a C call that keeps the GIL). Each thread's wait for a
core (``/proc/self/task/TID/schedstat``) is read too: the watchdog's own says how much of
its lateness was not the GIL, and a holder's says it was preempted while holding the GIL (a
busy machine), or waited on the disk if neither its CPU nor its core wait grew (a cold
dlopen). Collections are logged with the thread that ran them (``gc.callbacks``).

The watchdog takes the GIL ~500 times a second for a few microseconds: use it to find the
holders, not for figures.
"""

from __future__ import annotations

import gc
import itertools
import os
import sys
import threading
import time
import traceback
from pathlib import Path

PERIOD_S = 0.002
LATE_S = 0.008       # a wake later than this is logged with its holders
STACK_DEPTH = 10


def _tid_of(clock_id: int) -> int:
    """The kernel's thread id inside a Linux thread CPU clock id (``~tid << 3 | 6``)."""
    return ~(clock_id >> 3)


class GilWatch:
    def __init__(self) -> None:
        self.late: list[dict] = []        # one per late wake
        self.collections: list[tuple[float, float, int, str]] = []   # start, end, gen, thread
        self._clocks: dict[int, int] = {}     # thread ident -> its CPU clock id
        self._names: dict[int, str] = {}
        self._sched: dict[int, int | None] = {}   # thread ident -> its schedstat's fd
        self._running = False
        self._thread: threading.Thread | None = None
        self._gc_began: tuple[float, int] | None = None

    # -- collections ------------------------------------------------------------------------
    def _gc(self, phase: str, info: dict) -> None:
        now = time.perf_counter()
        if phase == "start":
            self._gc_began = (now, info["generation"])
        elif self._gc_began is not None:
            self.collections.append((self._gc_began[0], now, self._gc_began[1],
                                     threading.current_thread().name))
            self._gc_began = None

    # -- the watchdog ---------------------------------------------------------------------------
    def start(self) -> None:
        self._running = True
        gc.callbacks.append(self._gc)
        self._thread = threading.Thread(target=self._watch, name="gil-watch", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._running = False
        if self._gc in gc.callbacks:
            gc.callbacks.remove(self._gc)
        if self._thread is not None:
            self._thread.join(1.0)

    def _name(self, ident: int) -> str:
        name = self._names.get(ident)
        thread = threading._active.get(ident)   # Python's own threads' names
        if name is None and thread is not None and not isinstance(thread, threading._DummyThread):
            self._names[ident] = name = thread.name
        if name is None:
            try:
                tid = _tid_of(self._clocks[ident])
                name = Path(f"/proc/self/task/{tid}/comm").read_text().strip()
            except (KeyError, OSError):
                name = "?"
            self._names[ident] = name = f"{name} ({ident % 100000})"
        return name

    def _cpu_times(self, frames: dict) -> dict[int, tuple[float, float]]:
        """Each thread's (CPU time, time waiting for a core) so far, in seconds."""
        times = {}
        for ident in frames:
            clock = self._clocks.get(ident)
            if clock is not None and not os.path.exists(f"/proc/self/task/{_tid_of(clock)}"):
                # a new thread with an ended one's ident (pthread_t values are reused)
                self._forget(ident)
                clock = None
            if clock is None:
                # safe: a thread listed by _current_frames is alive while we hold the GIL
                clock = self._clocks[ident] = time.pthread_getcpuclockid(ident)
                self._name(ident)    # known by name even once it has ended
                try:
                    self._sched[ident] = os.open(
                        f"/proc/self/task/{_tid_of(clock)}/schedstat", os.O_RDONLY)
                except OSError:
                    self._sched[ident] = None
            try:
                cpu = time.clock_gettime(clock)
            except OSError:
                continue
            waited = 0.0
            fd = self._sched.get(ident)
            if fd is not None:
                try:
                    waited = int(os.pread(fd, 128, 0).split()[1]) / 1e9
                except (OSError, IndexError, ValueError):
                    pass
            times[ident] = (cpu, waited)
        return times

    def _forget(self, ident: int) -> None:
        self._clocks.pop(ident, None)
        self._names.pop(ident, None)
        fd = self._sched.pop(ident, None)
        if fd is not None:
            os.close(fd)

    def _watch(self) -> None:
        me = threading.get_ident()
        main = threading.main_thread().ident
        previous = self._cpu_times(sys._current_frames()) 
        while self._running:
            asked = time.perf_counter()
            time.sleep(PERIOD_S)
            woke = time.perf_counter()
            frames = sys._current_frames() 
            now = self._cpu_times(frames)
            late = woke - asked - PERIOD_S
            if late > LATE_S:
                def grown(i: int, k: int, now=now, previous=previous) -> float:
                    return now[i][k] - previous.get(i, (0.0, 0.0))[k]

                grew = sorted(((grown(i, 0), grown(i, 1), i) for i in now
                               if i not in (me, main)), reverse=True)
                self.late.append({
                    "begin": asked, "end": woke, "late": late,
                    "own_core_wait": grown(me, 1) if me in now else 0.0,
                    "gui_cpu": grown(main, 0) if main in now else 0.0,
                    # no other holder: the GUI thread may have held the GIL itself in a call
                    # that blocks (a Qt call that does not release it): where it is now
                    "gui_stack": self._stack(frames.get(main))[:6],
                    # threads that ended during the wake (their CPU is out of sight)
                    "ended": [self._name(i) for i in previous if i not in now],
                    "holders": [(self._name(i), cpu, waited, self._stack(frames.get(i)))
                                for cpu, waited, i in grew[:3] if cpu > 0.001 or waited > 0.003],
                })
            previous = now

    @staticmethod
    def _stack(frame) -> list[str]:
        if frame is None:
            return []
        summary = traceback.extract_stack(frame, limit=STACK_DEPTH)
        out = []
        for entry in reversed(summary):
            file = entry.filename
            for cut in ("site-packages/", "/lib/python3"):
                if cut in file:
                    file = file.split(cut)[-1]
            file = file.split("wt-outliers/")[-1].split("/main/")[-1]
            out.append(f"{entry.name} ({file}:{entry.lineno})")
        return out

    # -- the report -----------------------------------------------------------------------------
    def report(self, ticks: list[float], worst: int = 6) -> list[dict]:
        """The longest gaps between ticks, each with the late wakes and collections in it."""
        gaps = sorted(((b - a, a, b) for a, b in itertools.pairwise(ticks)), reverse=True)[:worst]
        t0 = ticks[0] if ticks else 0.0
        out = []
        for gap, a, b in gaps:
            wakes = [w for w in self.late if w["begin"] < b and w["end"] > a]
            out.append({
                "gap_ms": gap * 1000, "at_s": a - t0,
                "wakes": [{"late_ms": w["late"] * 1000,
                           "own_core_wait_ms": w["own_core_wait"] * 1000,
                           "gui_cpu_ms": w["gui_cpu"] * 1000,
                           "gui_stack": w.get("gui_stack", []),
                           "ended": w.get("ended", []),
                           "holders": [(n, c * 1000, q * 1000, s)
                                       for n, c, q, s in w["holders"]]}
                          for w in wakes],
                "gc": [(gen, (e - s) * 1000, who) for s, e, gen, who in self.collections
                       if s < b and e > a],
            })
        return out


def format_report(entries: list[dict]) -> list[str]:
    lines = ["the longest gaps, the watchdog's late wakes in each (holder: its CPU in the wake)"]
    for entry in entries:
        lines.append(f"  {entry['gap_ms']:.1f} ms at {entry['at_s']:.2f} s")
        for gen, ms, who in entry["gc"]:
            lines.append(f"    gc gen{gen} {ms:.1f} ms on {who}")
        for wake in entry["wakes"]:
            lines.append(f"    wake {wake['late_ms']:.1f} ms late (its own wait for a core "
                         f"{wake['own_core_wait_ms']:.1f} ms), GUI CPU "
                         f"{wake['gui_cpu_ms']:.1f} ms")
            for name, cpu, waited, stack in wake["holders"]:
                lines.append(f"      {name}: {cpu:.1f} ms CPU, {waited:.1f} ms waiting for a core")
                lines += [f"          {line}" for line in stack]
            if wake.get("ended"):
                lines.append(f"      ended meanwhile: {', '.join(wake['ended'])}")
            if not wake["holders"] and wake.get("gui_stack"):
                lines.append("      no other holder; the GUI thread is at:")
                lines += [f"          {line}" for line in wake["gui_stack"]]
    return lines
