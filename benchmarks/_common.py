"""What every benchmark script shares: a throwaway home, no keyring, waiting on Qt, reporting.

Import this module first: it points Qt at the offscreen platform and the XDG folders at a
fresh temporary directory (removed at exit) before anything reads them, so a benchmark never
touches the user's settings, history, cache or keyring.

Each script prints its figures for a person, then one line ``BENCH_JSON {...}`` that
``run_all.py`` reads to write ``results.md``.
"""

from __future__ import annotations

import atexit
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BENCH_DIR.parent
SANDBOX_KEY = "sandbox-key"
XDG_VARS = ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME")
JSON_TAG = "BENCH_JSON "


def isolate(prefix: str) -> Path:
    """Offscreen Qt and throwaway XDG folders for this process and its children."""
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    home = Path(tempfile.mkdtemp(prefix=f"cutout-bench-{prefix}-"))
    for var in XDG_VARS:
        path = home / var.lower()
        path.mkdir()
        os.environ[var] = str(path)
    os.environ.pop("HITPAW_API_KEY", None)
    os.environ.pop("HITPAW_API_BASE", None)
    atexit.register(shutil.rmtree, home, True)
    return home


def no_keyring() -> None:
    """The keyring is never asked: a failing backend, and the key comes from HITPAW_API_KEY."""
    import keyring
    import keyring.backends.fail

    keyring.set_keyring(keyring.backends.fail.Keyring())


def connect(base_url: str, key: str = SANDBOX_KEY) -> None:
    os.environ["HITPAW_API_BASE"] = base_url
    os.environ["HITPAW_API_KEY"] = key


# -- Qt helpers ------------------------------------------------------------------------------
def qapp():
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([sys.argv[0]])
    app.setApplicationName("Cutout")
    return app


def wait_until(condition, timeout: float, step_ms: int = 20) -> bool:
    """Run the Qt event loop until ``condition()`` is true or ``timeout`` seconds pass."""
    from PySide6.QtCore import QEventLoop, QTimer

    deadline = time.monotonic() + timeout
    if condition():
        return True
    loop = QEventLoop()
    timer = QTimer()
    timer.setInterval(step_ms)
    result = {"ok": False}

    def check() -> None:
        if condition():
            result["ok"] = True
            loop.quit()
        elif time.monotonic() > deadline:
            loop.quit()

    timer.timeout.connect(check)
    timer.start()
    loop.exec()
    timer.stop()
    return result["ok"]


def wait(seconds: float) -> None:
    wait_until(lambda: False, seconds)


def make_window(width: int = 1280, height: int = 780):
    """The real main window, shown (offscreen)."""
    from desktop_app.ui.main_window import MainWindow

    window = MainWindow()
    window.resize(width, height)
    window.show()
    wait_until(window.is_ready, 10)
    return window


def window_on_sandbox(processing_time: float, **settings):
    """The window (offscreen, no keyring) against an in-process sandbox.

    ``settings`` are stored before the window reads them (e.g. concurrency=8). Returns
    (app, server, window); stop the server when done.
    """
    from desktop_app.sandbox import SandboxServer
    from desktop_app.settings import Settings

    no_keyring()
    app = qapp()
    stored = Settings()
    for name, value in settings.items():
        setattr(stored, name, value)
    stored.sync()
    server = SandboxServer(api_keys=(SANDBOX_KEY,), processing_time=processing_time).start()
    connect(server.base_url)
    return app, server, make_window()


def job_list_view(window):
    from PySide6.QtWidgets import QListView

    return window.findChild(QListView, "jobList")


def matted_view(window):
    """The cut-out pane's canvas, found by its object name (whatever widget holds it)."""
    from PySide6.QtWidgets import QWidget

    return window.findChild(QWidget, "mattedView")


def view_image(widget):
    """The picture a pane shows now (its ``image()``), or None when it shows a placeholder."""
    getter = getattr(widget, "image", None)
    image = getter() if callable(getter) else None
    if image is not None and not image.isNull():
        return image
    getter = getattr(widget, "pixmap", None)
    pixmap = getter() if callable(getter) else None
    if pixmap is not None and not pixmap.isNull():
        return pixmap
    return None


def row_of(window, job_id: str):
    """The job list's index (in the view's own model) of a job, or None."""
    from desktop_app.ui.job_list import JobRole

    view = job_list_view(window)
    model = view.model()
    for row in range(model.rowCount()):
        index = model.index(row, 0)
        job = index.data(JobRole)
        if job is not None and job.id == job_id:
            return index
    return None


def select_job(window, job_id: str) -> bool:
    """Select one job in the list, as a click on its row would."""
    index = row_of(window, job_id)
    if index is None:
        return False
    view = job_list_view(window)
    view.setCurrentIndex(index)
    view.scrollTo(index)
    return True


def current_job_id(window) -> str | None:
    from desktop_app.ui.job_list import JobRole

    view = job_list_view(window)
    index = view.currentIndex()
    if not index.isValid() or not view.selectionModel().isSelected(index):
        return None
    job = index.data(JobRole)
    return job.id if job is not None else None


# -- the sandbox in its own process ------------------------------------------------------------
class SandboxProcess:
    """``python -m desktop_app.sandbox`` in a child process: its CPU work is not our GIL's."""

    def __init__(self, processing_time: float, *, remote: bool = False) -> None:
        # remote: the sandbox stands in for HitPaw's servers, whose work (decoding and
        # segmenting every photo with the real model) never runs on the designer's computer;
        # at the lowest priority it takes only cores the window's process leaves idle.
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "desktop_app.sandbox", "--port", "0",
             "--key", SANDBOX_KEY, "--processing-time", str(processing_time)],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=PROJECT_DIR,
            preexec_fn=(lambda: os.nice(19)) if remote else None)
        line = self.proc.stdout.readline()
        found = re.search(r"(http://127\.0\.0\.1:\d+)", line)
        if not found:
            self.stop()
            raise SystemExit(f"the sandbox did not start: {line!r}")
        self.base_url = found.group(1)

    def sample_url(self, name: str, width: int | None = None, height: int | None = None,
                   tag: str | None = None) -> str:
        """A sample link; ``tag`` makes links differ while the image bytes stay the same."""
        from urllib.parse import quote, urlencode

        query = {k: v for k, v in (("w", width), ("h", height), ("n", tag)) if v is not None}
        url = f"{self.base_url}/samples/{quote(name)}"
        return f"{url}?{urlencode(query)}" if query else url

    def cpu_seconds(self) -> float:
        """The sandbox's CPU time so far (user + system), from /proc."""
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def tagged_url(base: str, tag: str) -> str:
    """The same sample under a different link (the sandbox ignores unknown query fields)."""
    return f"{base}{'&' if '?' in base else '?'}n={tag}"


# -- numbers ----------------------------------------------------------------------------------
def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile (no interpolation: a value that really occurred)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-pct * len(ordered) // 100))))
    return ordered[rank - 1]


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def rss_mb(pid: int | str = "self") -> tuple[float, float]:
    """(VmRSS, VmHWM) in MB from /proc."""
    text = Path(f"/proc/{pid}/status").read_text()
    values = {}
    for key in ("VmRSS", "VmHWM"):
        found = re.search(rf"^{key}:\s+(\d+) kB", text, re.M)
        values[key] = int(found.group(1)) / 1024 if found else float("nan")
    return values["VmRSS"], values["VmHWM"]


# -- reporting --------------------------------------------------------------------------------
@dataclass
class Figure:
    figure: str
    value: str
    goal: str
    passed: bool | None
    details: dict = field(default_factory=dict)


def report(figures: list[Figure], notes: list[str] | None = None) -> None:
    """Print the figures for a person, then the machine-readable line for run_all.py."""
    for fig in figures:
        verdict = {True: "PASS", False: "FAIL", None: "n/a"}[fig.passed]
        print(f"{fig.figure}: {fig.value}   (goal: {fig.goal})   {verdict}")
        for key, value in fig.details.items():
            print(f"    {key}: {value}")
    for note in notes or []:
        print(f"note: {note}")
    print(JSON_TAG + json.dumps({"figures": [asdict(f) for f in figures],
                                 "notes": notes or []}), flush=True)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"
