# Two commands set a fresh machine up: `make run` (install into .venv, start the app) and
# `make test` (install, run every test). `.ci/run` installs the system packages, then calls
# `make test`.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

# Extra pytest arguments, e.g. `make test PYTEST_ARGS="-k keyring -x"`.
PYTEST_ARGS ?=

# The tests run offscreen (tests/conftest.py sets QT_QPA_PLATFORM), except the screenshot test,
# which needs a real X display: xvfb-run gives it one (24-bit, not xvfb-run's 8-bit default).
# The keyring test needs a Secret Service: a private D-Bus session bus with GNOME Keyring on it
# (tests/with_keyring.sh), so a developer's own keyring and session are never touched.
# Where a tool is missing the tests still run; those tests then skip, or fail under CI.
XVFB_RUN         := $(shell command -v xvfb-run 2>/dev/null)
DBUS_RUN_SESSION := $(shell command -v dbus-run-session 2>/dev/null)
ifneq ($(XVFB_RUN),)
  WITH_DISPLAY := xvfb-run -a -s "-screen 0 1280x1024x24"
endif
ifneq ($(DBUS_RUN_SESSION),)
  WITH_SESSION_BUS := dbus-run-session --
endif

.PHONY: venv run test clean dist check-dist screenshots bench

venv: $(STAMP)

$(PY):
	$(PYTHON) -m venv $(VENV)

# Reinstall only when pyproject.toml changed since the last successful install.
$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --disable-pip-version-check --progress-bar off --upgrade pip
	$(PY) -m pip install --disable-pip-version-check --progress-bar off -e '.[test]'
	touch $(STAMP)

run: venv
	$(PY) -m desktop_app

# pytest exits 5 when it ran no test at all: say so, and fail like any other failure.
test: venv
	@test -n "$(XVFB_RUN)" || echo "make test: xvfb-run not found; the screenshot test will not run." >&2
	@test -n "$(DBUS_RUN_SESSION)" || echo "make test: dbus-run-session not found; the keyring test will not run." >&2
	$(WITH_DISPLAY) $(WITH_SESSION_BUS) bash tests/with_keyring.sh $(PY) -m pytest $(PYTEST_ARGS); \
	status=$$?; \
	if [ $$status -eq 5 ]; then echo "make test: pytest ran no tests; that is a failure." >&2; fi; \
	exit $$status

clean:
	rm -rf $(VENV) build dist .pytest_cache *.egg-info
	find . -name __pycache__ -type d -prune -exec rm -rf {} +

# The installable app for this platform: dist/cutout/ (and dist/Cutout.app on macOS).
# packaging/build.py renders the icons from the SVG, then runs PyInstaller on packaging/cutout.spec.
dist: venv
	$(PY) -m pip install --disable-pip-version-check --progress-bar off -e '.[dist]'
	$(PY) packaging/build.py

# Validate the .desktop and AppStream files, then run the frozen app's smoke test under Xvfb.
check-dist:
	bash packaging/check.sh

# Retake the README's screenshots (offscreen, throwaway folders, the built-in sandbox).
screenshots: venv
	$(PY) docs/screenshots/capture.py
	$(PY) docs/screenshots/capture_touch_up.py

# Measure the figures of "Fast and light" (offscreen, throwaway folders, no keyring) and write
# benchmarks/results.md; bounded to well under 15 minutes, and stops by itself.
bench: venv
	$(PY) benchmarks/run_all.py
