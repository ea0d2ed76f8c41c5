# Sluice. `make help` lists the targets; infra/README.md says what the scripts do.

SHELL := /bin/bash
.DEFAULT_GOAL := help

# The toolchain lives in /opt/swift on the project's machines, not always on PATH.
SWIFT_BIN_DIR ?= /opt/swift/usr/bin
ifeq ($(shell command -v swift 2>/dev/null),)
export PATH := $(SWIFT_BIN_DIR):$(PATH)
endif
SWIFT ?= swift
# release for `make run`; `make test` runs it on the debug build it has already made.
CONFIGURATION ?= release
BIN = .build/$(CONFIGURATION)
# What `make run` submits: the seed request, shipped in the repository.
SEED_SAMPLE = infra/examples/seed-sample.json

GATEWAY_URL = http://127.0.0.1:$${SLUICE_HTTP_PORT:-58080}
API_KEY_FILE = .sluice/api-key

# Prefix for a recipe line that needs the stack's variables (SLUICE_AMQP_URL, ...).
WITH_STACK_ENV = eval "$$(infra/stack.sh env)" &&

.PHONY: help install build stack stack-stop run stop test bench bench-pipeline bench-small-jobs bench-end-to-end bench-data-path bench-normalize bench-spark bench-cluster clean distclean

help: ## this list
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-11s %s\n", $$1, $$2}'

install: ## install what is missing (Debian packages, .sluice/venv)
	infra/install.sh

build: install ## swift build -c release
	$(SWIFT) build -c $(CONFIGURATION)

stack: install ## start the project's RabbitMQ and PostgreSQL (.sluice/)
	infra/stack.sh start

stack-stop: ## stop them
	infra/stack.sh stop

run: install stack build ## start the stack and the five services, submit the seed sample through the gateway, print its summary
	$(WITH_STACK_ENV) $(BIN)/sluice migrate
	$(WITH_STACK_ENV) $(BIN)/sluice topology
	@# The gateway wants an API key: one for this machine, made once, kept in .sluice/api-key (mode 600).
	@test -s $(API_KEY_FILE) || { umask 077 && $(WITH_STACK_ENV) $(BIN)/sluice keys create "local-$$(date +%Y%m%d-%H%M%S)" > $(API_KEY_FILE).new && mv $(API_KEY_FILE).new $(API_KEY_FILE); }
	SLUICE_BIN_DIR=$(BIN) infra/services.sh start
	@echo "== the seed sample, through the gateway (sluice submit $(SEED_SAMPLE) --wait):"
	SLUICE_API_KEY=$$(cat $(API_KEY_FILE)) SLUICE_GATEWAY_URL=$(GATEWAY_URL) $(BIN)/sluice submit $(SEED_SAMPLE) --wait --timeout 120
	@infra/stack.sh status
	@infra/services.sh status
	@echo "== running: the gateway on $(GATEWAY_URL), API key $$(cat $(API_KEY_FILE)) (also in $(API_KEY_FILE))"
	@echo "   try: export SLUICE_API_KEY=$$(cat $(API_KEY_FILE)); $(BIN)/sluice jobs"
	@echo "   logs in .sluice/logs; 'make stop' stops everything"

stop: ## stop everything `make run` started
	infra/services.sh stop
	infra/stack.sh stop

test: ## install, start the stack, run every test, stop the stack
	infra/test.sh

bench: install stack ## AMQP benchmark against the stack (infra/bench-amqp.sh)
	infra/bench-amqp.sh

bench-pipeline: ## job latency over HTTP vs the Celery peer, after `make run` (infra/bench-pipeline.sh)
	SLUICE_API_KEY=$$(cat $(API_KEY_FILE)) infra/bench-pipeline.sh

bench-small-jobs: ## 5-record jobs per second, Spark batching on and off, 1 and 2 spark-runners, vs the Celery peer, after `make run` (infra/bench-small-jobs.sh)
	SLUICE_API_KEY=$$(cat $(API_KEY_FILE)) infra/bench-small-jobs.sh

bench-end-to-end: ## whole jobs by size, split by stage, with peak memory per service, after `make run` (infra/bench-end-to-end.sh [--large])
	SLUICE_API_KEY=$$(cat $(API_KEY_FILE)) infra/bench-end-to-end.sh $(ARGS)

bench-data-path: ## Sluice end to end vs Spark alone and numpy on the same CSVs (10^5-10^7), ratios by stage, after `make run` (infra/bench/data_path.py)
	SLUICE_API_KEY=$$(cat $(API_KEY_FILE)) infra/bench-end-to-end.sh --peers $(ARGS)

bench-normalize: install ## the normalizer's CPU path vs numpy and the triad bandwidth, GPU where present (infra/bench-normalize.sh)
	infra/bench-normalize.sh

bench-spark: install ## the RDD and DataFrame pipelines by input size on a warm session, and a cold start (infra/bench-spark.sh)
	infra/bench-spark.sh

bench-cluster: build ## scaling over 1-4 worker test hosts: a 10^7-record job's Spark stage, 5-record jobs/s (root; infra/bench/cluster_scaling.py [ARGS=...])
	SLUICE_BIN_DIR=$(BIN) .sluice/venv/bin/python infra/bench/cluster_scaling.py --json .sluice/bench-cluster.json $(ARGS)

clean: ## remove build products (keeps the stack's data)
	$(SWIFT) package clean

distclean: stack-stop ## stop the stack and remove .build and .sluice (databases included)
	rm -rf .build .sluice
