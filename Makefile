# Kube Workbench: `make demo` runs the product on the sandbox; `make test` installs what the tests
# need into .venv and runs lint + tests.
VENV ?= .venv
PYTHON ?= python3
BIN := $(abspath $(VENV))/bin
export PATH := $(BIN):$(PATH)

.PHONY: install demo test lint unit frontend bench screenshots clean

# The JupyterLab extension (TypeScript). Built before the Python install, which ships it: npm ci from the
# committed lock, then `jupyter-builder build` (Node 20). The pip build hook skips a built extension.
EXT := extensions/kube-workbench
LABEXT := $(EXT)/labextension/static/style.js
EXT_SOURCES := $(EXT)/package.json $(EXT)/tsconfig.json $(wildcard $(EXT)/src/*.ts $(EXT)/src/*.tsx $(EXT)/style/* $(EXT)/schema/*)

$(EXT)/node_modules/.ci: $(EXT)/package-lock.json
	@command -v npm >/dev/null || { echo "Node.js 20 and npm are needed to build the JupyterLab extension"; exit 1; }
	cd $(EXT) && npm ci --no-audit --no-fund
	touch $@

$(LABEXT): $(EXT)/node_modules/.ci $(EXT_SOURCES)
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is needed: set PYTHON=python3.11")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	test -x $(BIN)/jupyter-builder || $(BIN)/python -m pip install -q 'jupyter-builder>=1.3'
	cd $(EXT) && npm run build:prod

$(VENV)/.installed: pyproject.toml $(LABEXT)
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is needed: set PYTHON=python3.11")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	@# The browser tests drive Debian's chromium through playwright (which cannot download browsers here).
	@command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update && apt-get install -y chromium; \
	  else echo "NOTE: the browser tests need Debian's chromium and will be skipped without it:" \
	    "run 'sudo apt-get install -y chromium' (or make install as root)"; fi; }
	touch $@

install: $(VENV)/.installed

demo: install
	workbench demo

lint: install
	ruff check workbench tests bench tools
	ruff format --check workbench tests bench tools
	mypy
	lint-imports

unit: install
	pytest -q -p no:cacheprovider

frontend: install  # the extension's unit tests (chat and plan-card state) and its type check
	cd $(EXT) && npm test

test: lint unit frontend

bench: install
	python bench/sandbox_lists.py --pods 150000 --nodes 5000
	python bench/control_plane.py --pods 150000 --nodes 5000 --rollouts 20
	python bench/frames_pull.py --sizes 10000,50000,150000 --client-max 50000
	python bench/analysis.py --pods 150000
	python bench/figures.py --sizes 10000,50000,150000

screenshots: install  # refresh the README's pictures from a real JupyterLab in headless chromium
	WORKBENCH_SCREENSHOTS=1 pytest -q -p no:cacheprovider tests/browser

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache $(EXT)/node_modules $(EXT)/lib $(EXT)/labextension $(EXT)/tsconfig.tsbuildinfo
