# Pixbench — the two commands a person needs:
#   make run    install what is missing, build, and open the app on the Sandbox
#   make test   every test: unit, loopback, SDK contract, mock runtime, Vitest, end to end
SHELL := /bin/bash
.DEFAULT_GOAL := help
APP := target/debug/pixbench-desktop
TAURI_DRIVER_VERSION := 2.1.0
CARGO ?= cargo

.PHONY: help deps deps-test ui build run test test-lint test-rust test-bindings test-ui test-sdk test-e2e test-flaky test-deb bench bench-app tauri-driver deb deb-debug clean-e2e soak

help:
	@echo "make run     build and start Pixbench (Sandbox: offline, no key needed)"
	@echo "make build   build the UI and the desktop binary (debug)"
	@echo "make test    run every test suite"
	@echo "make bench   run the benchmarks and print their figures"
	@echo "make deb     build the release .deb (target/release/bundle/deb/)"
	@echo "make test-deb  install that .deb with apt and drive the installed app once"
	@echo "make test-flaky  run the timing-sensitive Rust suites $(FLAKY_RUNS) times in a row"
	@echo "make soak    2,000 runs with random faults, cancels and kills; the ledger must equal the charges"

deps:
	@scripts/deps.sh build

deps-test:
	@scripts/deps.sh test

ui/node_modules/.package-lock.json: ui/package-lock.json
	cd ui && npm ci --no-audit --no-fund
	@touch $@

tests/e2e/node_modules/.package-lock.json: tests/e2e/package-lock.json
	cd tests/e2e && npm ci --no-audit --no-fund
	@touch $@

ui: ui/node_modules/.package-lock.json
	cd ui && npm run build

build: deps ui
	$(CARGO) build -p pixbench-desktop -p pixapi-sim -p pixbench-cli

run: build
	./$(APP)

# ---- tests ----
test: deps-test ui
	$(MAKE) test-lint
	$(MAKE) test-rust
	$(MAKE) test-bindings
	$(MAKE) test-ui
	$(MAKE) test-sdk
	$(MAKE) test-e2e
	@echo "make test: all suites passed"

# Gates: the Rust code is rustfmt-clean (rustfmt.toml) and clippy-clean with warnings as
# errors, its docs build without a warning, and no module of a crate imports one that
# imports it back; the UI code is Prettier-clean (ui/.prettierrc.json; `npm run format`
# fixes it).
test-lint: ui/node_modules/.package-lock.json
	$(CARGO) fmt --all -- --check
	python3 scripts/module-cycles.py
	cd ui && npm run lint
	@$(CARGO) clippy --version >/dev/null 2>&1 || rustup component add clippy
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc --workspace --no-deps

# The ledger soak, long (make test runs it short): SOAK_RUNS and SOAK_SEED change it.
SOAK_RUNS ?= 2000
soak:
	SOAK_RUNS=$(SOAK_RUNS) scripts/with-keyring.sh $(CARGO) test -p pixbench-core --test integration soak -- --nocapture

# Unit, loopback, keychain (real Secret Service) and mock-runtime tests.
test-rust:
	scripts/with-keyring.sh $(CARGO) test --workspace --no-fail-fast

# Generated from Rust and checked in: the TypeScript types and command map (ts-rs and
# pixbench-core's command declarations, during cargo test), the command tables of
# docs/IPC.md, and the shell's command permission (src-tauri/build.rs).
GENERATED := ui/src/bindings docs/IPC.md src-tauri/permissions/app-commands.toml
test-bindings:
	@git diff --exit-code --stat -- $(GENERATED) || { echo "generated files are stale: run 'cargo test -p pixbench-core' and 'cargo build -p pixbench-desktop', and commit the result" >&2; exit 1; }
	@test -z "$$(git ls-files --others --exclude-standard ui/src/bindings)" || { echo "new generated bindings are not committed:" >&2; git ls-files --others --exclude-standard ui/src/bindings >&2; exit 1; }

test-ui: ui/node_modules/.package-lock.json
	cd ui && npm run check && npm test

test-sdk:
	crates/pixapi-sim/tests/sdk/run.sh

tauri-driver:
	@command -v tauri-driver >/dev/null && tauri-driver --version 2>/dev/null | grep -q "$(TAURI_DRIVER_VERSION)" || \
		$(CARGO) install tauri-driver --locked --version $(TAURI_DRIVER_VERSION)

# The app the e2e suite drives is the one `cargo test --workspace` built (the same
# features, so nothing is compiled twice; a no-op after test-rust).
test-e2e: tests/e2e/node_modules/.package-lock.json tauri-driver
	$(CARGO) test --workspace --no-run
	tests/e2e/run.sh

# The Rust suites that touch timing (progress events, cancels, retries, crash recovery),
# several times in a row: a flaky test shows here before it shows in CI.
FLAKY_RUNS ?= 10
FLAKY_SUITES := -p pixbench-core --test integration
FLAKY_FILTERS := bench_app:: runs:: truth:: recovery:: contract::
test-flaky:
	$(CARGO) test $(FLAKY_SUITES) --no-run
	@pass=0; for i in $$(seq 1 $(FLAKY_RUNS)); do \
	  if scripts/with-keyring.sh $(CARGO) test $(FLAKY_SUITES) -q -- $(FLAKY_FILTERS) >/tmp/pixbench-flaky-$$i.log 2>&1; then pass=$$((pass+1)); \
	  else echo "test-flaky: run $$i failed (log: /tmp/pixbench-flaky-$$i.log)"; fi; done; \
	echo "test-flaky: $$pass of $(FLAKY_RUNS) runs passed"; test $$pass = $(FLAKY_RUNS)

bench:
	$(CARGO) bench -p pixapi --bench overhead
	$(CARGO) bench -p pixbench-core
	$(CARGO) bench -p pixbench-cli --bench runner_overhead
	$(MAKE) bench-app

# The release app as a user runs it: cold start to an interactive window and idle memory
# of the app and WebKit's processes (scripts/measure-app.sh), on `make deb`'s binary.
bench-app:
	@test -x target/release/pixbench-desktop || $(MAKE) deb
	PIXBENCH_APP=target/release/pixbench-desktop scripts/measure-app.sh 5

# The Tauri CLI finds the project from the repository root (src-tauri/tauri.conf.json).
DEB_DIR ?= target/release/bundle/deb
deb: deps ui
	ui/node_modules/.bin/tauri build --bundles deb
	@ls -1 $(DEB_DIR)/*.deb

# CI's package: the debug binary the tests built, bundled as a .deb (no second build of the
# app in release mode). `make test-deb DEB_DIR=target/debug/bundle/deb` installs it.
deb-debug: ui
	$(CARGO) test --workspace --no-run
	ui/node_modules/.bin/tauri bundle --debug --bundles deb
	@ls -1 target/debug/bundle/deb/*.deb

# Installs the .deb with apt (its dependencies too) and drives the installed binary under
# Xvfb through WebDriver: one Sandbox run (tests/e2e/specs/installed.spec.mjs).
test-deb: tests/e2e/node_modules/.package-lock.json tauri-driver
	@deb=$$(ls -1t $(DEB_DIR)/*.deb 2>/dev/null | head -n1); test -n "$$deb" || { echo "no .deb: run 'make deb' first" >&2; exit 2; }; \
	  echo "test-deb: installing $$deb"; DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "./$$deb"; \
	  dpkg -L pixbench | grep -E '\.desktop$$|/bin/|icons' ; \
	  PIXBENCH_APP=/usr/bin/pixbench-desktop E2E_AS_SHIPPED=1 tests/e2e/run.sh installed
