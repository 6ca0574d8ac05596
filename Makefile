# Example Shoppe: `make run` serves the demo site, `make test` runs the whole suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: setup prepare run test bench worker clean

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	# torch first, pinned to the CPU build, so nothing pulls a CUDA build
	$(VENV)/bin/pip install --quiet torch==2.13.0
	$(VENV)/bin/pip install --quiet -r requirements.txt
	touch $@

setup: $(VENV)/.installed

prepare: setup
	$(PY) manage.py migrate --noinput -v0
	$(PY) manage.py load_demo
	$(PY) manage.py build_index
	$(PY) manage.py train_router --if-stale

run: prepare
	@echo "Serving Example Shoppe on http://$(HOST):$(PORT)/"
	$(VENV)/bin/daphne -b $(HOST) -p $(PORT) shoppe.asgi:application

test: setup
	SHOPPE_DATA_DIR=$(CURDIR)/.data/test $(PY) -m pytest $(PYTEST_ARGS)

bench: prepare
	$(PY) manage.py bench_router

worker: setup
	$(VENV)/bin/celery -A shoppe worker --loglevel=INFO

clean:
	rm -rf .data
