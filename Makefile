# CityBrain: the two commands a new user needs are `make demo` and `make test`.
# Both install what is missing first (libzmq3-dev, zlib1g-dev, libjemalloc-dev and pkg-config, through apt).

SWIFT ?= swift
PREFIX ?= /usr/local
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# apt-get's output goes to a log, shown only if it fails: set-up prints one line per step.
APT_LOG := $(or $(TMPDIR),/tmp)/citybrain-apt.log
APT_INSTALL = { $(SUDO) apt-get update -qq >$(APT_LOG) 2>&1 && \
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $(1) >>$(APT_LOG) 2>&1 && echo "  done"; } || \
	{ echo "apt-get failed; its output:" >&2; cat $(APT_LOG) >&2; exit 1; }

.PHONY: demo test test-deps deps build release install clean

## demo: build and run the simulated city through the default pipeline, alerts printed live
demo: deps
	$(SWIFT) build -c release --product citybrain
	.build/release/citybrain demo

## test: build and run every test (the browser test needs Chromium, chromedriver and curl)
test: deps test-deps
	$(SWIFT) test

## test-deps: what only the tests need: headless Chromium and its driver for the page test,
## and schemathesis, pydantic-asyncapi and kubernetes-validate (from PyPI, in a virtual environment
## under .build) for the API, message and Kubernetes manifest contract tests
SCHEMATHESIS_VERSION = 4.32.5
KUBERNETES_VALIDATE_VERSION = 1.37.0
PYDANTIC_ASYNCAPI_VERSION = 0.3.2
JSONSCHEMA_VERSION = 4.26.0
SCHEMATHESIS_VENV = .build/schemathesis-venv
test-deps:
	@if ! command -v chromedriver >/dev/null || ! command -v chromium >/dev/null || ! command -v curl >/dev/null; then \
		echo "installing chromium, chromium-driver and curl with apt-get (for the operations page test)"; \
		$(call APT_INSTALL,chromium chromium-driver curl); \
	fi
	@if ! $(SCHEMATHESIS_VENV)/bin/schemathesis --version 2>/dev/null | grep -q "$(SCHEMATHESIS_VERSION)" || \
		! $(SCHEMATHESIS_VENV)/bin/pip show pydantic-asyncapi 2>/dev/null | grep -q "Version: $(PYDANTIC_ASYNCAPI_VERSION)" || \
		! $(SCHEMATHESIS_VENV)/bin/pip show jsonschema 2>/dev/null | grep -q "Version: $(JSONSCHEMA_VERSION)" || \
		! $(SCHEMATHESIS_VENV)/bin/pip show kubernetes-validate 2>/dev/null | grep -q "Version: $(KUBERNETES_VALIDATE_VERSION)"; then \
		if ! python3 -m venv --help >/dev/null 2>&1 || ! python3 -c "import ensurepip" 2>/dev/null; then \
			echo "installing python3-venv with apt-get (for the API contract test)"; \
			$(call APT_INSTALL,python3 python3-venv); \
		fi; \
		echo "installing schemathesis $(SCHEMATHESIS_VERSION), pydantic-asyncapi $(PYDANTIC_ASYNCAPI_VERSION), jsonschema $(JSONSCHEMA_VERSION) and kubernetes-validate $(KUBERNETES_VALIDATE_VERSION) from PyPI into $(SCHEMATHESIS_VENV)"; \
		rm -rf $(SCHEMATHESIS_VENV) && python3 -m venv $(SCHEMATHESIS_VENV) && \
			$(SCHEMATHESIS_VENV)/bin/pip install -q "schemathesis==$(SCHEMATHESIS_VERSION)" "pydantic-asyncapi==$(PYDANTIC_ASYNCAPI_VERSION)" \
				"jsonschema==$(JSONSCHEMA_VERSION)" "kubernetes-validate==$(KUBERNETES_VALIDATE_VERSION)"; \
	fi

## deps: install the system libraries CityBrain needs, if they are missing
deps:
	@command -v $(SWIFT) >/dev/null || { echo "Swift 6.1 or newer is required (https://www.swift.org/install/)" >&2; exit 1; }
	@if ! command -v pkg-config >/dev/null || ! pkg-config --exists libzmq zlib jemalloc; then \
		echo "installing libzmq3-dev, zlib1g-dev, libjemalloc-dev and pkg-config with apt-get"; \
		$(call APT_INSTALL,libzmq3-dev zlib1g-dev libjemalloc-dev pkg-config); \
	fi

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release --product citybrain

## install: the binary, the default pipeline and the systemd unit (see docs/operations.md)
install: release
	$(SUDO) install -D -m 0755 .build/release/citybrain $(DESTDIR)$(PREFIX)/bin/citybrain
	$(SUDO) install -D -m 0644 Pipelines/city.yaml $(DESTDIR)/etc/citybrain/city.yaml
	[ -e $(DESTDIR)/etc/citybrain/citybrain.env ] || $(SUDO) install -D -m 0644 deploy/citybrain.env $(DESTDIR)/etc/citybrain/citybrain.env
	$(SUDO) install -D -m 0644 deploy/citybrain.service $(DESTDIR)/etc/systemd/system/citybrain.service

clean:
	rm -rf .build
