"""The left side of the window: the job list with its search, filter and action buttons."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtGui import QAction, QPaintEvent, QRegion
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.jobs.model import ACTIVE_STATES, Job, JobState
from desktop_app.ui.job_list import THUMB, JobDelegate, JobListModel, JobRole, tile_rect

FILTERS = [
    ("All jobs", None),
    ("Running", {JobState.QUEUED, *ACTIVE_STATES}),
    ("Done", {JobState.DONE}),
    ("Needs attention", {JobState.FAILED, JobState.UNKNOWN, JobState.EXPIRED,
                         JobState.PAUSED, JobState.CANCELLED}),
]


class JobFilter(QSortFilterProxyModel):
    """Shows the jobs whose state is in the chosen group and whose link matches the search."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._states: set[JobState] | None = None
        self._text = ""

    def set_states(self, states: set[JobState] | None) -> None:
        self._change(lambda: setattr(self, "_states", states))

    def set_text(self, text: str) -> None:
        self._change(lambda: setattr(self, "_text", text.strip().lower()))

    def _change(self, apply) -> None:
        if hasattr(self, "beginFilterChange"):  # Qt 6.10 and later
            self.beginFilterChange()
            apply()
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:
            apply()
            self.invalidateFilter()

    def filterAcceptsRow(self, row: int, parent: QModelIndex) -> bool:  # noqa: N802
        job: Job | None = self.sourceModel().job_at(row)
        if job is None:
            return False
        if self._states is not None and job.state not in self._states:
            return False
        return not self._text or self._text in job.url.lower() or self._text in (
            job.message.lower())


class JobView(QListView):
    """The list, repainting running rows by what changed on them: their spinner's tile or
    the whole row (their time), only where they are in sight. ``painting`` is the region of
    a paint under way that is no wider than a tile (spinners only), which the delegate reads
    to draw a spinner's tile alone; None during any other paint."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.painting: QRegion | None = None

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        region = event.region()
        # only the spinners' column (tiles, one above the other) is worth a look per row;
        # any other paint (a row, a scroll, the whole list) draws rows whole, unasked
        self.painting = region if region.boundingRect().width() <= THUMB else None
        try:
            super().paintEvent(event)
        finally:
            self.painting = None

    def dataChanged(self, top_left: QModelIndex, bottom_right: QModelIndex,  # noqa: N802
                    roles: list[int] = ()) -> None:  # noqa: B006 - Qt's signature
        """A job's row changed: repaint that row, not the whole list.

        ``QListView`` (Qt 6.11) repaints its whole viewport for any change, one row
        included, in case items changed size; here every row has one fixed size
        (``setUniformItemSizes``), so the item view's own handling is enough: the changed
        row's rect (a range: the viewport), editors and screen readers told. A finishing
        job's row otherwise repainted all rows in sight, 1.5-5 ms each time, 6 times a
        second during a batch (``bench_hitches`` case 1)."""
        QAbstractItemView.dataChanged(self, top_left, bottom_right, list(roles))

    def repaint_rows(self, rows: list[int], tiles_only: bool = False) -> None:
        """Schedule a repaint of these source rows (or of their tiles), those in sight."""
        proxy, viewport = self.model(), self.viewport()
        source = proxy.sourceModel()
        seen = viewport.rect()
        for row in rows:
            rect = self.visualRect(proxy.mapFromSource(source.row_index(row)))
            if rect.isValid() and rect.intersects(seen):
                viewport.update(tile_rect(rect) if tiles_only else rect)

    def repaint_tiles(self, rows: list[int]) -> None:
        self.repaint_rows(rows, tiles_only=True)


class JobPanel(QWidget):
    def __init__(self, model: JobListModel, actions: list[QAction],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.proxy = JobFilter(self)
        self.proxy.setSourceModel(model)
        self.proxy.setDynamicSortFilter(True)

        title = QLabel("Jobs")
        font = title.font()
        font.setBold(True)
        title.setFont(font)
        header = QHBoxLayout()
        header.addWidget(title)
        header.addStretch(1)
        for action in actions:
            button = QToolButton()
            button.setDefaultAction(action)
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            button.setAutoRaise(True)
            header.addWidget(button)

        self.search = QLineEdit()
        self.search.setObjectName("jobSearch")
        self.search.setAccessibleName("Search jobs")
        self.search.setPlaceholderText("Search links, file names and messages")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.proxy.set_text)
        self.filter = QComboBox()
        self.filter.setObjectName("jobFilter")
        self.filter.setAccessibleName("Show")
        self.filter.setToolTip("Show all jobs, or only some")
        for label, states in FILTERS:
            self.filter.addItem(label, states)
        self.filter.currentIndexChanged.connect(
            lambda i: self.proxy.set_states(self.filter.itemData(i)))
        filters = QHBoxLayout()
        filters.addWidget(self.search, 1)
        filters.addWidget(self.filter)

        self.view = JobView()
        self.view.setObjectName("jobList")
        self.view.setAccessibleName("Jobs")
        self.view.setModel(self.proxy)
        self.view.setItemDelegate(JobDelegate(self.view))
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setUniformItemSizes(True)
        self.view.setMouseTracking(True)
        self.view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.view.setResizeMode(QListView.ResizeMode.Adjust)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.setMinimumWidth(320)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(header)
        layout.addLayout(filters)
        layout.addWidget(self.view, 1)

    # -- selection, in terms of jobs -----------------------------------------------------
    def selected_ids(self) -> list[str]:
        rows = sorted(self.view.selectionModel().selectedRows(), key=lambda i: i.row())
        return [i.data(JobRole).id for i in rows if i.data(JobRole) is not None]

    def current_id(self) -> str | None:
        index = self.view.currentIndex()
        if not index.isValid() or not self.view.selectionModel().isSelected(index):
            return None
        job = index.data(JobRole)
        return job.id if job else None

    def select_job(self, job_id: str) -> None:
        row = self.model.row_of(job_id)
        if row is None:
            return
        index = self.proxy.mapFromSource(self.model.index(row))
        if index.isValid():
            self.view.setCurrentIndex(index)
            self.view.scrollTo(index)

    def select_if_none(self, job_id: str) -> None:
        """New jobs came in: show the first of them, unless the designer is looking at one."""
        if not self.has_selection():
            self.select_job(job_id)

    def has_selection(self) -> bool:
        return self.view.selectionModel().hasSelection()
