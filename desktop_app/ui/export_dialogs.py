"""Getting results out: the save-dialog format choice, "Save all", overwrite questions, copy.

Nothing here writes files: the dialogs only ask, and the window runs ``desktop_app.export`` in
a worker. ``load_for_clipboard`` is the one function meant for a worker thread (it decodes a
full-size result); everything else runs on the GUI thread.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date as Date
from pathlib import Path
from typing import Any

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMimeData, Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QImage, QPainter, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QColorDialog,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop_app.export import (
    FORMATS,
    ExportError,
    ExportOptions,
    format_for_suffix,
    normalize_format,
    parse_colour,
    with_extension,
)
from desktop_app.save_all import DEFAULT_MASK_PATTERN, DEFAULT_PATTERN, PLACEHOLDERS, batch_names

# -- the single-file save dialog -------------------------------------------------------------
SAVE_FILTERS = {"PNG": "PNG image (*.png)", "WEBP": "WebP image (*.webp)",
                "JPEG": "JPEG image (*.jpg)"}


def save_filters(formats: Sequence[str] = FORMATS) -> str:
    """The ``filter`` argument of ``QFileDialog.getSaveFileName`` for these formats."""
    return ";;".join(SAVE_FILTERS[normalize_format(f)] for f in formats)


def filter_for(fmt: str) -> str:
    return SAVE_FILTERS[normalize_format(fmt)]


def format_for(path: str | Path, selected_filter: str, default: str = "PNG") -> str:
    """The format to write: an image extension the person typed wins, then the filter they
    picked, then ``default``."""
    typed = format_for_suffix(path)
    if typed:
        return typed
    for fmt, text in SAVE_FILTERS.items():
        if selected_filter and selected_filter.strip() == text:
            return fmt
    return normalize_format(default)


def save_target(path: str | Path, selected_filter: str, default: str = "PNG"
                ) -> tuple[Path, str]:
    """(final path with the right extension, format) for a save dialog's answer."""
    fmt = format_for(path, selected_filter, default)
    return with_extension(path, fmt), fmt


def ask_save_path(parent: QWidget | None, title: str, suggested: str | Path, fmt: str = "PNG",
                  formats: Sequence[str] = FORMATS) -> tuple[Path, str] | None:
    """Ask where to save one file; None when the person cancels.

    The native dialog confirms replacing the name it returns; when an extension is added
    afterwards and that file exists, this asks again.
    """
    fmt = normalize_format(fmt)
    chosen, selected = QFileDialog.getSaveFileName(parent, title, str(suggested),
                                                   save_filters(formats), filter_for(fmt))
    if not chosen:
        return None
    target, out_fmt = save_target(chosen, selected, fmt)
    if out_fmt not in [normalize_format(f) for f in formats]:
        target, out_fmt = with_extension(chosen, fmt), fmt
    if (target != Path(chosen) and target.exists()
            and confirm_overwrite(parent, [target]) != "replace"):
        return None
    return target, out_fmt


# -- "Save all" -------------------------------------------------------------------------------
_FORMAT_LABELS = [("PNG \u2013 keeps transparency", "PNG"),
                  ("WebP \u2013 keeps transparency, smaller files", "WEBP"),
                  ("JPEG \u2013 on a solid background colour", "JPEG")]
_SAMPLE_STEMS = ("photo", "photo-2")


def _as_bool(value: Any, default: bool) -> bool:
    """QSettings' ini files hand bools back as "true"/"false" strings."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return bool(value)
    if isinstance(value, str):
        text = value.strip().lower()
        if text in ("true", "1", "yes", "on"):
            return True
        if text in ("false", "0", "no", "off", ""):
            return False
    return default


def _as_int(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


class SaveAllDialog(QDialog):
    """Where and how to save every finished result. OK only closes: the caller plans and
    writes (``save_all.plan_save_all`` / ``save_all.run_plan``) with what ``options()``,
    ``folder()``, ``pattern()``, ``mask_pattern()`` and ``include_masks()`` return.

    Only the first two stems are shown (the names preview); ``total`` is how many results
    there are when the caller passes only those two (a batch of hundreds need not be named
    on the GUI thread to open the dialog)."""

    def __init__(self, stems: Sequence[str] = (), state: Mapping[str, Any] | None = None,
                 parent: QWidget | None = None, *, today: Date | None = None,
                 total: int | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Save all results")
        self.setObjectName("saveAllDialog")
        self.setMinimumWidth(560)
        self._stems = list(stems[:2])
        self._total = len(stems) if total is None else max(total, len(self._stems))
        self._today = today or Date.today()
        self._background = "#ffffff"

        self.folder_edit = QLineEdit()
        self.folder_edit.setObjectName("saveAllFolderEdit")
        self.folder_edit.setAccessibleName("Folder")
        self.folder_edit.setPlaceholderText("The folder for the saved images")
        self.browse_button = QPushButton("Choose\u2026")
        self.browse_button.setObjectName("saveAllBrowseButton")
        self.browse_button.setAccessibleName("Choose folder")
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder_edit, 1)
        folder_row.addWidget(self.browse_button)

        placeholders = " ".join("{" + p + "}" for p in PLACEHOLDERS)
        self.pattern_edit = QLineEdit(DEFAULT_PATTERN)
        self.pattern_edit.setObjectName("saveAllPatternEdit")
        self.pattern_edit.setAccessibleName("File name pattern")
        self.pattern_edit.setToolTip(
            f"Placeholders: {placeholders}.\n{{stem}} is the link's file name, {{kind}} is "
            "\u201ccutout\u201d or \u201cmask\u201d, {n} counts 1, 2, 3\u2026 ({n:03} gives "
            "001), {date} is today as YYYY-MM-DD.")
        self.format_combo = QComboBox()
        self.format_combo.setObjectName("saveAllFormatCombo")
        self.format_combo.setAccessibleName("Format")
        for label, value in _FORMAT_LABELS:
            self.format_combo.addItem(label, value)
        self.background_button = QPushButton()
        self.background_button.setObjectName("saveAllBackgroundButton")
        self.background_button.setAccessibleName("JPEG background colour")
        self.background_button.setToolTip("JPEG has no transparency: the cut-out is laid on "
                                          "this colour")
        self.crop_check = QCheckBox("Crop to the subject")
        self.crop_check.setObjectName("saveAllCropCheck")
        self.crop_check.setToolTip("Trim the empty space around the subject, as the mask "
                                   "shows it")
        self.padding_spin = QSpinBox()
        self.padding_spin.setObjectName("saveAllPaddingSpin")
        self.padding_spin.setAccessibleName("Padding around the subject")
        self.padding_spin.setRange(0, 2000)
        self.padding_spin.setSuffix(" px")
        self.padding_spin.setToolTip("Space kept around the subject when cropping "
                                     "(never beyond the image's edge)")
        crop_row = QHBoxLayout()
        crop_row.addWidget(self.crop_check)
        crop_row.addWidget(QLabel("Padding:"))
        crop_row.addWidget(self.padding_spin)
        crop_row.addStretch(1)
        self.masks_check = QCheckBox("Also save masks (PNG)")
        self.masks_check.setObjectName("saveAllMasksCheck")
        self.mask_pattern_edit = QLineEdit(DEFAULT_MASK_PATTERN)
        self.mask_pattern_edit.setObjectName("saveAllMaskPatternEdit")
        self.mask_pattern_edit.setAccessibleName("Mask file name pattern")
        self.mask_pattern_edit.setToolTip(self.pattern_edit.toolTip())
        self.preview = QLabel()
        self.preview.setObjectName("saveAllPreview")
        self.preview.setAccessibleName("File names preview")
        self.preview.setWordWrap(True)
        self.preview.setTextFormat(Qt.TextFormat.PlainText)
        self.preview.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setObjectName("saveAllOkButton")

        form = QFormLayout()
        form.addRow("Folder:", folder_row)
        form.addRow("File names:", self.pattern_edit)
        form.addRow("Format:", self.format_combo)
        background_row = QHBoxLayout()
        background_row.addWidget(self.background_button)
        background_row.addStretch(1)
        form.addRow("JPEG background:", background_row)
        form.addRow("", crop_row)
        form.addRow("", self.masks_check)
        form.addRow("Mask names:", self.mask_pattern_edit)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.preview)
        layout.addStretch(1)
        layout.addWidget(self.buttons)

        self.browse_button.clicked.connect(self._browse)
        self.background_button.clicked.connect(self._pick_background)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        for edit in (self.folder_edit, self.pattern_edit, self.mask_pattern_edit):
            edit.textChanged.connect(self._refresh)
        self.format_combo.currentIndexChanged.connect(self._refresh)
        self.padding_spin.valueChanged.connect(self._refresh)
        for check in (self.crop_check, self.masks_check):
            check.toggled.connect(self._refresh)
        self._show_background()
        if state:
            self.from_state(state)
        self._refresh()

    # -- the answers -------------------------------------------------------------------
    def folder(self) -> Path:
        return Path(self.folder_edit.text().strip()).expanduser()

    def pattern(self) -> str:
        return self.pattern_edit.text().strip()

    def mask_pattern(self) -> str:
        return self.mask_pattern_edit.text().strip()

    def include_masks(self) -> bool:
        return self.masks_check.isChecked()

    def format(self) -> str:
        return self.format_combo.currentData()

    def background(self) -> str:
        return self._background

    def options(self) -> ExportOptions:
        return ExportOptions(format=self.format(), background=self._background,
                             crop_to_subject=self.crop_check.isChecked(),
                             padding=self.padding_spin.value())

    def state(self) -> dict[str, Any]:
        """Plain values to remember (JSON-safe): feed them back to ``from_state``."""
        return {"folder": self.folder_edit.text().strip(), "pattern": self.pattern(),
                "mask_pattern": self.mask_pattern(), "format": self.format(),
                "background": self._background, "crop_to_subject": self.crop_check.isChecked(),
                "padding": self.padding_spin.value(), "include_masks": self.include_masks()}

    def from_state(self, state: Mapping[str, Any]) -> None:
        """Fill the form from remembered values; missing or broken ones keep the defaults."""
        if state.get("folder"):
            self.folder_edit.setText(str(state["folder"]))
        if state.get("pattern"):
            self.pattern_edit.setText(str(state["pattern"]))
        if state.get("mask_pattern"):
            self.mask_pattern_edit.setText(str(state["mask_pattern"]))
        try:
            fmt = normalize_format(state.get("format") or self.format())
        except ValueError:
            fmt = "PNG"
        self.format_combo.setCurrentIndex(max(0, self.format_combo.findData(fmt)))
        try:
            self.set_background(str(state.get("background") or self._background))
        except ValueError:
            pass
        self.crop_check.setChecked(_as_bool(state.get("crop_to_subject"),
                                            self.crop_check.isChecked()))
        self.padding_spin.setValue(_as_int(state.get("padding"), self.padding_spin.value()))
        self.masks_check.setChecked(_as_bool(state.get("include_masks"),
                                             self.masks_check.isChecked()))
        self._refresh()

    def set_background(self, colour: str) -> None:
        rgb = parse_colour(colour)            # ValueError for a non-colour
        self._background = "#{:02x}{:02x}{:02x}".format(*rgb)
        self._show_background()

    # -- behaviour -----------------------------------------------------------------------
    def _browse(self) -> None:
        start = self.folder_edit.text().strip() or str(Path.home())
        folder = QFileDialog.getExistingDirectory(self, "Save all results in", start)
        if folder:
            self.folder_edit.setText(folder)

    def _pick_background(self) -> None:
        colour = QColorDialog.getColor(QColor(self._background), self,
                                       "Background colour for JPEG")
        if colour.isValid():
            self.set_background(colour.name())

    def _show_background(self) -> None:
        swatch = QPixmap(16, 16)
        swatch.fill(QColor("#808080"))            # a border, so white shows on white
        painter = QPainter(swatch)
        painter.fillRect(1, 1, 14, 14, QColor(self._background))
        painter.end()
        self.background_button.setIcon(QIcon(swatch))
        self.background_button.setText(self._background)

    def preview_names(self) -> list[str]:
        """The names of the first two jobs' files, exactly as "Save all" would write them;
        a ValueError with a sentence when the patterns cannot work."""
        stems = self._stems or list(_SAMPLE_STEMS)
        pairs = batch_names(stems, self.pattern(), self.options(), self.include_masks(),
                            self.mask_pattern(), self._today)
        return [name for pair in pairs for name in pair if name]

    def _refresh(self) -> None:
        jpeg = self.format() == "JPEG"
        self.background_button.setEnabled(jpeg)
        self.padding_spin.setEnabled(self.crop_check.isChecked())
        self.mask_pattern_edit.setEnabled(self.include_masks())
        try:
            names = self.preview_names()
        except ValueError as err:
            self.preview.setText(str(err))
            self.preview.setStyleSheet("color: #b00020;")
            self.ok_button.setEnabled(False)
            return
        self.preview.setStyleSheet("")
        count = self._total * (2 if self.include_masks() else 1)
        more = self._total - 2
        text = "Files: " + ", ".join(names)
        if more > 0:
            text += f", \u2026 ({more} more {'result' if more == 1 else 'results'})"
        elif not self._stems:
            text = "Example: " + ", ".join(names)
        self.preview.setText(text)
        self.ok_button.setEnabled(bool(self.folder_edit.text().strip()))
        self.ok_button.setText(f"Save {count} files" if count > 1 else "Save")

    def accept(self) -> None:
        folder = self.folder()
        if not self.folder_edit.text().strip():
            return
        if folder.exists() and not folder.is_dir():
            self.preview.setText(f"{folder} is a file, not a folder: choose a folder.")
            self.preview.setStyleSheet("color: #b00020;")
            return
        if not folder.exists():
            from desktop_app.ui.save_all_progress import offer_to_create_folder

            if not offer_to_create_folder(self, folder):   # made when saving, in a worker
                return
        super().accept()


def confirm_overwrite(parent: QWidget | None, existing: Sequence[Path]) -> str:
    """Ask what to do with files that are already there: "replace", "skip" or "cancel".

    With nothing existing there is nothing to ask: "replace" (go ahead).
    """
    existing = [Path(p) for p in existing]
    if not existing:
        return "replace"
    folders = {p.parent for p in existing}
    where = f"\u201c{next(iter(folders))}\u201d" if len(folders) == 1 else "those folders"
    many = len(existing) > 1
    box = QMessageBox(parent)
    box.setObjectName("confirmOverwrite")
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle("Replace files?")
    if many:
        box.setText(f"{len(existing)} files already exist in {where}.")
        box.setInformativeText("Replace them with the new ones, or skip them and save only "
                               "the files that are not there yet?")
        names = [p.name for p in existing[:100]]
        if len(existing) > 100:
            names.append(f"\u2026 and {len(existing) - 100} more")
        box.setDetailedText("\n".join(names))
    else:
        box.setText(f"\u201c{existing[0].name}\u201d already exists in {where}.")
        box.setInformativeText("Replace it with the new file, or keep it?")
    replace = box.addButton("Replace all" if many else "Replace",
                            QMessageBox.ButtonRole.DestructiveRole)
    replace.setObjectName("replaceButton")
    skip = box.addButton("Skip them" if many else "Keep it", QMessageBox.ButtonRole.AcceptRole)
    skip.setObjectName("skipButton")
    cancel = box.addButton(QMessageBox.StandardButton.Cancel)
    cancel.setObjectName("cancelButton")
    box.setDefaultButton(skip)
    box.setEscapeButton(cancel)
    box.exec()
    clicked = box.clickedButton()
    box.deleteLater()
    if clicked is replace:
        return "replace"
    if clicked is skip:
        return "skip"
    return "cancel"


# -- the clipboard ----------------------------------------------------------------------------
@dataclass(frozen=True)
class ClipboardImage:
    """A full-size result ready for the clipboard: decoded and PNG-encoded off the GUI thread."""

    kind: str          # "cutout" or "mask"
    image: QImage
    png: bytes


_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _clipboard_image(image: QImage, kind: str) -> QImage:
    if kind == "mask":
        return image.convertToFormat(QImage.Format.Format_Grayscale8)
    if kind != "cutout":
        raise ValueError(f"unknown image kind {kind!r}")
    return image.convertToFormat(QImage.Format.Format_ARGB32)


def _png_bytes(image: QImage) -> bytes:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "PNG"):
        raise ExportError("Could not prepare the image for the clipboard.", "source")
    buffer.close()
    return bytes(data.data())


def load_for_clipboard(path: str | Path, kind: str) -> ClipboardImage:
    """Decode a full-size result for ``copy_image_to_clipboard``. Run it in a worker
    (``Task``): a 24-megapixel decode would freeze the window. QImage is safe off the GUI
    thread; only the clipboard itself must be touched on it."""
    path = Path(path)
    label = "cut-out" if kind == "cutout" else "mask"
    loaded = QImage(str(path))
    if loaded.isNull():
        raise ExportError(f"Could not read the {label} to copy it; retry the job to download "
                          "it again.", "source")
    image = _clipboard_image(loaded, kind)
    try:
        with path.open("rb") as fh:
            is_png = fh.read(8) == _PNG_SIGNATURE
    except OSError:
        is_png = False
    # the cached file is already the PNG apps want when it has the right channels
    right = loaded.hasAlphaChannel() if kind == "cutout" else loaded.isGrayscale()
    png = None
    if is_png and right:
        try:
            png = path.read_bytes()
        except OSError:
            png = None
    return ClipboardImage(kind, image, png if png is not None else _png_bytes(image))


def copy_image_to_clipboard(image: QImage | ClipboardImage, kind: str = "cutout", *,
                            png: bytes | None = None) -> None:
    """Put a result on the clipboard, keeping the cut-out's transparency.

    The mime data carries the image itself (``setImageData``: bitmaps for apps that only
    read those, with Qt converting per platform) and "image/png" bytes, which is what apps
    that keep transparency (Figma, Photoshop, GIMP, browsers) read. The mask goes as a
    greyscale image. Pass what ``load_for_clipboard`` returned in a worker (full size, PNG
    already encoded); a bare QImage (say a preview) is encoded here, on the GUI thread.
    """
    if isinstance(image, ClipboardImage):
        kind, png, image = image.kind, image.png, image.image
    image = _clipboard_image(image, kind)
    if png is None:
        png = _png_bytes(image)
    mime = QMimeData()
    mime.setImageData(image)
    mime.setData("image/png", QByteArray(png))
    QGuiApplication.clipboard().setMimeData(mime)

