"""The interpreter's settings the window makes for itself (``ui.interpreter``): the GIL handed
over every millisecond, and start-up's objects frozen out of the collector's passes once the
job stack is imported."""

from __future__ import annotations

import gc
import sys

from desktop_app.ui.interpreter import (
    SWITCH_INTERVAL_S,
    freeze_start_up,
    hold_collections,
    share_the_gil_often,
)


def test_the_switch_interval_is_shortened_never_lengthened():
    before = sys.getswitchinterval()
    try:
        sys.setswitchinterval(0.005)
        share_the_gil_often()
        assert sys.getswitchinterval() == SWITCH_INTERVAL_S
        sys.setswitchinterval(0.0005)      # someone wanted it shorter still: left alone
        share_the_gil_often()
        assert sys.getswitchinterval() == 0.0005
    finally:
        sys.setswitchinterval(before)


def test_freezing_keeps_what_exists_out_of_collections():
    gc.unfreeze()
    kept = [[] for _ in range(1000)]
    freeze_start_up()
    try:
        assert gc.get_freeze_count() >= len(kept)
        scanned = {id(x) for generation in range(3) for x in gc.get_objects(generation)}
        assert not any(id(x) in scanned for x in kept)
    finally:
        gc.unfreeze()


def test_collections_wait_until_start_up_is_frozen():
    try:
        hold_collections()
        assert not gc.isenabled()
        freeze_start_up()
        assert gc.isenabled()
    finally:
        gc.enable()
        gc.unfreeze()


def test_the_window_sets_both_up_itself(make_window, qtbot):
    before = sys.getswitchinterval()
    sys.setswitchinterval(0.005)
    gc.unfreeze()
    try:
        make_window()
        assert sys.getswitchinterval() == SWITCH_INTERVAL_S
        assert not gc.isenabled()     # while the window starts
        # frozen, and collecting again, once the warm-up's worker has imported the job stack
        qtbot.waitUntil(lambda: gc.get_freeze_count() > 0 and gc.isenabled(), timeout=20000)
    finally:
        gc.enable()
        sys.setswitchinterval(before)
        gc.unfreeze()
