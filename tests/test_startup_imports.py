"""The window paints before the heavy libraries load (see benchmarks/bench_startup.py).

requests and urllib3, Pillow, keyring and importlib.metadata cost about 300 ms of imports
together; the window needs none of them to show itself, its history or a key from the
environment. They load later, in worker threads, when a job runs or a file is decoded.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("requests", "urllib3", "PIL", "keyring", "importlib.metadata")

CHILD = f"""
import json, sys
from PySide6.QtWidgets import QApplication
app = QApplication([sys.argv[0]])
from desktop_app.ui.main_window import MainWindow
window = MainWindow()
window.show()
app.processEvents()
print(json.dumps([name for name in {HEAVY!r} if name in sys.modules]))
"""


def test_the_window_shows_without_the_heavy_libraries(tmp_path):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", HITPAW_API_KEY="a-key-from-the-env",
               HITPAW_API_BASE="http://127.0.0.1:9",
               PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")
    for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        env[var] = str(tmp_path / var.lower())
    result = subprocess.run([sys.executable, "-c", CHILD], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    assert loaded == [], f"imported before the first paint: {loaded}"
