"""Start-up: the window's first frame comes before everything it does not show.

``MainWindow`` is built in two steps (see its module): what the first frame shows, from light
modules only, then, just after that frame, the rest. These tests check both halves of that
promise: nothing heavy is loaded before the first paint, yet the first frame already looks
like the finished window; and a window that is not complete yet cannot be made to act.
(benchmarks/bench_startup.py measures the time.)
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from PySide6.QtCore import QEvent, QMimeData, QObject, QPoint, Qt, QTimer, QUrl
from PySide6.QtGui import QDragEnterEvent, QImage
from PySide6.QtWidgets import QApplication

from desktop_app import paths
from desktop_app.ui.main_window import MainWindow

ROOT = Path(__file__).resolve().parent.parent
# requests and urllib3, Pillow, keyring and importlib.metadata cost about 300 ms of imports
# together, and come only with work; the viewer, the queue and the history store (with
# sqlite3) come with the second step.
NOT_BEFORE_FIRST_PAINT = ("requests", "urllib3", "PIL", "keyring", "importlib.metadata",
                          "sqlite3", "desktop_app.jobs.store", "desktop_app.ui.controller",
                          "desktop_app.ui.viewer", "desktop_app.ui.workers", "numpy",
                          "onnxruntime")
# The on-device model (numpy, onnxruntime: about 300 ms and 50 MB) loads only once a job on
# this computer is queued: a window without one never loads it.
ONLY_FOR_LOCAL_JOBS = ("numpy", "onnxruntime", "desktop_app.engine.session")

CHILD = f"""
import json, sys
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication
app = QApplication([sys.argv[0]])
from desktop_app.ui.main_window import MainWindow
at_first_paint = []

class Spy(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint and not at_first_paint:
            at_first_paint.append([n for n in {NOT_BEFORE_FIRST_PAINT!r} if n in sys.modules])
        return False

spy = Spy()
window = MainWindow()
window.installEventFilter(spy)
window.show()
while not window.is_ready():
    app.processEvents()
print(json.dumps({{"at_first_paint": at_first_paint[0],
                   "engine_when_ready": [n for n in {ONLY_FOR_LOCAL_JOBS!r} if n in sys.modules],
                   "menu_items": sum(len(m.actions()) for m in (
                       window.commands.file_menu, window.commands.edit_menu,
                       window.commands.view_menu, window.commands.jobs_menu,
                       window.commands.help_menu)),
                   "has_queue": hasattr(window, "controller")}}))
"""


def mime_with_link() -> QMimeData:
    mime = QMimeData()
    mime.setUrls([QUrl("https://example.com/a.png")])
    return mime


def child_env(tmp_path: Path, **extra: str) -> dict:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HITPAW_API_KEY": "a-key-from-the-env",
           "HITPAW_API_BASE": "http://127.0.0.1:9",
           "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring", **extra}
    for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        env[var] = str(tmp_path / var.lower())
    return env


def test_the_window_paints_before_the_heavy_parts_load_then_completes(tmp_path):
    result = subprocess.run([sys.executable, "-c", CHILD], cwd=ROOT, env=child_env(tmp_path),
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["at_first_paint"] == [], f"imported before the first paint: {seen}"
    assert seen["engine_when_ready"] == [], f"the model loaded without a local job: {seen}"
    assert seen["has_queue"]
    assert seen["menu_items"] > 20  # every menu has its actions once the window is complete


class _FirstFrame(QObject):
    """Grabs the window just after its first paint, before anything else runs."""

    def __init__(self) -> None:
        super().__init__()
        self.image: QImage | None = None
        self.window_was_ready = None

    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint and self.window_was_ready is None:
            self.window_was_ready = obj.is_ready()
            QTimer.singleShot(0, lambda: self._grab(obj))  # queued ahead of the window's own
        return False

    def _grab(self, window) -> None:
        self.window_was_ready = window.is_ready()
        self.image = window.grab().toImage()


def test_the_first_frame_already_looks_like_the_complete_window(qtbot, isolated_home,
                                                                 monkeypatch):
    monkeypatch.setenv("HITPAW_API_KEY", "a-key")  # a key known at once: no banner to come
    window = MainWindow()
    qtbot.addWidget(window)
    window.resize(1200, 760)
    window.intake.url_input.setCursorWidth(0)  # the text cursor blinks by itself: keep it out
    first = _FirstFrame()
    window.installEventFilter(first)
    window.show()
    qtbot.waitUntil(lambda: first.image is not None and window.is_ready())
    assert first.window_was_ready is False  # grabbed as the first frame showed it
    window.removeEventFilter(first)
    complete = window.grab().toImage()
    assert first.image.size() == complete.size()
    assert first.image == complete, "the window changed its look when it completed itself"


def test_a_window_that_is_not_complete_cannot_be_made_to_act(qtbot, isolated_home):
    window = MainWindow()  # never shown, so it never completes
    qtbot.addWidget(window)
    window.intake.url_input.setPlainText("https://example.com/a.png")
    qtbot.keyClick(window.intake.url_input, "\r")
    assert window.intake.url_input.toPlainText() == "https://example.com/a.png"  # nothing took it
    assert window.model.rowCount() == 0
    drag = QDragEnterEvent(QPoint(10, 10), Qt.DropAction.CopyAction, mime_with_link(),
                           Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)
    window.dragEnterEvent(drag)
    assert not drag.isAccepted()  # a drop would have nowhere to go yet
    commands = window.commands
    assert not any(a.isEnabled() for a in (commands.retry, commands.cancel, commands.remove,
                                           commands.pause))
    assert all(not menu.actions() for menu in (commands.file_menu, commands.edit_menu,
                                               commands.view_menu, commands.jobs_menu,
                                               commands.help_menu))
    window.close()
    QApplication.processEvents()
    assert not window.is_ready()
    assert not paths.history_db().exists()  # no history opened, no writer thread started


class _NoPaint(QObject):
    def eventFilter(self, obj, event):
        return event.type() == QEvent.Type.Paint


def test_a_window_that_is_shown_but_never_painted_completes_all_the_same(qtbot, isolated_home):
    window = MainWindow()
    qtbot.addWidget(window)
    blocker = _NoPaint()
    window.installEventFilter(blocker)  # as if the window never got exposed
    window.show()
    qtbot.waitUntil(window.is_ready, timeout=5000)
    assert window.controller is not None


def test_links_from_the_command_line_are_sent_once_the_window_is_complete(
        tmp_path, sandbox):
    link = sandbox.sample_url("from-the-shell.png")
    app = subprocess.Popen([sys.executable, "-m", "desktop_app", link], cwd=ROOT,
                           env=child_env(tmp_path, HITPAW_API_BASE=sandbox.base_url,
                                         HITPAW_API_KEY="sandbox-key"),
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while sandbox.stats.downloads < 2 and time.monotonic() < deadline:
            assert app.poll() is None, app.stdout.read().decode(errors="replace")
            time.sleep(0.1)
        assert sandbox.stats.submits == 1
        assert sandbox.stats.downloads >= 2  # the cut-out and the mask
    finally:
        app.send_signal(signal.SIGTERM)
        try:
            app.wait(15)
        except subprocess.TimeoutExpired:
            app.kill()
    assert app.returncode == 0
