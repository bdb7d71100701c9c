# knitgraph: `make demo` (install, start, run the spam detection example, print its lineage and metrics)
# and `make test`.
# Everything a fresh clone needs is installed here: Debian packages, the Python environment,
# and (on first use) Neo4j's jars from Maven Central.

VENV ?= .venv
PYTHON := $(VENV)/bin/python
BIN := $(VENV)/bin
APT_PACKAGES := openjdk-17-jre-headless maven bubblewrap podman runc fuse-overlayfs uidmap busybox-static graphviz mmdebstrap debian-archive-keyring
SYSTEM_COMMANDS := java mvn bwrap podman runc busybox dot mmdebstrap

.PHONY: install system-deps neo4j test demo bench clean-demo

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

test: install neo4j
	$(PYTHON) -m pytest

demo: install
	PATH="$(abspath $(BIN)):$$PATH" bash examples/demo.sh

bench: install neo4j
	$(PYTHON) -m bench

clean-demo:
	PATH="$(abspath $(BIN)):$$PATH" knitgraph down
