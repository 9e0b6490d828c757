"""The main window: paste links, watch the jobs, compare the three images, save.

A thin layer: the queue lives in ``JobController``, the rows in ``JobPanel``, the images in
``Viewer``, saving in ``ExportActions``; the window wires them to menus and the status bar.

The window is built in two steps, so that it is on screen sooner. The constructor builds
what the first frame shows (the link box, the job list, the welcome page, the menu bar, the
status bar) from light modules only. Just after that first frame, ``_complete`` builds the
rest (the viewer, the queue and its history, saving, the menus' actions), then emits
``ready``: about 40 ms later. Until then the window is a picture with a live text box: no
action, drop or button can reach the parts not built yet. The modules only the second step
needs are imported where they are used, never before the first frame.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QMimeData, QSize, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QAction, QCloseEvent, QDesktopServices, QIcon, QKeySequence, QPalette
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QStatusBar,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from desktop_app import APP_NAME, paths
from desktop_app.jobs.model import Job, JobState
from desktop_app.logs import register_secret
from desktop_app.settings import Settings
from desktop_app.ui.job_list import JobListModel
from desktop_app.ui.job_panel import JobPanel
from desktop_app.ui.welcome import WelcomePage

if TYPE_CHECKING:
    from desktop_app.jobs.links import PastedLinks
    from desktop_app.ui.workers import Previews

log = logging.getLogger(__name__)

SANDBOX_KEY = "sandbox-key"
PREVIEW_CACHE = 4  # previews kept for quick switching; about 15 MB each
COMPLETE_FALLBACK_MS = 300  # shown but never painted (not exposed): complete anyway
WARM_UP_DELAY_MS = 100  # after the window is complete: see MainWindow._warm_up


def coins_text(coins: int) -> str:
    return f"{coins} coins this session"


class LinkInput(QPlainTextEdit):
    """Several lines of links; Enter sends them, Shift+Enter starts a new line."""

    submitted = Signal()

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt's name
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not (
                event.modifiers() & Qt.KeyboardModifier.ShiftModifier):
            self.submitted.emit()
            return
        super().keyPressEvent(event)

    def insertFromMimeData(self, source: QMimeData) -> None:  # noqa: N802 - Qt's name
        if source.hasUrls() and not source.hasText():
            self.insertPlainText("\n".join(u.toString() for u in source.urls()))
            return
        super().insertFromMimeData(source)


def ask_reuse(parent: QWidget, reused: int, total: int) -> str:
    """Ask whether links already cut out today should be sent (and paid for) again."""
    box = QMessageBox(parent)
    box.setWindowTitle("Already cut out today")
    box.setIcon(QMessageBox.Icon.Question)
    which = "This link was" if total == 1 else f"{reused} of these {total} links were"
    box.setText(f"{which} already cut out today. Use the results you have, or send "
                f"{'it' if reused == 1 else 'them'} again (HitPaw charges again)?")
    reuse = box.addButton("Use the results I have", QMessageBox.ButtonRole.AcceptRole)
    box.addButton("Send again", QMessageBox.ButtonRole.DestructiveRole)
    box.setDefaultButton(reuse)
    box.exec()
    return "reuse" if box.clickedButton() is reuse else "send"


class MainWindow(QMainWindow):
    ready = Signal()  # the window is complete: every part built, history loading

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(APP_NAME)
        self.setObjectName("mainWindow")
        icon = paths.resources_dir() / "icons" / "cutout.svg"
        if icon.exists():
            self.setWindowIcon(QIcon(str(icon)))
        self.settings = Settings()
        self.sandbox = None
        self._previews: OrderedDict[str, Previews] = OrderedDict()
        self._key_dialog_open = False
        self._key_loading = False
        self._complete_planned = False
        self._ready = False
        self._build_first_screen()
        self._apply_theme()
        geometry = self.settings.window_geometry
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(1280, 780)
        if self.settings.splitter_state is not None:
            self.splitter.restoreState(self.settings.splitter_state)

    def is_ready(self) -> bool:
        return self._ready

    # -- building: the first screen ----------------------------------------------------
    def _build_first_screen(self) -> None:
        style = self.style()
        # links input
        self.url_input = LinkInput()
        self.url_input.setObjectName("urlInput")
        self.url_input.setAccessibleName("Image links")
        self.url_input.setPlaceholderText("Paste image links here, one or many (JPG, PNG or "
                                          "WebP), then press Enter")
        self.url_input.setToolTip("Any text with http(s) links works: each link becomes a "
                                  "job. Shift+Enter starts a new line.")
        self.url_input.setFixedHeight(self.fontMetrics().lineSpacing() * 3 + 16)
        self.submit_button = QPushButton("Remove backgrounds")
        self.submit_button.setObjectName("submitButton")
        self.submit_button.setAccessibleName("Remove backgrounds")
        self.submit_button.setToolTip("Send every link in the box (Enter)")
        self.submit_button.setIcon(style.standardIcon(QStyle.StandardPixmap.SP_ArrowRight))
        self.submit_button.setDefault(True)
        self.submit_button.setMinimumHeight(self.url_input.height())
        top = QHBoxLayout()
        top.addWidget(self.url_input, 1)
        top.addWidget(self.submit_button)

        # the banner: a missing key, a paused queue
        self.banner = QFrame()
        self.banner.setObjectName("banner")
        self.banner_label = QLabel()
        self.banner_label.setObjectName("bannerText")
        self.banner_label.setWordWrap(True)
        self.banner_button = QPushButton()
        self.banner_button.setObjectName("bannerButton")
        banner_layout = QHBoxLayout(self.banner)
        banner_layout.setContentsMargins(12, 8, 8, 8)
        banner_layout.addWidget(self.banner_label, 1)
        banner_layout.addWidget(self.banner_button)
        self.banner.hide()

        # the job list and its buttons; their actions stay disabled until the window is
        # complete (see _update_actions)
        self.model = JobListModel(self)
        self.act_retry = self._action("&Retry", "Ctrl+R", self.retry_selected,
                                      "Try the selected jobs again (no new charge when HitPaw "
                                      "already has them)", QStyle.StandardPixmap.SP_BrowserReload)
        self.act_cancel = self._action("&Cancel", "Ctrl+.", self.cancel_selected,
                                       "Stop the selected jobs",
                                       QStyle.StandardPixmap.SP_BrowserStop)
        self.act_remove = self._action("Remo&ve", QKeySequence.StandardKey.Delete,
                                       self.remove_selected, "Remove the selected finished "
                                       "jobs from the list and the history",
                                       QStyle.StandardPixmap.SP_TrashIcon)
        self.act_pause = self._action("&Pause all", "Ctrl+P", self.toggle_pause,
                                      "Pause or resume the whole queue",
                                      QStyle.StandardPixmap.SP_MediaPause)
        for act in (self.act_retry, self.act_cancel, self.act_remove, self.act_pause):
            act.setEnabled(False)
        self.jobs_panel = JobPanel(self.model, [self.act_retry, self.act_cancel,
                                                self.act_remove, self.act_pause])
        self.job_list = self.jobs_panel.view

        # the welcome page, shown while no job is selected; it reads as for a key being
        # loaded until the key is known (see _update_welcome)
        self.welcome = WelcomePage()
        self.welcome.update_for(True, False)
        self.welcome_text = self.welcome.text
        self.key_button = self.welcome.key_button
        self.sandbox_button = self.welcome.sandbox_button
        self.stack = QStackedWidget()
        self.stack.addWidget(self.welcome)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.jobs_panel)
        self.splitter.addWidget(self.stack)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([380, 900])
        self.splitter.setChildrenCollapsible(False)

        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(12, 12, 12, 6)
        layout.setSpacing(10)
        layout.addLayout(top)
        layout.addWidget(self.banner)
        layout.addWidget(self.splitter, 1)
        self.setCentralWidget(central)

        status = QStatusBar()
        status.setObjectName("statusBar")
        status.setAccessibleName("Status")
        self.setStatusBar(status)
        self.sandbox_label = QLabel("Sandbox: results come from Cutout's built-in test server, "
                                    "not from HitPaw")
        self.sandbox_label.setObjectName("sandboxLabel")
        self.sandbox_label.hide()
        self.activity_label = QLabel()
        self.activity_label.setObjectName("activityLabel")
        self.coins_label = QLabel(coins_text(0))
        self.coins_label.setObjectName("coinsLabel")
        self.coins_label.setToolTip("Coins HitPaw charged since Cutout started")
        status.addPermanentWidget(self.sandbox_label)
        status.addPermanentWidget(self.activity_label)
        status.addPermanentWidget(self.coins_label)

        # the menus' titles; their actions come with the rest of the window
        bar = self.menuBar()
        self.file_menu = bar.addMenu("&File")
        self.edit_menu = bar.addMenu("&Edit")
        self.view_menu = bar.addMenu("&View")
        self.jobs_menu = bar.addMenu("&Jobs")
        self.help_menu = bar.addMenu("&Help")

    def _action(self, text: str, shortcut, slot, tip: str,
                icon: QStyle.StandardPixmap | None = None) -> QAction:
        act = QAction(text, self)
        if shortcut:
            act.setShortcut(QKeySequence(shortcut))
        act.setToolTip(tip)
        act.setStatusTip(tip)
        if icon is not None:
            act.setIcon(self.style().standardIcon(icon))
        act.triggered.connect(slot)
        self.addAction(act)
        return act

    def _apply_theme(self) -> None:
        """Colours that read well on the system's light or dark palette."""
        dark = self.palette().color(QPalette.ColorRole.Window).lightness() < 128
        if dark:
            banner = ("#banner { background: #3d2f12; border: 1px solid #8a6a2a; "
                      "border-radius: 6px; } #banner QLabel { color: #ffe2a8; }")
            accent = "#ffc266"
        else:
            banner = ("#banner { background: #fff4e0; border: 1px solid #f0c37a; "
                      "border-radius: 6px; } #banner QLabel { color: #5a3b00; }")
            accent = "#8a5a00"
        self.banner.setStyleSheet(banner)
        self.sandbox_label.setStyleSheet(f"color: {accent}; font-weight: bold;")

    def changeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.PaletteChange:
            self._apply_theme()
        super().changeEvent(event)

    # -- building: the rest, just after the first frame --------------------------------
    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        if not self._ready:  # a window that is shown but never exposed completes all the same
            QTimer.singleShot(COMPLETE_FALLBACK_MS, self, self._complete)

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().paintEvent(event)
        if not self._complete_planned:  # once this frame is flushed to the screen
            self._complete_planned = True
            QTimer.singleShot(0, self, self._complete)

    def _complete(self) -> None:
        """Build what the first frame did not show, wire it up, then load the key and the
        history (both answer later, from workers)."""
        if self._ready or not self.isVisible():
            return
        from desktop_app.jobs.store import HistoryStore
        from desktop_app.secrets import KeyStore
        from desktop_app.ui.controller import JobController
        from desktop_app.ui.export_actions import ExportActions

        self.keystore = KeyStore()
        self.exporter = ExportActions(self, self.settings)
        self.controller = JobController(self.settings.policy(), self.settings.concurrency,
                                        store=HistoryStore(paths.history_db()), parent=self)
        self._build_results_page()
        self._build_actions()
        self._connect()
        self._load_key()
        self.controller.load_history(self.settings.history_days)
        self._update_actions()
        QTimer.singleShot(WARM_UP_DELAY_MS, self, self._warm_up)
        self._ready = True
        self.ready.emit()

    def _build_results_page(self) -> None:
        """The three panes (or the before/after compare) and the save buttons."""
        from desktop_app.ui.viewer import Viewer

        self.viewer = Viewer()
        self.viewer.set_background_state(self.settings.view_background)
        self.viewer.background_changed.connect(self._background_changed)
        self.viewer.background_failed.connect(
            lambda message: self.statusBar().showMessage(message, 10000))
        self.viewer.full_resolution_wanted.connect(self._load_full_images)
        self.original_pane = self.viewer.original_pane
        self.matted_pane = self.viewer.matted_pane
        self.mask_pane = self.viewer.mask_pane
        self.detail_label = QLabel()
        self.detail_label.setObjectName("jobDetail")
        self.detail_label.setWordWrap(True)
        self.detail_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        save_icon = self.style().standardIcon(QStyle.StandardPixmap.SP_DialogSaveButton)

        def save_button(name: str, object_name: str, tip: str) -> QPushButton:
            button = QPushButton(save_icon, f"{name}\u2026")
            button.setObjectName(object_name)
            button.setAccessibleName(name)
            button.setToolTip(tip)
            return button

        self.save_matted_button = save_button("Save cut-out", "saveMattedButton",
                                              "Save the cut-out as PNG or WebP with "
                                              "transparency, or as JPEG (Ctrl+S)")
        self.save_mask_button = save_button("Save mask", "saveMaskButton",
                                            "Save the black-and-white mask as a PNG "
                                            "(Ctrl+Shift+S)")
        save_row = QHBoxLayout()
        save_row.addWidget(self.detail_label, 1)
        save_row.addWidget(self.save_matted_button)
        save_row.addWidget(self.save_mask_button)
        results = QWidget()
        results_layout = QVBoxLayout(results)
        results_layout.setContentsMargins(0, 0, 0, 0)
        results_layout.addWidget(self.viewer, 1)
        results_layout.addLayout(save_row)
        self.stack.addWidget(results)

    def _warm_up(self) -> None:
        """Prepare, while the designer is still reading the window, what the first batch needs.

        The job stack is imported in a worker (``JobController.warm_up``), and the results
        page, hidden behind the welcome page, is polished, laid out and painted once off
        screen: its first appearance, when links are pasted, is then one short frame.
        """
        self.controller.warm_up()
        results_page = self.stack.widget(1)
        if not results_page.isVisible():
            results_page.grab()

    def _build_actions(self) -> None:
        action = self._action
        self.act_submit = action("&Remove backgrounds", "Ctrl+Return", self.submit_links,
                                 "Send every link in the box", QStyle.StandardPixmap.SP_ArrowRight)
        self.act_save_matted = action("Save &cut-out\u2026", QKeySequence.StandardKey.Save,
                                      self.save_matted, "Save the cut-out as a PNG",
                                      QStyle.StandardPixmap.SP_DialogSaveButton)
        self.act_save_mask = action("Save &mask\u2026", "Ctrl+Shift+S", self.save_mask,
                                    "Save the mask as a PNG",
                                    QStyle.StandardPixmap.SP_DialogSaveButton)
        self.act_save_all = action("Save &all\u2026", "Ctrl+Alt+S", self.save_all,
                                   "Save every finished job to a folder, with a file-name "
                                   "pattern")
        self.act_copy_cutout = action("&Copy cut-out", QKeySequence.StandardKey.Copy,
                                      self.copy_cutout, "Copy the full-size cut-out, with "
                                      "its transparency")
        self.act_copy_mask = action("Copy &mask", "Ctrl+Shift+C", self.copy_mask,
                                    "Copy the full-size mask")
        self.act_quit = action("&Quit", QKeySequence.StandardKey.Quit, self.close,
                               "Close Cutout; running jobs resume next time")
        self.act_key = action("API &key\u2026", "Ctrl+K", self.open_key_dialog,
                              "Enter or change your HitPaw API key")
        self.act_sandbox = action("Try the &sandbox", None, self.start_sandbox,
                                  "Use Cutout's built-in test server instead of HitPaw")
        self.act_about = action("&About Cutout", None, self.show_about, "Version and licences")
        self.act_focus = action("Focus the link box", "Ctrl+L",
                                lambda: self.url_input.setFocus(), "Type or paste links")
        self.act_pause_selected = action("Pa&use", "Ctrl+Shift+P", self.pause_selected,
                                         "Pause the selected jobs; Retry resumes them",
                                         QStyle.StandardPixmap.SP_MediaPause)
        self.act_paste = action("&Paste links", QKeySequence.StandardKey.Paste,
                                self.paste_links, "Add the links on the clipboard as jobs")
        self.act_settings = action("&Settings\u2026", QKeySequence.StandardKey.Preferences,
                                   self.open_settings, "API address, timing, export defaults "
                                   "and history")
        self.act_settings.setShortcuts([QKeySequence("Ctrl+,")])
        self.act_clear = action("C&lear history\u2026", None, self.clear_history,
                                "Remove every finished job from the list and the cache")
        self.act_logs = action("Open &log folder", None, self.open_log_folder,
                               "Show Cutout's log files, for a bug report")

        self.file_menu.addActions([self.act_save_matted, self.act_save_mask, self.act_save_all])
        self.file_menu.addSeparator()
        self.file_menu.addAction(self.act_quit)
        self.edit_menu.addActions([self.act_copy_cutout, self.act_copy_mask, self.act_paste])
        self.edit_menu.addSeparator()
        self.edit_menu.addActions([self.act_key, self.act_settings])
        self.view_menu.addActions(self.viewer.actions_for_menu())
        self.view_menu.addSeparator()
        self.view_menu.addAction(self.act_focus)
        self.jobs_menu.addAction(self.act_submit)
        self.jobs_menu.addSeparator()
        self.jobs_menu.addActions([self.act_retry, self.act_pause_selected, self.act_cancel,
                                   self.act_remove])
        self.jobs_menu.addSeparator()
        self.jobs_menu.addActions([self.act_pause, self.act_clear])
        self.jobs_menu.addSeparator()
        self.jobs_menu.addAction(self.act_sandbox)
        self.help_menu.addActions([self.act_logs, self.act_about])

    def _connect(self) -> None:
        self.exporter.message.connect(self.statusBar().showMessage)
        self.exporter.problem.connect(self._export_problem)
        self.url_input.submitted.connect(self.submit_links)
        self.submit_button.clicked.connect(self.submit_links)
        self.save_matted_button.clicked.connect(self.save_matted)
        self.save_mask_button.clicked.connect(self.save_mask)
        self.welcome.key_wanted.connect(self.open_key_dialog)
        self.welcome.sandbox_wanted.connect(self.start_sandbox)
        self.banner_button.clicked.connect(self._banner_clicked)
        self.job_list.selectionModel().selectionChanged.connect(self._selection_changed)
        self.job_list.customContextMenuRequested.connect(self._context_menu)
        c = self.controller
        c.history_failed.connect(self.statusBar().showMessage)
        c.jobs_added.connect(self._jobs_added)
        c.job_changed.connect(self._job_changed)
        c.jobs_removed.connect(self._jobs_removed)
        c.previews_ready.connect(self._previews_ready)
        c.thumbnails_ready.connect(self._thumbnails_ready)
        c.queue_paused.connect(self._queue_paused)
        c.queue_resumed.connect(self._queue_resumed)
        c.activity_changed.connect(self._update_activity)
        self.tick = QTimer(self)
        self.tick.setInterval(1000)
        self.tick.timeout.connect(self._tick)
        self.tick.start()
        self.spin = QTimer(self)
        self.spin.setInterval(80)
        self.spin.timeout.connect(self._spin)

    # -- the key and the sandbox ------------------------------------------------------
    def _load_key(self) -> None:
        """The key from the environment at once; from the keyring in a worker.

        Reading the keyring means importing keyring and a D-Bus round trip (about 100 ms),
        and a locked keyring may sit waiting for the user to unlock it: the window must
        paint and answer meanwhile. Until the answer, nothing asks for a key.
        """
        self._key_problem = ""
        if not self.keystore.needs_keyring:
            self._key_loaded(self.keystore.load())
            return
        self._key_loading = True
        self._run_task(self.keystore.load, self._key_loaded, self._key_failed)

    def _key_loaded(self, loaded) -> None:
        self._key_loading = False
        if loaded is not None and not self.controller.has_key:  # a key typed meanwhile wins
            register_secret(loaded.key)
            self.controller.set_connection(self.settings.base_url, loaded.key)
        self._update_welcome()

    def _key_failed(self, message: str) -> None:
        """A locked or broken keyring: say so, and offer a way on (a session-only key)."""
        self._key_loading = False
        self._key_problem = message
        self.statusBar().showMessage(message)
        self._update_welcome()

    def _update_welcome(self) -> None:
        has_key = self.controller.has_key or self._key_loading
        self.welcome.update_for(has_key, self.sandbox is not None)
        if not has_key:
            self._show_banner(self._key_problem or "Cutout needs a HitPaw API key before it "
                              "can send images.", "Enter API key\u2026", "key")
        elif self.banner.property("kind") == "key" and not self.controller.paused_kind:
            self.banner.hide()

    def open_key_dialog(self, reason: str = "") -> None:
        if self._key_dialog_open:
            return
        self._key_dialog_open = True
        from desktop_app.ui.key_dialog import KeyDialog  # dialogs load when first opened

        dialog = KeyDialog(self.keystore, self.settings.base_url, reason or "", self)
        try:
            if dialog.exec() and dialog.saved_key:
                register_secret(dialog.saved_key)
                self._stop_sandbox()
                self.controller.set_connection(self.settings.base_url, dialog.saved_key)
                where = ("for this session only" if dialog.session_only
                         else f"in {self.keystore.backend_label}")
                self.statusBar().showMessage(f"API key saved {where}.", 8000)
                if self.controller.paused_kind == "key":
                    self.controller.resume_queue()
                self._update_welcome()
        finally:
            self._key_dialog_open = False
            dialog.deleteLater()

    def start_sandbox(self) -> None:
        from desktop_app.sandbox import SandboxServer

        if self.sandbox is None:
            try:
                self.sandbox = SandboxServer(api_keys=(SANDBOX_KEY,), processing_time=3.0).start()
            except OSError as err:
                self.statusBar().showMessage(f"The sandbox could not start: {err.strerror}.")
                return
        self.controller.set_connection(self.sandbox.base_url, SANDBOX_KEY)
        if self.controller.paused_kind == "key":
            self.controller.resume_queue()
        self.sandbox_label.show()
        samples = [self.sandbox.sample_url(n) for n in ("portrait.jpg", "mug.png",
                                                        "sneaker.webp")]
        self.url_input.setPlainText("\n".join(samples))
        self.url_input.setFocus()
        self.banner.hide()
        self._update_welcome()
        self.statusBar().showMessage("Sandbox started: three sample links are in the box, "
                                     "press Enter to send them.", 10000)

    def _stop_sandbox(self) -> None:
        if self.sandbox is not None:
            self.sandbox.stop()
            self.sandbox = None
            self.sandbox_label.hide()

    # -- links in ------------------------------------------------------------------------
    def submit_links(self) -> None:
        if self._take_links(self.url_input.toPlainText()).urls:
            self.url_input.clear()

    def add_links_text(self, text: str) -> None:
        """Links from outside the window (the command line, a file manager's "Open with")."""
        self._take_links(text)

    def _take_links(self, text: str, local_paths: list[str] | None = None) -> PastedLinks:
        """Turn the links in ``text`` into jobs (asking first about links done today), and
        say in the status bar what was taken and what was refused."""
        from desktop_app.jobs.links import extract_links

        found = extract_links(text, local_paths=local_paths)
        reused = [job for job in map(self.controller.done_today, found.urls) if job]
        if reused and ask_reuse(self, len(reused), len(found.urls)) == "reuse":
            done_urls = {job.url for job in reused}
            found.urls = [u for u in found.urls if u not in done_urls]
            self.jobs_panel.select_job(reused[0].id)
            self.statusBar().showMessage(
                f"{len(reused)} link{'s were' if len(reused) != 1 else ' was'} already cut out "
                "today: showing those results, no coins spent.", 8000)
            if not found.urls and not found.problems:
                return found
        if found.urls:
            jobs = self.controller.add_urls(found.urls)
            if not self.jobs_panel.has_selection():
                self.jobs_panel.select_job(jobs[0].id)
        message = found.summary
        if found.urls and not self.controller.has_key:
            message += " They will start once an API key is entered."
        self.statusBar().showMessage(message, 0 if found.problems else 8000)
        return found

    def dragEnterEvent(self, event) -> None:  # noqa: N802 - Qt's name
        if self._ready and (event.mimeData().hasUrls() or event.mimeData().hasText()):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802 - Qt's name
        self._take_mime(event.mimeData())
        event.acceptProposedAction()

    def _take_mime(self, mime: QMimeData) -> None:
        """Links dropped or pasted: remote URLs or text become jobs; local files are refused
        with a sentence (HitPaw fetches images by link)."""
        local = [u.toLocalFile() for u in mime.urls() if u.isLocalFile()]
        remote = [u.toString() for u in mime.urls() if not u.isLocalFile()]
        self._take_links("\n".join(remote) if mime.hasUrls() else mime.text(), local)

    # -- controller events -------------------------------------------------------------
    def _jobs_added(self, jobs: list[Job]) -> None:
        self.model.add_jobs(jobs)
        self.controller.request_thumbnails([j.id for j in jobs if j.has_results])
        self._update_actions()

    def _job_changed(self, job: Job) -> None:
        self.model.update_job(job)
        if job.state in (JobState.FAILED, JobState.EXPIRED, JobState.UNKNOWN):
            self.statusBar().showMessage(f"{job.stem}: {job.message}")
        elif job.state == JobState.DONE and not self.statusBar().currentMessage():
            self.statusBar().showMessage(f"{job.stem}: done.", 5000)  # never hides an error
        if job.id == self._current_id():
            self._show_job(job)
        if job.is_active and not self.spin.isActive():
            self.spin.start()
        self._update_actions()

    def _jobs_removed(self, ids: list[str]) -> None:
        for job_id in ids:
            self._previews.pop(job_id, None)
        self.model.remove_jobs(ids)
        self._selection_changed()

    def _previews_ready(self, job_id: str, previews: Previews) -> None:
        self.model.set_thumbnail(job_id, previews.thumb)
        self._previews[job_id] = previews
        self._previews.move_to_end(job_id)
        while len(self._previews) > PREVIEW_CACHE:
            self._previews.popitem(last=False)
        if job_id == self._current_id():
            self._show_job(self.controller.jobs[job_id])

    def _thumbnails_ready(self, images: dict) -> None:
        for job_id, image in images.items():
            self.model.set_thumbnail(job_id, image)

    def _queue_paused(self, kind: str, message: str) -> None:
        self.statusBar().showMessage(message)
        if kind == "key":
            self._show_banner(message, "Enter API key\u2026", "key")
            QTimer.singleShot(0, lambda: self.open_key_dialog(message))
        else:
            self._show_banner(message, "Resume", "resume")
        self._update_actions()

    def _queue_resumed(self) -> None:
        self.banner.hide()
        self.statusBar().showMessage("Queue resumed.", 5000)
        self._update_actions()

    def _show_banner(self, text: str, button: str, kind: str) -> None:
        self.banner_label.setText(text)
        self.banner_button.setText(button)
        self.banner.setProperty("kind", kind)
        self.banner.show()

    def _banner_clicked(self) -> None:
        if self.banner.property("kind") == "key":
            self.open_key_dialog(self.controller.paused_message)
        else:
            self.controller.resume_queue()

    def _update_activity(self) -> None:
        running, waiting = self.controller.running_count, self.controller.waiting_count
        parts = []
        if running:
            parts.append(f"{running} running")
        if waiting:
            parts.append(f"{waiting} waiting")
        if self.controller.paused_kind:
            parts.append("paused")
        self.activity_label.setText(" \u00b7 ".join(parts))
        self.coins_label.setText(coins_text(self.controller.session_coins))
        paused = bool(self.controller.paused_kind)
        self.act_pause.setText("Resume" if paused else "Pause all")
        self.act_pause.setIcon(self.style().standardIcon(
            QStyle.StandardPixmap.SP_MediaPlay if paused else QStyle.StandardPixmap.SP_MediaPause))

    # -- selection and panes -----------------------------------------------------------
    def _selected_ids(self) -> list[str]:
        return self.jobs_panel.selected_ids()

    def _current_id(self) -> str | None:
        return self.jobs_panel.current_id()

    def _selection_changed(self, *args) -> None:
        job_id = self._current_id()
        job = self.controller.jobs.get(job_id) if job_id else None
        if job is None:
            self.viewer.clear()
            self.stack.setCurrentWidget(self.welcome)
        else:
            self._show_job(job)
            if job.has_results and job_id not in self._previews:
                self.controller.request_previews(job_id)
        self._update_actions()

    def _show_job(self, job: Job) -> None:
        self.stack.setCurrentIndex(1)
        previews = self._previews.get(job.id)
        if previews is not None and job.state == JobState.DONE:
            self._previews.move_to_end(job.id)
            self.viewer.show_previews(previews, QSize(job.width, job.height)
                                      if job.width and job.height else None)
        else:
            waiting = {JobState.QUEUED: "Waiting for its turn\u2026",
                       JobState.SUBMITTING: "Sending the link to HitPaw\u2026",
                       JobState.CONVERTING: "HitPaw is cutting out the subject\u2026",
                       JobState.DOWNLOADING: "Downloading the results\u2026",
                       JobState.DONE: "Loading\u2026"}
            text = waiting.get(job.state, job.message or job.status_text)
            self.viewer.show_placeholder(text)
        detail = [job.url]
        if job.coins is not None:
            detail.append(f"{job.coins} coins")
        if job.width and job.height:
            detail.append(f"{job.width} \u00d7 {job.height} px")
        if job.state == JobState.DONE and job.message:
            detail.append(job.message)
        expires = job.links_expire_at()
        if job.state == JobState.DONE and expires:
            days = (expires - time.time()) / 86400
            detail.append(f"HitPaw's links valid {int(days) + 1} more day{'s' if days >= 1 else ''}"
                          if days > 0 else "HitPaw's links expired; the copy here is kept")
        self.detail_label.setText(" \u00b7 ".join(detail))
        self._update_actions()

    # -- actions ---------------------------------------------------------------------
    def _update_actions(self) -> None:
        ids = self._selected_ids()
        jobs = [self.controller.jobs[i] for i in ids if i in self.controller.jobs]
        current = self.controller.jobs.get(self._current_id() or "")
        done = current is not None and current.state == JobState.DONE and current.has_results
        for widget in (self.save_matted_button, self.save_mask_button, self.act_save_matted,
                       self.act_save_mask, self.act_copy_cutout, self.act_copy_mask):
            widget.setEnabled(done)
        self.act_save_all.setEnabled(any(j.state == JobState.DONE and j.has_results
                                         for j in self.controller.jobs.values()))
        retryable = (JobState.FAILED, JobState.CANCELLED, JobState.UNKNOWN, JobState.PAUSED,
                     JobState.EXPIRED)
        self.act_retry.setEnabled(any(j.state in retryable for j in jobs))
        self.act_pause_selected.setEnabled(any(j.is_active or j.state == JobState.QUEUED
                                               for j in jobs))
        unknown_only = jobs and all(j.state == JobState.UNKNOWN for j in jobs)
        self.act_retry.setText("Re&submit" if unknown_only else "&Retry")
        self.act_cancel.setEnabled(any(j.is_active or j.state in (JobState.QUEUED,
                                                                   JobState.PAUSED)
                                       for j in jobs))
        self.act_remove.setEnabled(any(not j.is_active for j in jobs))
        self.act_pause.setEnabled(bool(self.controller.paused_kind) or any(
            j.is_active or j.state == JobState.QUEUED for j in self.controller.jobs.values()))
        self._update_activity()

    def retry_selected(self) -> None:
        for job_id in self._selected_ids():
            self.controller.retry(job_id)

    def cancel_selected(self) -> None:
        for job_id in self._selected_ids():
            self.controller.cancel(job_id)

    def remove_selected(self) -> None:
        self.controller.remove(self._selected_ids())

    def pause_selected(self) -> None:
        self.controller.pause_jobs(self._selected_ids())

    def paste_links(self) -> None:
        """Ctrl+V anywhere outside a text field: the clipboard's links become jobs."""
        self._take_mime(QApplication.clipboard().mimeData())

    def open_settings(self) -> None:
        from desktop_app.ui.settings_dialog import SettingsDialog

        dialog = SettingsDialog(self.settings, self)
        if dialog.exec():
            self.controller.policy = self.settings.policy()
            self.controller.concurrency = self.settings.concurrency
            if self.sandbox is None and self.controller.has_key:
                self.controller.set_connection(self.settings.base_url,
                                               self.controller.api_key)
            self.statusBar().showMessage("Settings saved; they apply to jobs that start from "
                                         "now on.", 8000)
        dialog.deleteLater()

    def clear_history(self) -> None:
        answer = QMessageBox.question(
            self, "Clear history",
            "Remove every job that is not running from the list, the history and the cache? "
            "Files you saved elsewhere are not touched.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No)
        if answer == QMessageBox.StandardButton.Yes:
            self.controller.clear_history()
            self.statusBar().showMessage("History cleared.", 8000)

    def open_log_folder(self) -> None:
        folder = paths.log_dir()
        folder.mkdir(parents=True, exist_ok=True)
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))

    def toggle_pause(self) -> None:
        if self.controller.paused_kind == "key" and not self.controller.has_key:
            self.open_key_dialog()
        elif self.controller.paused_kind:
            self.controller.resume_queue()
        else:
            self.controller.pause_all()

    def _context_menu(self, pos) -> None:
        if not self.job_list.indexAt(pos).isValid():
            return
        menu = QMenu(self)
        menu.addActions([self.act_copy_cutout, self.act_copy_mask, self.act_save_matted])
        menu.addSeparator()
        menu.addActions([self.act_retry, self.act_pause_selected, self.act_cancel,
                         self.act_remove])
        menu.addSeparator()
        copy = menu.addAction("Copy link")
        copy.triggered.connect(lambda: QApplication.clipboard().setText(
            "\n".join(self.controller.jobs[i].url for i in self._selected_ids())))
        menu.exec(self.job_list.viewport().mapToGlobal(pos))

    # -- saving ------------------------------------------------------------------------
    def _background_changed(self, state: dict) -> None:
        self.settings.view_background = state

    def _load_full_images(self) -> None:
        """The viewer zoomed past the previews' detail: decode the full images in a worker."""
        job = self._current_result()
        if job is None:
            return
        from desktop_app.ui.decode import read_full_images

        job_id, files = job.id, (job.original_path, job.cutout_path, job.mask_path)
        self.statusBar().showMessage("Loading the full-size images\u2026", 5000)
        self._run_task(lambda: read_full_images(*files),
                       lambda images: self._full_images_loaded(job_id, images),
                       lambda message: self.statusBar().showMessage(
                           f"The full-size images could not be loaded: {message}", 8000))

    def _run_task(self, fn, on_success, on_failure) -> None:
        from desktop_app.ui.tasks import run_task

        run_task(self, fn, on_success, on_failure)

    def _full_images_loaded(self, job_id: str, images) -> None:
        if job_id == self._current_id():
            self.viewer.set_full_images(*images)

    def _current_result(self) -> Job | None:
        job = self.controller.jobs.get(self._current_id() or "")
        return job if job is not None and job.has_results else None

    def save_matted(self) -> None:
        if job := self._current_result():
            self.exporter.save_cutout(job)

    def save_mask(self) -> None:
        if job := self._current_result():
            self.exporter.save_mask(job)

    def save_all(self) -> None:
        self.exporter.save_all(self._finished_jobs())

    def copy_cutout(self) -> None:
        if job := self._current_result():
            self.exporter.copy(job, "cutout")

    def copy_mask(self) -> None:
        if job := self._current_result():
            self.exporter.copy(job, "mask")

    def _finished_jobs(self) -> list[Job]:
        return [j for j in self.controller.jobs.values()
                if j.state == JobState.DONE and j.has_results]

    def _export_problem(self, title: str, sentence: str) -> None:
        self.statusBar().showMessage(sentence.split("\n")[0])
        QMessageBox.warning(self, title, sentence)

    # -- timers ----------------------------------------------------------------------
    def _tick(self) -> None:
        rows = self.model.active_rows()
        if rows:
            self.model.refresh_rows(rows)

    def _spin(self) -> None:
        rows = self.model.active_rows()
        if not rows:
            self.spin.stop()
            return
        self.model.spin_angle = (self.model.spin_angle + 30) % 360
        self.model.refresh_rows(rows)

    # -- about and closing -------------------------------------------------------------
    def show_about(self) -> None:
        from desktop_app.ui.about import about_text

        QMessageBox.about(self, "About Cutout", about_text())

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        self.settings.window_geometry = self.saveGeometry()
        self.settings.splitter_state = self.splitter.saveState()
        self.settings.sync()
        event.accept()
        if not self._ready:  # closed before its first frame: nothing runs yet
            return
        self.tick.stop()
        self.spin.stop()
        self.controller.shutdown()  # its workers, then every task, 2 s at most in all
        self._stop_sandbox()
