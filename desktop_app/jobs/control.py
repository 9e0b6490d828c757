"""What steers a running job from outside: the user's policy, the service-time estimator
that places its polls, and the switch that stops it.

Pure Python (no requests, no Pillow, no Qt), so the window can hold these before its first
paint without loading the HTTP stack; ``pipeline`` does the work.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Callable, Iterator

from desktop_app.api.defaults import DownloadLimits
from desktop_app.jobs.limits import MAX_POLL, MIN_POLL


@dataclass(frozen=True)
class Policy:
    poll_interval: float = 3.0
    first_poll_delay: float = 2.0
    processing_limit: float = 300.0   # seconds a job may stay CONVERTING
    submit_attempts: int = 4          # only for failures that surely cost nothing
    poll_failures_allowed: int = 6    # consecutive failed polls before giving up
    backoff_base: float = 1.0
    backoff_max: float = 16.0
    download: DownloadLimits = field(default_factory=DownloadLimits)

    def __post_init__(self) -> None:
        object.__setattr__(self, "poll_interval",
                           min(MAX_POLL, max(MIN_POLL, float(self.poll_interval))))

    def backoff(self, attempt: int) -> float:
        return min(self.backoff_max, self.backoff_base * (2 ** (attempt - 1)))


class ServiceTimeEstimator:
    """Learns how long HitPaw takes, so a job's first poll lands just after it is done.

    HitPaw says nothing about how long a job will take, and asks for at least 2 s between
    polls, so a poll that comes too early costs 2 s and one that comes late costs the delay.
    Every answer narrows the service time down: a "still working" answer at ``t`` s after
    submit says it is longer than ``t``, a "completed" one that it is at most ``t``.

    - Nothing known yet (the first jobs of a session): first polls are spread over 2 to 4 s,
      so the first wave both finishes and teaches.
    - The answers agree on a window ``(low, high]``: poll at ``high``. While that window is
      wider than ``tolerance``, one job at a time probes its middle, halving it (a miss there
      costs that one job 2 s; every later job gains).
    - The answers disagree (the service varies, or one job was slow): poll at the median time
      by which recent jobs were seen done.
    - A job waiting for its first poll hears of every job seen done meanwhile (``listening``,
      ``sooner``): once the answers agree that it is likely done, it polls at once. So the
      jobs of a wave gain from its probe as soon as it is answered, not in the next wave.

    Answers older than ``memory`` seconds are forgotten, so a service that got faster or
    slower is learnt again. Always between the 2 s HitPaw asks for and 5 s. Thread-safe: one
    instance serves every job of a window (or of a CLI run).
    """

    def __init__(self, *, floor: float = MIN_POLL, window: int = 20, probes: int = 6,
                 spread: float = 2.0, tolerance: float = 0.25, memory: float = 300.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._floor, self._probes, self._spread = floor, probes, spread
        self._tolerance, self._memory, self._clock = tolerance, memory, clock
        self._working: deque[tuple[float, float]] = deque(maxlen=window)  # (when, seconds)
        self._done: deque[tuple[float, float]] = deque(maxlen=window)
        self._turn = 0
        self._probe_free_at = float("-inf")
        self._listeners: set[Stopper] = set()
        self._lock = threading.Lock()

    def first_poll(self, default: float) -> float:
        """Seconds after submit for a new job's first poll (``default`` when nothing is known)."""
        earliest = max(self._floor, default)
        with self._lock:
            now = self._clock()
            working, done = self._recent(now)
            if not done:
                step = self._turn % self._probes
                self._turn += 1
                return self._clamp(earliest + self._spread * step / max(1, self._probes - 1))
            low, high = max(working, default=0.0), min(done)
            if high <= low:  # the answers disagree: the median time jobs were seen done
                return self._clamp(max(earliest, sorted(done)[len(done) // 2]))
            low = max(low, earliest)
            if high - low > self._tolerance and now >= self._probe_free_at:
                probe = (low + high) / 2
                self._probe_free_at = now + probe + 0.1  # one probe in flight at a time
                return self._clamp(probe)
            return self._clamp(max(earliest, high))

    def still_working(self, asked: float, interval: float, misses: int) -> float:
        """Seconds to wait after the ``misses``-th "still working" answer, asked ``asked`` s
        after submit.

        When recent jobs were done sooner than ``interval`` from now, poll then (never
        sooner than 2 s); after a first poll that came too early, 2 s; else the interval.
        """
        with self._lock:
            now = self._clock()
            self._working.append((now, asked))
            working, done = self._recent(now)
        high = min(done, default=float("inf"))
        if max(working) < high < asked + interval:
            return max(MIN_POLL, high - asked)
        return MIN_POLL if misses <= 1 else interval

    def completed(self, done_at: float) -> None:
        """A job was seen done ``done_at`` s after submit; jobs waiting for news hear of it."""
        with self._lock:
            self._done.append((self._clock(), done_at))
            listeners = list(self._listeners)
        for stopper in listeners:
            stopper.nudge()

    def sooner(self, planned: float) -> float:
        """A waiting job's first poll (``planned`` s after submit), moved earlier once recent
        answers agree that jobs are done by then (never earlier than 2 s)."""
        with self._lock:
            working, done = self._recent(self._clock())
        high = min(done, default=float("inf"))
        if max(working, default=0.0) < high < planned:
            return max(self._floor, high)
        return planned

    @contextmanager
    def listening(self, stopper: Stopper) -> Iterator[None]:
        """While inside, ``completed`` nudges ``stopper`` (its job waits for news)."""
        with self._lock:
            self._listeners.add(stopper)
        try:
            yield
        finally:
            with self._lock:
                self._listeners.discard(stopper)

    def _recent(self, now: float) -> tuple[list[float], list[float]]:
        """The "still working" and "done" times (seconds after submit) not yet forgotten."""
        for answers in (self._working, self._done):
            while answers and now - answers[0][0] > self._memory:
                answers.popleft()
        return [s for _, s in self._working], [s for _, s in self._done]

    def _clamp(self, seconds: float) -> float:
        return min(MAX_POLL, max(self._floor, seconds))


class Stopper:
    """Asks a running job to stop at its next safe point, and says why.

    ``nudge`` wakes a job that waits for news (see ``ServiceTimeEstimator.listening``)
    without stopping it: it looks at what other jobs have learnt, and waits again or goes on.
    """

    CANCEL, PAUSE, SHUTDOWN = "cancel", "pause", "shutdown"

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._stopped = self._nudged = False
        self._on_stop: list[Callable[[], None]] = []
        self.reason: str | None = None

    def stop(self, reason: str) -> None:
        with self._changed:
            self.reason = self.reason or reason
            self._stopped = True
            self._changed.notify_all()
            hooks = list(self._on_stop)
        for hook in hooks:  # outside the lock: a hook may take its own
            hook()

    @contextmanager
    def linked(self, hook: Callable[[], None]) -> Iterator[None]:
        """While inside, a stop also calls ``hook`` (from the stopping thread), and at once
        if a stop was already asked: how a stop reaches work that cannot poll ``stopped``,
        such as an inference running in native code (``engine.Cancel.cancel``)."""
        with self._changed:
            self._on_stop.append(hook)
            already = self._stopped
        if already:
            hook()
        try:
            yield
        finally:
            with self._changed:
                self._on_stop.remove(hook)

    def nudge(self) -> None:
        with self._changed:
            self._nudged = True
            self._changed.notify_all()

    @property
    def stopped(self) -> bool:
        return self._stopped

    def wait(self, seconds: float, *, until_nudged: bool = False) -> bool:
        """Sleep up to ``seconds`` (or until nudged, if asked); True if a stop was asked."""
        with self._changed:
            self._changed.wait_for(lambda: self._stopped or (until_nudged and self._nudged),
                                   max(0.0, seconds))
            if until_nudged:
                self._nudged = False
            return self._stopped
