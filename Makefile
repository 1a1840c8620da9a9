# Two entry points for a fresh Debian machine: `make demo` and `make test`.
# As root they install the Debian packages the PDFs need; otherwise they say what to install.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
DEB_PACKAGES := fonts-noto-cjk fonts-dejavu-core fontconfig libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0 poppler-utils
SAMPLE ?= samples/industrial-conditional.json

.PHONY: demo test setup system-packages postgres-server browser lint bench clean

demo: setup
	@echo "== admit check $(SAMPLE)"
	@$(BIN)/admit check --as-of 2026-11-21 $(SAMPLE); echo "(exit code $$?: 0 approve, 1 reject, 3 conditional, 2 invalid)"
	@echo "== admit check --json $(SAMPLE)"
	@$(BIN)/admit check --json --as-of 2026-11-21 $(SAMPLE); echo "(exit code $$?)"

test: setup
	$(BIN)/ruff check admission tests bench
	$(BIN)/mypy
	$(BIN)/python -m pytest -q
	MALLOC_PERTURB_=165 $(BIN)/python -m pytest -q tests/test_engine_properties.py

setup: system-packages postgres-server browser $(BIN)/.installed

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

system-packages:
	@missing=$$(for p in $(DEB_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then \
		echo "== installing Debian packages: $$missing"; \
		apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing >/dev/null; \
	else \
		echo "Missing Debian packages (PDF output needs them): $$missing"; \
		echo "Install them with: sudo apt-get install $$missing"; \
	fi

# The ledger tests start a real PostgreSQL server (initdb, pg_ctl) on loopback: never skipped.
postgres-server:
	@if command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then \
		echo "== installing Debian package: postgresql (server binaries for the ledger tests)"; \
		apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends postgresql >/dev/null; \
	else \
		echo "The ledger tests need the PostgreSQL server binaries: sudo apt-get install postgresql"; \
	fi

# The browser tests drive Debian's Chromium through Playwright (never a downloaded browser).
browser:
	@if command -v chromium >/dev/null 2>&1; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then \
		echo "== installing Debian package: chromium (for the browser tests)"; \
		apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium >/dev/null; \
	else \
		echo "The browser tests need Chromium: sudo apt-get install chromium"; \
	fi

lint: setup
	$(BIN)/ruff check admission tests bench
	$(BIN)/mypy

bench: setup
	$(BIN)/python bench/check.py

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache .hypothesis
