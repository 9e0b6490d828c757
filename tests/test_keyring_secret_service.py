"""The key store against a real Secret Service (GNOME Keyring on a private D-Bus session bus).

``make test`` provides one (dbus-run-session + tests/with_keyring.sh). Under CI a missing
Secret Service is a failure, because the test would otherwise pass by never running; a
developer without one gets a skip that says how to run it.
"""

from __future__ import annotations

import os
import shutil

import keyring
import keyring.errors
import pytest

from desktop_app.secrets import SERVICE, USERNAME, KeyStore, LoadedKey

pytestmark = [pytest.mark.real_keyring, pytest.mark.timeout(60)]

KEY = "hp-TEST-real-keyring-7d3f"


def secret_service_problem() -> str | None:
    """Why the Secret Service cannot be used here, or None when it can."""
    if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        return "no D-Bus session bus"
    try:
        import secretstorage
        from secretstorage.collection import get_collection_by_alias
        from secretstorage.exceptions import ItemNotFoundException
    except ImportError as err:
        return f"secretstorage is not installed ({err})"
    try:
        connection = secretstorage.dbus_init()
    except Exception as err:  # noqa: BLE001 - any failure means "not reachable"
        return f"cannot connect to the D-Bus session bus ({err})"
    try:
        if not secretstorage.check_service_availability(connection):
            return "no Secret Service (org.freedesktop.secrets) on the session bus"
        try:
            collection = get_collection_by_alias(connection, "default")
        except ItemNotFoundException:
            return "the Secret Service has no default collection (it would prompt to create one)"
        if collection.is_locked():
            return "the default collection is locked (it would prompt to unlock it)"
    except Exception as err:  # noqa: BLE001
        return f"the Secret Service did not answer ({type(err).__name__}: {err})"
    finally:
        connection.close()
    return None


def what_to_do(problem: str) -> str:
    """The next step for a missing Secret Service, naming the missing tool when one is.

    ``make test`` wraps the tests in dbus-run-session and tests/with_keyring.sh, which start
    GNOME Keyring; when either tool is not installed, saying "run it with make test" would
    send the developer in a circle.
    """
    if shutil.which("dbus-run-session") is None:
        return ("dbus-run-session is not installed (Debian/Ubuntu: `sudo apt-get install "
                "dbus`); then run `make test`.")
    if shutil.which("gnome-keyring-daemon") is None:
        return ("gnome-keyring-daemon is not installed (Debian/Ubuntu: `sudo apt-get install "
                "gnome-keyring`); then run `make test`.")
    if problem == "no D-Bus session bus":
        return ("Run it with `make test`, which starts GNOME Keyring on a private D-Bus "
                "session bus.")
    return "tests/with_keyring.sh could not start GNOME Keyring; its warning is printed above."


def require_secret_service() -> None:
    problem = secret_service_problem()
    if problem:
        message = (f"The real keyring test needs a Secret Service: {problem}. "
                   f"{what_to_do(problem)}")
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


def test_the_skip_reason_names_the_missing_tool(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))       # neither tool can be found
    assert "dbus-run-session is not installed" in what_to_do("no D-Bus session bus")
    assert "apt-get install dbus" in what_to_do("no D-Bus session bus")
    fake = tmp_path / "dbus-run-session"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    reason = what_to_do("no Secret Service (org.freedesktop.secrets) on the session bus")
    assert "gnome-keyring-daemon is not installed" in reason
    assert "make test" in reason


@pytest.fixture
def secret_service():
    """The real Secret Service backend as the keyring; the entry is removed afterwards."""
    require_secret_service()
    from keyring.backends import SecretService

    previous = keyring.get_keyring()
    backend = SecretService.Keyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        try:
            backend.delete_password(SERVICE, USERNAME)
        except keyring.errors.PasswordDeleteError:
            pass
        keyring.set_keyring(previous)


def stored_items(attributes: dict[str, str]) -> list:
    import secretstorage

    connection = secretstorage.dbus_init()
    try:
        items = list(secretstorage.search_items(connection, attributes))
        return [(item.get_attributes(), item.get_secret().decode()) for item in items]
    finally:
        connection.close()


def test_the_secret_service_is_reachable():
    """Fails under CI (skips elsewhere) when make test's keyring is missing, so the round trip
    below cannot pass by quietly never running."""
    require_secret_service()


def test_key_round_trip_through_the_secret_service(secret_service):
    store = KeyStore()
    assert store.backend is secret_service
    assert "Secret Service" in store.backend_label

    store.save(KEY)

    loaded = KeyStore().load()  # a new store: nothing cached in memory
    assert loaded == LoadedKey(KEY, "keyring")

    attributes = {"service": "cutout-desktop", "username": "hitpaw-api-key"}
    items = stored_items(attributes)
    assert len(items) == 1
    stored_attributes, secret = items[0]
    assert stored_attributes["service"] == SERVICE == "cutout-desktop"
    assert stored_attributes["username"] == USERNAME == "hitpaw-api-key"
    assert secret == KEY

    store.delete()
    assert stored_items(attributes) == []
    assert KeyStore().load() is None


def test_storage_secret_round_trip_through_the_secret_service(secret_service):
    """The storage's secret (issue 15) sits beside the API key under its own user name."""
    from desktop_app.secrets import STORAGE_USERNAME, StorageSecretStore

    store = StorageSecretStore()
    secret = "storage-TEST-real-keyring-41c9"
    try:
        assert "Secret Service" in store.save(secret)
        assert StorageSecretStore().load() == secret
        items = stored_items({"service": SERVICE, "username": STORAGE_USERNAME})
        assert [s for _, s in items] == [secret]
        assert STORAGE_USERNAME == "storage-secret-access-key" != USERNAME
    finally:
        store.delete()
    assert stored_items({"service": SERVICE, "username": STORAGE_USERNAME}) == []
    assert StorageSecretStore().load() is None
