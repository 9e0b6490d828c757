"""Take the README's touch-up screenshot: a finished job mid-edit, strokes and brush ring shown.

    .venv/bin/python docs/screenshots/capture_touch_up.py [OUTPUT_DIR]

Offscreen, throwaway folders, no keyring (like ``capture.py``); the job runs on the sandbox.
"""

from __future__ import annotations

import sys
from pathlib import Path

from _offscreen import wait, wait_for  # first: sets the folders before Qt starts

import keyring  # noqa: E402
from keyring.backends import fail  # noqa: E402
from PySide6.QtCore import QEvent, QPointF, Qt  # noqa: E402
from PySide6.QtGui import QMouseEvent  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from desktop_app.jobs.model import JobState  # noqa: E402


def send(view, kind, point: QPointF, buttons) -> None:
    pos = view.map_from_image(point)
    button = Qt.MouseButton.LeftButton if kind != QEvent.Type.MouseMove else \
        Qt.MouseButton.NoButton
    QApplication.sendEvent(view, QMouseEvent(kind, pos, view.mapToGlobal(pos), button, buttons,
                                             Qt.KeyboardModifier.NoModifier))


def stroke(view, points) -> None:
    left = Qt.MouseButton.LeftButton
    send(view, QEvent.Type.MouseButtonPress, QPointF(*points[0]), left)
    for x, y in points[1:]:
        send(view, QEvent.Type.MouseMove, QPointF(x, y), left)
    send(view, QEvent.Type.MouseButtonRelease, QPointF(*points[-1]), Qt.MouseButton.NoButton)


def main() -> int:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).parent)
    out.mkdir(parents=True, exist_ok=True)
    keyring.set_keyring(fail.Keyring())
    app = QApplication([])
    app.setApplicationName("Cutout")
    from desktop_app.ui.main_window import MainWindow

    window = MainWindow()
    window.resize(1280, 780)
    window.show()
    wait_for(window.is_ready)
    window.connection.start_sandbox()
    sandbox = window.connection.sandbox
    sandbox.processing_time = 0.5
    names = ["portrait.jpg", "mug.png", "sneaker.webp"]
    window.intake.url_input.setPlainText("\n".join(sandbox.sample_url(n, 1200, 900)
                                                   for n in names))
    window.intake.submit()
    wait_for(lambda: all(j.state == JobState.DONE for j in window.controller.jobs.values()),
             60)
    first = next(iter(window.controller.jobs))
    window.jobs_panel.select_job(first)
    wait_for(lambda: window.viewer.matted_view.image() is not None)
    touch_up = window.results.touch_up
    window.results.touch_up_button.click()
    wait_for(touch_up.is_active)
    touch_up.bar.size_spin.setValue(90)
    touch_up.bar.hardness_spin.setValue(80)
    matted = window.viewer.matted_view
    # erase a corner of the body, then restore a band of background beside the head: it
    # comes back with the original's own colours
    stroke(matted, [(380 + 7 * i, 640 + 8 * i) for i in range(21)])
    touch_up.actions.restore.trigger()
    stroke(matted, [(770 + 2 * i, 190 + 9 * i) for i in range(21)])
    send(matted, QEvent.Type.MouseMove, QPointF(812, 470), Qt.MouseButton.NoButton)
    wait(0.5)
    window.grab().save(str(out / "touch-up.png"))
    touch_up.finish()
    wait_for(lambda: not touch_up.is_saving(first))
    window.close()
    print(f"screenshot written to {out / 'touch-up.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
