"""The engine in a helper process of its own, so onnxruntime never enters the window's process.

Measured in the window (``benchmarks/bench_hitches.py --case 6``), cutting out in the window's
own process made its GUI thread wait for the GIL: importing onnxruntime holds it 25-45 ms
(its module's initialisation, not its dlopen), and a 24 MP job holds it in bursts of tens of
milliseconds (Pillow's decode and ``tobytes``, numpy on the full-size image, the PNG writer's
chunks). Threads cannot fix that; another process can: it has its own GIL.

``EngineHelper.call(fn, *args, cancel=token)`` runs a module-level function ``fn(*args,
cancel=Cancel)`` in the helper (one process, started on first use with ``multiprocessing``'s
"spawn", which frozen builds support through ``multiprocessing.freeze_support()``) and returns
its result or raises its ``EngineError`` / ``Cancelled``. Several calls may run at once, each
on a thread of the helper, sharing its one model session. A cancel reaches the helper at once
and stops a running inference there (``RunOptions.terminate``). If the helper dies, every call
in flight fails with one sentence, and the next call starts a new helper.

An idle helper leaves: ``IDLE_EXIT_S`` after its last call ended (or after it started, if
none came), with none in flight, the window side takes it out of use and tells it to stop, so
its 380-430 MB (onnxruntime, the model's arena, a 24 MP job's buffers) go back to the system
between batches. The next call starts a new one, as after a death but without a word: an idle
exit fails nothing. The window decides, under the lock every call takes to register itself, so
a call either counts as in flight (and the helper stays) or finds no helper (and starts one);
none is ever sent to a helper that is leaving.

Only the standard library is imported here: the window creates its helper without loading
numpy, Pillow or onnxruntime.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import os
import sys
import threading
import time
import traceback
from concurrent.futures import Future
from typing import Any, Callable

from .errors import Cancel, Cancelled, EngineError

log = logging.getLogger(__name__)

HELPER_DIED = ("The cut-out stopped because Cutout's cut-out helper quit unexpectedly (perhaps "
               "the computer ran short of memory); try again.")
HELPER_FAILED = ("The cut-out failed on this computer; try again, or use HitPaw for this "
                 "image.")
STOP_WAIT_S = 2.0
# Idle this long, the helper leaves. A new one adds under a second to the next job (its
# start and the model's load: 1.9 s against 1.1 s warm for an 800x600 photo on a busy
# 2-core machine, ``benchmarks/bench_helper_idle.py``), so it is kept through the pauses
# within a batch (looking at a result, touching one up, adding the next files), and a
# finished batch gives its 400 MB back in a minute and a half.
IDLE_EXIT_S = 90.0


class _RemoteRun:
    """Stands for a call's inference in the helper where ``Cancel`` expects onnxruntime's
    ``RunOptions``: setting ``terminate`` sends the helper the call's cancel."""

    def __init__(self, helper: EngineHelper, call_id: int) -> None:
        self._helper, self._call_id = helper, call_id

    @property
    def terminate(self) -> bool:
        return False

    @terminate.setter
    def terminate(self, value: bool) -> None:
        if value:
            self._helper._send(("cancel", self._call_id), quiet=True)


class EngineHelper:
    """The client side: starts the helper process, sends it calls, hands back answers.

    ``niceness`` is added to the window's own priority for the whole helper (its
    onnxruntime threads included), so the GUI thread wins a busy core. ``idle_exit_s``
    (default: the module's ``IDLE_EXIT_S``, read when the helper is made) is how long it
    may sit idle before it leaves.
    """

    def __init__(self, niceness: int = 0, idle_exit_s: float | None = None) -> None:
        self._niceness = niceness
        self._idle_exit_s = IDLE_EXIT_S if idle_exit_s is None else idle_exit_s
        self._lock = threading.Lock()        # the process, the connection, the pending calls
        self._idle = threading.Condition(self._lock)   # a call ended, or the helper closed
        self._last_busy = 0.0                # when the last call ended (monotonic)
        self._send_lock = threading.Lock()
        self._ids = itertools.count(1)
        self._pending: dict[int, tuple[Future, Any]] = {}   # call id -> (answer, its pipe)
        self._process: Any = None
        self._conn: Any = None

    @property
    def pid(self) -> int | None:
        """The running helper's process id (None before the first call or after a crash)."""
        process = self._process
        return process.pid if process is not None and process.is_alive() else None

    def start(self) -> None:
        """Start the helper and have it load the model, unless it runs (blocking for the
        process's start only, a few milliseconds; the model loads in the helper)."""
        with self._lock:
            self._start_locked()

    def call(self, fn: Callable[..., Any], *args: Any, cancel: Cancel | None = None) -> Any:
        """``fn(*args, cancel=...)`` in the helper; blocks this thread (not the GIL) until
        it answers. Raises ``Cancelled`` after ``cancel``, ``EngineError`` on a failure."""
        if cancel is not None:
            cancel.check()
        future: Future = Future()
        with self._lock:
            self._start_locked()
            call_id = next(self._ids)
            conn = self._conn
            self._pending[call_id] = (future, conn)
        remote = _RemoteRun(self, call_id)
        try:
            self._send(("call", call_id, fn, args), conn=conn)
            if cancel is not None:     # after the call, so the helper knows what to stop
                cancel.attach(remote)  # (at once if the token was cancelled meanwhile)
            return future.result()
        finally:
            if cancel is not None:
                cancel.detach(remote)
            with self._lock:
                self._pending.pop(call_id, None)
                self._last_busy = time.monotonic()
                if not self._pending:
                    self._idle.notify_all()

    def close(self) -> None:
        """Ask the helper to leave and wait a moment for it (then end it)."""
        with self._lock:
            process, conn = self._process, self._conn
            self._process = self._conn = None
            self._idle.notify_all()
        if process is None:
            return
        try:
            with self._send_lock:
                conn.send(("stop",))
        except (OSError, ValueError):
            pass
        process.join(STOP_WAIT_S)
        if process.is_alive():
            process.terminate()
            process.join(STOP_WAIT_S)
        conn.close()

    # -- inside ----------------------------------------------------------------------------
    def _start_locked(self) -> None:
        if self._process is not None and self._process.is_alive():
            return
        import multiprocessing

        context = multiprocessing.get_context("spawn")
        mine, theirs = context.Pipe(duplex=True)
        nice = _own_nice() + self._niceness
        process = context.Process(target=serve, args=(theirs, nice), name="cutout-engine",
                                  daemon=True)
        process.start()
        theirs.close()      # the helper's end lives in the helper only: its exit is our EOF
        self._process, self._conn = process, mine
        threading.Thread(target=self._read, args=(process, mine), name="engine-helper-reader",
                         daemon=True).start()
        self._last_busy = time.monotonic()
        threading.Thread(target=self._leave_when_idle, args=(process, mine),
                         name="engine-helper-idle", daemon=True).start()

    def _leave_when_idle(self, process: Any, conn: Any) -> None:
        """Stop this helper once it has had no call in flight for ``idle_exit_s``; return
        as soon as it is no longer the one in use (closed, died, replaced)."""
        with self._idle:
            while self._conn is conn:
                if self._pending:
                    self._idle.wait()
                    continue
                left = self._last_busy + self._idle_exit_s - time.monotonic()
                if left <= 0:
                    self._process = self._conn = None   # the next call starts a new one
                    break
                self._idle.wait(left)
            else:
                return
        self._stop_idle(process, conn)

    def _stop_idle(self, process: Any, conn: Any) -> None:
        """Tell a helper already out of use to leave. No call was sent to it since it went
        idle, so its end (the reader's EOF) fails nothing. Its connection is left to the
        reader, which is still reading it."""
        with contextlib.suppress(OSError, ValueError), self._send_lock:   # gone already
            conn.send(("stop",))
        process.join(STOP_WAIT_S)
        if process.is_alive():
            process.terminate()
            process.join(STOP_WAIT_S)

    def _send(self, message: tuple, *, conn: Any = None, quiet: bool = False) -> None:
        conn = conn or self._conn
        try:
            with self._send_lock:
                conn.send(message)
        except (OSError, ValueError, AttributeError):
            if not quiet:      # the reader fails the call (EOF) if the helper has gone
                self._fail_all(conn)

    def _read(self, process: Any, conn: Any) -> None:
        """Hand each answer to its waiting call; when the helper goes, fail the rest."""
        while True:
            try:
                kind, call_id, value = conn.recv()
            except (EOFError, OSError, ValueError):
                break
            except Exception:  # noqa: BLE001 - an answer that did not unpickle
                log.exception("an answer from the cut-out helper could not be read")
                continue
            with self._lock:
                future, _conn = self._pending.get(call_id, (None, None))
            if future is None or future.done():
                continue
            if kind == "ok":
                future.set_result(value)
            else:
                future.set_exception(value)
        process.join(0.5)
        if process.exitcode not in (None, 0):
            log.warning("the cut-out helper quit with exit code %s", process.exitcode)
        self._fail_all(conn)

    def _fail_all(self, conn: Any) -> None:
        """Every call sent on ``conn`` fails; the next call starts a new helper."""
        with self._lock:
            if self._conn is conn:
                self._process = self._conn = None
            waiting = [future for future, sent_on in self._pending.values() if sent_on is conn]
        for future in waiting:
            if not future.done():
                future.set_exception(EngineError(HELPER_DIED))


def _own_nice() -> int:
    try:
        return os.getpriority(os.PRIO_PROCESS, 0)
    except (AttributeError, OSError):
        return 0


# -- the helper's side ------------------------------------------------------------------------
def serve(conn: Any, nice: int) -> None:
    """The helper process's main loop: each call on a thread of its own; cancels and the
    stop read here at once. Leaves when told to, or when the window's end of the pipe
    closes (the window has quit, even if it crashed)."""
    _set_nice(nice)
    send_lock = threading.Lock()
    cancels: dict[int, Cancel] = {}

    def answer(message: tuple) -> None:
        # the window gone: this process ends with its pipe
        with contextlib.suppress(OSError, ValueError), send_lock:
            conn.send(message)

    def run(call_id: int, fn: Callable[..., Any], args: tuple) -> None:
        try:
            answer(("ok", call_id, fn(*args, cancel=cancels[call_id])))
        except (EngineError, Cancelled) as err:
            answer(("error", call_id, err))
        except Exception:  # noqa: BLE001 - a bug: its details to stderr, a sentence back
            traceback.print_exc(file=sys.stderr)
            answer(("error", call_id, EngineError(HELPER_FAILED)))
        finally:
            cancels.pop(call_id, None)

    threading.Thread(target=_warm, name="warm-up", daemon=True).start()
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            break
        if message[0] == "stop":
            break
        if message[0] == "cancel":
            token = cancels.get(message[1])
            if token is not None:
                token.cancel()
        elif message[0] == "call":
            _kind, call_id, fn, args = message
            cancels[call_id] = Cancel()
            threading.Thread(target=run, args=(call_id, fn, args), daemon=True).start()
    conn.close()
    os._exit(0)   # calls still running are abandoned with the window that asked for them


def _warm() -> None:
    from . import session

    with contextlib.suppress(EngineError):   # every call says so, in its own sentence
        session.load_all()


def _set_nice(nice: int) -> None:
    try:
        if nice > os.getpriority(os.PRIO_PROCESS, 0):
            os.setpriority(os.PRIO_PROCESS, 0, min(19, nice))
    except (AttributeError, OSError):
        pass
