"""The window's parts on their own: each keeps its own state and answers without a window.

The whole window is driven in test_gui.py and test_workbench.py; these check the rules each
part owns (what is enabled when, what the preview cache keeps, what the banner offers).
"""

from __future__ import annotations

import time

from PySide6.QtGui import QImage
from PySide6.QtWidgets import QMainWindow

from desktop_app.jobs.model import Engine, Job, JobState
from desktop_app.settings import Settings
from desktop_app.ui.connection import ConnectionPanel
from desktop_app.ui.job_list import JobListModel, RowClock
from desktop_app.ui.link_intake import LinkIntake
from desktop_app.ui.window_actions import WindowActions


def job(state: JobState, results: bool = False, **fields) -> Job:
    paths = {"cutout_path": "/tmp/c.png", "mask_path": "/tmp/m.png"} if results else {}
    return Job(url=f"https://example.com/{state.value}.png", state=state, **paths, **fields)


def make_actions(qtbot) -> WindowActions:
    host = QMainWindow()
    qtbot.addWidget(host)
    actions = WindowActions(host, host.menuBar())
    actions.complete([])
    return actions


def test_the_job_actions_wait_for_the_window_to_complete(qtbot):
    host = QMainWindow()
    qtbot.addWidget(host)
    actions = WindowActions(host, host.menuBar())
    assert not any(a.isEnabled() for a in actions.job_actions())
    assert [m.title() for m in (actions.file_menu, actions.edit_menu, actions.view_menu,
                                actions.jobs_menu, actions.help_menu)] == [
        "&File", "&Edit", "&View", "&Jobs", "&Help"]
    assert all(a in host.actions() for a in actions.job_actions())  # shortcuts work anywhere


def test_saving_applies_to_a_finished_current_job_and_save_all_to_any(qtbot):
    actions = make_actions(qtbot)
    done, running = job(JobState.DONE, results=True), job(JobState.CONVERTING)
    actions.update_for([done, running], [running], running, paused=False)
    assert not actions.save_matted.isEnabled() and not actions.copy_mask.isEnabled()
    assert actions.save_all.isEnabled()
    actions.update_for([done], [done], done, paused=False)
    assert actions.save_matted.isEnabled() and actions.copy_cutout.isEnabled()
    actions.update_for([job(JobState.DONE)], [], None, paused=False)  # done, files gone
    assert not actions.save_all.isEnabled()


def test_a_lost_answer_is_resubmitted_and_a_paused_job_can_be_cancelled(qtbot):
    actions = make_actions(qtbot)
    unknown, paused = job(JobState.UNKNOWN), job(JobState.PAUSED)
    actions.update_for([unknown], [unknown], unknown, paused=False)
    assert actions.retry.text() == "Re&submit" and actions.retry.isEnabled()
    assert actions.remove.isEnabled() and not actions.cancel.isEnabled()
    actions.update_for([unknown, paused], [unknown, paused], paused, paused=False)
    assert actions.retry.text() == "&Retry" and actions.cancel.isEnabled()
    assert not actions.pause.isEnabled()  # nothing runs or waits
    actions.update_for([], [], None, paused=True)
    assert actions.pause.isEnabled()  # a paused queue can always be resumed
    actions.show_paused(True)
    assert actions.pause.text() == "Resume"


def test_the_banner_offers_a_key_or_a_resume_for_what_paused_the_queue(qtbot):
    host = QMainWindow()
    qtbot.addWidget(host)
    connection = ConnectionPanel(Settings(), host)
    host.setCentralWidget(connection.banner)
    host.show()
    connection.queue_paused("coins", "HitPaw says the account is out of coins.")
    assert connection.banner.isVisible() and connection.banner.kind() == "resume"
    assert connection.banner.button.text() == "Resume"
    connection.queue_resumed()
    assert not connection.banner.isVisible()


def test_the_link_box_takes_nothing_before_it_has_a_queue(qtbot):
    intake = LinkIntake()
    qtbot.addWidget(intake)
    said = []
    intake.message.connect(lambda text, ms: said.append(text))
    intake.url_input.setPlainText("https://example.com/a.png")
    intake.submit()
    intake.add_text("https://example.com/b.png")
    assert intake.url_input.toPlainText() == "https://example.com/a.png" and said == []
    intake.offer_links(["https://example.com/1.png", "https://example.com/2.png"])
    assert intake.url_input.toPlainText().splitlines() == ["https://example.com/1.png",
                                                           "https://example.com/2.png"]


def test_the_results_page_keeps_the_previews_of_the_last_four_jobs(qtbot):
    from desktop_app.ui.results_page import PREVIEW_CACHE, ResultsPage, detail_text

    page = ResultsPage(None)
    qtbot.addWidget(page)
    ids = [f"job{i}" for i in range(PREVIEW_CACHE + 2)]
    for job_id in ids:
        page.keep_previews(job_id, object())
    assert [page.has_previews(i) for i in ids] == [False, False, True, True, True, True]
    page.forget([ids[-1]])
    assert not page.has_previews(ids[-1])
    done = job(JobState.DONE, results=True, coins=20, width=800, height=600,
               completed_at=time.time())
    assert detail_text(done).startswith(
        f"{done.url} \u00b7 HitPaw \u00b7 20 coins \u00b7 800 \u00d7 600 px")
    path = "/home/ana/Pictures/" + "a very long folder name/" * 4 + "summer photo.heic"
    here = Job(url=path, state=JobState.DONE, engine=Engine.LOCAL, coins=0, width=3024,
               height=4032, completed_at=time.time())
    line = detail_text(here)
    shown = line.split(" \u00b7 ")[0]
    assert shown.startswith("/home/ana/Pic") and shown.endswith("/summer photo.heic")
    assert "\u2026" in shown and len(shown) <= 72
    assert " \u00b7 On this computer \u00b7 free \u00b7 3024 \u00d7 4032 px" in line
    assert "HitPaw" not in line and "coins" not in line
    page.show_job(job(JobState.QUEUED))
    assert page.shown_id() is not None
    page.clear()
    assert page.shown_id() is None


def test_the_spinner_turns_only_while_a_row_runs(qtbot):
    model = JobListModel()
    clock = RowClock(model)
    running = job(JobState.CONVERTING)
    model.add_jobs([running])
    model.set_thumbnails({running.id: QImage(4, 4, QImage.Format.Format_ARGB32)})
    clock.job_changed(running)
    qtbot.waitUntil(lambda: model.spin_angle != 0, timeout=2000)
    finished = job(JobState.DONE)
    finished.id = running.id
    model.update_job(finished)
    angle = model.spin_angle
    qtbot.wait(300)  # several of the spinner's 80 ms turns
    assert model.spin_angle == angle
    clock.stop()


def test_the_model_knows_its_running_rows_as_jobs_change():
    model = JobListModel()
    done, running, waiting = job(JobState.DONE), job(JobState.CONVERTING), job(JobState.QUEUED)
    model.add_jobs([done, running, waiting])
    assert model.active_rows() == [1]
    started = job(JobState.SUBMITTING)
    started.id = waiting.id
    model.update_job(started)
    assert model.active_rows() == [1, 2]
    model.remove_jobs([done.id])            # the rows below move up
    assert model.active_rows() == [0, 1]
    ended = job(JobState.FAILED)
    ended.id = running.id
    model.update_job(ended)
    assert model.active_rows() == [1]
