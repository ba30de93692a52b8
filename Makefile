# The README's two commands: `make demo` and `make test`. Everything else is optional.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_DB := $(CURDIR)/.demo/demo.sqlite3

.PHONY: demo test lint typecheck unit stress docs bench clean

$(STAMP): pyproject.toml Makefile
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,postgres,interop]'
	touch $(STAMP)

demo: $(STAMP)
	rm -rf .demo && mkdir -p .demo && chmod 700 .demo
	$(BIN)/cervix-watch --db $(DEMO_DB) demo

lint: $(STAMP)
	$(BIN)/ruff check src tests data bench
	$(BIN)/ruff format --check src tests data bench

typecheck: $(STAMP)
	$(BIN)/mypy src

# PYTHONDONTWRITEBYTECODE is emptied (Python reads an empty value as unset) for the suite
# only: a run starts some 575 Python processes, which then compile the sources (and the
# workers the rewritten tests) once and keep them (__pycache__, ignored by git), instead of
# again in every process (docs/testing.md).
unit: $(STAMP)
	PYTHONDONTWRITEBYTECODE= $(BIN)/pytest -q -n auto --dist loadfile --no-loadscope-reorder

# mypy (one process, ~35 s of CPU on a clean clone) runs beside the tests, on the CPU they
# leave idle while their DICOM and PostgreSQL tests wait; its report follows theirs, and
# either failing fails `make test`.
test: lint $(STAMP)
	@$(BIN)/mypy src > $(VENV)/mypy.out 2>&1 & typing=$$!; \
	$(MAKE) --no-print-directory unit; tests=$$?; \
	wait $$typing; typed=$$?; echo "$(BIN)/mypy src"; cat $(VENV)/mypy.out; \
	[ $$tests -eq 0 ] && [ $$typed -eq 0 ]

# Load tests left out of `make test` (4 processes x 250 `scan add` per backend, ~15 min).
stress: $(STAMP)
	$(BIN)/pytest -q -s -m stress

docs: $(STAMP)
	$(BIN)/python -m cervix_watch.domain.history src/cervix_watch/domain/patient_options.py
	$(BIN)/python -m cervix_watch.cli.reference docs/reference
	$(BIN)/python -m cervix_watch.report.rules_doc docs/clinical-rules.md
	$(BIN)/python -m tests.guide_captures docs/user-guide.md

# `make bench BASELINE=` leaves the before/after comparison out (docs/performance.md)
BASELINE ?= 437b9db
bench: $(STAMP)
	$(BIN)/python bench/run.py --write-docs $(if $(BASELINE),--baseline $(BASELINE))

clean:
	rm -rf $(VENV) .demo .pytest_cache .mypy_cache .ruff_cache
