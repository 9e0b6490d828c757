"""``cutout --smoke-test [PATH]``: prove a build works end to end, then leave a screenshot.

A frozen app can start and still be broken (a missing Qt image plugin, keyring metadata,
resource folder, model file or onnxruntime library only shows when something is used), so
this drives the real window through two jobs: one against the built-in sandbox (submit,
poll, download, decode, show), and one cut out on this computer from a file, offline, with
the bundled model (the window then shows that one). It runs in throw-away folders with no
keyring, so a smoke test never reads the user's key nor touches their settings, history or
cache.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # Qt and the window are imported when the smoke test runs, not before
    from PySide6.QtWidgets import QApplication

    from desktop_app.ui.main_window import MainWindow
    from desktop_app.ui.single_instance import SingleInstance

TIME_LIMIT_S = 60.0
SAMPLE = "portrait.jpg"  # a JPEG: the frozen build must carry Qt's and Pillow's JPEG support

_XDG_VARS = ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME")


class SmokeFailure(Exception):
    """One sentence saying what did not work."""


def isolate(folder: Path) -> None:
    """Point every folder the app uses into ``folder`` and take the real keyring away.

    The XDG variables cover Linux; platformdirs ignores them on Windows and macOS, so the
    folder functions in ``desktop_app.paths`` are redirected as well.
    """
    from desktop_app import paths

    for var in _XDG_VARS:
        path = folder / var.lower()
        path.mkdir(parents=True, exist_ok=True)
        os.environ[var] = str(path)
    from desktop_app.api.defaults import BASE_URL_ENV, KEY_ENV

    for var in (KEY_ENV, BASE_URL_ENV):
        os.environ.pop(var, None)
    for name in ("data_dir", "cache_dir", "config_dir", "log_dir"):
        target = folder / "app" / name
        setattr(paths, name, lambda target=target: target)

    import keyring
    import keyring.backends.fail

    keyring.set_keyring(keyring.backends.fail.Keyring())


def check_bundle() -> None:
    """What a frozen build must carry that a source checkout always has."""
    from importlib import metadata

    from desktop_app import __version__, paths

    if not (paths.resources_dir() / "icons" / "cutout.svg").is_file():
        raise SmokeFailure(f"the resources folder is missing ({paths.resources_dir()})")
    if getattr(sys, "frozen", False):
        try:
            bundled = metadata.version("cutout-desktop")
        except metadata.PackageNotFoundError:
            raise SmokeFailure("the build carries no cutout-desktop metadata") from None
        if bundled != __version__:
            raise SmokeFailure(f"the build says version {bundled}, the code {__version__}")
    # keyring finds its backends through entry points: without its metadata it has none.
    names = {ep.name for ep in metadata.entry_points(group="keyring.backends")}
    wanted = {"win32": "Windows", "darwin": "macOS"}.get(sys.platform, "SecretService")
    if wanted not in names:
        raise SmokeFailure(f"keyring cannot find its {wanted} backend (found: "
                           f"{', '.join(sorted(names)) or 'none'})")
    for ep in metadata.entry_points(group="keyring.backends"):
        if ep.name == wanted:
            ep.load()
    from desktop_app.engine import model_path

    if not model_path().is_file():
        raise SmokeFailure(f"the cut-out model is missing ({model_path()})")
    if not (model_path().parent / "LICENSE-Apache-2.0.txt").is_file():
        raise SmokeFailure("the cut-out model's licence is missing beside it")


def _wait_until(app, condition: Callable[[], bool], deadline: float, what: str) -> None:
    """Run the event loop until ``condition()`` holds; never sleeps on the GUI thread."""
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()

    def check() -> None:
        modal = app.activeModalWidget()
        if modal is not None:  # a dialog (the key prompt) would wait for a person forever
            modal.close()
        if condition() or time.monotonic() >= deadline:
            loop.quit()

    poll = QTimer()
    poll.setInterval(50)
    poll.timeout.connect(check)
    poll.start()
    if not condition() and time.monotonic() < deadline:
        loop.exec()
    poll.stop()
    if not condition():
        raise SmokeFailure(f"{what} within {TIME_LIMIT_S:.0f} s")


def _run(screenshot: Path, qt_args: Sequence[str], folder: Path) -> None:
    app = _application(qt_args)
    _check_image_formats()
    instance = _claim_the_window()

    from desktop_app.ui.main_window import MainWindow

    window = MainWindow()
    try:
        window.show()
        deadline = time.monotonic() + TIME_LIMIT_S
        _wait_until(app, window.is_ready, deadline, "the window did not complete itself")
        job_id = _submit_sample(window)
        _wait_for_success(app, window, job_id, deadline)
        local_id = _cut_out_here(window, folder)
        _wait_for_success(app, window, local_id, deadline)
        _show_job(app, window, local_id, deadline)
        _save_screenshot(app, window, screenshot)
    finally:
        window.close()
        app.processEvents()
        instance.release()


def _application(qt_args: Sequence[str]) -> QApplication:
    """The QApplication named as the real app names it (the screenshot's title shows it)."""
    from PySide6.QtWidgets import QApplication

    from desktop_app import APP_ID, APP_NAME, __version__

    app = QApplication.instance() or QApplication([sys.argv[0], *qt_args])
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setDesktopFileName(APP_ID)
    return app


def _claim_the_window() -> SingleInstance:
    """One window per user needs QtNetwork's local socket, which a frozen build can leave
    out: take the (isolated) lock and listen, as the real start does."""
    from desktop_app import paths
    from desktop_app.ui.single_instance import SingleInstance

    instance = SingleInstance(paths.instance_lock())
    if not instance.try_lock():
        raise SmokeFailure(f"the window lock {paths.instance_lock()} could not be taken")
    try:
        listening = instance.listen()
    except ImportError as err:
        raise SmokeFailure(f"the build cannot hear a second launch: {err}") from None
    if not listening:
        raise SmokeFailure("the build cannot listen for a second launch")
    return instance


def _check_image_formats() -> None:
    """A frozen build can lose Qt's image plugins; the previews would then stay blank."""
    from PySide6.QtGui import QImageReader

    formats = {bytes(f).decode() for f in QImageReader.supportedImageFormats()}
    missing = {"png", "jpeg", "webp", "svg"} - formats
    if missing:
        raise SmokeFailure(f"Qt cannot read {', '.join(sorted(missing))} images "
                           "(image format plugins missing)")


def _submit_sample(window: MainWindow) -> str:
    """Start the built-in sandbox and submit its sample as a user would; the job's id."""
    window.connection.start_sandbox()
    if window.connection.sandbox is None:
        raise SmokeFailure("the built-in sandbox did not start: "
                           + window.statusBar().currentMessage())
    sandbox = window.connection.sandbox
    sandbox.processing_time = 0.5
    window.intake.url_input.setPlainText(sandbox.sample_url(SAMPLE))
    window.intake.submit()
    jobs = list(window.controller.jobs.values())
    if len(jobs) != 1:
        raise SmokeFailure(f"expected one job after submitting one link, got {len(jobs)}")
    return jobs[0].id


def _cut_out_here(window: MainWindow, folder: Path) -> str:
    """A JPEG file cut out on this computer with the bundled model (no key, no network)."""
    from desktop_app.jobs.model import Engine
    from desktop_app.sandbox.samples import render_sample

    photo = folder / "local-sample.jpg"
    render_sample(SAMPLE, 640, 480).save(photo, "JPEG", quality=90)
    [job] = window.controller.add_urls([str(photo)], [Engine.LOCAL])
    return job.id


def _wait_for_success(app: QApplication, window: MainWindow, job_id: str,
                      deadline: float) -> None:
    """Wait for the job to end, whichever way, and fail with its message unless it is done."""
    from desktop_app.jobs.model import FINISHED_STATES, JobState

    finished = FINISHED_STATES | {JobState.PAUSED}
    _wait_until(app, lambda: window.controller.jobs[job_id].state in finished, deadline,
                "the sample job did not finish")
    job = window.controller.jobs[job_id]
    if job.state != JobState.DONE:
        raise SmokeFailure(f"the sample job ended {job.state.value}: {job.message}")


def _show_job(app: QApplication, window: MainWindow, job_id: str, deadline: float) -> None:
    """Select the job in the list, as a click would, and wait until all three panes show it."""
    row = window.model.row_of(job_id)
    if row is None:
        raise SmokeFailure("the finished job is not in the job list")
    view = window.jobs_panel.view
    index = window.model.index(row)
    if view.model() is not window.model:  # the list shows the jobs through a filter
        index = view.model().mapFromSource(index)
    if not index.isValid():
        raise SmokeFailure("the finished job is hidden from the job list")
    view.setCurrentIndex(index)
    _wait_until(app, lambda: window.viewer.matted_pane.canvas.image() is not None, deadline,
                "the cut-out was not shown")
    viewer = window.viewer
    for name, pane in (("original", viewer.original_pane), ("mask", viewer.mask_pane)):
        if pane.canvas.image() is None:
            raise SmokeFailure(f"the {name} pane shows no image")


def _save_screenshot(app: QApplication, window: MainWindow, screenshot: Path) -> None:
    app.processEvents()  # let the panes paint their new images before the grab
    screenshot.parent.mkdir(parents=True, exist_ok=True)
    if not window.grab().save(str(screenshot), "PNG"):
        raise SmokeFailure(f"the screenshot could not be written to {screenshot}")


def run_smoke_test(screenshot: Path, qt_args: Sequence[str] = ()) -> int:
    """Submit one sample image to the built-in sandbox, wait for it, screenshot the window.

    Returns 0 and prints "smoke test passed: <path>", or prints one line and returns 1.
    """
    screenshot = Path(screenshot).resolve()
    with tempfile.TemporaryDirectory(prefix="cutout-smoke-", ignore_cleanup_errors=True) as tmp:
        try:
            check_bundle()
            isolate(Path(tmp))
            _run(screenshot, qt_args, Path(tmp))
        except SmokeFailure as failure:
            print(f"smoke test failed: {failure}", flush=True)
            code = 1
        except Exception as err:  # noqa: BLE001 - the point is one readable line
            print(f"smoke test failed: {type(err).__name__}: {err}", flush=True)
            code = 1
        else:
            print(f"smoke test passed: {screenshot}", flush=True)
            code = 0
    tasks = sys.modules.get("desktop_app.ui.tasks")
    if tasks is not None and tasks.STRAGGLERS:
        # A worker still blocked in a socket: its folder is gone, leave without waiting.
        sys.stdout.flush()
        os._exit(code)
    return code
