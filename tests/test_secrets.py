"""The key store: environment first, then the keyring, never a plain-text file."""

from __future__ import annotations

import os
from pathlib import Path

import keyring
import keyring.backends.fail
import keyring.errors
import pytest
from keyring.backend import KeyringBackend

from desktop_app.secrets import ENV_VAR, SERVICE, USERNAME, KeyStore, KeyStoreError, LoadedKey

KEY = "hp-TEST-key-0c0ffee-do-not-leak"
ENTRY = (SERVICE, USERNAME)


# -- with a working keyring (the in-memory one from conftest) -----------------------------------
def test_save_load_delete_round_trip(memory_keyring):
    store = KeyStore()
    assert store.load() is None

    store.save(f"  {KEY}\n")

    assert memory_keyring.store == {ENTRY: KEY}
    assert ENTRY == ("cutout-desktop", "hitpaw-api-key")
    assert KeyStore().load() == LoadedKey(KEY, "keyring")  # a new store finds it too

    store.delete()
    assert memory_keyring.store == {}
    assert KeyStore().load() is None
    store.delete()  # deleting what is not there is fine


def test_the_environment_beats_the_keyring(memory_keyring, monkeypatch):
    KeyStore().save(KEY)
    assert KeyStore(environ={ENV_VAR: " from-env "}).load() == LoadedKey("from-env",
                                                                          "environment")
    monkeypatch.setenv(ENV_VAR, "from-process-env")
    assert KeyStore().load() == LoadedKey("from-process-env", "environment")
    monkeypatch.setenv(ENV_VAR, "   ")  # blank counts as unset
    assert KeyStore().load() == LoadedKey(KEY, "keyring")


def test_a_session_only_key_is_never_written(memory_keyring):
    store = KeyStore()
    store.use_for_session(f" {KEY} ")
    assert store.load() == LoadedKey(KEY, "session")
    assert memory_keyring.store == {}
    assert KeyStore().load() is None  # gone with this session's store

    store.save("a-stored-key")  # saving for good replaces the session key
    assert store.load() == LoadedKey("a-stored-key", "keyring")

    store.use_for_session("again")
    store.delete()
    assert store.load() is None
    assert memory_keyring.store == {}


def test_an_empty_key_is_not_saved(memory_keyring):
    with pytest.raises(KeyStoreError):
        KeyStore().save("   ")
    assert memory_keyring.store == {}


def test_the_backend_in_use_is_named(memory_keyring):
    store = KeyStore()
    assert store.backend is memory_keyring
    assert store.backend_label and store.backend_label != "none"


# -- with no working keyring ----------------------------------------------------------------------
def files_under(*folders: Path) -> list[Path]:
    return [p for folder in folders for p in folder.rglob("*")]


@pytest.fixture
def watched_folders(isolated_home, monkeypatch) -> list[Path]:
    """Every folder a fallback might write to: the XDG folders and a fresh HOME."""
    home = isolated_home / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    folders = [home] + [Path(os.environ[v]) for v in ("XDG_CONFIG_HOME", "XDG_DATA_HOME",
                                                      "XDG_CACHE_HOME", "XDG_STATE_HOME")]
    assert files_under(*folders) == []
    return folders


def test_without_a_keyring_nothing_is_stored_anywhere(watched_folders):
    keyring.set_keyring(keyring.backends.fail.Keyring())  # conftest restores the keyring
    store = KeyStore()

    assert store.backend is None
    assert store.backend_label == "none"
    with pytest.raises(KeyStoreError) as caught:
        store.save(KEY)
    sentence = str(caught.value)
    assert "session" in sentence
    assert sentence.endswith(".")
    assert KEY not in sentence
    assert store.load() is None

    store.use_for_session(KEY)  # the way out the sentence offers
    assert store.load() == LoadedKey(KEY, "session")
    store.delete()
    assert store.load() is None

    assert files_under(*watched_folders) == []


class LockedKeyring(KeyringBackend):
    priority = 1

    def get_password(self, service, username):
        raise keyring.errors.KeyringLocked("Failed to unlock the collection!")

    def set_password(self, service, username, password):
        raise keyring.errors.KeyringLocked("Failed to unlock the collection!")

    def delete_password(self, service, username):
        raise keyring.errors.KeyringLocked("Failed to unlock the collection!")


def test_a_locked_keyring_says_so():
    keyring.set_keyring(LockedKeyring())
    store = KeyStore()
    with pytest.raises(KeyStoreError) as caught:
        store.load()
    assert "locked" in str(caught.value)
    with pytest.raises(KeyStoreError) as caught:
        store.save(KEY)
    assert "locked" in str(caught.value)
    assert KEY not in str(caught.value)


class BrokenKeyring(KeyringBackend):
    priority = 1

    def get_password(self, service, username):
        raise keyring.errors.InitError("no D-Bus")

    def set_password(self, service, username, password):
        raise keyring.errors.PasswordSetError("no D-Bus")

    def delete_password(self, service, username):
        raise keyring.errors.KeyringError("no D-Bus")


def test_a_failing_keyring_becomes_a_sentence_not_a_crash():
    keyring.set_keyring(BrokenKeyring())
    store = KeyStore()
    for action in (store.load, lambda: store.save(KEY), store.delete):
        with pytest.raises(KeyStoreError) as caught:
            action()
        assert str(caught.value).endswith(".")


class FakePlaintextKeyring(KeyringBackend):
    """Looks like keyrings.alt's PlaintextKeyring, which keeps passwords in a readable file."""

    __module__ = "keyrings.alt.file"
    priority = 1

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[str] = []

    def get_password(self, service, username):
        self.calls.append("get")
        return "a-key-from-a-plain-text-file"

    def set_password(self, service, username, password):
        self.calls.append("set")

    def delete_password(self, service, username):
        self.calls.append("delete")


def test_a_plain_text_keyring_is_refused(watched_folders):
    plaintext = FakePlaintextKeyring()
    keyring.set_keyring(plaintext)
    store = KeyStore()

    assert store.backend is None
    with pytest.raises(KeyStoreError) as caught:
        store.save(KEY)
    assert "session" in str(caught.value)
    assert store.load() is None
    assert "set" not in plaintext.calls
    assert "get" not in plaintext.calls
    assert files_under(*watched_folders) == []
