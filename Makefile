# knitgraph: `make demo` (install, start, run the spam detection example, print its lineage and metrics)
# and `make test`.
# Everything a fresh clone needs is installed here: Debian packages, the Python environment,
# and (on first use) Neo4j's jars from Maven Central.

VENV ?= .venv
PYTHON := $(VENV)/bin/python
BIN := $(VENV)/bin
APT_PACKAGES := openssl openjdk-17-jre-headless maven bubblewrap podman runc fuse-overlayfs uidmap busybox-static graphviz mmdebstrap debian-archive-keyring
SYSTEM_COMMANDS := openssl java mvn bwrap podman runc busybox dot mmdebstrap

.PHONY: install system-deps neo4j k8s-testbed lint test demo bench clean-demo

install: system-deps $(VENV)/.installed

system-deps:
	@missing=""; for c in $(SYSTEM_COMMANDS); do command -v $$c >/dev/null || missing="$$missing $$c"; done; \
	if [ -n "$$missing" ]; then \
		echo "[make] installing Debian packages for:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(APT_PACKAGES); \
	fi

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PYTHON) -m pip install -q --upgrade pip
	$(PYTHON) -m pip install -q -e '.[test,examples]'
	touch $@

neo4j: install
	$(BIN)/knitgraph neo4j install

# The Kubernetes tests' cluster binaries (kube-apiserver, kube-controller-manager, kube-scheduler,
# etcd, kwok, helm), built from Go modules once per machine into ~/.cache/knitgraph/k8s
# (about 11 minutes on 2 cores the first time; nothing afterwards). Needs Go and openssl.
k8s-testbed:
	@bash k8s/testbed/build.sh >/dev/null

# mypy checks the installed package knitgraph.*; the source folders map onto it (pyproject's
# package-dir), so a tree of links under .typecheck/ lets mypy resolve every module by its real name.
LINKED := archive cli executors graph_schema k8s server
lint: install
	@mkdir -p .typecheck/knitgraph && for d in $(LINKED); do ln -sfn ../../$$d .typecheck/knitgraph/$$d; done
	$(BIN)/ruff check .
	cd .typecheck && ../$(BIN)/mypy --config-file ../pyproject.toml -p knitgraph

test: install lint neo4j k8s-testbed
	$(PYTHON) -m pytest

demo: install
	PATH="$(abspath $(BIN)):$$PATH" bash examples/demo.sh

bench: install neo4j
	$(PYTHON) -m bench

clean-demo:
	PATH="$(abspath $(BIN)):$$PATH" knitgraph down
