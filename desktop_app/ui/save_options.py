"""How to save one result, asked just before the file picker: format, JPEG background and
quality, crop to the subject with padding.

The platform's own save dialog cannot hold these controls, so they come first, in a small
dialog of ours, the way design tools ask for export settings and then for a place. A JPEG
has no transparency: its background starts as the colour the viewer shows the cut-out on,
so what is saved is what was seen; any other colour can be picked.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QColorDialog,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop_app.export import ExportOptions, normalize_format, parse_colour

FORMAT_CHOICES = (("PNG \u2013 keeps transparency", "PNG"),
                  ("WebP \u2013 keeps transparency, smaller files", "WEBP"),
                  ("JPEG \u2013 on a solid background colour", "JPEG"))


def viewer_colour(background_state: Mapping[str, Any] | None) -> str | None:
    """The solid colour the viewer shows the cut-out on, or None (checkerboard, image)."""
    state = background_state or {}
    kind = state.get("kind")
    if kind == "white":
        return "#ffffff"
    if kind == "black":
        return "#000000"
    if kind == "color":
        try:
            return "#{:02x}{:02x}{:02x}".format(*parse_colour(str(state.get("color", ""))))
        except ValueError:
            return None
    return None


def swatch_icon(colour: str) -> QIcon:
    pixmap = QPixmap(16, 16)
    pixmap.fill(QColor("#808080"))            # a border, so white shows on white
    painter = QPainter(pixmap)
    painter.fillRect(1, 1, 14, 14, QColor(colour))
    painter.end()
    return QIcon(pixmap)


class SaveOptionsDialog(QDialog):
    """The options for one file; ``options()`` once accepted. ``kind`` is "cutout" or "mask"
    (a mask is always a PNG: only cropping applies)."""

    def __init__(self, kind: str, options: ExportOptions, viewer_background: str | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._kind = kind
        self._viewer_background = viewer_background
        label = "cut-out" if kind == "cutout" else "mask"
        self.setWindowTitle(f"Save {label}")
        self.setObjectName("saveOptionsDialog")
        self.setMinimumWidth(380)
        form = QFormLayout()
        form.addRow("Format:", self._build_format())
        form.addRow("JPEG background:", self._build_background_row())
        form.addRow("JPEG quality:", self._build_quality_row())
        form.addRow("", self._build_crop_row())
        for row in range(3):                 # a mask is a PNG: only cropping applies
            form.setRowVisible(row, kind == "cutout")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Choose where\u2026")
        self.ok_button.setObjectName("saveOptionsOkButton")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)

        self._background = options.background
        self.set_background(viewer_background or options.background)
        self.format_combo.setCurrentIndex(max(0, self.format_combo.findData(options.format)))
        self.quality_spin.setValue(options.jpeg_quality)
        self.crop_check.setChecked(options.crop_to_subject)
        self.padding_spin.setValue(options.padding)
        self.background_button.clicked.connect(self._pick_background)
        self.viewer_button.clicked.connect(
            lambda: self.set_background(self._viewer_background or self._background))
        self.format_combo.currentIndexChanged.connect(self._refresh)
        self.crop_check.toggled.connect(self._refresh)
        self._refresh()

    def _build_format(self) -> QComboBox:
        self.format_combo = QComboBox()
        self.format_combo.setObjectName("saveFormatCombo")
        self.format_combo.setAccessibleName("Format")
        for text, value in FORMAT_CHOICES:
            self.format_combo.addItem(text, value)
        return self.format_combo

    def _build_background_row(self) -> QHBoxLayout:
        viewer_background = self._viewer_background
        self.background_button = QPushButton()
        self.background_button.setObjectName("saveBackgroundButton")
        self.background_button.setAccessibleName("JPEG background colour")
        self.background_button.setToolTip("JPEG has no transparency: the cut-out is laid on "
                                          "this colour. Click to pick another.")
        self.viewer_button = QPushButton("Same as the viewer")
        self.viewer_button.setObjectName("saveViewerBackgroundButton")
        self.viewer_button.setToolTip("Use the colour the viewer shows the cut-out on"
                                      if viewer_background else
                                      "The viewer shows a checkerboard or an image, not a "
                                      "colour: choose one in View \u203a Background")
        self.viewer_button.setEnabled(viewer_background is not None)
        background_row = QHBoxLayout()
        background_row.addWidget(self.background_button)
        background_row.addWidget(self.viewer_button)
        background_row.addStretch(1)
        return background_row

    def _build_quality_row(self) -> QHBoxLayout:
        self.quality_slider = QSlider(Qt.Orientation.Horizontal)
        self.quality_slider.setObjectName("saveQualitySlider")
        self.quality_spin = QSpinBox()
        self.quality_spin.setObjectName("saveQualitySpin")
        self.quality_spin.setAccessibleName("JPEG quality")
        for control in (self.quality_slider, self.quality_spin):
            control.setRange(1, 95)
            control.setToolTip("Higher keeps more detail in larger files; 90 suits most "
                               "uses, 95 is the most that helps")
        self.quality_slider.valueChanged.connect(self.quality_spin.setValue)
        self.quality_spin.valueChanged.connect(self.quality_slider.setValue)
        quality_row = QHBoxLayout()
        quality_row.addWidget(self.quality_slider, 1)
        quality_row.addWidget(self.quality_spin)
        return quality_row

    def _build_crop_row(self) -> QHBoxLayout:
        self.crop_check = QCheckBox("Crop to the subject")
        self.crop_check.setObjectName("saveCropCheck")
        self.crop_check.setToolTip("Trim the empty space around the subject, as the mask "
                                   "shows it")
        self.padding_spin = QSpinBox()
        self.padding_spin.setObjectName("savePaddingSpin")
        self.padding_spin.setAccessibleName("Padding around the subject")
        self.padding_spin.setRange(0, 2000)
        self.padding_spin.setSuffix(" px")
        self.padding_spin.setToolTip("Space kept around the subject when cropping (never "
                                     "beyond the image's edge)")
        crop_row = QHBoxLayout()
        crop_row.addWidget(self.crop_check)
        crop_row.addSpacing(12)
        crop_row.addWidget(QLabel("Padding:"))
        crop_row.addWidget(self.padding_spin)
        crop_row.addStretch(1)
        return crop_row

    def set_background(self, colour: str) -> None:
        self._background = "#{:02x}{:02x}{:02x}".format(*parse_colour(colour))
        self.background_button.setIcon(swatch_icon(self._background))
        self.background_button.setText(self._background)

    def format(self) -> str:
        return normalize_format(self.format_combo.currentData()) if self._kind == "cutout" \
            else "PNG"

    def options(self) -> ExportOptions:
        return ExportOptions(format=self.format(), background=self._background,
                             crop_to_subject=self.crop_check.isChecked(),
                             padding=self.padding_spin.value(),
                             jpeg_quality=self.quality_spin.value())

    def _pick_background(self) -> None:
        colour = QColorDialog.getColor(QColor(self._background), self,
                                       "Background colour for JPEG")
        if colour.isValid():
            self.set_background(colour.name())

    def _refresh(self) -> None:
        jpeg = self.format() == "JPEG"
        for widget in (self.background_button, self.quality_slider, self.quality_spin):
            widget.setEnabled(jpeg)
        self.viewer_button.setEnabled(jpeg and self._viewer_background is not None)
        self.padding_spin.setEnabled(self.crop_check.isChecked())
