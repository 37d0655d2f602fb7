# Entry points for developers and CI. `make test` runs everything CI checks; each target
# is a thin call into hacking/, where every script says what it does.
SHELL := /bin/bash
VENV ?= $(CURDIR)/.venv
export VENV

.PHONY: help venv sanity units integration simulator-tests pytest-e2e tooling-tests lint bench demo test clean

help:
	@echo "make venv             .venv with ansible-core and the test tools (instant when up to date)"
	@echo "make sanity           ansible-test sanity on every Python 3.9-3.13 found (no ignore files)"
	@echo "make units            ansible-test units (tests/unit)"
	@echo "make integration      ansible-test integration against the AMS simulator (or AMS_URL & co)"
	@echo "make simulator-tests  pytest tests/simulator"
	@echo "make pytest-e2e       pytest tests/e2e, when it exists"
	@echo "make tooling-tests    pytest hacking/tests (this tooling's own tests)"
	@echo "make lint             changelog, docs, ansible-lint, collection build/install, ansible-doc"
	@echo "make bench            every benchmark listed in hacking/benchmarks.txt"
	@echo "make demo             hacking/demo.sh"
	@echo "make test             all of the above but bench and demo; last line: N passed, N failed"

venv:
	@hacking/make_venv.sh

sanity: venv
	hacking/sanity.sh

units: venv
	hacking/units.sh

integration: venv
	hacking/integration.sh

simulator-tests: venv
	hacking/pytest_suite.sh simulator-tests tests/simulator

pytest-e2e: venv
	hacking/pytest_suite.sh pytest-e2e tests/e2e

tooling-tests: venv
	hacking/pytest_suite.sh tooling-tests hacking/tests

lint: venv
	hacking/lint.sh

bench: venv
	hacking/bench.sh

demo: venv
	hacking/demo.sh

test: venv
	hacking/test_all.sh

clean:
	rm -rf build tests/output "$$(hacking/copy_root.sh)"
