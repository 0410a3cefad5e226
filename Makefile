# gxlib: two commands on a fresh Debian machine.
#   make serve   -> .venv (pinned by requirements.lock) + `gx serve` on the bundled demo data
#   make test    -> .venv + Debian chromium & fonts-noto-cjk + the whole test suite (unit, nbval, browser)
# The venv step is skipped when pyproject.toml, requirements.lock and the Python version are unchanged.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV ?= .venv
VPY := $(VENV)/bin/python
LOCK := requirements.lock
STAMP := $(VENV)/.gx-env-stamp
EXTRAS := notebooks,test
GX ?= $(VENV)/bin/gx
PORT ?= 8866
SERVE_ARGS ?=
PYTEST_WORKERS ?= 2
NOTEBOOKS := $(wildcard notebooks)
APT_PACKAGES := chromium fonts-noto-cjk libreoffice-writer-nogui poppler-utils pandoc

.PHONY: help env serve test lint test-unit test-browser sysdeps lock clean-env demo-data notebooks

help:
	@echo "make serve   set up .venv and serve the dashboards on http://127.0.0.1:$(PORT)/ (PORT=, SERVE_ARGS='--corpus DIR')"
	@echo "make test    set up .venv, install chromium + fonts-noto-cjk + libreoffice-writer-nogui + poppler-utils + pandoc (apt), run all tests"
	@echo "make lock    rewrite $(LOCK) from the current .venv"

# ---------------------------------------------------------------- environment
env:
	@want="$$( { cat pyproject.toml $(LOCK); $(PYTHON) -c 'import sys; print(sys.version)'; } | sha256sum | cut -c1-32)"; \
	if [ -x "$(VPY)" ] && [ "$$(cat $(STAMP) 2>/dev/null)" = "$$want" ]; then \
	  echo "env: $(VENV) up to date"; \
	else \
	  start=$$(date +%s); \
	  [ -x "$(VPY)" ] || { echo "env: creating $(VENV) with $$($(PYTHON) --version)"; $(PYTHON) -m venv $(VENV); }; \
	  echo "env: installing gxlib[$(EXTRAS)] with -c $(LOCK)"; \
	  $(VPY) -m pip install --disable-pip-version-check -q -c $(LOCK) -e ".[$(EXTRAS)]"; \
	  echo "$$want" > $(STAMP); \
	  echo "env: ready in $$(( $$(date +%s) - start ))s"; \
	fi

lock:
	@[ -x "$(VPY)" ] || { echo "lock: no $(VENV); run make env first" >&2; exit 1; }
	@{ echo "# Pinned versions for gxlib[notebooks,test] on Python 3.11 (pip constraints file: pip install -c requirements.lock -e '.[notebooks,test]')."; \
	   echo "# Regenerate: make lock  (pip freeze --exclude-editable of a venv built from pyproject.toml)."; \
	   $(VPY) -m pip freeze --exclude-editable; } > $(LOCK)
	@echo "lock: wrote $$(grep -vc '^#' $(LOCK)) pins to $(LOCK)"

clean-env:
	rm -rf $(VENV)

# Debian packages for the browser tests and legacy .doc/.wps reading (LibreOffice): as root, else with sudo, else fail with a clear message.
sysdeps:
	@missing=""; \
	[ -x /usr/bin/chromium ] || missing="$$missing chromium"; \
	for pkg in fonts-noto-cjk libreoffice-writer-nogui poppler-utils pandoc; do \
	  dpkg-query -W -f='$${Status}' $$pkg 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$pkg"; \
	done; \
	if [ -z "$$missing" ]; then echo "sysdeps: $(APT_PACKAGES) present"; exit 0; fi; \
	command -v apt-get >/dev/null || { echo "sysdeps: need$$missing but apt-get is not available (Debian/Ubuntu only); install them by hand" >&2; exit 1; }; \
	if [ "$$(id -u)" = 0 ]; then sudo=""; \
	elif command -v sudo >/dev/null; then sudo="sudo"; \
	else echo "sysdeps: need$$missing; run as root or install sudo (apt-get install$$missing)" >&2; exit 1; fi; \
	start=$$(date +%s); \
	echo "sysdeps: installing$$missing"; \
	$$sudo apt-get update -q; \
	DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -q $$missing; \
	echo "sysdeps: installed in $$(( $$(date +%s) - start ))s"

# ---------------------------------------------------------------- run
serve: env
	$(GX) serve --port $(PORT) $(SERVE_ARGS)

# pytest exit code 5 (no test collected) is a failure too.
define run_pytest
	rc=0; $(VPY) -m pytest $(1) || rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "ERROR: pytest collected no tests ($(2))" >&2; fi; \
	exit $$rc
endef

# unit tests + nbval (strict: outputs compared) over notebooks/, 2 workers, one notebook per worker
test-unit: env
	@$(call run_pytest,-n $(PYTEST_WORKERS) --dist loadfile -m "not browser" --nbval --nbval-current-env --nbval-cell-timeout=300 --nbval-sanitize-with nbval-sanitize.cfg tests $(NOTEBOOKS),unit + nbval)

# a real voila + a real chromium, one process (one server for the session)
test-browser: env sysdeps
	@$(call run_pytest,-p no:xdist -m browser tests,browser)

# lint: real errors only (pyproject [tool.ruff.lint])
lint: env
	$(VPY) -m ruff check gxlib tests bench

# all runs always happen; the target fails if any failed
test: env sysdeps
	@rc=0; \
	$(MAKE) --no-print-directory lint || rc=1; \
	$(MAKE) --no-print-directory test-unit || rc=1; \
	$(MAKE) --no-print-directory test-browser || rc=1; \
	if [ $$rc -ne 0 ]; then echo "make test: FAILED (see above)" >&2; fi; \
	exit $$rc

# ---------------------------------------------------------------- bundled demo data
# Regenerate data/demo (reports + built corpus) with the fixed seed the notebooks were executed on.
DEMO_ARGS := --agencies 48 --years 2019-2025 --formats html,text,pdf,docx --seed 2026
demo-data: env
	rm -rf data/demo
	$(GX) demo-data data/demo $(DEMO_ARGS) --workers 2
	$(GX) build data/demo/reports -o data/demo/corpus --workers 2 --no-progress --roster data/demo-roster.csv
	echo "示例数据，非真实报告 — synthetic demo data, not real reports (generated by gx demo-data; see ../manifest.json)" > data/demo/corpus/DEMO

# Re-execute the analyst notebooks on the bundled demo data (their saved outputs are what nbval compares).
notebooks: env
	cd notebooks && for nb in 0*.ipynb; do ../$(VENV)/bin/jupyter nbconvert --to notebook --execute --inplace "$$nb"; done
