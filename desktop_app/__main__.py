"""Start the Cutout window: ``python -m desktop_app`` or the ``cutout`` command."""

from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path

import desktop_app
from desktop_app import APP_ID, APP_NAME, paths


class VersionAction(argparse.Action):
    """``--version``, reading the version only when asked (see ``desktop_app.__getattr__``)."""

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        print(f"Cutout {desktop_app.__version__}")
        parser.exit()


def absolute_sources(sources: list[str], cwd: Path) -> list[str]:
    """Links as they are; paths made absolute here, since a relative path means this
    terminal's folder, which the running window (it may get them) does not share."""
    if not sources:   # the usual launch: no need to load the sources' reader before the window
        return []
    from desktop_app.jobs.sources import local_path

    return [str(local_path(s, cwd=cwd) or s) for s in sources]


def main(argv: list[str] | None = None) -> int:
    # No garbage collections until the window's warm-up freezes start-up's objects: the
    # imports before the first paint set off ~50 of them (12-17 ms; see ui.interpreter).
    from desktop_app.ui.interpreter import hold_collections

    hold_collections()
    parser = argparse.ArgumentParser(prog="cutout", description="Remove image backgrounds "
                                     "with the HitPaw API.")
    parser.add_argument("--version", action=VersionAction, nargs=0,
                        help="show the version and exit")
    parser.add_argument("--smoke-test", nargs="?", const="cutout-smoke.png", metavar="PATH",
                        help="check this installation: run one sample job against the built-in "
                        "sandbox in throw-away folders, save a screenshot of the window to PATH "
                        "(default: cutout-smoke.png) and exit 0, or 1 on failure")
    parser.add_argument("links", nargs="*", metavar="SOURCE",
                        help="image links, files or folders to add as jobs when the window "
                        "opens")
    args, qt_args = parser.parse_known_args(argv)
    args.links = absolute_sources(args.links, Path.cwd())

    if args.smoke_test is not None:
        from desktop_app.smoke import run_smoke_test

        return run_smoke_test(Path(args.smoke_test), qt_args)

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from desktop_app.ui.interpreter import skip_pyside_feature_hook

    skip_pyside_feature_hook()   # before the window's ~70 modules are imported
    from desktop_app.logs import install_excepthook, setup_logging

    app = QApplication([sys.argv[0], *qt_args])
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName(APP_NAME)
    app.setDesktopFileName(APP_ID)

    from desktop_app.ui.single_instance import Launch, SingleInstance

    instance = SingleInstance(paths.instance_lock())
    launch = Launch.FIRST if instance.try_lock() else instance.hand_over(args.links)
    if launch is Launch.HANDED_OVER:
        return 0          # the running window has the links and comes to the front

    from desktop_app.ui.main_window import MainWindow

    window = MainWindow(shared_history=launch is Launch.FIRST)
    install_excepthook(window.statusBar().showMessage)
    # The log file (and the rotating handler's imports) can wait for the first frame; until
    # then warnings go to stderr, as Python does without a handler. Links given on the
    # command line wait for the window to be complete (see MainWindow).
    window.ready.connect(setup_logging)
    if launch is Launch.FIRST:
        window.ready.connect(lambda: serve_later_launches(instance, window))
    else:
        window.ready.connect(lambda: say_another_window_is_stuck(window))
    if args.links:
        window.ready.connect(lambda: window.intake.add_text("\n".join(args.links)))
    window.show()
    # Let Ctrl+C in a terminal, or a session logout's SIGTERM, close the window properly so
    # state is saved and workers stop (Python handles signals between
    # Qt events only when the interpreter gets to run).
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: window.close())
    heartbeat = QTimer()
    heartbeat.start(250)
    heartbeat.timeout.connect(lambda: None)
    code = app.exec()
    instance.release()
    tasks = sys.modules.get("desktop_app.ui.tasks")  # not loaded if the window never completed
    if tasks is not None and tasks.STRAGGLERS:
        # A worker is still blocked in a network call after the 2 s grace: its job state is
        # already stored, so leave without waiting for the socket to time out.
        sys.stdout.flush()
        os._exit(code)
    return code


def serve_later_launches(instance, window) -> None:
    """A later ``cutout`` brings this window to the front and adds its links here."""
    def to_front() -> None:
        if window.isMinimized():
            window.showNormal()
        window.raise_()
        window.activateWindow()

    instance.activation_requested.connect(to_front)
    instance.links_received.connect(lambda links: window.intake.add_text("\n".join(links)))
    if not instance.listen():
        import logging

        logging.getLogger(__name__).warning("later launches cannot reach this window")


def say_another_window_is_stuck(window) -> None:
    sentence = ("Another Cutout window is open but does not answer, so this window does not "
                "show or resume its jobs, and keeps its own jobs only until it closes.")
    import logging

    logging.getLogger(__name__).warning(sentence)
    window.statusBar().showMessage(sentence)


if __name__ == "__main__":
    if getattr(sys, "frozen", False):
        # The engine's helper process (engine.helper) is this executable started again by
        # multiprocessing: here it becomes the helper instead of a second window.
        import multiprocessing

        multiprocessing.freeze_support()
    sys.exit(main())
