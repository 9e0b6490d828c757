"""The line of facts under the viewer stays one line at any window width, its whole text in
its tooltip (``ui.fact_line``), in the real window with a finished job from the sandbox."""

from __future__ import annotations

from PySide6.QtWidgets import QListView

from desktop_app.jobs.model import JobState
from desktop_app.ui.fact_line import FactLine
from desktop_app.ui.results_page import detail_parts

WAIT_MS = 20000


def finished_window(qtbot, make_window, connected, name: str):
    window = make_window()
    window.intake.url_input.setPlainText(connected.sample_url(name, 1200, 900))
    window.intake.submit()
    qtbot.waitUntil(lambda: [j.state for j in window.controller.jobs.values()]
                    == [JobState.DONE], timeout=WAIT_MS)
    view = window.findChild(QListView, "jobList")
    view.setCurrentIndex(view.model().index(0, 0))
    job = next(iter(window.controller.jobs.values()))
    qtbot.waitUntil(lambda: window.results.has_previews(job.id), timeout=WAIT_MS)
    return window, job


def one_line(label: FactLine) -> bool:
    metrics = label.fontMetrics()
    return ("\n" not in label.text() and label.height() < 2 * metrics.height()
            and metrics.horizontalAdvance(label.text()) <= label.contentsRect().width())


def test_the_facts_under_the_viewer_are_one_line_at_the_default_and_the_minimum_size(
        qtbot, make_window, connected):
    window, job = finished_window(qtbot, make_window, connected,
                                  "a-rather-long-product-photo-name-from-the-shop.jpg")
    label = window.findChild(FactLine, "jobDetail")
    source, facts = detail_parts(job)
    assert label.toolTip() == f"{source} \u00b7 {facts}"
    assert "1200 \u00d7 900 px" in facts
    qtbot.waitUntil(lambda: one_line(label))
    assert "1200 \u00d7 900 px" in label.text()    # the facts stay; the link gave way
    window.resize(window.minimumSizeHint())
    qtbot.waitUntil(lambda: window.width() == window.minimumSizeHint().width()
                    and one_line(label))
    assert label.text().startswith("HitPaw \u00b7 20 coins")
    window.resize(2600, 900)
    qtbot.waitUntil(lambda: label.text() == label.toolTip())   # room for all of it


def test_a_long_source_never_widens_the_window(qtbot, make_window, connected):
    window, _job = finished_window(qtbot, make_window, connected, "x" * 400 + ".png")
    assert window.findChild(FactLine, "jobDetail").minimumSizeHint().width() <= 60
    assert window.minimumSizeHint().width() < 1000


def test_the_source_keeps_its_file_name_when_it_is_shortened(qtbot):
    line = FactLine()
    qtbot.addWidget(line)
    line.set_line("/home/ana/Pictures/" + "a very long folder name/" * 6 + "summer.heic",
                  "On this computer \u00b7 free \u00b7 3024 \u00d7 4032 px")
    metrics = line.fontMetrics()
    facts_px = metrics.horizontalAdvance(" \u00b7 On this computer \u00b7 free \u00b7 3024 "
                                         "\u00d7 4032 px")
    shown = line.fitted(facts_px + metrics.horizontalAdvance("/home/ana/Pictures/a…/summer"
                                                             ".heic"))
    assert shown.startswith("/home/ana/") and "\u2026/summer.heic \u00b7 On this" in shown
    assert line.fitted(facts_px + 20).startswith("On this computer \u00b7 free")
    assert metrics.horizontalAdvance(line.fitted(70)) <= 70


def test_a_link_short_of_room_keeps_its_file_name_whole_or_gives_way(qtbot):
    line = FactLine()
    qtbot.addWidget(line)
    line.set_line("http://127.0.0.1:9/samples/portrait.jpg?w=1200&h=900", "HitPaw \u00b7 20 coins")
    metrics = line.fontMetrics()
    facts_px = metrics.horizontalAdvance(" \u00b7 HitPaw \u00b7 20 coins")
    shown = line.fitted(facts_px + metrics.horizontalAdvance("\u2026/portrait.jpg?w\u2026"))
    assert shown.startswith("\u2026/portrait.jpg")
    assert shown.endswith(" \u00b7 HitPaw \u00b7 20 coins")
    assert line.fitted(facts_px + metrics.horizontalAdvance("\u2026/portr")) == (
        "HitPaw \u00b7 20 coins")
