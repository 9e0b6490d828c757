"""The app's folders, from platformdirs (tests point them elsewhere through XDG_* variables)."""

from __future__ import annotations

import sys
from pathlib import Path

import platformdirs

_APP = "cutout-desktop"


def data_dir() -> Path:
    return Path(platformdirs.user_data_dir(_APP, appauthor=False))


def cache_dir() -> Path:
    return Path(platformdirs.user_cache_dir(_APP, appauthor=False))


def config_dir() -> Path:
    return Path(platformdirs.user_config_dir(_APP, appauthor=False))


def log_dir() -> Path:
    return Path(platformdirs.user_log_dir(_APP, appauthor=False))


def history_db() -> Path:
    return data_dir() / "history.sqlite3"


def instance_lock() -> Path:
    """Held by the one running window (see ``ui.single_instance``)."""
    return data_dir() / "window.lock"


def results_dir() -> Path:
    return cache_dir() / "results"


def resources_dir() -> Path:
    """``resources/`` beside the package in a source tree, or inside a PyInstaller bundle."""
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        return Path(frozen) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"
