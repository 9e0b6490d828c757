"""The real app, started as a user would (``python -m desktop_app``), on a real X server.

Starts its own Xvfb, waits until the window is mapped, grabs the screen with a separate Qt
process on the xcb platform, and checks the window is there and not blank.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image, ImageStat

pytestmark = pytest.mark.xvfb

GRAB = """
import sys
from PySide6.QtGui import QGuiApplication
app = QGuiApplication(sys.argv)
QGuiApplication.primaryScreen().grabWindow(0).save(sys.argv[1])
"""


@pytest.fixture
def xvfb():
    if shutil.which("Xvfb") is None:
        if os.environ.get("CI"):
            pytest.fail("Xvfb is missing: .ci/run must install the xvfb package")
        pytest.skip("Xvfb is not installed here (apt-get install xvfb)")
    read_fd, write_fd = os.pipe()
    server = subprocess.Popen(["Xvfb", "-displayfd", str(write_fd), "-screen", "0",
                               "1280x800x24", "-nolisten", "tcp"], pass_fds=(write_fd,),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write_fd)
    with os.fdopen(read_fd) as pipe:
        display = pipe.readline().strip()
    assert display, "Xvfb did not report a display"
    yield f":{display}"
    server.terminate()
    server.wait(10)


def test_real_app_window_is_drawn_on_xvfb(xvfb, tmp_path, isolated_home):
    env = {**os.environ, "DISPLAY": xvfb, "QT_QPA_PLATFORM": "xcb",
           "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    app = subprocess.Popen([sys.executable, "-m", "desktop_app"], env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    shot = tmp_path / "screen.png"
    try:
        deadline = time.monotonic() + 30
        colours = 0
        while time.monotonic() < deadline:
            assert app.poll() is None, app.stdout.read().decode(errors="replace")
            subprocess.run([sys.executable, "-c", GRAB, str(shot)], env=env, check=True,
                           timeout=30, capture_output=True)
            with Image.open(shot) as img:
                colours = len(img.convert("RGB").getcolors(1 << 20) or [])
                spread = ImageStat.Stat(img.convert("L")).stddev[0]
            if colours > 50 and spread > 10:
                break
            time.sleep(0.5)
        assert colours > 50, f"the screen stayed blank ({colours} colours)"
        assert spread > 10
        out = Path(os.environ.get("CUTOUT_SCREENSHOT_DIR", tmp_path))
        out.mkdir(parents=True, exist_ok=True)
        Image.open(shot).save(out / "xvfb-window.png")
    finally:
        app.terminate()
        try:
            app.wait(10)
        except subprocess.TimeoutExpired:
            app.kill()
    assert app.returncode == 0, f"the app did not close cleanly on SIGTERM ({app.returncode})"
