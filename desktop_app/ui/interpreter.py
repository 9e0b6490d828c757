"""The Python interpreter's process-wide settings that keep the window's thread from waiting.

Every time the GUI thread comes back from Qt's event loop into Python (a timer, a signal's
slot, a delegate's paint) it must take the GIL back. While a worker thread runs Python
(``requests`` making a request, Pillow's Python side, the pipeline), CPython hands the GIL
over only when the holder's switch interval has run out: 5 ms by default, so a batch of
running jobs added up to 5 ms to each of the window's callbacks, several per frame.
A 1 ms interval bounds that wait at 1 ms (measured: an update plus ``processEvents`` of a
20-row list took 5.3 ms beside one busy Python thread at 5 ms, 0.9 ms at 1 ms, as with no
busy thread). Workers lose nothing that matters: their heavy work (decoding, sockets)
runs in C without the GIL.

The garbage collector also holds the GIL, on whichever thread set it off; a full collection
walks every object alive, most of them made once at start-up (Qt's wrappers, requests,
Pillow). So the collector waits while the window starts (``hold_collections``: a full pass
of 29 ms landed in the first paint of a 1,000-job history, bench_hitches case 4), and
``freeze_start_up`` then moves what start-up made out of its sight and lets it run again.
It waits from the very start of the process (``__main__``) and of the window's constructor,
not only from the queue's: the second step's import worker, just after the first paint, set
off generation-1 passes of up to 41 ms while the 1,000 rows painted (case 4), and the 53
collections of the imports before the first paint cost 12-17 ms of the start-up's ~270 ms
(``bench_startup``). What start-up leaves as garbage meanwhile is small (~400 objects at
the freeze) and stays frozen with the rest. A window closed before its warm-up's freeze lets
the collector run again itself (``resume_collections``).

PySide6 puts a hook of its own in front of every ``import`` (for its opt-in ``from
__feature__ import snake_case``, which Cutout never uses): after each new module it reads
the module's whole source file to see whether it says "PySide6" (``inspect.getsource``).
Before the first paint that is ~70 source files and 13-22 ms of the start-up's ~270 ms,
and ~70 more in the warm-up's worker (holding the GIL beside the GUI thread).
``skip_pyside_feature_hook`` puts the import PySide6 wrapped back (its lazy import stays).
"""

from __future__ import annotations

import gc
import sys

SWITCH_INTERVAL_S = 0.001


def share_the_gil_often() -> None:
    """Have threads running Python hand the GIL over every millisecond (default 5 ms)."""
    if sys.getswitchinterval() > SWITCH_INTERVAL_S:
        sys.setswitchinterval(SWITCH_INTERVAL_S)


def hold_collections() -> None:
    """No collections until ``freeze_start_up``: start-up makes objects that live as long
    as the window, and collecting them on the way only stalls its first paint."""
    gc.disable()


def freeze_start_up() -> None:
    """Keep the objects made so far (imports, the window) out of later collections, and
    collect again from now on.

    O(1) on the calling thread: ``gc.freeze`` moves the collector's lists, it visits nothing.
    """
    gc.freeze()
    gc.enable()


def resume_collections() -> None:
    """Collect again without freezing: for a window that closes before its warm-up froze
    start-up's objects (else a process that goes on, such as a test run, never collects)."""
    gc.enable()


def skip_pyside_feature_hook() -> None:
    """Take PySide6's ``__feature__`` hook out of ``import`` (call once PySide6 is loaded);
    imports then go straight to the hook it wrapped, PySide6's lazy import. Does nothing
    when the hook is not there (another PySide6 version, or done already)."""
    import builtins

    wrapped = getattr(builtins, "__orig_import__", None)
    hook = getattr(builtins, "__feature_import__", None)
    if wrapped is not None and hook is not None and builtins.__import__ is hook:
        builtins.__import__ = wrapped
