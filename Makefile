# The front door: each target is one call into nox (noxfile.py), run from the .venv that
# `make venv` builds. Arguments for a session: make integration ARGS='ams_config -v'.
SHELL := /bin/bash
VENV ?= $(CURDIR)/.venv
export VENV
NOX = $(VENV)/bin/python -m nox --no-color
SESSIONS := sanity units integration simulator e2e e2e-real-ams tooling lint docs bench demo test

.PHONY: help venv clean $(SESSIONS)

help:
	@echo "make venv           .venv with ansible-core, nox and the test tools (instant when up to date)"
	@echo "make test           everything CI checks, in parallel lanes; last line: N passed, N failed, N skipped"
	@echo "make demo           the example playbook against a fresh simulator, twice (the rerun changes nothing)"
	@echo "make bench          every benchmark; fails naming each that missed its goal"
	@echo "make SESSION        one nox session: $(SESSIONS)"
	@echo "                    (make integration ARGS='ams_config -v'; nox -l says what each does)"

venv:
	@python3 hacking/ams_tooling.py venv

$(SESSIONS): venv
	@$(NOX) -s $@ $(if $(ARGS),-- $(ARGS))

clean:
	@python3 hacking/ams_tooling.py clean
