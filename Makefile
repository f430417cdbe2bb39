# pulumi-orderapi — build, generate, test, demo.
#   make demo   deploy examples/yaml to an embedded AWS emulator (moto) and print the stack outputs
#   make test   everything CI runs: fmt, clippy, unit + resource + protocol tests, drift checks, end-to-end
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

export ORDERAPI_CACHE ?= $(HOME)/.cache/pulumi-orderapi
export CARGO_TARGET_DIR ?= $(ORDERAPI_CACHE)/target
export CARGO_INCREMENTAL ?= 0
PULUMI_BIN := $(ORDERAPI_CACHE)/pulumi-v3.274.1/bin
MOTO_VENV := $(ORDERAPI_CACHE)/moto-5.2.5
export ORDERAPI_MOTO_SERVER := $(MOTO_VENV)/bin/moto_server
PROVIDER_DIR := $(CARGO_TARGET_DIR)/debug
export PATH := $(PROVIDER_DIR):$(PULUMI_BIN):$(PATH)

.PHONY: tools build schema proto check-proto lint unit e2e test demo demo-destroy dist clean coverage sdks check-sdks sdk-compile chaos chaos-fast bench bench-start

tools:
	bash scripts/tools.sh all

build:
	cargo build -p pulumi-resource-orderapi

proto:
	cd tools/protoexport && go run . -out ../../proto

# Fails when the vendored protos differ from what the exporter produces.
check-proto:
	tmp=$$(mktemp -d) && (cd tools/protoexport && go run . -out $$tmp) && diff -r $$tmp proto --exclude=README.md && rm -rf $$tmp

schema: build
	$(PROVIDER_DIR)/pulumi-resource-orderapi --print-schema > schema.json

# SDKs for nodejs, python and go, generated from schema.json by Pulumi's own code generators (tools/sdkgen).
sdks:
	cd tools/sdkgen && go run . -schema ../../schema.json -out ../../sdk

# Fails when sdk/ differs from what schema.json generates.
check-sdks:
	tmp=$$(mktemp -d) && (cd tools/sdkgen && go run . -schema ../../schema.json -out $$tmp >/dev/null) && \
	  for l in nodejs python go; do diff -r $$tmp/$$l sdk/$$l || { echo "sdk/$$l is out of date with schema.json: run make sdks"; exit 1; }; done && rm -rf $$tmp

# Compiles the generated SDKs: tsc --strict, a Python wheel imported, go build + go vet.
sdk-compile: tools
	bash scripts/check-sdks-compile.sh

lint:
	cargo fmt --all -- --check
	cargo clippy --all-targets -- -D warnings

unit: tools
	cargo test -p pulumi-resource-orderapi

e2e: tools build
	$(MOTO_VENV)/bin/python -m pytest tests/e2e

test: lint check-proto check-sdks unit sdk-compile e2e chaos-fast

# Chaos suite (tests/chaos/README.md): the platform deployed through a fault-injecting proxy -- 10 % and 30 % faults
# x 5 seeds, SIGKILL of the provider at >= 20 points of an up and 4 of a destroy -- audited with boto3, then a
# summary table. CHAOS_MATRIX=fast runs the quick slice. Call logs and command outputs of every scenario are kept in
# $(ORDERAPI_CACHE)/chaos/run-<time>/, the results in run-<time>.jsonl.
chaos: tools build
	run=$(ORDERAPI_CACHE)/chaos/run-$$(date +%Y%m%d-%H%M%S) && mkdir -p $$run && \
	CHAOS_MATRIX=$${CHAOS_MATRIX:-full} CHAOS_RESULTS=$${CHAOS_RESULTS:-$$run.jsonl} \
	  $(MOTO_VENV)/bin/python -m pytest tests/chaos --basetemp=$$run

# The chaos suite's fast slice (part of `make test`): proxy and auditor unit tests, one platform `up` with 10 %
# faults of every kind, one SIGKILL of the provider mid-`up`.
chaos-fast: tools build
	$(MOTO_VENV)/bin/python -m pytest tests/chaos

demo: tools build
	bash scripts/demo.sh up

demo-destroy: tools build
	bash scripts/demo.sh destroy

# Line coverage with every test (moto-backed ones included); fails when platform/ or rpc/value.rs is not 100%.
coverage: tools
	bash scripts/coverage.sh

clean:
	rm -rf $(CARGO_TARGET_DIR)

# The release binary and pulumi-resource-orderapi-v<version>-linux-amd64.tar.gz under dist/, and the SDK packages:
# orderapi-pulumi-orderapi-<version>.tgz (npm, compiled JS), pulumi_orderapi-<version>-py3-none-any.whl + .tar.gz.
dist:
	cargo build --release -p pulumi-resource-orderapi
	bash scripts/dist.sh $(CARGO_TARGET_DIR)/release/pulumi-resource-orderapi dist
	bash scripts/dist-sdks.sh dist

# Deploy-time benchmark (bench/README.md): examples/yaml up + destroy through the chaos proxy, plain / AWS-like latency
# / latency + the emulator's timing model; children wall time vs the critical path of the dependency graph, AWS
# calls, the predicted real-AWS critical path. Results: $(ORDERAPI_CACHE)/bench/deploy-<time>.json.
bench: tools build
	$(MOTO_VENV)/bin/python -m pytest -q -p no:cacheprovider bench/test_critical_path.py
	$(MOTO_VENV)/bin/python bench/deploy.py

# Plugin start-up: exec of the release binary to its port printed, and idle memory (bench/plugin_start.py).
bench-start: dist
	python3 bench/plugin_start.py $(CARGO_TARGET_DIR)/release/pulumi-resource-orderapi 20
