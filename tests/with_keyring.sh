#!/usr/bin/env bash
# Run "$@" with an unlocked GNOME Keyring answering as the Secret Service on the current
# D-Bus session bus, so the keyring test talks to a real keyring, not a fake.
#
# Meant to run under `dbus-run-session` (as `make test` does): the bus, and with it the
# keyring daemon, goes away when the command ends. The keyring files live in a temporary
# folder, so a developer's own login keyring is never opened, changed or unlocked.
set -euo pipefail

warn() { printf 'with_keyring.sh: %s\n' "$*" >&2; }

if [[ $# -eq 0 ]]; then
    warn "usage: with_keyring.sh COMMAND [ARG...]"
    exit 2
fi

if [[ -z "${DBUS_SESSION_BUS_ADDRESS:-}" ]]; then
    warn "no D-Bus session bus (run me under dbus-run-session); the real keyring test will not run"
    exec "$@"
fi
if ! command -v gnome-keyring-daemon >/dev/null 2>&1; then
    warn "gnome-keyring-daemon is not installed; the real keyring test will not run"
    exec "$@"
fi

keyring_home="$(mktemp -d "${TMPDIR:-/tmp}/cutout-keyring.XXXXXX")"
trap 'rm -rf "$keyring_home"' EXIT
mkdir -m 700 "$keyring_home/data" "$keyring_home/run"

# An empty password line (not an empty stdin: that skips creating the login keyring) makes
# the daemon create a "login" collection, unlock it and make it the default one, so nothing
# ever waits on an unlock prompt. The daemon forks and prints the variables to export.
if ! daemon_env="$(printf '\n' | XDG_DATA_HOME="$keyring_home/data" \
        XDG_RUNTIME_DIR="$keyring_home/run" \
        gnome-keyring-daemon --unlock --components=secrets 2>"$keyring_home/daemon.log")"; then
    warn "gnome-keyring-daemon failed to start:"
    cat "$keyring_home/daemon.log" >&2 || true
    exit 1
fi
while IFS= read -r line; do
    [[ "$line" == *=* ]] && export "${line?}"
done <<<"$daemon_env"

# Run the command as a child (not exec) so the trap above removes the keyring folder after it.
set +e
"$@"
status=$?
set -e
exit "$status"
