"""Adding many jobs without a hitch: a chunk of them per turn of the event loop.

Adding a job costs the GUI thread little (the queue's bookkeeping, its history row handed to
the writer thread, a row in the list), but a paste of 500 links or a folder of 500 photos
adds them all at once: tens of milliseconds in one turn, a visible stall. The feed adds at
most ``CHUNK`` per turn instead, ``STEP`` at a time until ``TURN_BUDGET_S`` of the GUI
thread's CPU is used, so the window paints and answers between chunks, and each chunk goes
the ordinary way (history first, then the list); jobs start once all are in.

Why these sizes (``bench_hitches.py`` case 2 with ``HITCH_FEED``, ``benchmarks/measurements.md``):
at load 2-4, 50 a turn added 25 at a time beat 50 at once in three runs of three (p99 12.9-
14.7 against 16.7-20.1 ms, max 28-42 against 42-59 ms); 100 or 200 a turn, or 25, did not
do better. The budget counts CPU time, so a machine busy with other work does not shrink
the chunks, while jobs that cost more to add (or a slow machine) go in fewer per turn.

Batches are added in the order given, each in its own order: a batch fed while another is
still going in waits behind it. A small batch (up to ``AT_ONCE``) fed to an idle feed is
added at once, in the call: nothing changes for one link or a few files. A bigger one starts
on the next turn: the turn that read a paste of 50 links, said what it found and emptied the
box then also added them, 13-20 ms of the GUI thread's CPU (``bench_hitches`` case 1).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PySide6.QtCore import QObject, QTimer

from desktop_app.jobs.model import Engine, Job

AT_ONCE = 10            # a batch this small, fed to an idle feed, is added in the call
CHUNK = 50              # most jobs added per turn: about 2 ms of the GUI thread's CPU here
STEP = 25               # added at a time, until the turn's budget is used
TURN_BUDGET_S = 0.004   # of the GUI thread's CPU (``time.thread_time``) per turn


@dataclass
class _Batch:
    sources: list[str]
    engines: list[Engine]
    first_added: Callable[[Job], None] | None
    done: int = 0   # how many of ``sources`` are in the queue


class AddFeed(QObject):
    """Hands sources to ``add`` (the queue's ``add``), one chunk per event-loop turn (at most
    ``CHUNK``, less once ``TURN_BUDGET_S`` is used), then calls ``all_in`` once every batch
    fed is in.

    The driver starts jobs in ``all_in`` (the queue's pump), not after each chunk: the
    threads of newly started jobs would otherwise compete with the chunks still to come for
    the GIL, and every chunk's turn would last longer.
    """

    def __init__(self, add: Callable[[list[str], list[Engine]], list[Job]],
                 all_in: Callable[[], None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._add = add
        self._all_in = all_in
        self._batches: deque[_Batch] = deque()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._next_chunk)

    @property
    def waiting(self) -> int:
        """How many sources are fed but not in the queue yet."""
        return sum(len(b.sources) - b.done for b in self._batches)

    def feed(self, sources: Sequence[str], engines: Sequence[Engine],
             first_added: Callable[[Job], None] | None = None) -> None:
        """Add ``sources`` (one engine each) after everything fed before; ``first_added`` is
        called with the first job as soon as it is in the list (in this call when the feed
        was idle and the batch is small)."""
        if len(sources) != len(engines):
            raise ValueError("one engine per source")
        if not sources:
            return
        self._batches.append(_Batch(list(sources), list(engines), first_added))
        if len(self._batches) == 1 and not self._timer.isActive():
            if len(sources) <= AT_ONCE:
                self._next_chunk()
            else:
                self._timer.start()

    def flush(self) -> None:
        """Add everything still waiting, now (the window is closing: what was fed reaches
        the history and is there at the next start)."""
        self._timer.stop()
        while self._batches:
            self._add_from(self._batches[0], len(self._batches[0].sources))
            self._batches.popleft()
        self._all_in()

    def _next_chunk(self) -> None:
        began = time.thread_time()
        room = CHUNK
        while room and self._batches:
            batch = self._batches[0]
            room -= self._add_from(batch, min(room, STEP))
            if batch.done == len(batch.sources):
                self._batches.popleft()
            if time.thread_time() - began >= TURN_BUDGET_S:
                break
        if self._batches:
            self._timer.start()
        else:
            self._all_in()

    def _add_from(self, batch: _Batch, most: int) -> int:
        start, end = batch.done, min(len(batch.sources), batch.done + most)
        jobs = self._add(batch.sources[start:end], batch.engines[start:end])
        batch.done = end
        if start == 0 and batch.first_added is not None and jobs:
            batch.first_added(jobs[0])
        return end - start
