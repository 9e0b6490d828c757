"""Hundreds of images at once, without a hitch (issue 17): a big paste is read in a worker and
its jobs go into the list a chunk per turn of the event loop, while the window goes on
answering; and nothing a designer relies on changes: the order as pasted, every refusal
listed, the box keeping what it could not add, each paste added once, the history written
for every job (even when the window closes half-way through).

No API key is set, so nothing starts: these check what is added and what is said.
"""

from __future__ import annotations

from PySide6.QtCore import QTimer

from desktop_app.jobs.model import Engine, Job
from desktop_app.jobs.store import HistoryStore
from desktop_app.ui import add_feed
from desktop_app.ui.add_feed import AddFeed
from desktop_app.ui.link_intake import INLINE_TEXT

WAIT_MS = 20000


def links(count: int, tag: str = "") -> list[str]:
    return [f"https://cdn.example.com/shoot{tag}/photo-{i:03d}.png" for i in range(count)]


def urls(window) -> list[str]:
    return [job.url for job in window.controller.jobs.values()]


class RowWatch:
    """Counts rows at every turn of the event loop (a 0 ms timer fires once per turn)."""

    def __init__(self, window) -> None:
        self.seen: list[int] = []
        self.timer = QTimer()
        self.timer.setInterval(0)
        self.timer.timeout.connect(lambda: self.seen.append(window.model.rowCount()))
        self.timer.start()


def test_a_paste_of_500_links_arrives_complete_and_in_order_while_the_window_turns(
        qtbot, make_window):
    window = make_window()
    pasted = links(500)
    box = window.intake.url_input
    box.setPlainText("\n".join(pasted))
    assert len(box.toPlainText()) > INLINE_TEXT     # big enough to be read in a worker
    watch = RowWatch(window)
    window.intake.submit()
    assert window.model.rowCount() == 0             # submit returned before reading it
    qtbot.waitUntil(lambda: window.model.rowCount() == 500, timeout=WAIT_MS)
    watch.timer.stop()
    # the rows came in over many turns, the event loop running between them
    between = {n for n in watch.seen if 0 < n < 500}
    assert len(between) >= 500 // add_feed.CHUNK - 2
    assert urls(window) == pasted
    assert [window.model.job_at(i).url for i in range(500)] == pasted
    assert all(job.engine == Engine.HITPAW for job in window.controller.jobs.values())
    assert window.statusBar().currentMessage().startswith("Added 500 image links.")
    assert box.toPlainText() == ""
    assert window.jobs_panel.current_id() == next(iter(window.controller.jobs))


def test_jobs_of_a_big_paste_start_once_all_are_in_the_list(qtbot, make_window, connected):
    """New worker threads would compete with the chunks still to come for the GIL."""
    window = make_window()
    # the key reaches the queue on its own time, and a queue that just got it starts what
    # waits: only the feed's own starting is looked at here
    qtbot.waitUntil(lambda: window.controller.queue.can_send, timeout=WAIT_MS)
    count = 3 * add_feed.CHUNK
    pasted = [connected.sample_url(f"p{i}.png") for i in range(count)]
    seen: list[tuple[int, int]] = []
    watch = RowWatch(window)
    watch.timer.timeout.connect(lambda: seen.append((window.model.rowCount(),
                                                     window.controller.running_count)))
    window.intake.add_text("\n".join(pasted))
    qtbot.waitUntil(lambda: window.controller.running_count > 0, timeout=WAIT_MS)
    watch.timer.stop()
    assert any(0 < rows < count for rows, _running in seen)
    assert all(running == 0 for rows, running in seen if rows < count), seen
    assert urls(window) == pasted


def test_a_big_folder_loads_the_model_once_all_its_jobs_are_in_the_list(qtbot, make_window,
                                                                         tmp_path):
    """Loading the model holds the GIL in pieces: not while the chunks still go in."""
    from PIL import Image

    from test_intake_gui import drop

    folder = tmp_path / "Shoot"
    folder.mkdir()
    count = add_feed.CHUNK + 40     # two chunks, and no question (100 at most)
    for i in range(count):
        Image.new("RGB", (4, 3), (i, 0, 0)).save(folder / f"{i:03d}.png")
    window = make_window()
    window.controller.pause_all()   # nothing runs: only when the model is asked for counts
    warmed: list[int] = []   # rows in the list when the model was asked for
    window.controller.warm_engine = lambda: warmed.append(window.model.rowCount())
    drop(window, folder)
    qtbot.waitUntil(lambda: bool(warmed), timeout=WAIT_MS)
    assert warmed == [count]
    assert urls(window) == [str(folder / f"{i:03d}.png") for i in range(count)]
    assert all(job.engine == Engine.LOCAL for job in window.controller.jobs.values())
    assert window.controller.running_count == 0


def test_a_refused_item_in_a_big_paste_is_listed_and_kept_in_the_box(qtbot, make_window):
    window = make_window()
    good = links(300)
    text = good[:100] + ["ftp://cdn.example.com/old.png"] + good[100:200] + [
        "holiday.jpg"] + good[200:]
    window.intake.url_input.setPlainText("\n".join(text))
    window.intake.submit()
    qtbot.waitUntil(lambda: window.model.rowCount() == 300, timeout=WAIT_MS)
    assert urls(window) == good
    box = window.intake.url_input
    qtbot.waitUntil(lambda: box.toPlainText() != "\n".join(text), timeout=WAIT_MS)
    assert box.toPlainText().splitlines() == ["ftp://cdn.example.com/old.png", "holiday.jpg"]
    assert window.statusBar().currentMessage().startswith(
        "Added 300 image links. 2 items were not added.")
    assert window.statusBar().refusals.isVisible() and window.statusBar().refusals.text() == "2 items not added\u2026"


def test_enter_twice_on_a_big_paste_adds_it_once(qtbot, make_window):
    window = make_window()
    window.intake.url_input.setPlainText("\n".join(links(200)))
    window.intake.submit()
    window.intake.submit()   # pressed again while the first is still being read
    qtbot.waitUntil(lambda: window.model.rowCount() == 200, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: window.intake.url_input.toPlainText() == "", timeout=WAIT_MS)
    window.intake.submit()   # the box is empty now: nothing more
    window.intake.add_text("https://cdn.example.com/last.png")   # read after all the above
    qtbot.waitUntil(lambda: "https://cdn.example.com/last.png" in urls(window),
                    timeout=WAIT_MS)
    assert len(window.controller.jobs) == 201


def test_pastes_keep_their_order_big_before_small(qtbot, make_window):
    """A big paste is read in a worker and added over several turns; a small one right after
    it waits its turn instead of slipping in first."""
    window = make_window()
    first, second = links(300, "a"), links(3, "b")
    window.intake.add_text("\n".join(first))
    window.intake.add_text("\n".join(second))
    qtbot.waitUntil(lambda: len(window.controller.jobs) == 303, timeout=WAIT_MS)
    assert urls(window) == first + second


def test_closing_half_way_through_a_big_paste_keeps_every_job_in_the_history(
        qtbot, make_window):
    window = make_window()
    pasted = links(400)
    window.intake.add_text("\n".join(pasted))
    qtbot.waitUntil(lambda: 0 < len(window.controller.jobs) < 400, timeout=WAIT_MS)
    store = window.controller.store
    window.close()
    assert len(window.controller.jobs) == 400
    again = HistoryStore(store.path)
    try:
        assert [job.url for job in again.load_all()] == pasted
    finally:
        again.close()


# -- the feed on its own --------------------------------------------------------------
class Added:
    """Stands in for ``JobQueue.add``: records each call, makes the jobs; ``all_in`` counts
    the feed's word that everything is in (when the window starts jobs)."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []
        self.all_in_after: list[int] = []   # how many sources were in at each all_in

    def all_in(self) -> None:
        self.all_in_after.append(len(self.sources))

    def __call__(self, sources: list[str], engines: list[Engine]) -> list[Job]:
        self.calls.append(list(sources))
        return [Job(s, engine=e) for s, e in zip(sources, engines, strict=True)]

    @property
    def sources(self) -> list[str]:
        return [s for call in self.calls for s in call]


def test_the_feed_adds_a_small_batch_at_once_and_a_big_one_a_chunk_per_turn(qtbot):
    added = Added()
    feed = AddFeed(added, added.all_in)
    firsts: list[str] = []
    feed.feed(["a", "b"], [Engine.HITPAW, Engine.LOCAL], lambda job: firsts.append(job.url))
    assert added.calls == [["a", "b"]] and firsts == ["a"] and feed.waiting == 0
    assert added.all_in_after == [2]
    big = [f"s{i}" for i in range(2 * add_feed.CHUNK + 7)]
    feed.feed(big, [Engine.HITPAW] * len(big), lambda job: firsts.append(job.url))
    later = ["t0", "t1"]
    feed.feed(later, [Engine.LOCAL] * 2, lambda job: firsts.append(job.url))
    assert added.sources == ["a", "b"]   # a big batch starts on the next turn
    assert feed.waiting == len(big) + 2
    qtbot.waitUntil(lambda: feed.waiting == 0, timeout=WAIT_MS)
    assert added.sources == ["a", "b"] + big + later
    assert all(len(call) <= add_feed.CHUNK for call in added.calls)
    assert firsts == ["a", "s0", "t0"]
    assert added.all_in_after == [2, len(added.sources)]   # not after each chunk


def test_a_turn_of_the_feed_stops_once_its_cpu_budget_is_used(qtbot):
    """Jobs that cost more to add than usual (or a slow machine): fewer go in per turn, a
    step at a time, and every one still arrives, in order."""
    import time

    added = Added()

    def slow_add(sources: list[str], engines: list[Engine]) -> list[Job]:
        began = time.thread_time()   # the GUI thread's CPU, as the budget counts it
        while time.thread_time() - began < 1.2 * add_feed.TURN_BUDGET_S:
            pass
        return added(sources, engines)

    from PySide6.QtCore import QCoreApplication

    feed = AddFeed(slow_add, added.all_in)
    big = [f"s{i}" for i in range(2 * add_feed.CHUNK)]
    feed.feed(big, [Engine.HITPAW] * len(big))
    assert add_feed.STEP < add_feed.CHUNK and added.calls == []
    for turn in range(1, 4):   # each turn of the event loop: one step used its budget
        QCoreApplication.processEvents()
        assert added.calls == [big[i * add_feed.STEP:(i + 1) * add_feed.STEP]
                               for i in range(turn)]
    qtbot.waitUntil(lambda: feed.waiting == 0, timeout=WAIT_MS)
    assert added.sources == big and added.all_in_after == [len(big)]
    assert all(len(call) == add_feed.STEP for call in added.calls)


def test_the_feed_flushes_what_is_left_at_once(qtbot):
    added = Added()
    feed = AddFeed(added, added.all_in)
    big = [f"s{i}" for i in range(3 * add_feed.CHUNK)]
    feed.feed(big, [Engine.HITPAW] * len(big))
    feed.feed(["last"], [Engine.LOCAL])
    feed.flush()
    assert added.sources == big + ["last"] and feed.waiting == 0
    assert added.all_in_after == [len(big) + 1]


def test_the_feed_wants_one_engine_per_source(qtbot):
    added = Added()
    feed = AddFeed(added, added.all_in)
    try:
        feed.feed(["a", "b"], [Engine.HITPAW])
    except ValueError:
        pass
    else:
        raise AssertionError("a missing engine was not refused")


def test_jobs_that_change_in_one_turn_are_shown_once_each_after_it(qtbot, make_window):
    """A batch's jobs finish together, each reporting several steps: the window shows each
    job once per turn, in its latest state, not once per step."""
    from desktop_app.jobs.model import JobState

    window = make_window()
    jobs = window.controller.add_urls(links(3, "-turn"))
    qtbot.waitUntil(lambda: window.model.rowCount() == 3, timeout=WAIT_MS)
    window.jobs_panel.select_job(jobs[1].id)
    qtbot.waitUntil(lambda: window.results.isVisible(), timeout=WAIT_MS)
    rows: list[int] = []
    window.model.dataChanged.connect(lambda top, _bottom: rows.append(top.row()))
    shown: list[JobState] = []
    show_job = window._show_job
    window._show_job = lambda job: (shown.append(job.state), show_job(job))
    for state in (JobState.SUBMITTING, JobState.CUTTING_OUT, JobState.FAILED):
        for job in jobs:   # as the queue reports them, all in this one turn
            step = job.snapshot()
            step.state, step.message = state, "The link did not lead to an image."
            window.controller.job_changed.emit(step)
    assert rows == [] and shown == []   # nothing shown within the turn
    qtbot.waitUntil(lambda: len(rows) == 3, timeout=WAIT_MS)
    qtbot.wait(50)
    assert sorted(rows) == [0, 1, 2] and shown == [JobState.FAILED]
    assert all(window.model.job_at(i).state == JobState.FAILED for i in range(3))
    assert "The link did not lead to an image." in window.statusBar().currentMessage()
