"""Start-up: time from process start to the first painted main window, over a bare PySide6 window's.

Two kinds of child process, started alternately, nine of each, in the same run:
- the app: ``python -c`` that wraps ``MainWindow.show`` to install a Paint event filter, then
  calls ``desktop_app.__main__.main([])``;
- the baseline: ``python -c`` with a QApplication and an empty QMainWindow, same filter.
Each child prints at its window's first Paint event and leaves at once; the time is taken
in this process from just before ``Popen`` to reading that line. Offscreen, throwaway XDG
folders, keyring's failing backend (by PYTHON_KEYRING_BACKEND), the key in HITPAW_API_KEY (a
returning user; no network is touched: the history is empty).

The figure is median(app) / median(bare). If it is over the goal, ``python -X importtime``
of the app says which imports cost most.

A third child, timed in the same rounds, is a yardstick for the goal: the frame of Cutout's
first screen (a text box, a button, a few labels, a status bar, five menus of five actions
with shortcuts) in plain PySide6, with none of Cutout's code. It shows what any window of
this kind costs over the empty one.

Goal: at most 1.5.
"""

from __future__ import annotations

import _common  # noqa: I001 - must come first: throwaway folders, offscreen Qt

_common.isolate("startup")

import os  # noqa: E402
import re  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

RUNS = 9
GOAL = 1.5
CHILD_LIMIT_S = 60.0
MARK = "FIRST_PAINT"

SPY = f"""
import os, sys
from PySide6.QtCore import QEvent, QObject

class _Spy(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint:
            sys.stdout.write("{MARK}\\n")
            sys.stdout.flush()
            os._exit(0)
        return False

_spy = _Spy()
"""

APP_CHILD = SPY + """
from desktop_app.ui import main_window as _mw
_show = _mw.MainWindow.show
def _spying_show(self):
    self.installEventFilter(_spy)
    _show(self)
_mw.MainWindow.show = _spying_show
from desktop_app.__main__ import main
main([])
"""

BARE_CHILD = SPY + """
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication([sys.argv[0]])
window = QMainWindow()
window.installEventFilter(_spy)
window.show()
app.exec()
"""

FRAME_CHILD = SPY + """
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (QApplication, QHBoxLayout, QLabel, QMainWindow, QPlainTextEdit,
                               QPushButton, QSplitter, QStackedWidget, QStatusBar, QStyle,
                               QVBoxLayout, QWidget)
app = QApplication([sys.argv[0]])
window = QMainWindow()
links = QPlainTextEdit()
links.setPlaceholderText("Paste image links here")
send = QPushButton("Remove backgrounds")
send.setIcon(window.style().standardIcon(QStyle.StandardPixmap.SP_ArrowRight))
top = QHBoxLayout()
top.addWidget(links, 1)
top.addWidget(send)
stack = QStackedWidget()
title = QLabel("Remove the background of any image link")
title.setAlignment(Qt.AlignmentFlag.AlignCenter)
stack.addWidget(title)
splitter = QSplitter(Qt.Orientation.Horizontal)
splitter.addWidget(stack)
central = QWidget()
layout = QVBoxLayout(central)
layout.addLayout(top)
layout.addWidget(splitter, 1)
window.setCentralWidget(central)
status = QStatusBar()
status.addPermanentWidget(QLabel("Ready"))
window.setStatusBar(status)
for title in ("&File", "&Edit", "&View", "&Job", "&Help"):
    menu = window.menuBar().addMenu(title)
    for i in range(5):
        action = QAction(f"Item {i}", window)
        action.setShortcut(QKeySequence(f"Ctrl+{i}"))
        menu.addAction(action)
window.resize(1280, 780)
window.installEventFilter(_spy)
window.show()
app.exec()
"""


def time_child(code: str, extra: list[str] | None = None) -> float:
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, *(extra or []), "-c", code],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                            cwd=_common.PROJECT_DIR)
    try:
        deadline = started + CHILD_LIMIT_S
        while time.perf_counter() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            if line.strip() == MARK:
                return time.perf_counter() - started
        raise SystemExit("a start-up child never painted its window")
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()


STACKS = {
    "PySide6 and shiboken": ("PySide6", "shiboken6", "shibokensupport", "signature_bootstrap"),
    "requests and what it pulls in": ("requests", "urllib3", "charset_normalizer", "idna",
                                      "certifi", "email", "http", "ssl", "_ssl", "socket",
                                      "urllib", "hmac", "mimetypes", "calendar"),
    "keyring and what it pulls in": ("keyring", "jaraco", "importlib_metadata",
                                     "more_itertools", "zipp", "backports", "configparser"),
    "Pillow": ("PIL",),
    "sqlite3": ("sqlite3", "_sqlite3"),
    "platformdirs": ("platformdirs",),
    "desktop_app's own modules": ("desktop_app",),
}


def import_profile() -> list[str]:
    """Where the app's imports go, from ``python -X importtime`` (self times, summed by
    package; the tool's own overhead inflates them, the proportions are what count)."""
    proc = subprocess.run([sys.executable, "-X", "importtime", "-c", APP_CHILD],
                          capture_output=True, text=True, timeout=CHILD_LIMIT_S,
                          cwd=_common.PROJECT_DIR)
    totals = dict.fromkeys([*STACKS, "everything else"], 0)
    for line in proc.stderr.splitlines():
        found = re.match(r"import time:\s+(\d+) \|\s+\d+ \|\s*(\S+)", line)
        if not found:
            continue
        top = found.group(2).split(".")[0]
        stack = next((name for name, tops in STACKS.items() if top in tops), "everything else")
        totals[stack] += int(found.group(1))
    return [f"{name} {micros / 1000:.0f} ms" for name, micros in
            sorted(totals.items(), key=lambda item: -item[1]) if micros]


def main() -> int:
    os.environ["HITPAW_API_KEY"] = _common.SANDBOX_KEY
    os.environ["HITPAW_API_BASE"] = "http://127.0.0.1:9"  # never contacted: no jobs
    # No keyring is touched (the key comes from the environment); should the app ask, it
    # gets keyring's failing backend, chosen by keyring's own variable, so the child does not
    # import keyring itself and the figure shows whether the app does.
    os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    # An installed app starts from compiled bytecode: let the untimed first runs write it
    # (to a throwaway folder, not the source tree) even where PYTHONDONTWRITEBYTECODE is set.
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    os.environ["PYTHONPYCACHEPREFIX"] = os.path.join(os.environ["XDG_CACHE_HOME"], "pycache")
    time_child(BARE_CHILD)  # warm the disk cache for both, untimed
    time_child(APP_CHILD)
    time_child(FRAME_CHILD)
    app_times, bare_times, frame_times = [], [], []
    for _ in range(RUNS):
        bare_times.append(time_child(BARE_CHILD))
        app_times.append(time_child(APP_CHILD))
        frame_times.append(time_child(FRAME_CHILD))
    app_med, bare_med = _common.median(app_times), _common.median(bare_times)
    frame_med = _common.median(frame_times)
    ratio = app_med / bare_med
    details = {
        f"app, median of {RUNS}": f"{app_med * 1000:.0f} ms ("
                            + ", ".join(f"{t * 1000:.0f}" for t in app_times) + ")",
        f"bare QMainWindow, median of {RUNS}": f"{bare_med * 1000:.0f} ms ("
                                         + ", ".join(f"{t * 1000:.0f}" for t in bare_times)
                                         + ")",
    }
    details["yardstick: the first screen's frame in plain PySide6, no Cutout code"] = (
        f"{frame_med * 1000:.0f} ms, {frame_med / bare_med:.2f} of the bare window")
    details["imports by package (python -X importtime, self times)"] = "; ".join(
        import_profile())
    _common.report([_common.Figure(
        "start-up (first painted window, app / bare PySide6)",
        f"{ratio:.2f} ({app_med * 1000:.0f} ms / {bare_med * 1000:.0f} ms)",
        f"at most {GOAL}", ratio <= GOAL, details)])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
