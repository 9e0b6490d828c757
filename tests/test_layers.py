"""The Qt-free layers load in an interpreter where Qt cannot be imported at all.

The CLI, the workers' core and the tests run ``api/``, ``jobs/``, export and the rest without
a display, and on a server there may be no Qt at all. A fresh interpreter (so nothing another
test imported counts) gets a finder that refuses PySide6 and shiboken6, then imports every
module under the layers listed here, found by walking their folders: a module added to a
layer later is checked without touching this file. Only module-level imports are seen; one
inside a function body runs when that function does.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "desktop_app"

# Each a module or a package walked in full. ``OPTIONAL`` ones are in the design but may not
# be written yet; a name missing from ``QT_FREE`` is a failure, not a skip.
QT_FREE = ("desktop_app.api", "desktop_app.jobs", "desktop_app.export", "desktop_app.save_all",
           "desktop_app.storage_errors",
           "desktop_app.cli")
OPTIONAL = ("desktop_app.engine", "desktop_app.storage")

CHECKER = r"""
import importlib, importlib.util, json, pkgutil, sys, traceback

BLOCKED = ("PySide6", "shiboken6")
refused = []

class NoQt:
    # A meta path finder consulted before the real ones: Qt is simply not there.
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            refused.append(name)
            raise ImportError(f"{name} is not available (Qt is blocked for this check)")
        return None

sys.meta_path.insert(0, NoQt())
roots = json.loads(sys.argv[1])
report = {"imported": [], "absent": [], "failed": {}}

def load(name):
    try:
        return importlib.import_module(name)
    except BaseException as err:  # SystemExit or a crash in a module counts too
        where = [f"{f.filename}:{f.lineno}" for f in traceback.extract_tb(err.__traceback__)
                 if not f.filename.startswith("<") and "importlib" not in f.filename]
        report["failed"][name] = f"{type(err).__name__}: {err}, at {' < '.join(where[::-1])}"
        return None

def walk(name):
    module = load(name)
    if module is None:
        return
    report["imported"].append(name)
    for info in pkgutil.iter_modules(getattr(module, "__path__", [])):
        if info.name != "__main__":  # importing it would run the program
            walk(f"{name}.{info.name}")

for name, optional in roots:
    try:
        found = importlib.util.find_spec(name)
    except ImportError as err:  # its parent package failed to load
        report["failed"][name] = f"{type(err).__name__}: {err}"
        continue
    if found is None:
        if not optional:
            report["failed"][name] = "no such module"
        else:
            report["absent"].append(name)
        continue
    walk(name)
report["refused"] = sorted(set(refused))
report["qt_loaded"] = sorted(m for m in sys.modules if m.split(".")[0] in BLOCKED)
print(json.dumps(report))
"""


def check_without_qt(required: tuple[str, ...], optional: tuple[str, ...] = (),
                     extra_path: Path | None = None) -> dict:
    """Run ``CHECKER`` in a fresh interpreter; its report as a dict."""
    env = dict(os.environ)
    env.pop("PYTHONSTARTUP", None)
    if extra_path is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(extra_path),
                                                          env.get("PYTHONPATH")]))
    roots = [[name, False] for name in required] + [[name, True] for name in optional]
    proc = subprocess.run([sys.executable, "-c", CHECKER, json.dumps(roots)], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def modules_on_disk(folder: Path) -> set[str]:
    """Every importable module under a package folder, named as ``import`` would name it."""
    names = set()
    for path in folder.rglob("*.py"):
        if path.name == "__main__.py" or "__pycache__" in path.parts:
            continue
        parts = path.relative_to(ROOT).with_suffix("").parts
        names.add(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def test_the_qt_free_layers_import_with_qt_unavailable():
    report = check_without_qt(QT_FREE, OPTIONAL)

    assert report["failed"] == {}, "these need Qt (or failed to import) without a display"
    assert report["refused"] == [] and report["qt_loaded"] == []
    # The walk reached every file of every layer on disk, not just the packages' __init__.
    expected, not_written = set(), set()
    for name in QT_FREE + OPTIONAL:
        path = PACKAGE / name.split(".", 1)[1]
        if path.is_dir():
            expected |= modules_on_disk(path)
        elif path.with_suffix(".py").is_file():
            expected.add(name)
        else:
            not_written.add(name)
    assert expected - set(report["imported"]) == set()
    assert set(report["absent"]) == not_written and not_written <= set(OPTIONAL)


def test_the_check_catches_a_qt_import_deep_in_a_layer(tmp_path):
    layer = tmp_path / "some_layer"
    (layer / "deeper").mkdir(parents=True)
    (layer / "__init__.py").write_text("")
    (layer / "plain.py").write_text("import json\n")
    (layer / "deeper" / "__init__.py").write_text("")
    (layer / "deeper" / "widgets.py").write_text("from PySide6.QtCore import QObject\n")
    (layer / "deeper" / "binding.py").write_text("import shiboken6\n")
    (tmp_path / "leaky.py").write_text("import some_layer.deeper.widgets\n")

    report = check_without_qt(("some_layer", "leaky"), ("not_written_yet",),
                              extra_path=tmp_path)

    assert set(report["failed"]) == {"some_layer.deeper.widgets", "some_layer.deeper.binding",
                                     "leaky"}
    assert "PySide6" in report["failed"]["some_layer.deeper.widgets"]
    assert report["refused"] == ["PySide6", "shiboken6"]
    assert {"some_layer", "some_layer.plain", "some_layer.deeper"} <= set(report["imported"])
    assert report["absent"] == ["not_written_yet"]
    assert report["qt_loaded"] == []


def test_a_required_layer_that_is_missing_is_a_failure_not_a_skip():
    report = check_without_qt(("desktop_app.no_such_layer",))

    assert report["failed"] == {"desktop_app.no_such_layer": "no such module"}
