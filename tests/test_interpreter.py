"""The interpreter's settings the window makes for itself (``ui.interpreter``): the GIL handed
over every millisecond, and start-up's objects frozen out of the collector's passes once the
job stack is imported."""

from __future__ import annotations

import gc
import sys

import pytest

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


def test_the_window_holds_collections_from_its_constructor(qtbot, isolated_home):
    """Before the queue exists: the second step's import worker runs beside the first paint,
    and a collection it set off was a 41 ms stall of the window (bench_hitches case 4)."""
    from desktop_app.ui.main_window import MainWindow

    before = sys.getswitchinterval()
    sys.setswitchinterval(0.005)
    gc.enable()
    try:
        window = MainWindow()
        qtbot.addWidget(window)
        assert not gc.isenabled()
        assert sys.getswitchinterval() == SWITCH_INTERVAL_S
        assert not hasattr(window, "controller")     # the first step only
        # closed before its warm-up could freeze and let them run: collections run again
        window.close()
        assert gc.isenabled()
    finally:
        gc.enable()
        sys.setswitchinterval(before)


def test_the_app_holds_collections_from_its_first_line(monkeypatch):
    """``__main__.main`` holds them before it imports Qt and the window (the imports before
    the first paint set off ~50 collections)."""
    import argparse

    from desktop_app import __main__ as app_main

    seen = []

    def parse_then_leave(self, *args, **kwargs):
        seen.append(gc.isenabled())
        raise SystemExit(0)

    monkeypatch.setattr(argparse.ArgumentParser, "parse_known_args", parse_then_leave)
    gc.enable()
    try:
        with pytest.raises(SystemExit):
            app_main.main([])
        assert seen == [False]
    finally:
        gc.enable()


def test_pyside_feature_hook_is_taken_out_of_import():
    """PySide6's hook read the source file of every module imported after it (~70 before
    the first paint); once out, imports go straight to the lazy import it wrapped."""
    import builtins

    from desktop_app.ui.interpreter import skip_pyside_feature_hook

    hook = getattr(builtins, "__feature_import__", None)
    wrapped = getattr(builtins, "__orig_import__", None)
    # PySide6 6.7-6.11 (pyproject's range) all have it; a version without it fails here, so
    # whoever widens the range finds out whether skip_pyside_feature_hook is still needed.
    assert hook is not None and wrapped is not None, "PySide6 no longer has its import hook"
    before = builtins.__import__
    try:
        builtins.__import__ = hook
        skip_pyside_feature_hook()
        assert builtins.__import__ is wrapped
        skip_pyside_feature_hook()       # twice: still the wrapped import
        assert builtins.__import__ is wrapped
    finally:
        builtins.__import__ = before


def test_the_window_module_loads_without_pyside_reading_sources():
    """As the app and the benchmarks load it: PySide6 first, then the window's modules."""
    import subprocess

    code = ("import builtins, sys, PySide6.QtCore\n"
            "feature = sys.modules['shibokensupport.feature']\n"
            "read = []\n"
            "original = feature._mod_uses_pyside\n"
            "feature._mod_uses_pyside = lambda m: read.append(m.__name__) or original(m)\n"
            "import desktop_app.ui.main_window\n"
            "print(sorted(n for n in read if n.startswith('desktop_app.ui.')))\n")
    # ui.interpreter itself is read: the ui package imports it to take the hook out
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60, check=True).stdout
    assert out.strip() == "['desktop_app.ui.interpreter']"
