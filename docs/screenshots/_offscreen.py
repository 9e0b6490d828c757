"""What both screenshot scripts share: an offscreen Qt, throwaway folders and no key from the
environment (imported first, before Qt and Cutout read them), and waiting in an event loop.

Waits run a ``QEventLoop``, never ``QTest.qWait``: in PySide6 that keeps the GIL while it
sleeps, and the app's workers would starve.
"""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
HOME = tempfile.mkdtemp(prefix="cutout-shots-")
for _var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
    os.environ[_var] = os.path.join(HOME, _var.lower())
os.environ.pop("HITPAW_API_KEY", None)
os.environ.pop("HITPAW_API_BASE", None)

from PySide6.QtCore import QEventLoop, QTimer  # noqa: E402


def wait(seconds: float) -> None:
    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()


def wait_for(condition, limit: float = 30.0) -> None:
    for _ in range(int(limit / 0.1)):
        if condition():
            return
        wait(0.1)
    raise SystemExit("timed out waiting for the window")
