"""One large pane or three, compare and its divider: chosen by buttons and keys, kept across
restarts; and the job list and status bar that never hide what matters. Real windows."""

from __future__ import annotations

from types import SimpleNamespace

from PySide6.QtCore import QPoint, QSize, Qt
from PySide6.QtGui import QColor, QImage, QTextDocumentFragment
from PySide6.QtWidgets import QApplication, QToolButton, QWidget

from desktop_app.jobs.model import Job, JobState
from desktop_app.ui.job_list import JobRole

WAIT_MS = 5000


def portrait(colour: str) -> QImage:
    image = QImage(300, 600, QImage.Format.Format_ARGB32)
    image.fill(QColor(colour))
    return image


def show_portrait(window) -> None:
    window.stack.setCurrentWidget(window.results)
    window.viewer.show_previews(SimpleNamespace(original=portrait("#c03030"),
                                                cutout=portrait("#3050c0"),
                                                mask=portrait("#ffffff")), QSize(300, 600))


def visible_panes(window) -> list[str]:
    return [name for name in ("originalView", "mattedView", "maskView")
            if window.findChild(QWidget, name).isVisible()]


def test_single_pane_by_buttons_and_keys_and_remembered_after_a_restart(qtbot, make_window):
    window = make_window()
    show_portrait(window)
    viewer = window.viewer
    assert visible_panes(window) == ["originalView", "mattedView", "maskView"]
    three_wide = viewer.matted_view.width()

    window.findChild(QToolButton, "cutoutViewButton").click()
    assert viewer.view_mode() == "cutout" and visible_panes(window) == ["mattedView"]
    qtbot.waitUntil(lambda: viewer.matted_view.width() > 2 * three_wide,  # one large pane
                    timeout=WAIT_MS)
    assert viewer.zoom() > 0 and viewer.state.is_fit()

    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=WAIT_MS)
    viewer.matted_view.setFocus()
    for key, mode, shown in ((Qt.Key.Key_1, "original", ["originalView"]),
                             (Qt.Key.Key_3, "mask", ["maskView"]),
                             (Qt.Key.Key_0, "all", ["originalView", "mattedView", "maskView"]),
                             (Qt.Key.Key_2, "cutout", ["mattedView"])):
        qtbot.keyClick(QApplication.focusWidget(), key)
        assert viewer.view_mode() == mode, key
        assert visible_panes(window) == shown, key
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_4)
    assert viewer.view_mode() == "compare" and viewer.compare_view.isVisible()
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_B,
                   Qt.KeyboardModifier.ControlModifier)       # Compare off: back to one pane
    assert viewer.view_mode() == "cutout" and visible_panes(window) == ["mattedView"]
    tip = window.findChild(QToolButton, "maskViewButton").toolTip()
    assert "(3)" in tip

    # typing a digit in the link box types it, and leaves the layout alone
    window.intake.url_input.setFocus()
    qtbot.keyClick(window.intake.url_input, Qt.Key.Key_1)
    assert window.intake.url_input.toPlainText() == "1" and viewer.view_mode() == "cutout"
    window.intake.url_input.clear()

    window.close()
    again = make_window()
    assert again.viewer.view_mode() == "cutout"
    show_portrait(again)
    assert visible_panes(again) == ["mattedView"]


def test_compare_and_its_divider_are_remembered(qtbot, make_window):
    window = make_window()
    show_portrait(window)
    window.viewer.act_compare.trigger()
    compare = window.viewer.compare_view
    y = compare.height() // 2
    qtbot.mousePress(compare, Qt.MouseButton.LeftButton, pos=QPoint(compare.width() // 2, y))
    qtbot.mouseMove(compare, QPoint(compare.width() // 5, y))
    qtbot.mouseRelease(compare, Qt.MouseButton.LeftButton, pos=QPoint(compare.width() // 5, y))
    share = compare.divider()
    assert abs(share - 0.2) < 0.02
    window.close()

    again = make_window()
    assert again.viewer.is_comparing() and again.viewer.view_mode() == "compare"
    assert again.viewer.compare_view.divider() == share
    again.viewer.act_compare.trigger()
    again.close()
    third = make_window()
    assert not third.viewer.is_comparing() and third.viewer.view_mode() == "all"


def test_a_failed_rows_tooltip_holds_its_whole_sentence_wrapped(qtbot, make_window):
    window = make_window()
    sentence = ("HitPaw could not fetch the image at this link: the server answered 403 "
                "Forbidden, so the file is private or the link has expired & needs <renewal>; "
                "open it in a browser, copy a fresh link and press Retry, which costs nothing.")
    job = Job("https://example.com/a/very/long/path/to/the/photo.jpg", state=JobState.FAILED,
              message=sentence)
    window.model.add_jobs([job])
    index = window.model.index(window.model.row_of(job.id))
    assert index.data(JobRole) is job
    tip = index.data(Qt.ItemDataRole.ToolTipRole)
    assert tip.startswith("<qt>")                               # Qt wraps rich tooltips
    plain = QTextDocumentFragment.fromHtml(tip).toPlainText()
    assert sentence in plain.replace("\n", " ") and job.url in plain


def test_a_long_status_message_never_hides_the_counters(qtbot, make_window):
    window = make_window()
    window.resize(700, 500)
    window.statusBar().activity_label.setText("3 running \u00b7 12 waiting")
    window.statusBar().coins_label.setText("40 coins this session")
    long = ("Could not save \u201cportrait-of-a-very-long-name-cutout.png\u201d in "
            "/home/someone/Pictures/clients/2026/december/campaign/final/exports: the disk "
            "is full. Free some space and try again. " * 3)
    bar = window.statusBar()
    bar.showMessage(long)
    assert bar.currentMessage() == long

    def laid_out() -> bool:
        coins, activity = window.statusBar().coins_label, window.statusBar().activity_label
        return (coins.isVisible() and activity.isVisible()
                and coins.geometry().right() <= bar.width()
                and coins.width() >= coins.sizeHint().width()
                and activity.width() >= activity.sizeHint().width())

    qtbot.waitUntil(laid_out, timeout=WAIT_MS)
    label = bar.message_label
    assert label.isVisible() and label.geometry().right() < window.statusBar().activity_label.x()
    assert label.text().endswith("\u2026") and len(label.text()) < len(long)
    assert label.toolTip() == long
    bar.showMessage("Saved.", 50)
    assert label.text() == "Saved." and label.toolTip() == ""
    qtbot.waitUntil(lambda: bar.currentMessage() == "", timeout=WAIT_MS)
