# greenstat: the two commands a newcomer needs are `make demo` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
export GREENSTAT_HOME ?= $(CURDIR)/data

.PHONY: install demo test lint dev bench lock clean

install: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "greenstat needs Python 3.11, found " + sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $(STAMP)

demo: install   ## materialise every asset on the embedded data and build the site
	$(BIN)/greenstat run

test: install   ## the whole test suite
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

dev: install    ## Dagster UI on http://127.0.0.1:3000 (loopback only)
	$(BIN)/greenstat dev

bench: install
	$(BIN)/python -m bench.run

lock:           ## re-resolve the pinned set from pyproject (needs the package registry)
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet -e '.[dev]'
	( echo '# Pinned dependency set (pip freeze format, versions only). Regenerate: make lock'; \
	  .lock-venv/bin/pip freeze --exclude-editable ) > requirements.lock
	rm -rf .lock-venv

clean:
	rm -rf $(VENV) build *.egg-info
