"""The job list: a model of job snapshots and a delegate that paints each row.

A plain model/view (no widget per row) so a history of hundreds of jobs costs nothing to
scroll, and only rows of running jobs repaint while the spinner turns: of those, only the
spinner's tile 12.5 times a second (the delegate then paints the tile alone), the whole row
once a second for its elapsed time; neither goes through ``dataChanged`` (nothing in the
job changed), so the filter model does not look at those rows again.
"""

from __future__ import annotations

import html
import time

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QObject,
    QPoint,
    QRect,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QImage,
    QPainter,
    QPalette,
    QPen,
    QRegion,
    QStaticText,
    QTransform,
)
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from desktop_app.jobs.model import RESUMABLE_STATES, Engine, Job, JobState, format_duration

JobRole = Qt.ItemDataRole.UserRole + 1
ThumbRole = Qt.ItemDataRole.UserRole + 2
THUMB = 52
ROW_HEIGHT = 70
MARGIN = 8       # around a row's contents
SPIN_MS = 80     # the spinner's step: 12.5 turns of 30 degrees a second


def tile_rect(row_rect: QRect) -> QRect:
    """Where a row (``row_rect``: the view's rectangle for it) shows its thumbnail, or the
    tile with the spinner while it has none."""
    return QRect(row_rect.left() + MARGIN, row_rect.top() + MARGIN, THUMB, THUMB)

# Combined once: each ``|`` of Qt's flags is a Python enum operation (microseconds), and
# the delegate paints rows many times a second while jobs run.
_SELECTED = QStyle.StateFlag.State_Selected
_HOVERED = QStyle.StateFlag.State_MouseOver

STATE_COLOURS = {
    JobState.DONE: "#2e9d4f",
    JobState.FAILED: "#d04437",
    JobState.EXPIRED: "#b26a00",
    JobState.PAUSED: "#b26a00",
    JobState.UNKNOWN: "#b26a00",
    JobState.CANCELLED: None,
}


def engine_words(job: Job) -> tuple[str, str]:
    """Who cuts the job out, and what it costs: ("On this computer", "free") or ("HitPaw",
    "20 coins"); the cost is empty while HitPaw has not said it."""
    if job.engine == Engine.LOCAL:
        return "On this computer", "free"
    return "HitPaw", f"{job.coins} coins" if job.coins is not None else ""


def engine_text(job: Job) -> str:
    """"On this computer \u00b7 free", "HitPaw \u00b7 20 coins", or "HitPaw"."""
    return " \u00b7 ".join(w for w in engine_words(job) if w)


def elide_middle(text: str, limit: int = 72) -> str:
    """/home/ana/Pi…/summer/photo.jpg: the start and the file name, which say the most."""
    if len(text) <= limit:
        return text
    tail = max(limit // 2, min(len(text.rsplit("/", 1)[-1]) + 1, limit - 12))
    return text[: limit - tail - 1] + "\u2026" + text[-tail:]


def row_status(job: Job) -> str:
    """The state words on a row; a touched-up result says so ("Done \u00b7 Edited")."""
    if job.edited_mask_path and job.state == JobState.DONE:
        return f"{job.row_status} \u00b7 Edited"
    return job.row_status


class JobListModel(QAbstractListModel):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._jobs: list[Job] = []
        self._rows: dict[str, int] = {}
        self._thumbs: dict[str, QImage] = {}
        self._active: set[str] = set()   # ids of running jobs: the clock's rows, in O(1)
        self.spin_angle = 0

    # -- Qt's model interface ----------------------------------------------------------
    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self._jobs)

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or index.row() >= len(self._jobs):
            return None
        job = self._jobs[index.row()]
        if role == JobRole:
            return job
        if role == ThumbRole:
            return self._thumbs.get(job.id)
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return f"{job.url}, {row_status(job) if job.edited_mask_path else job.status_text}, {engine_text(job)}"
        if role == Qt.ItemDataRole.ToolTipRole:
            lines = [job.url, job.status_text]
            if job.state == JobState.PAUSED and job.message:
                lines[1] = job.message
            lines.append(engine_text(job))
            if job.edited_mask_path:
                lines.append("Touched up: saving and copying use the edited result.")
            expires = job.links_expire_at() if job.engine == Engine.HITPAW else None
            if expires and job.state == JobState.DONE:
                days = max(0, int((expires - time.time()) // 86400))
                lines.append(f"Result links valid for {days} more day{'s' if days != 1 else ''}"
                             " (a copy is kept on this computer).")
            # rich text, so a long failure sentence wraps in the tooltip instead of running
            # off the screen; escaped, so a link with & or < shows as it is
            return "<qt>" + "<br>".join(html.escape(line) for line in lines) + "</qt>"
        return None

    # -- updates from the controller ---------------------------------------------------
    def add_jobs(self, jobs: list[Job]) -> None:
        jobs = [j for j in jobs if j.id not in self._rows]
        if not jobs:
            return
        first = len(self._jobs)
        self.beginInsertRows(QModelIndex(), first, first + len(jobs) - 1)
        for job in jobs:
            self._rows[job.id] = len(self._jobs)
            self._jobs.append(job)
            if job.is_active:
                self._active.add(job.id)
        self.endInsertRows()

    def update_job(self, job: Job) -> None:
        row = self._rows.get(job.id)
        if row is None:
            return
        self._jobs[row] = job
        if job.is_active:
            self._active.add(job.id)
        else:
            self._active.discard(job.id)
        index = self.index(row)
        self.dataChanged.emit(index, index)

    def remove_jobs(self, ids: list[str]) -> None:
        doomed = set(ids)
        self.beginResetModel()
        self._jobs = [j for j in self._jobs if j.id not in doomed]
        self._rows = {j.id: i for i, j in enumerate(self._jobs)}
        self._active -= doomed
        for job_id in doomed:
            self._thumbs.pop(job_id, None)
        self.endResetModel()

    def set_thumbnail(self, job_id: str, image: QImage) -> None:
        self._thumbs[job_id] = image
        row = self._rows.get(job_id)
        if row is not None:
            index = self.index(row)
            self.dataChanged.emit(index, index)

    def set_thumbnails(self, images: dict[str, QImage]) -> None:
        """Many at once (a restored history): one ``dataChanged`` over the rows they span,
        not one per row, which the view and the filter would each handle in turn."""
        rows = []
        for job_id, image in images.items():
            self._thumbs[job_id] = image
            if (row := self._rows.get(job_id)) is not None:
                rows.append(row)
        if rows:
            self.dataChanged.emit(self.index(min(rows)), self.index(max(rows)))

    def job_at(self, row: int) -> Job | None:
        return self._jobs[row] if 0 <= row < len(self._jobs) else None

    def row_of(self, job_id: str) -> int | None:
        return self._rows.get(job_id)

    def row_index(self, row: int) -> QModelIndex:
        """The index of a row known to exist, without ``index``'s bounds check (which asks
        ``rowCount``, a call into Python, each time): the clock's rows, 12.5 times a second."""
        return self.createIndex(row, 0)

    def active_rows(self) -> list[int]:
        """The rows of running jobs, without looking at the others (the clock asks every
        80 ms, and the list may hold a history of thousands)."""
        return sorted(self._rows[i] for i in self._active)


class RowClock(QObject):
    """Keeps the rows of running jobs moving: their elapsed time every second, and their
    spinner while any runs. One timer of each for all rows; it says which rows to repaint
    (``ticked``: whole rows, ``spun``: their spinners' tiles) and the view repaints just
    those (``JobView``), without a ``dataChanged``: a job's data did not change."""

    ticked = Signal(list)   # source rows whose elapsed time moved on
    spun = Signal(list)     # source rows whose spinner turned

    def __init__(self, model: JobListModel) -> None:
        super().__init__(model)
        self._model = model
        self._tick = QTimer(self)
        self._tick.setInterval(1000)
        self._tick.timeout.connect(self._refresh)
        self._spin = QTimer(self)
        self._spin.setInterval(SPIN_MS)
        self._spin.timeout.connect(self._turn)

    def start(self) -> None:
        self._tick.start()

    def stop(self) -> None:
        self._tick.stop()
        self._spin.stop()

    def job_changed(self, job: Job) -> None:
        """A job that runs sets the spinner turning; it stops once no row runs."""
        if job.is_active and not self._spin.isActive():
            self._spin.start()

    def _refresh(self) -> None:
        rows = self._model.active_rows()
        if rows:
            self.ticked.emit(rows)

    def _turn(self) -> None:
        rows = self._model.active_rows()
        if not rows:
            self._spin.stop()
            return
        self._model.spin_angle = (self._model.spin_angle + 30) % 360
        self.spun.emit(rows)


class JobDelegate(QStyledItemDelegate):
    """Paints thumbnail, file name, state in words, and on the right the elapsed time, the
    engine and its cost; a spinner while busy."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._texts: _RowTexts | None = None

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:  # noqa: N802
        return QSize(200, ROW_HEIGHT)  # the view gives rows its full width

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        job: Job | None = index.data(JobRole)
        if job is None:
            return
        painter.save()
        selected = bool(option.state & _SELECTED)
        if selected:
            painter.fillRect(option.rect, option.palette.color(QPalette.ColorRole.Highlight))
        elif option.state & _HOVERED:
            painter.fillRect(option.rect, option.palette.color(QPalette.ColorRole.AlternateBase))
        rect = option.rect.adjusted(MARGIN, MARGIN, -MARGIN, -MARGIN)
        thumb_rect = tile_rect(option.rect)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        thumb: QImage | None = index.data(ThumbRole)
        if thumb is not None and not thumb.isNull():
            self._paint_thumbnail(painter, thumb_rect, thumb)
        else:
            angle = getattr(index.model(), "spin_angle", 0) if job.is_active else 0
            self._paint_placeholder(painter, option.palette, thumb_rect, job, angle)
        if _only_inside(option.widget, option.rect, thumb_rect):
            painter.restore()   # the spinner turned: the rest of the row is as it was
            return
        text_rect = QRect(thumb_rect.right() + 12, rect.top(), 0, rect.height())
        text_rect.setRight(rect.right())
        self._paint_text(painter, option, text_rect, job, selected)
        painter.restore()

    @staticmethod
    def _paint_thumbnail(painter: QPainter, thumb_rect: QRect, thumb: QImage) -> None:
        scaled = thumb.size().scaled(thumb_rect.size(), Qt.AspectRatioMode.KeepAspectRatio)
        target = QRect(0, 0, scaled.width(), scaled.height())
        target.moveCenter(thumb_rect.center())
        painter.drawImage(target, thumb)

    @staticmethod
    def _paint_placeholder(painter: QPainter, palette: QPalette, thumb_rect: QRect, job: Job,
                           angle: int) -> None:
        """No thumbnail yet: a tile, with a turning arc while the job runs (a ring while
        it waits)."""
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(palette.color(QPalette.ColorRole.Midlight))
        painter.drawRoundedRect(thumb_rect, 6, 6)
        if job.state not in RESUMABLE_STATES:
            return
        pen = QPen(palette.color(QPalette.ColorRole.Highlight), 3)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        arc = thumb_rect.adjusted(14, 14, -14, -14)
        span = 270 if job.is_active else 360
        painter.drawArc(arc, -angle * 16, span * 16)

    def _paint_text(self, painter: QPainter, option: QStyleOptionViewItem, rect: QRect,
                    job: Job, selected: bool) -> None:
        """The link on top, the state underneath, the time and coins on the right."""
        palette = option.palette
        text_role = (QPalette.ColorRole.HighlightedText if selected
                     else QPalette.ColorRole.Text)
        texts = self._texts_for(option.font)
        text_left = rect.left()
        right_w = 120
        line = texts.line_height
        width = rect.right() - text_left - right_w
        painter.setPen(palette.color(text_role))
        painter.setFont(texts.bold)
        painter.drawStaticText(QPoint(text_left, rect.top()),
                               texts.get(texts.name_of(job), width, bold=True))
        painter.setFont(option.font)
        colour = STATE_COLOURS.get(job.state)
        if colour and not selected:
            painter.setPen(QColor(colour))
        painter.drawStaticText(QPoint(text_left, rect.top() + line + 5),
                               texts.get(row_status(job), width, wrap=True))
        painter.setPen(palette.color(text_role if selected else QPalette.ColorRole.PlaceholderText))
        engine, cost = engine_words(job)
        y = rect.top()
        for words in (format_duration(job.elapsed()), engine, cost):
            if words:
                text = texts.get(words, right_w)
                painter.drawStaticText(QPoint(rect.right() - int(text.size().width()), y), text)
                y += texts.line_spacing

    def _texts_for(self, font: QFont) -> _RowTexts:
        texts = self._texts
        if texts is None or texts.font != font:
            texts = self._texts = _RowTexts(font)
        return texts


def _only_inside(view, row_rect: QRect, tile: QRect) -> bool:
    """Whether the view is repainting no more of this row than ``tile`` (``JobView`` keeps
    the region of the paint under way), so the row's words need not be drawn again."""
    region: QRegion | None = getattr(view, "painting", None)
    return region is not None and tile.contains(region.intersected(row_rect).boundingRect())


class _RowTexts:
    """The rows' words, elided and laid out once per text and width (``QStaticText``), not
    on every paint: while jobs run, their rows repaint many times a second, and laying
    out text was most of the GUI thread's time during a batch (py-spy, case 1)."""

    LIMIT = 3000   # distinct texts kept; then the cache starts afresh

    def __init__(self, font: QFont) -> None:
        self.font = QFont(font)
        self.bold = QFont(font)
        self.bold.setBold(True)
        self.metrics = QFontMetrics(self.font)
        self.bold_metrics = QFontMetrics(self.bold)
        self.line_height = self.metrics.height()
        self.line_spacing = self.metrics.lineSpacing()
        self._texts: dict[tuple[str, int, bool, bool], QStaticText] = {}
        self._names: dict[str, str] = {}   # a job's source -> its file name (parsed once)

    def name_of(self, job: Job) -> str:
        """``job.name``, which parses the link each time, once per source."""
        name = self._names.get(job.url)
        if name is None:
            if len(self._names) >= self.LIMIT:
                self._names.clear()
            name = self._names[job.url] = job.name
        return name

    def get(self, text: str, width: int, *, bold: bool = False, wrap: bool = False
            ) -> QStaticText:
        """``text`` in one line of ``width`` (elided: the middle of a name, the end of
        anything else), or, with ``wrap``, in up to two lines."""
        key = (text, width, bold, wrap)
        static = self._texts.get(key)
        if static is None:
            if len(self._texts) >= self.LIMIT:
                self._texts.clear()
            static = self._texts[key] = self._lay_out(text, width, bold, wrap)
        return static

    def _lay_out(self, text: str, width: int, bold: bool, wrap: bool) -> QStaticText:
        metrics = self.bold_metrics if bold else self.metrics
        if wrap:
            shown = metrics.elidedText(text, Qt.TextElideMode.ElideRight, width * 2 - 40)
        else:
            mode = Qt.TextElideMode.ElideMiddle if bold else Qt.TextElideMode.ElideRight
            shown = metrics.elidedText(text, mode, width)
        static = QStaticText(shown)
        static.setTextFormat(Qt.TextFormat.PlainText)
        if wrap:
            static.setTextWidth(max(1, width))
        static.prepare(QTransform(), self.bold if bold else self.font)
        return static
