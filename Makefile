# Switchboard: `make run` starts a demo hub and the console on loopback,
# `make test` runs everything CI runs. See README.md.

SHELL := /bin/bash
GO ?= go
TAGS := migrated_fynedo
# Fyne reads the locale from the environment; under C it logs errors.
export LANG := en_US.UTF-8

# Debian packages Fyne 2.8 needs to build (cgo, OpenGL and X11/Wayland headers).
DEB_PACKAGES := gcc libc6-dev pkg-config libgl1-mesa-dev libx11-dev libxcursor-dev \
	libxrandr-dev libxinerama-dev libxi-dev libxxf86vm-dev libwayland-dev libxkbcommon-dev

HUB_ADDR ?= 127.0.0.1:8750
RUN_DIR ?= .run
DEMO_RATE ?= 6
# XVFB=1 runs the console on a virtual display (for machines without one).
XVFB ?=
FUZZTIME ?= 10s

BIN := bin
CONSOLE := $(BIN)/switchboard
HUB := $(BIN)/hub

.PHONY: all deps build demo-tokens run test robust claims failover vet fuzz bench bench-micro lint clean package

all: build

# deps installs only the missing packages: naming installed ones would
# upgrade them.
deps:
	@missing=$$(for p in $(DEB_PACKAGES) $(EXTRA_PACKAGES); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed$$' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "deps: installing Debian packages:" $$missing; \
		SUDO=; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing; \
	fi

# package builds an installable Linux desktop package (dist/Switchboard.tar.xz:
# binary, icon, .desktop entry; `sudo make install` inside it) with Fyne's
# packaging tool, run as a Go tool of the separate tools module (fyne.io/tools
# v1.7.4, which needs Fyne v2.8.1). Name, app ID and icon come from FyneApp.toml.
package: deps
	@mkdir -p dist
	cd tools && $(GO) tool fyne package --os linux --src .. --tags $(TAGS) --release
	mv tools/Switchboard.tar.xz dist/
	@echo "package: dist/Switchboard.tar.xz (tar -xJf it, then sudo make -C switchboard install)"

build: deps
	@mkdir -p $(BIN)
	CGO_ENABLED=0 $(GO) build -o $(HUB) ./cmd/hub
	$(GO) build -tags $(TAGS) -o $(CONSOLE) .

# demo-tokens makes a token for demo-agent (role agent) and one for
# demo-lead (role lead) once, and keeps them in $(RUN_DIR) with mode 0600.
# A token the hub no longer accepts (its data was reset, or the token was
# revoked) is replaced.
demo-tokens: build
	@set -o pipefail; umask 077; mkdir -p $(RUN_DIR); \
	for role in agent lead; do \
		f=$(RUN_DIR)/demo-$$role.token; \
		if [ -s $$f ] && $(HUB) token list --data $(RUN_DIR)/hub | \
			awk -v a=demo-$$role '$$2 == a && $$5 == "-" { ok = 1 } END { exit !ok }'; then continue; fi; \
		$(HUB) token revoke --data $(RUN_DIR)/hub --agent demo-$$role >/dev/null 2>&1; \
		$(HUB) token add --data $(RUN_DIR)/hub --agent demo-$$role --role $$role | tail -n 1 >$$f || exit 1; \
		echo "make run: new token for demo-$$role ($$role) in $$f"; \
	done

# run says there is no display before it builds anything. The console
# reads the agent token from its file (--token-file), never from its
# command line, where ps would show it; it saves it in its config.json.
# With XVFB=1, xvfb-run -a picks a free display, and run says which.
# ROLE=lead opens the console as demo-lead (its own cache in
# $(RUN_DIR)/console-lead): the queue and the lead's board window.
ROLE ?= agent
CONSOLE_DATA = $(RUN_DIR)/console$(if $(filter lead,$(ROLE)),-lead)
run:
	@case "$(ROLE)" in agent|lead) ;; *) echo "make run: ROLE=$(ROLE): agent or lead"; exit 2;; esac
	@if [ -z "$(XVFB)" ] && [ -z "$$DISPLAY" ] && [ -z "$$WAYLAND_DISPLAY" ]; then \
		echo "make run: no display (DISPLAY and WAYLAND_DISPLAY are empty)."; \
		echo "  Run it on a desktop, or 'make run XVFB=1' for a virtual display,"; \
		echo "  or render a screenshot with: make demo-tokens; $(HUB) --listen $(HUB_ADDR) --demo --data $(RUN_DIR)/hub &"; \
		echo "  $(CONSOLE) --hub ws://$(HUB_ADDR) --data $(RUN_DIR)/console --token-file $(RUN_DIR)/demo-agent.token --capture shot.png"; \
		exit 2; \
	fi
	@$(MAKE) --no-print-directory demo-tokens EXTRA_PACKAGES="$(if $(XVFB),xvfb xauth)"
	@$(HUB) --listen $(HUB_ADDR) --data $(RUN_DIR)/hub --demo --demo-rate $(DEMO_RATE) 2>>$(RUN_DIR)/hub.log & \
	hub=$$!; trap 'kill $$hub 2>/dev/null; wait $$hub 2>/dev/null' EXIT INT TERM; \
	addr=$(HUB_ADDR); for i in $$(seq 50); do (exec 3<>/dev/tcp/$${addr%:*}/$${addr##*:}) 2>/dev/null && break; sleep 0.1; done; \
	echo "hub: demo traffic on ws://$(HUB_ADDR) (log: $(RUN_DIR)/hub.log; lead token: $(RUN_DIR)/demo-lead.token)"; \
	echo "make run: console as demo-$(ROLE)$(if $(filter lead,$(ROLE)),, (make run ROLE=lead for the lead's board))"; \
	$(if $(XVFB),xvfb-run -a -s '-screen 0 1440x900x24' sh -c 'echo "make run: virtual display $$DISPLAY (xvfb-run)"; exec "$$0" "$$@"') \
		$(CONSOLE) --hub ws://$(HUB_ADDR) --data $(CONSOLE_DATA) --token-file $(RUN_DIR)/demo-$(ROLE).token

vet: deps
	$(GO) vet -tags $(TAGS) ./...

# The root package is the GUI entry point (no tests of its own); vet builds
# it once. Tests run over every other package, none of which links the GL
# driver, so the race build does not pay Fyne's cgo step again.
test: lint
	$(GO) test -race -count=1 -tags $(TAGS) $$($(GO) list ./... | grep -v '^switchboard$$')
	$(MAKE) --no-print-directory robust
	$(MAKE) --no-print-directory claims
	$(MAKE) --no-print-directory fuzz

# claims runs, without -race, the tests whose claims hold only at full
# speed, and prints the offline classifier's scores on its held-out set:
# op latency under 100 ms during a long CRM import, and the console's own
# entry (the root package links the GL driver, so it is left out of the
# race run above).
claims: deps
	@set -o pipefail; $(GO) test -count=1 -tags $(TAGS) -v -run '^TestOfflineHeldout$$' ./assist/ | grep -E '^(triage |--- |ok|FAIL)'
	$(GO) test -count=1 -tags $(TAGS) -run '^TestImportLetsOpsGoOn$$' ./sync/hub/
	$(GO) test -count=1 -tags $(TAGS) .

# failover runs TestJSProcFailover's failover with processes (three NATS
# node processes, two hub processes, consoles, SIGKILL to a node and a hub
# mid-load; docs/scale.md). Not in make test: five processes and 20-55 s.
failover: deps
	SWITCHBOARD_JS_FAILOVER=1 $(GO) test -count=1 -tags $(TAGS) -v -run '^TestJSProcFailover$$' ./cmd/hub/

# Under -race the robustness tests of app/ (console killed with SIGKILL,
# hub restarts, flaky proxy) run at the smaller sizes of
# app/robust_race_test.go (400 kills, 800 proxy ops); robust runs them once
# more without -race, at the full sizes of app/robust_norace_test.go (1,000
# ops across the kills, 5,000 proxy ops). It fails unless every one of them
# ran and passed: a renamed test must not drop out silently.
ROBUST_TESTS := TestOutboxSurvivesKill9 TestHubRestartsDuringInitialSync TestHubRestartsDuringOutboxReplay TestFlakyProxyExactlyOnce
robust: deps
	@set -o pipefail; out=$$(mktemp); trap 'rm -f $$out' EXIT; \
	$(GO) test -count=1 -timeout 15m -tags $(TAGS) -v -run '^($(subst $() ,|,$(ROBUST_TESTS)))$$' ./app/ | tee $$out || exit 1; \
	for t in $(ROBUST_TESTS); do grep -q "^--- PASS: $$t " $$out || { echo "robust: $$t did not run"; exit 1; }; done

# Go 1.26's fuzz coordinator can fail a target with a bare "context
# deadline exceeded" as -fuzztime ends, having found nothing
# (golang/go#75804, fixed in Go 1.27). Such a run, and only such a run (no
# failing input written), is tried once more; any other failure stops.
fuzz:
	@out=$$(mktemp); trap 'rm -f $$out' EXIT; \
	for pkg in $$($(GO) list ./...); do \
		dir=$$($(GO) list -f '{{.Dir}}' $$pkg); \
		for f in $$(grep -ho '^func Fuzz[A-Za-z0-9_]*' $$dir/*_test.go 2>/dev/null | sed 's/func //'); do \
			for try in 1 2; do \
				echo "fuzz: $$pkg $$f ($(FUZZTIME))"; \
				$(GO) test -tags $(TAGS) -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg >$$out 2>&1; st=$$?; cat $$out; \
				[ $$st -eq 0 ] && break; \
				if [ $$try -eq 1 ] && grep -q 'context deadline exceeded' $$out && ! grep -q 'Failing input written' $$out; then \
					echo "fuzz: $$f stopped on Go's -fuzztime race (golang/go#75804) with no failing input: once more"; continue; \
				fi; \
				exit 1; \
			done; \
		done; \
	done

# bench runs every BenchmarkScenario<Name> once, one package after
# another, and prints their BENCH lines and a table against the targets
# (.ci/bench; README "Performance"). BENCH_N=1000000 runs the hub scenarios
# at a million cases. It fails when a scenario failed or printed no line.
bench: deps
	GO="$(GO)" TAGS="$(TAGS)" .ci/bench

# bench-micro runs the micro-benchmarks (everything but the scenarios).
bench-micro: deps
	$(GO) test -tags $(TAGS) -run '^$$' -bench . -skip '^BenchmarkScenario' -benchmem $$($(GO) list ./... | grep -v '^switchboard$$')

lint: vet
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

clean:
	rm -rf $(BIN) $(RUN_DIR)
