"""Typed settings over QSettings, stored as an ini file in the user's config folder.

``HITPAW_API_BASE`` beats the stored base URL, so scripts and tests can point the app at a
sandbox without touching the user's settings. The API key is never stored here.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QSettings

from desktop_app import paths
from desktop_app.api.defaults import DEFAULT_BASE_URL, base_url_from_env, trim_base_url
from desktop_app.jobs.limits import (
    DEFAULT_CONCURRENCY,
    MAX_CONCURRENCY,
    MAX_POLL,
    MIN_POLL,
)

if TYPE_CHECKING:
    from desktop_app.jobs.control import Policy
    from desktop_app.storage import StorageConfig


class Settings:
    def __init__(self, path: Path | None = None) -> None:
        path = path or paths.config_dir() / "settings.ini"
        self._qs = QSettings(str(path), QSettings.Format.IniFormat)

    def _get(self, key: str, default, kind):
        value = self._qs.value(key, default)
        try:
            return kind(value)
        except (TypeError, ValueError):
            return default

    def _set(self, key: str, value) -> None:
        self._qs.setValue(key, value)

    def sync(self) -> None:
        self._qs.sync()

    # -- the service -------------------------------------------------------------------
    @property
    def base_url_override(self) -> str | None:
        return base_url_from_env()

    @property
    def base_url(self) -> str:
        return self.base_url_override or self._get("api/base_url", DEFAULT_BASE_URL, str)

    @base_url.setter
    def base_url(self, value: str) -> None:
        self._set("api/base_url", trim_base_url(value) or DEFAULT_BASE_URL)

    @property
    def poll_interval(self) -> float:
        return min(MAX_POLL, max(MIN_POLL, self._get("jobs/poll_interval", 3.0, float)))

    @poll_interval.setter
    def poll_interval(self, value: float) -> None:
        self._set("jobs/poll_interval", float(value))

    @property
    def concurrency(self) -> int:
        return min(MAX_CONCURRENCY,
                   max(1, self._get("jobs/concurrency", DEFAULT_CONCURRENCY, int)))

    @concurrency.setter
    def concurrency(self, value: int) -> None:
        self._set("jobs/concurrency", int(value))

    @property
    def processing_limit(self) -> float:
        return max(30.0, self._get("jobs/processing_limit", 300.0, float))

    @processing_limit.setter
    def processing_limit(self, value: float) -> None:
        self._set("jobs/processing_limit", float(value))

    @property
    def history_days(self) -> int:
        """Days to keep finished jobs in the history; 0 keeps them forever."""
        return max(0, self._get("history/retention_days", 0, int))

    @history_days.setter
    def history_days(self, value: int) -> None:
        self._set("history/retention_days", int(value))

    @property
    def export_format(self) -> str:
        value = self._get("export/format", "PNG", str).upper()
        return value if value in ("PNG", "WEBP", "JPEG") else "PNG"

    @export_format.setter
    def export_format(self, value: str) -> None:
        self._set("export/format", value.upper())

    @property
    def export_dir(self) -> str:
        """The default folder for exports; empty means "the last folder used"."""
        return self._get("export/default_dir", "", str)

    @export_dir.setter
    def export_dir(self, value: str) -> None:
        self._set("export/default_dir", value)

    @property
    def export_background(self) -> str:
        """The colour a JPEG cut-out is flattened on."""
        from desktop_app.export import parse_colour  # read when saving, not at start-up

        value = self._get("export/background", "#ffffff", str)
        try:
            parse_colour(value)
        except ValueError:
            return "#ffffff"
        return value

    @export_background.setter
    def export_background(self, value: str) -> None:
        self._set("export/background", value)

    @property
    def export_jpeg_quality(self) -> int:
        """JPEG quality for saved cut-outs, 1-95."""
        return min(95, max(1, self._get("export/jpeg_quality", 92, int)))

    @export_jpeg_quality.setter
    def export_jpeg_quality(self, value: int) -> None:
        self._set("export/jpeg_quality", int(value))

    @property
    def export_crop(self) -> bool:
        """Crop saved cut-outs and masks to the subject's bounding box."""
        return str(self._qs.value("export/crop", "false")).lower() in ("true", "1")

    @export_crop.setter
    def export_crop(self, value: bool) -> None:
        self._set("export/crop", bool(value))

    @property
    def export_padding(self) -> int:
        """Pixels kept around the subject when cropping."""
        return max(0, self._get("export/padding", 0, int))

    @export_padding.setter
    def export_padding(self, value: int) -> None:
        self._set("export/padding", int(value))

    def _get_dict(self, key: str) -> dict:
        """A dict stored as JSON; an empty one when missing or unreadable."""
        import json  # read once the window is complete, not before its first frame

        try:
            value = json.loads(self._get(key, "{}", str))
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}

    def _set_dict(self, key: str, value: dict) -> None:
        import json

        self._set(key, json.dumps(value))

    @property
    def save_all_state(self) -> dict:
        """What the "Save all" dialog showed last time (folder, pattern, format...)."""
        return self._get_dict("export/save_all")

    @save_all_state.setter
    def save_all_state(self, value: dict) -> None:
        self._set_dict("export/save_all", value)

    @property
    def view_background(self) -> dict:
        """The cut-out pane's background: checkerboard, white, black, a colour or an image."""
        return self._get_dict("view/background")

    @view_background.setter
    def view_background(self, value: dict) -> None:
        self._set_dict("view/background", value)

    @property
    def view_mode(self) -> str:
        """The viewer's layout: "all" (side by side), "original", "cutout", "mask", "compare"."""
        return self._get("view/mode", "all", str)

    @view_mode.setter
    def view_mode(self, value: str) -> None:
        self._set("view/mode", str(value))

    @property
    def compare_divider(self) -> float:
        """Where the compare divider was left, as a share of the pane's width."""
        return min(1.0, max(0.0, self._get("view/compare_divider", 0.5, float)))

    @compare_divider.setter
    def compare_divider(self, value: float) -> None:
        self._set("view/compare_divider", float(value))

    # -- files on this computer -----------------------------------------------------------
    @property
    def local_engine(self) -> str:
        """Who cuts out files from this computer: "auto" (HitPaw through the designer's own
        storage when it is set up, else this computer), "local" or "hitpaw". Links always
        go to HitPaw unless the designer asks otherwise, job by job."""
        value = self._get("engine/local_files", "auto", str)
        return value if value in ("auto", "local", "hitpaw") else "auto"

    @local_engine.setter
    def local_engine(self, value: str) -> None:
        self._set("engine/local_files", value)

    @property
    def last_open_dir(self) -> str:
        """The folder File > Open images showed last."""
        return self._get("files/last_open_dir", str(Path.home()), str)

    @last_open_dir.setter
    def last_open_dir(self, value: str) -> None:
        self._set("files/last_open_dir", value)

    def policy(self) -> Policy:
        from desktop_app.jobs.control import Policy  # read when the queue is built

        return Policy(poll_interval=self.poll_interval, processing_limit=self.processing_limit)

    # -- the user's own storage, for local files sent to HitPaw (issue 15) -------------
    # The secret is in the keyring (secrets.StorageSecretStore), never here.
    @property
    def storage_from_env(self) -> bool:
        """CUTOUT_UPLOAD_BUCKET is set: the environment's storage beats these settings."""
        import os

        return bool(os.environ.get("CUTOUT_UPLOAD_BUCKET", "").strip())

    def _storage_text(self, name: str) -> str:
        return self._get(f"storage/{name}", "", str).strip()

    def _storage_flag(self, name: str, default: bool) -> bool:
        return str(self._qs.value(f"storage/{name}", str(default).lower())).lower() in (
            "true", "1")

    storage_endpoint = property(lambda self: self._storage_text("endpoint"),
                                lambda self, v: self._set("storage/endpoint", v.strip()))
    storage_region = property(lambda self: self._storage_text("region"),
                              lambda self, v: self._set("storage/region", v.strip()))
    storage_bucket = property(lambda self: self._storage_text("bucket"),
                              lambda self, v: self._set("storage/bucket", v.strip()))
    storage_prefix = property(lambda self: self._storage_text("prefix"),
                              lambda self, v: self._set("storage/prefix", v.strip()))
    storage_access_key_id = property(lambda self: self._storage_text("access_key_id"),
                                     lambda self, v: self._set("storage/access_key_id",
                                                               v.strip()))
    storage_use_profile = property(lambda self: self._storage_flag("use_profile", False),
                                   lambda self, v: self._set("storage/use_profile", bool(v)))
    storage_profile = property(lambda self: self._storage_text("profile"),
                               lambda self, v: self._set("storage/profile", v.strip()))
    strip_location = property(lambda self: self._storage_flag("strip_location", True),
                              lambda self, v: self._set("storage/strip_location", bool(v)),
                              doc="Remove GPS from a local file before it is uploaded.")

    def storage_config(self, secret: str = "") -> StorageConfig | None:
        """The storage to upload to (the environment's first), or None when none is set up.
        ``secret`` is the keyring's, for settings that do not use an AWS profile."""
        from desktop_app.storage import StorageConfig

        if self.storage_from_env:
            return StorageConfig.from_env()
        if not self.storage_bucket:
            return None
        return StorageConfig(self.storage_bucket, self.storage_prefix,
                             self.storage_endpoint or None, self.storage_region or None,
                             self.storage_access_key_id, secret,
                             use_profile=self.storage_use_profile,
                             profile=self.storage_profile)

    @property
    def storage_ready(self) -> bool:
        """Whether local files can go to HitPaw (``jobs.model.choose_engine``'s
        ``storage_ready``): a bucket, and a profile or an access key id (its secret is in
        the keyring; a missing one fails the upload with its sentence). Reads no keyring."""
        if self.storage_from_env:
            return True
        return bool(self.storage_bucket) and (self.storage_use_profile
                                              or bool(self.storage_access_key_id))

    # -- the desk ------------------------------------------------------------------------
    @property
    def last_save_dir(self) -> str:
        return self.export_dir or self._get("export/last_dir", str(Path.home()), str)

    @last_save_dir.setter
    def last_save_dir(self, value: str) -> None:
        self._set("export/last_dir", value)

    @property
    def window_geometry(self) -> QByteArray | None:
        value = self._qs.value("window/geometry")
        return value if isinstance(value, QByteArray) else None

    @window_geometry.setter
    def window_geometry(self, value: QByteArray) -> None:
        self._set("window/geometry", value)

    @property
    def splitter_state(self) -> QByteArray | None:
        value = self._qs.value("window/splitter")
        return value if isinstance(value, QByteArray) else None

    @splitter_state.setter
    def splitter_state(self, value: QByteArray) -> None:
        self._set("window/splitter", value)


def is_plain_http_remote(url: str) -> bool:
    """True for http:// addresses that are not this machine: the key would travel in clear."""
    from urllib.parse import urlsplit

    parts = urlsplit(url.strip())
    local = parts.hostname in ("localhost", "127.0.0.1", "::1") or (
        parts.hostname or "").startswith("127.")
    return parts.scheme == "http" and not local
