"""Start-up: from process start to the first painted main window, over the same screen
built in plain PySide6.

Three kinds of child process, started in turn, nine of each (three with ``--quick``), in the
same run:
- the app: ``python -c`` that wraps ``MainWindow.show`` to install a Paint event filter, then
  calls ``desktop_app.__main__.main([])``; it prints at the window's first Paint event, again
  when the window is complete (its ``ready`` signal: viewer, queue, history and actions built,
  see ``MainWindow``), and leaves;
- the yardstick: Cutout's first screen rebuilt in plain PySide6, with none of Cutout's code (the
  link box, the button, the job list's header with four tool buttons and their shortcuts, its
  search box, filter and empty list, the centred welcome text, five menus, a status bar), same
  filter. Any window that looks like this one costs that much; what is over it is Cutout's own
  code (its imports, its settings and history, its widgets' set-up);
- the baseline: ``python -c`` with a QApplication and an empty QMainWindow, same filter; shown
  as a detail, to tell Qt's own start from the cost of the screen's widgets.
The times are taken in this process from just before ``Popen`` to reading each line.
Offscreen, throwaway XDG folders, keyring's failing backend (by PYTHON_KEYRING_BACKEND), the
key in HITPAW_API_KEY (a returning user; no network is touched: the history is empty).

The figure is median(app) / median(yardstick): both are measured in the same run, so a busy
machine slows both alike. If it is over the goal, ``python -X importtime`` of the app says
which imports cost most.

Goal: at most 1.25.
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
QUICK_RUNS = 3         # --quick: a look while working, not a figure to keep
GOAL = 1.25
CHILD_LIMIT_S = 60.0
PAINTED = "FIRST_PAINT"
READY = "READY"

SPY = f"""
import os, sys
from PySide6.QtCore import QEvent, QObject

class _Spy(QObject):
    def __init__(self, then_exit=True):
        super().__init__()
        self.then_exit = then_exit
        self.seen = False

    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint and not self.seen:
            self.seen = True
            sys.stdout.write("{PAINTED}\\n")
            sys.stdout.flush()
            if self.then_exit:
                os._exit(0)
        return False

_spy = _Spy()
"""

APP_CHILD = SPY + f"""
_spy.then_exit = "--until-painted" in sys.argv
from desktop_app.ui import main_window as _mw
_show = _mw.MainWindow.show
def _ready():
    sys.stdout.write("{READY}\\n")
    sys.stdout.flush()
    os._exit(0)
def _spying_show(self):
    self.installEventFilter(_spy)
    self.ready.connect(_ready)
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
from PySide6.QtWidgets import (QApplication, QComboBox, QHBoxLayout, QLabel, QLineEdit,
                               QListView, QMainWindow, QPlainTextEdit, QPushButton, QSplitter,
                               QStackedWidget, QStatusBar, QStyle, QToolButton, QVBoxLayout,
                               QWidget)
app = QApplication([sys.argv[0]])
window = QMainWindow()
style = window.style()
links = QPlainTextEdit()
links.setPlaceholderText("Paste image links here")
send = QPushButton("Remove backgrounds")
send.setIcon(style.standardIcon(QStyle.StandardPixmap.SP_ArrowRight))
top = QHBoxLayout()
top.addWidget(links, 1)
top.addWidget(send)
header = QHBoxLayout()
header.addWidget(QLabel("Jobs"))
header.addStretch(1)
for text, key, icon in (("Retry", "Ctrl+R", QStyle.StandardPixmap.SP_BrowserReload),
                        ("Cancel", "Ctrl+.", QStyle.StandardPixmap.SP_BrowserStop),
                        ("Remove", "Del", QStyle.StandardPixmap.SP_TrashIcon),
                        ("Pause all", "Ctrl+P", QStyle.StandardPixmap.SP_MediaPause)):
    action = QAction(style.standardIcon(icon), text, window)
    action.setShortcut(QKeySequence(key))
    action.setEnabled(False)
    button = QToolButton()
    button.setDefaultAction(action)
    button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    header.addWidget(button)
search = QLineEdit()
search.setPlaceholderText("Search links and messages")
show = QComboBox()
show.addItems(["All jobs", "Running", "Done", "Needs attention"])
filters = QHBoxLayout()
filters.addWidget(search, 1)
filters.addWidget(show)
jobs = QWidget()
jobs_layout = QVBoxLayout(jobs)
jobs_layout.addLayout(header)
jobs_layout.addLayout(filters)
jobs_layout.addWidget(QListView(), 1)
welcome = QWidget()
welcome_layout = QVBoxLayout(welcome)
for text in ("Remove the background of any image link", "Paste image links above and press "
             "Enter. Cutout sends each one to HitPaw and shows the original, the cut-out and "
             "its mask side by side."):
    label = QLabel(text)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    label.setWordWrap(True)
    welcome_layout.addWidget(label)
stack = QStackedWidget()
stack.addWidget(welcome)
splitter = QSplitter(Qt.Orientation.Horizontal)
splitter.addWidget(jobs)
splitter.addWidget(stack)
central = QWidget()
layout = QVBoxLayout(central)
layout.addLayout(top)
layout.addWidget(splitter, 1)
window.setCentralWidget(central)
status = QStatusBar()
status.addPermanentWidget(QLabel("0 coins this session"))
window.setStatusBar(status)
for title in ("&File", "&Edit", "&View", "&Jobs", "&Help"):
    window.menuBar().addMenu(title)
window.resize(1280, 780)
window.installEventFilter(_spy)
window.show()
app.exec()
"""


def time_child(code: str, marks: tuple[str, ...] = (PAINTED,)) -> list[float]:
    """Seconds from just before starting the child to each of ``marks`` it prints, in order."""
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                            cwd=_common.PROJECT_DIR)
    times: list[float] = []
    try:
        deadline = started + CHILD_LIMIT_S
        while time.perf_counter() < deadline and len(times) < len(marks):
            line = proc.stdout.readline()
            if not line:
                break
            if line.strip() == marks[len(times)]:
                times.append(time.perf_counter() - started)
        if len(times) < len(marks):
            raise SystemExit(f"a start-up child never printed {marks[len(times)]}")
        return times
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
    """Where the app's imports before its first paint go, from ``python -X importtime``
    (self times, summed by package; the tool's own overhead inflates them, the proportions
    are what count)."""
    proc = subprocess.run([sys.executable, "-X", "importtime", "-c", APP_CHILD,
                           "--until-painted"],
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


def main(argv: list[str] | None = None) -> int:
    runs = QUICK_RUNS if "--quick" in (sys.argv[1:] if argv is None else argv) else RUNS
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
    time_child(BARE_CHILD)  # warm the disk cache for all three, untimed
    time_child(APP_CHILD, (PAINTED, READY))
    time_child(FRAME_CHILD)
    app_times, ready_times, bare_times, frame_times = [], [], [], []
    for _ in range(runs):
        bare_times.append(time_child(BARE_CHILD)[0])
        painted, ready = time_child(APP_CHILD, (PAINTED, READY))
        app_times.append(painted)
        ready_times.append(ready)
        frame_times.append(time_child(FRAME_CHILD)[0])
    app_med, bare_med = _common.median(app_times), _common.median(bare_times)
    frame_med, ready_med = _common.median(frame_times), _common.median(ready_times)
    ratio = app_med / frame_med

    def listed(times: list[float]) -> str:
        return ", ".join(f"{t * 1000:.0f}" for t in times)

    details = {
        f"app, median of {runs}": f"{app_med * 1000:.0f} ms ({listed(app_times)})",
        f"yardstick: Cutout's first screen in plain PySide6, median of {runs}": (
            f"{frame_med * 1000:.0f} ms ({listed(frame_times)}); Cutout's own code adds "
            f"{(app_med - frame_med) * 1000:.0f} ms"),
        f"bare QMainWindow, median of {runs}": (
            f"{bare_med * 1000:.0f} ms ({listed(bare_times)}); app / bare "
            f"{app_med / bare_med:.2f}, yardstick / bare {frame_med / bare_med:.2f}"),
        "app window complete (viewer, queue, history, actions), median": (
            f"{ready_med * 1000:.0f} ms, {(ready_med - app_med) * 1000:.0f} ms after its first "
            f"frame ({listed(ready_times)})"),
    }
    details["imports by package (python -X importtime, self times)"] = "; ".join(
        import_profile())
    _common.report([_common.Figure(
        "start-up (first painted window, app / the same screen in plain PySide6)",
        f"{ratio:.2f} ({app_med * 1000:.0f} ms / {frame_med * 1000:.0f} ms)",
        f"at most {GOAL}", ratio <= GOAL, details)])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
