"""Build the installable app: icons from the SVG, then PyInstaller's one-folder dist/cutout/.

Run it with the project's Python (``.venv/bin/python packaging/build.py``, or ``make dist``)
on the platform you build for: PyInstaller does not cross-compile. Steps:

1. render resources/icons/cutout.svg with QtSvg into the hicolor PNG sizes in build/icons/;
2. write build/icons/cutout.ico (Windows) and build/icons/cutout.icns (macOS) with Pillow;
3. run PyInstaller on packaging/cutout.spec (dist/, build/pyinstaller/);
4. on Linux, add share/ (icons, .desktop file, AppStream metainfo) beside the binary, laid out
   like /usr/share, so installing is copying dist/cutout/share into a prefix;
5. print the build time and the size of dist/cutout.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGING = ROOT / "packaging"
SPEC = PACKAGING / "cutout.spec"
SVG = ROOT / "resources" / "icons" / "cutout.svg"
BUILD = ROOT / "build"
ICONS = BUILD / "icons"
DIST = ROOT / "dist"
APP_ID = "io.github.cutout.Cutout"
HICOLOR_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)       # 256 is the largest an .ico holds
ICNS_SIZES = (16, 32, 64, 128, 256, 512)


class BuildError(Exception):
    """One sentence saying which step failed."""


def hicolor_png(size: int) -> Path:
    return ICONS / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png"


def render_icons() -> dict[int, Path]:
    """Render the SVG at every hicolor size; each size is drawn, not scaled from another."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # no display needed to draw icons
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    app = QGuiApplication.instance() or QGuiApplication([sys.argv[0]])  # noqa: F841
    renderer = QSvgRenderer(str(SVG))
    if not renderer.isValid():
        raise BuildError(f"{SVG} is not an SVG Qt can draw")
    written: dict[int, Path] = {}
    for size in HICOLOR_SIZES:
        image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        renderer.render(painter)
        painter.end()
        target = hicolor_png(size)
        target.parent.mkdir(parents=True, exist_ok=True)
        if not image.save(str(target), "PNG"):
            raise BuildError(f"could not write {target}")
        written[size] = target
    return written


def write_ico_and_icns(pngs: dict[int, Path]) -> tuple[Path, Path]:
    from PIL import Image

    images = {size: Image.open(path).convert("RGBA") for size, path in pngs.items()}
    ico = ICONS / "cutout.ico"
    images[256].save(ico, format="ICO", sizes=[(s, s) for s in ICO_SIZES],
                     append_images=[images[s] for s in ICO_SIZES if s != 256])
    icns = ICONS / "cutout.icns"
    images[512].save(icns, format="ICNS",
                     append_images=[images[s] for s in ICNS_SIZES if s != 512])
    for path in (ico, icns):
        if not path.exists() or path.stat().st_size == 0:
            raise BuildError(f"could not write {path}")
    return ico, icns


def run_pyinstaller() -> None:
    command = [sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean",
               "--distpath", str(DIST), "--workpath", str(BUILD / "pyinstaller"), str(SPEC)]
    print("+", " ".join(command), flush=True)
    # Not from ROOT: there, importlib.metadata would also see a leftover
    # cutout_desktop.egg-info in the source tree, and the spec must copy the installed one.
    BUILD.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(command, cwd=BUILD)
    if result.returncode != 0:
        raise BuildError(f"PyInstaller failed (exit {result.returncode})")


def add_linux_share(app_dir: Path) -> None:
    """dist/cutout/share/: what a Linux install puts under <prefix>/share."""
    share = app_dir / "share"
    if share.exists():
        shutil.rmtree(share)
    shutil.copytree(ICONS / "hicolor", share / "icons" / "hicolor")
    (share / "applications").mkdir(parents=True)
    shutil.copy2(PACKAGING / f"{APP_ID}.desktop", share / "applications")
    (share / "metainfo").mkdir(parents=True)
    shutil.copy2(PACKAGING / f"{APP_ID}.metainfo.xml", share / "metainfo")


def folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def main() -> int:
    started = time.monotonic()
    try:
        print(f"Rendering icons from {SVG.relative_to(ROOT)}", flush=True)
        pngs = render_icons()
        ico, icns = write_ico_and_icns(pngs)
        print(f"  {len(pngs)} PNG sizes, {ico.relative_to(ROOT)}, {icns.relative_to(ROOT)}")
        run_pyinstaller()
        app_dir = DIST / "cutout"
        binary = app_dir / ("cutout.exe" if sys.platform == "win32" else "cutout")
        if not binary.is_file():
            raise BuildError(f"PyInstaller finished but {binary} is missing")
        if sys.platform.startswith("linux"):
            add_linux_share(app_dir)
    except BuildError as err:
        print(f"build failed: {err}", file=sys.stderr)
        return 1
    except Exception as err:  # noqa: BLE001 - say what broke in one line, then fail
        print(f"build failed: {type(err).__name__}: {err}", file=sys.stderr)
        return 1
    elapsed = time.monotonic() - started
    size = folder_size(app_dir)
    print(f"Built {binary.relative_to(ROOT)} in {elapsed:.1f} s; "
          f"dist/cutout is {size / 1_000_000:.1f} MB")
    if sys.platform == "darwin":
        print(f"macOS bundle: {(DIST / 'Cutout.app').relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
