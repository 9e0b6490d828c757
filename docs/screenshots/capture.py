"""Take the README's screenshots of the real window in each state, against the sandbox.

    .venv/bin/python docs/screenshots/capture.py [OUTPUT_DIR]

Runs offscreen with throwaway folders and an in-memory-free keyring, so it never touches
your own history or key.
"""

from __future__ import annotations

import sys
from pathlib import Path

from _offscreen import HOME, wait, wait_for  # first: sets the folders before Qt starts

import keyring  # noqa: E402
from keyring.backends import fail  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from desktop_app.jobs.model import JobState  # noqa: E402
from desktop_app.sandbox import Fault  # noqa: E402


def main() -> int:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).parent)
    out.mkdir(parents=True, exist_ok=True)
    keyring.set_keyring(fail.Keyring())
    app = QApplication([])
    app.setApplicationName("Cutout")
    from desktop_app.ui.key_dialog import KeyDialog
    from desktop_app.ui.main_window import MainWindow

    window = MainWindow()
    window.resize(1280, 780)
    window.show()
    wait_for(window.is_ready)
    wait(0.5)
    window.grab().save(str(out / "empty.png"))

    dialog = KeyDialog(window.connection.keystore, "http://127.0.0.1:9", "", window)
    dialog.key_edit.setText("hp-demo-key-0000")
    dialog.show()
    wait(0.3)
    dialog.grab().save(str(out / "key-dialog.png"))
    dialog.close()

    window.connection.start_sandbox()
    sandbox = window.connection.sandbox
    sandbox.processing_time = 6.0
    names = ["portrait.jpg", "mug.png", "sneaker.webp", "lamp.jpg", "chair.png", "plant.webp"]
    window.intake.url_input.setPlainText("\n".join(sandbox.sample_url(n, 1200, 900) for n in names))
    window.intake.submit()
    wait_for(lambda: sum(1 for j in window.controller.jobs.values() if j.job_id) >= 4)
    wait(1.0)
    window.grab().save(str(out / "running.png"))

    wait_for(lambda: all(j.state == JobState.DONE for j in window.controller.jobs.values()),
             60)
    window.jobs_panel.select_job(next(iter(window.controller.jobs)))
    wait_for(lambda: window.viewer.matted_pane.canvas.image() is not None)
    wait(0.3)
    window.grab().save(str(out / "finished.png"))

    window.viewer.set_compare(True)
    window.viewer.compare_view.set_divider(0.45)
    window.viewer.set_background_state({"kind": "color", "color": "#cfe8ff"})
    wait(0.5)
    window.grab().save(str(out / "compare.png"))
    window.viewer.set_compare(False)
    window.viewer.set_background_state({"kind": "checker"})

    sandbox.processing_time = 1.0         # a portrait in one large pane (keys 0-4)
    window.intake.url_input.setPlainText(sandbox.sample_url("portrait-tall.jpg", 900, 1200))
    window.intake.submit()
    wait_for(lambda: all(j.state == JobState.DONE for j in window.controller.jobs.values()),
             60)
    window.jobs_panel.select_job(list(window.controller.jobs)[-1])
    wait_for(lambda: window.viewer.matted_pane.canvas.image() is not None
             and window.viewer.matted_pane.canvas.image().height() >
             window.viewer.matted_pane.canvas.image().width())
    window.viewer.set_view_mode("cutout")
    wait(0.5)
    window.grab().save(str(out / "single-pane.png"))
    window.viewer.set_view_mode("all")

    sandbox.processing_time = 1.0
    window.intake.url_input.setPlainText(sandbox.sample_url("not-an-image.png"))
    window.intake.submit()
    wait_for(lambda: any(j.state == JobState.FAILED for j in window.controller.jobs.values()))
    sandbox.add_fault(Fault(endpoint="submit", kind="code", code=110402000, times=None))
    window.intake.url_input.setPlainText("\n".join([sandbox.sample_url("poster.png"),
                                                    sandbox.sample_url("vase.png")]))
    window.intake.submit()
    wait_for(lambda: window.controller.paused_kind == "coins")
    wait(1.0)
    failed = next(j for j in window.controller.jobs.values() if j.state == JobState.FAILED)
    window.jobs_panel.select_job(failed.id)
    wait(0.5)
    window.grab().save(str(out / "error.png"))
    # files from this computer, cut out here for free (real photos from the engine's dev set)
    photos = Path(__file__).resolve().parents[2] / "benchmarks" / "devset" / "images"
    notes = Path(HOME) / "notes.jpg"
    notes.write_text("not a picture")
    window.intake.url_input.setPlainText("\n".join(
        [str(photos / "photo_cup_coffee.jpg"), str(photos / "photo_cat_chelsea.jpg"),
         str(notes)]))
    window.intake.submit()
    wait_for(lambda: sum(j.state == JobState.DONE and j.is_local_file
                         for j in window.controller.jobs.values()) == 2, 120)
    cat = next(j for j in window.controller.jobs.values() if j.url.endswith("chelsea.jpg"))
    window.jobs_panel.select_job(cat.id)
    wait_for(lambda: window.viewer.matted_pane.canvas.image() is not None)
    wait(0.5)
    window.grab().save(str(out / "local-files.png"))

    from desktop_app.ui.settings_dialog import SettingsDialog

    settings_dialog = SettingsDialog(window.settings, window)
    settings_dialog.tabs.setCurrentIndex(1)
    settings_dialog.show()
    wait(0.5)
    settings_dialog.grab().save(str(out / "storage-settings.png"))
    settings_dialog.reject()
    window.close()
    print(f"screenshots written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
