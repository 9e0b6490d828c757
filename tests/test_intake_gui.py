"""Images into the real window: dropped files and folders, File > Open images, paths and
file:// links pasted in the link box, the question before a big folder, every refusal within
reach, the engine setting, and "Cut out on this computer". Real files, made here.

No API key is set, so nothing starts: these check what is added (source and engine) and what
the designer is told. Running local jobs belongs to the engine's own tests.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QTimer, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QFileDialog,
    QListWidget,
    QMenu,
    QMessageBox,
)

from desktop_app.jobs.model import Engine, JobState
from desktop_app.ui.main_window import MainWindow

WAIT_MS = 20000


def image(path: Path, size=(8, 6)) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, (200, 40, 40)).save(path)
    return path


def drop(window: MainWindow, *items: Path | str) -> None:
    """Drag over the window and drop, as a file manager or a browser does (offscreen, Qt
    cannot start a real drag: the events it would deliver are sent to the drop site)."""
    assert window.acceptDrops()  # without it, Qt delivers no drag events at all
    assert not window.jobs_panel.view.viewport().acceptDrops()  # the list passes them up
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(i)) if isinstance(i, Path) else QUrl(i)
                  for i in items])
    enter = QDragEnterEvent(QPoint(60, 60), Qt.DropAction.CopyAction, mime,
                            Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted()
    event = QDropEvent(QPointF(60, 60), Qt.DropAction.CopyAction, mime,
                       Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, event)


def jobs(window: MainWindow):
    return list(window.controller.jobs.values())


def status(window: MainWindow) -> str:
    return window.statusBar().currentMessage()


def wait_jobs(qtbot, window: MainWindow, n: int) -> None:
    qtbot.waitUntil(lambda: len(jobs(window)) == n, timeout=WAIT_MS)


def test_dropping_files_a_folder_and_a_link(qtbot, make_window, tmp_path):
    window = make_window()
    a, b = image(tmp_path / "a.jpg"), image(tmp_path / "portrait b.png")
    shoot = tmp_path / "Shoot"
    inside = [image(shoot / "1.png"), image(shoot / "day 2" / "2.webp")]
    image(shoot / ".hidden.png")
    drop(window, a, b, shoot, "https://cdn.example.com/c.png")
    wait_jobs(qtbot, window, 5)
    assert [(j.url, j.engine) for j in jobs(window)] == [
        ("https://cdn.example.com/c.png", Engine.HITPAW), (str(a), Engine.LOCAL),
        (str(b), Engine.LOCAL), (str(inside[0]), Engine.LOCAL), (str(inside[1]), Engine.LOCAL)]
    assert status(window).startswith("Added 5 images.")
    rows = [window.model.data(window.model.index(i)) for i in range(5)]
    assert "HitPaw" in rows[0] and all("On this computer \u00b7 free" in r for r in rows[1:])
    assert window.model.job_at(2).name == "portrait b.png"
    assert window.statusBar().refusals is None  # made only once something is refused


def test_more_than_a_hundred_images_ask_first(qtbot, make_window, tmp_path):
    window = make_window()
    big = tmp_path / "Catalogue"
    for n in range(101):
        image(big / f"sub{n % 3}" / f"{n:03d}.png", size=(2, 2))

    def answer(button: str) -> None:
        drop(window, big)
        qtbot.waitUntil(lambda: window.findChild(QMessageBox, "manyImagesQuestion")
                        is not None, timeout=WAIT_MS)
        box = window.findChild(QMessageBox, "manyImagesQuestion")
        assert "\u201cCatalogue\u201d holds 101 images" in box.text()
        if button == "cancel":
            box.button(QMessageBox.StandardButton.Cancel).click()
        else:
            next(b for b in box.buttons() if b.text() == "Add 101 images").click()
        qtbot.waitUntil(lambda: window.findChild(QMessageBox, "manyImagesQuestion") is None,
                        timeout=WAIT_MS)

    answer("cancel")
    qtbot.waitUntil(lambda: status(window) == "Nothing was added.", timeout=WAIT_MS)
    assert jobs(window) == []
    answer("add")
    wait_jobs(qtbot, window, 101)
    assert all(j.engine == Engine.LOCAL for j in jobs(window))
    assert jobs(window)[0].url == str(big / "sub0" / "000.png")


def test_more_than_a_hundred_files_chosen_one_by_one_ask_first(qtbot, make_window, tmp_path,
                                                               monkeypatch):
    """The same question as for a big folder, whether the files come from File > Open
    images, a drop of many files, or files and a folder together."""
    window = make_window()
    picked = [image(tmp_path / "pics" / f"{n:03d}.png", size=(2, 2)) for n in range(101)]
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", staticmethod(
        lambda *args: ([str(p) for p in picked], "")))

    def question() -> QMessageBox:
        qtbot.waitUntil(lambda: window.findChild(QMessageBox, "manyImagesQuestion")
                        is not None, timeout=WAIT_MS)
        return window.findChild(QMessageBox, "manyImagesQuestion")

    def cancel(box: QMessageBox) -> None:
        box.button(QMessageBox.StandardButton.Cancel).click()
        qtbot.waitUntil(lambda: window.findChild(QMessageBox, "manyImagesQuestion") is None,
                        timeout=WAIT_MS)
        qtbot.waitUntil(lambda: status(window) == "Nothing was added.", timeout=WAIT_MS)

    window.commands.open_images.trigger()
    box = question()
    assert box.text() == "You chose 101 files. Add them all?"
    assert "for free" in box.informativeText()
    cancel(box)
    assert jobs(window) == []

    folder = tmp_path / "Shoot"
    for n in range(50):
        image(folder / f"{n:02d}.png", size=(2, 2))
    drop(window, folder, *picked[:51])
    box = question()
    assert box.text() == ("\u201cShoot\u201d holds 50 images, counting every folder inside; "
                          "with the other files you chose, that makes 101. Add them all?")
    cancel(box)
    assert jobs(window) == []

    drop(window, *picked)
    box = question()
    next(b for b in box.buttons() if b.text() == "Add 101 images").click()
    wait_jobs(qtbot, window, 101)
    assert [j.url for j in jobs(window)] == [str(p) for p in picked]


def test_open_images_remembers_the_folder(qtbot, make_window, tmp_path, monkeypatch):
    # A native file dialog cannot be driven from a test: its answer is given here instead.
    window = make_window()
    picked = [image(tmp_path / "pics" / "x.jpg"), image(tmp_path / "pics" / "y.png")]
    asked = []

    def answer(parent, title, folder, filters):
        asked.append((folder, filters))
        return [str(p) for p in picked], filters.split(";;")[0]

    monkeypatch.setattr(QFileDialog, "getOpenFileNames", staticmethod(answer))
    assert window.commands.open_images.shortcut().toString() == "Ctrl+O"
    assert window.commands.open_images in window.commands.file_menu.actions()
    window.commands.open_images.trigger()
    wait_jobs(qtbot, window, 2)
    assert [j.url for j in jobs(window)] == [str(p) for p in picked]
    assert all(f"*.{ext}" in asked[0][1] for ext in ("jpg", "png", "webp", "heic", "heif",
                                                       "tif", "tiff"))
    assert window.settings.last_open_dir == str(tmp_path / "pics")
    picked[:] = []  # the designer cancels the second time
    window.commands.open_images.trigger()
    assert asked[1][0] == str(tmp_path / "pics")
    assert len(jobs(window)) == 2


def test_pasted_paths_and_file_links_the_box_keeps_only_what_was_refused(qtbot, make_window,
                                                                        tmp_path):
    window = make_window()
    spaced = image(tmp_path / "my photos" / "summer day.jpg")
    other = image(tmp_path / "b.png")
    missing = tmp_path / "gone.jpg"
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    box = window.findChild(object, "urlInput")
    box.setPlainText(f"{spaced}\n{other.as_uri()}\n'{missing}'\nhttps://cdn.example.com/d.gif\n"
                     f"https://cdn.example.com/e.png\n{empty}")
    window.findChild(object, "submitButton").click()
    wait_jobs(qtbot, window, 3)
    assert [j.url for j in jobs(window)] == ["https://cdn.example.com/e.png", str(spaced),
                                             str(other)]
    qtbot.waitUntil(lambda: box.toPlainText() != "" and "e.png" not in box.toPlainText(),
                    timeout=WAIT_MS)
    assert sorted(box.toPlainText().splitlines()) == sorted(
        [str(missing), "https://cdn.example.com/d.gif", str(empty)])
    assert status(window).startswith("Added 3 images. 3 items were not added.")
    button = window.statusBar().refusals
    assert button.isVisible() and button.text() == "3 items not added\u2026"
    assert button.accessibleName().startswith("3 items not added")
    button.click()
    qtbot.waitUntil(lambda: window.findChild(QListWidget, "refusalsList") is not None,
                    timeout=WAIT_MS)
    listing = window.findChild(QListWidget, "refusalsList")
    sentences = [listing.item(i).text() for i in range(listing.count())]
    assert len(sentences) == 3
    assert any("gone.jpg" in s and "was not found" in s for s in sentences)
    assert any("GIF" in s for s in sentences) and any("0 bytes" in s for s in sentences)
    dialog = listing.window()
    dialog.copy_button.click()
    assert str(missing) in QApplication.clipboard().text()
    dialog.reject()
    box.setPlainText("https://cdn.example.com/f.png")  # all good: the button goes away
    window.findChild(object, "submitButton").click()
    assert not button.isVisible() and box.toPlainText() == ""


def test_cut_out_on_this_computer_switches_a_waiting_link_and_adds_an_ended_one_again(
        qtbot, make_window):
    window = make_window()
    box = window.findChild(object, "urlInput")
    box.setPlainText("https://cdn.example.com/a.png\nhttps://cdn.example.com/b.png")
    window.findChild(object, "submitButton").click()
    first, second = jobs(window)
    window.controller.cancel(second.id)  # an ended job: stays, and comes back as a new one
    view = window.jobs_panel.view
    view.selectAll()
    action = window.commands.cut_out_here
    assert action.isEnabled() and action in window.commands.jobs_menu.actions()
    assert action.shortcut().toString() == "Ctrl+Shift+L"
    shown = []  # the right-click menu runs its own loop: read it and close it from there

    def read_menu() -> None:
        menu = QApplication.activePopupWidget()
        if isinstance(menu, QMenu):
            shown.extend(menu.actions())
            menu.close()
        else:
            QTimer.singleShot(20, read_menu)

    QTimer.singleShot(20, read_menu)
    rect = view.visualRect(view.model().index(0, 0))
    window._context_menu(rect.center())
    assert action in shown and "Copy link" in [a.text() for a in shown]
    action.trigger()
    assert window.controller.jobs[first.id].engine == Engine.LOCAL
    assert window.controller.jobs[second.id].engine == Engine.HITPAW
    assert window.controller.jobs[second.id].state == JobState.CANCELLED
    added = jobs(window)[2]
    assert (added.url, added.engine, added.state) == (second.url, Engine.LOCAL,
                                                      JobState.QUEUED)
    assert "cut out on this computer, for free (1 added again" in status(window)
    qtbot.waitUntil(lambda: "On this computer" in window.model.data(window.model.index(0)),
                    timeout=WAIT_MS)   # the list shows a turn's changes after it
    assert window.controller.session_coins == 0


def test_switching_a_waiting_link_to_this_computer_loads_the_model(qtbot, make_window,
                                                                   monkeypatch):
    """A switched job is not a new one (no ``jobs_added``): the engine's helper process (which
    loads the model) is started all the same, in a worker, so the job does not wait for it."""
    import threading

    from desktop_app.engine.helper import EngineHelper

    warmed: list[str] = []
    monkeypatch.setattr(EngineHelper, "start",
                        lambda self: warmed.append(threading.current_thread().name))
    window = make_window()
    window.intake.add_text("http://127.0.0.1:9/a.png")
    [job] = jobs(window)
    assert job.engine == Engine.HITPAW and not window.controller._engine_warming
    window.jobs_panel.view.selectAll()
    window.commands.cut_out_here.trigger()
    assert window.controller.jobs[job.id].engine == Engine.LOCAL
    qtbot.waitUntil(lambda: bool(warmed), timeout=WAIT_MS)
    assert warmed[0] != threading.main_thread().name


def test_the_engine_setting_for_files(qtbot, make_window, tmp_path, monkeypatch):
    from desktop_app.ui.settings_dialog import SettingsDialog

    window = make_window()
    dialog = SettingsDialog(window.settings, window)
    qtbot.addWidget(dialog)
    combo = dialog.findChild(QComboBox, "localEngineCombo")
    assert [combo.itemText(i) for i in range(combo.count())] == [
        "Automatically (on this computer until your storage is set up)",
        "On this computer (free)", "With HitPaw (needs your storage)"]
    hitpaw = combo.model().item(2)
    assert not hitpaw.isEnabled() and "storage" in hitpaw.toolTip()  # none in this build
    combo.setCurrentIndex(1)
    dialog.accept()
    assert window.settings.local_engine == "local"
    window.settings.local_engine = "hitpaw"  # chosen while storage was there, then gone
    drop(window, image(tmp_path / "a.jpg"))
    wait_jobs(qtbot, window, 1)
    assert jobs(window)[0].engine == Engine.LOCAL
    assert "storage is not set up" in status(window)


def test_a_file_done_today_is_offered_again_unless_it_changed(qtbot, make_window, tmp_path,
                                                              monkeypatch):
    import os
    import time

    from desktop_app.ui import link_intake

    window = make_window()
    photo = image(tmp_path / "a.jpg")
    drop(window, photo)
    wait_jobs(qtbot, window, 1)
    job = jobs(window)[0]
    qtbot.waitUntil(lambda: window.controller.jobs[job.id].state == JobState.DONE,
                    timeout=60_000)  # cut out on this computer, for real
    asked = []
    monkeypatch.setattr(link_intake, "ask_reuse",
                        lambda parent, reused, total: asked.append(reused) or "reuse")
    drop(window, photo)
    qtbot.waitUntil(lambda: bool(asked), timeout=WAIT_MS)
    assert asked[0][0].id == job.id and len(jobs(window)) == 1
    os.utime(photo, (time.time() + 60, time.time() + 60))  # edited since: a new image
    drop(window, photo)
    wait_jobs(qtbot, window, 2)
    assert len(asked) == 1
