"""Where the API key lives: the environment, the OS keyring, or this session's memory.

Like Vorta's keyring layer, one small interface whose "no key" is ``None`` and which can say
which backend is in use. Plain-text keyring backends are refused: if no real keyring works,
the user is told and may keep the key for this session only. The key is never logged.

``keyring`` is imported on first use (it costs about 100 ms with its backends' discovery), so
a key from the environment, and the window's first paint, never wait for it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from desktop_app.api.defaults import KEY_ENV, key_from_env

if TYPE_CHECKING:
    from keyring.backend import KeyringBackend

SERVICE = "cutout-desktop"
USERNAME = "hitpaw-api-key"
ENV_VAR = KEY_ENV  # the name callers of this module have always used

_REFUSED_MODULES = ("keyring.backends.fail", "keyring.backends.null", "keyrings.alt")


class KeyStoreError(Exception):
    """A sentence for the user: the keyring could not do what was asked."""


@dataclass(frozen=True)
class LoadedKey:
    key: str
    source: str   # "environment", "keyring" or "session"


def usable_backend() -> KeyringBackend | None:
    """The keyring backend in use, or None when only a failing or plain-text one is left."""
    import keyring

    try:
        backend = keyring.get_keyring()
    except Exception:  # noqa: BLE001 - a broken keyring config must not stop the app
        return None
    candidates = getattr(backend, "backends", [backend])  # a ChainerBackend wraps several
    good = [b for b in candidates if not type(b).__module__.startswith(_REFUSED_MODULES)]
    if not good:
        return None
    return backend if backend in good or getattr(backend, "backends", None) else good[0]


def backend_label(backend: KeyringBackend | None) -> str:
    if backend is None:
        return "none"
    name = getattr(backend, "name", "") or type(backend).__name__
    known = {"SecretService": "the system keyring (Secret Service)",
             "kwallet": "KWallet", "Windows": "Windows Credential Locker",
             "macOS": "the macOS Keychain"}
    for needle, label in known.items():
        if needle.lower() in name.lower() or needle.lower() in type(backend).__module__.lower():
            return label
    return name


class KeyStore:
    """The one place that reads and writes the API key."""

    def __init__(self, environ: dict[str, str] | None = None) -> None:
        self._environ = os.environ if environ is None else environ
        self._session_key: str | None = None

    @property
    def needs_keyring(self) -> bool:
        """Whether ``load`` would have to ask the keyring (no key from the environment or
        this session)."""
        return self._key_without_keyring() is None

    def _key_without_keyring(self) -> LoadedKey | None:
        env = key_from_env(self._environ)
        if env:
            return LoadedKey(env, "environment")
        if self._session_key:
            return LoadedKey(self._session_key, "session")
        return None

    @property
    def backend(self) -> KeyringBackend | None:
        return usable_backend()

    @property
    def backend_label(self) -> str:
        return backend_label(self.backend)

    def load(self) -> LoadedKey | None:
        quick = self._key_without_keyring()
        if quick is not None:
            return quick
        if self.backend is None:
            return None
        import keyring

        with _keyring_errors("The system keyring is locked: unlock it (or log in again), "
                             "or keep the key for this session only.",
                             "The system keyring could not be read: keep the key for this "
                             "session only, or fix the keyring and restart."):
            stored = keyring.get_password(SERVICE, USERNAME)
        return LoadedKey(stored, "keyring") if stored else None

    def save(self, key: str) -> None:
        """Store in the keyring; raises ``KeyStoreError`` with a sentence if it cannot."""
        key = key.strip()
        if not key:
            raise KeyStoreError("The key is empty.")
        if self.backend is None:
            raise KeyStoreError("No system keyring is available on this computer, so the key "
                                "cannot be stored safely. Use it for this session only, or "
                                "install a keyring (GNOME Keyring, KWallet) and restart.")
        import keyring

        with _keyring_errors("The system keyring is locked: unlock it and try again, or "
                             "keep the key for this session only.",
                             "The system keyring refused to store the key: keep it for "
                             "this session only, or check the keyring."):
            keyring.set_password(SERVICE, USERNAME, key)
        self._session_key = None

    def use_for_session(self, key: str) -> None:
        self._session_key = key.strip() or None

    def delete(self) -> None:
        self._session_key = None
        if self.backend is not None:
            _delete_entry(USERNAME, "key")


STORAGE_USERNAME = "storage-secret-access-key"
_session_storage_secret: str | None = None   # when no keyring works: this process only


class StorageSecretStore:
    """The storage's secret access key (issue 15): in the keyring beside the API key, or,
    when no keyring works, in this session's memory only, never in a file. The AWS
    environment variables are boto3's to read (``storage.StorageConfig.from_env``)."""

    @property
    def backend(self) -> KeyringBackend | None:
        return usable_backend()

    def load(self) -> str | None:
        if _session_storage_secret:
            return _session_storage_secret
        if self.backend is None:
            return None
        import keyring

        with _keyring_errors("The system keyring is locked, so the storage secret cannot "
                             "be read: unlock it, then open Settings > Storage.",
                             "The system keyring could not be read, so the storage secret "
                             "is unknown: enter it again in Settings > Storage."):
            return keyring.get_password(SERVICE, STORAGE_USERNAME) or None

    def save(self, secret: str) -> str:
        """Keep the secret; returns where ("in <keyring>" or "for this session only")."""
        global _session_storage_secret
        secret = secret.strip()
        if not secret:
            raise KeyStoreError("The storage secret is empty.")
        from desktop_app.logs import register_secret

        register_secret(secret)
        if self.backend is None:
            _session_storage_secret = secret
            return "for this session only (no system keyring is available)"
        import keyring

        with _keyring_errors("The system keyring is locked: unlock it and save again.",
                             "The system keyring refused to store the storage secret."):
            keyring.set_password(SERVICE, STORAGE_USERNAME, secret)
        _session_storage_secret = None
        return f"in {backend_label(self.backend)}"

    def delete(self) -> None:
        global _session_storage_secret
        _session_storage_secret = None
        if self.backend is not None:
            _delete_entry(STORAGE_USERNAME, "storage secret")


def _delete_entry(username: str, what: str) -> None:
    """Remove one of Cutout's keyring entries; one that is not there is already gone."""
    import keyring
    import keyring.errors

    try:
        keyring.delete_password(SERVICE, username)
    except keyring.errors.PasswordDeleteError:
        pass
    except keyring.errors.KeyringError:
        raise KeyStoreError(f"The system keyring could not remove the {what}.") from None


@contextmanager
def _keyring_errors(locked: str, failed: str) -> Iterator[None]:
    """A locked keyring and a broken one need different advice; each becomes its sentence."""
    import keyring.errors

    try:
        yield
    except keyring.errors.KeyringLocked:
        raise KeyStoreError(locked) from None
    except keyring.errors.KeyringError:
        raise KeyStoreError(failed) from None
