# The two set-up commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PDF_STAMP := $(VENV)/.pdf-installed
# Debian libraries WeasyPrint (the `pdf` extra) loads at run time, and a font with French glyphs.
PDF_DEBS := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 fonts-dejavu-core

# Programs the tests start on 127.0.0.1 with temporary directories (real engines and a browser,
# never mocks): Debian's packages, installed only when missing. LibreOffice Calc opens the
# catalog's workbook headless (about 40 MB to download, 32 s to install on the shared machine).
TEST_DEBS := prometheus victoria-metrics prometheus-alertmanager chromium libreoffice-calc
TEST_DEBS_STAMP := $(VENV)/.test-debs

.PHONY: run test check lint typecheck imports pytest pdf-deps test-deps bench deadcode screenshots clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

# PDF reports: the Debian libraries (apt-get, only those missing) and the extra in the venv.
$(PDF_STAMP): $(STAMP)
	@missing=""; for deb in $(PDF_DEBS); do dpkg -s $$deb >/dev/null 2>&1 || missing="$$missing $$deb"; done; \
	if [ -n "$$missing" ]; then echo "apt-get install$$missing"; apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing; fi
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev,pdf]'
	touch $(PDF_STAMP)

pdf-deps: $(PDF_STAMP)

$(TEST_DEBS_STAMP): $(STAMP) Makefile
	@missing=""; for deb in $(TEST_DEBS); do dpkg -s $$deb >/dev/null 2>&1 || missing="$$missing $$deb"; done; \
	if [ -n "$$missing" ]; then echo "apt-get install$$missing"; apt-get update -qq && \
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; fi
	touch $(TEST_DEBS_STAMP)

test-deps: $(TEST_DEBS_STAMP)

run: $(STAMP)
	$(BIN)/vigie demo

check: lint typecheck imports

lint: $(STAMP)
	$(BIN)/ruff check vigie tests bench
	$(BIN)/ruff format --check vigie tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

# The import contracts of pyproject.toml ([tool.importlinter]).
imports: $(STAMP)
	$(BIN)/lint-imports

pytest: $(STAMP) $(PDF_STAMP) $(TEST_DEBS_STAMP)
	$(BIN)/pytest -n 2 -q

test: check pytest

# From the repo root with it on the path: a bench may build its data with the tests' helpers.
bench: $(STAMP)
	for f in bench/*.py; do PYTHONPATH=. $(BIN)/python $$f || exit 1; done

# Unused code as vulture sees it ([tool.vulture] in pyproject.toml); a report, not a gate.
deadcode: $(STAMP)
	$(BIN)/vulture

# The PNGs of docs/ (console tabs, monthly report): needs chromium (apt-get install -y chromium).
screenshots: $(STAMP)
	$(BIN)/python docs/make_screenshots.py

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
