"""Cutout: remove image backgrounds with the HitPaw Image Segmentation API."""

from importlib import metadata

APP_NAME = "Cutout"
APP_ID = "io.github.cutout.Cutout"

try:
    __version__ = metadata.version("cutout-desktop")
except metadata.PackageNotFoundError:  # running from a source tree or a frozen build
    __version__ = "0.1.0"
