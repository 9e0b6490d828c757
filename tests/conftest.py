"""Test isolation in the Dangerzone manner: every test gets its own folders and keyring.

Qt runs offscreen unless a test starts its own display (the Xvfb screenshot test does).
Settings, history and cache follow the XDG variables, which each test points at tmp_path.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import keyring  # noqa: E402
import pytest  # noqa: E402
from keyring.backend import KeyringBackend  # noqa: E402


class MemoryKeyring(KeyringBackend):
    """An in-memory keyring for tests that are not about the keyring itself."""

    priority = 1

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):
        return self.store.get((service, username))

    def set_password(self, service, username, password):
        self.store[(service, username)] = password

    def delete_password(self, service, username):
        self.store.pop((service, username), None)


@pytest.fixture(autouse=True)
def isolated_home(tmp_path, monkeypatch):
    for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        path = tmp_path / var.lower()
        path.mkdir()
        monkeypatch.setenv(var, str(path))
    monkeypatch.delenv("HITPAW_API_KEY", raising=False)
    monkeypatch.delenv("HITPAW_API_BASE", raising=False)
    return tmp_path


@pytest.fixture(autouse=True)
def memory_keyring(request):
    """Every test gets a fresh in-memory keyring, except those marked ``real_keyring``."""
    if request.node.get_closest_marker("real_keyring"):
        yield None
        return
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture(autouse=True)
def empty_clipboard_after_test():
    """Qt's offscreen platform crashes at exit (SIGSEGV) when the clipboard still holds mime
    data that was set from Python (PySide6 6.11; not on xcb): leave it empty."""
    yield
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is not None:
        app.clipboard().clear()


@pytest.fixture
def sandbox():
    """A contract-complete sandbox server on loopback with quick jobs."""
    from desktop_app.sandbox import SandboxServer

    with SandboxServer(processing_time=0.3) as server:
        yield server


@pytest.fixture
def connected(sandbox, monkeypatch):
    """The sandbox, with the app pointed at it through the environment (as a script would)."""
    monkeypatch.setenv("HITPAW_API_BASE", sandbox.base_url)
    monkeypatch.setenv("HITPAW_API_KEY", "sandbox-key")
    return sandbox


@pytest.fixture
def make_window(qtbot):
    """Makes real main windows on the current folders; closes them after the test."""
    from desktop_app.ui.main_window import MainWindow

    windows = []

    def make():
        window = MainWindow()
        qtbot.addWidget(window)
        window.resize(1200, 760)
        window.show()
        windows.append(window)
        qtbot.waitUntil(window.is_ready)  # completes itself just after its first frame
        return window

    yield make
    for window in windows:
        window.close()


def pytest_configure(config):
    config.addinivalue_line("markers", "real_keyring: talks to the OS keyring, not a fake")
    config.addinivalue_line("markers", "xvfb: starts the real app on an Xvfb display")
