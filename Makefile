# Example Shoppe: `make run` serves the demo site, `make test` runs the whole suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: setup catalogues prepare run test test-slow bench bench-device load ops-scale worker clean

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	# torch first, pinned to the CPU build, so nothing pulls a CUDA build
	$(VENV)/bin/pip install --quiet torch==2.13.0
	$(VENV)/bin/pip install --quiet -r requirements.txt
	touch $@

setup: $(VENV)/.installed

# The translation catalogues (.po -> .mo) compiled in Python (polib): no gettext tools needed
catalogues: setup
	$(PY) manage.py compile_catalogues -v0

prepare: catalogues
	$(PY) manage.py migrate --noinput -v0
	$(PY) manage.py load_demo
	$(PY) manage.py build_index
	$(PY) manage.py train_router --if-stale

# Serves as soon as the database is ready; the server itself builds the help-centre index
# and trains the router if they are missing or stale (a fresh clone), and the chat answers
# once they are loaded (/healthz 200). Messages sent before that are kept and answered then.
run: catalogues
	$(PY) manage.py migrate --noinput -v0
	$(PY) manage.py load_demo
	@echo "Serving Example Shoppe on http://$(HOST):$(PORT)/ (the chat answers once the assistant is ready: /healthz)"
	$(VENV)/bin/daphne -b $(HOST) -p $(PORT) shoppe.asgi:application

# Two test processes (pytest-xdist), each module whole in one of them: one process kept a 2-core machine about half
# idle (browsers, servers and sockets waiting). TEST_PROCESSES=1 runs the suite in one.
TEST_PROCESSES ?= 2
TEST_SPLIT = $(if $(filter 1,$(TEST_PROCESSES)),,-n $(TEST_PROCESSES) --dist loadfile)

test: catalogues
	SHOPPE_DATA_DIR=$(CURDIR)/.data/test $(PY) -m pytest $(TEST_SPLIT) $(PYTEST_ARGS)

# The whole suite plus the slow drills left out of `make test` (a fresh clone's start-up).
test-slow: catalogues
	SHOPPE_SLOW_TESTS=1 SHOPPE_DATA_DIR=$(CURDIR)/.data/test $(PY) -m pytest $(TEST_SPLIT) $(PYTEST_ARGS)

# The measuring tools live in tools/ (not an installed app, not part of the product).
bench: prepare
	$(PY) -m tools.bench

# The device assistant in headless Chromium: download size, load time, decision latency (CPU x1 and x4),
# share answered on the device. Needs chromium (apt-get install chromium) and playwright.
bench-device: prepare
	$(PY) -m tools.bench_device $(BENCH_DEVICE_ARGS)

# Load the chat: starts its own daphne (embedded mode unless DATABASE_URL/REDIS_URL are
# set), 500 connections, 100 routine messages/s for 60 s, then checks every message in
# the database. Production: DATABASE_URL=... REDIS_URL=... make load LOAD_SERVERS=2 LOAD_ARGS="--idle 2000"
LOAD_SERVERS ?= 1
LOAD_ARGS ?=
load: prepare
	$(PY) -m tools.chat_load --serve $(LOAD_SERVERS) --connections 500 --rate 100 --duration 60 $(LOAD_ARGS)

# The ops pages at scale, on PostgreSQL only: DATABASE_URL=... make ops-scale [OPS_SCALE_ARGS="--clear --repeat 3"]
OPS_SCALE_ARGS ?=
ops-scale: catalogues
	$(PY) manage.py migrate --noinput -v0
	$(PY) -m tools.ops_scale $(OPS_SCALE_ARGS)

worker: setup
	$(VENV)/bin/celery -A shoppe worker --loglevel=INFO

clean:
	rm -rf .data
