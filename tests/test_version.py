"""One version everywhere: pyproject.toml, ``cutout --version`` and the About box.

The About box must also carry the LGPL notice for Qt and PySide6, which every build ships.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import desktop_app

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def project_version() -> str:
    with open(ROOT / "pyproject.toml", "rb") as handle:
        return tomllib.load(handle)["project"]["version"]


def test_package_version_matches_pyproject(project_version):
    assert desktop_app.__version__ == project_version


def test_version_option_prints_the_pyproject_version(project_version):
    result = subprocess.run([sys.executable, "-m", "desktop_app", "--version"], cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"Cutout {project_version}"


def test_about_box_shows_the_version_and_the_lgpl_notice(qtbot, monkeypatch, project_version):
    from PySide6.QtWidgets import QMessageBox

    from desktop_app.ui.main_window import MainWindow

    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(QMessageBox, "about",
                        staticmethod(lambda parent, title, text: shown.append((title, text))))
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(window.is_ready)
    window.show_about()

    assert len(shown) == 1
    title, text = shown[0]
    assert "Cutout" in title
    assert project_version in text
    assert "LGPL" in text
    assert "MIT" in text
    # the bundled cut-out model's credit and licence, and its licence file in the package
    assert "u2netp" in text and "Apache License 2.0" in text and "ONNX Runtime" in text
    from desktop_app.engine import model_path

    licence = model_path().parent / "LICENSE-Apache-2.0.txt"
    assert "Apache License" in licence.read_text(encoding="utf-8")
