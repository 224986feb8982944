# GUI build, smoke test and packaging targets (owned with ui/ and cmd/signpost).
.PHONY: gui-smoke gui-shots gui-package gui-windows test-windows

FYNE ?= $(shell go env GOPATH)/bin/fyne

## gui-smoke: the real window under Xvfb: shown, not blank, stops cleanly with its demo directory.
gui-smoke: deps
	RELEASE_TAGS=$(RELEASE_TAGS) ./scripts/gui-smoke.sh

## gui-shots: refresh the screenshots in docs/ (light and dark, 1366x768).
gui-shots: deps
	GUI_SMOKE_SHOT=docs/signpost-light.png GUI_SMOKE_THEME=light ./scripts/gui-smoke.sh
	GUI_SMOKE_SHOT=docs/signpost-dark.png GUI_SMOKE_THEME=dark ./scripts/gui-smoke.sh

## gui-package: a Linux package, bin/Signpost.tar.xz, made by `fyne package` from the root
## FyneApp.toml (name, ID, version, icon). fyne package would bump Build in that file; it is kept as is.
gui-package: deps
	@test -x $(FYNE) || $(GO) install fyne.io/tools/cmd/fyne@v1.7.4
	mkdir -p $(BIN)
	$(GO) build -tags $(RELEASE_TAGS) -trimpath -ldflags "-s -w" -o $(BIN)/signpost ./cmd/signpost
	cp FyneApp.toml $(BIN)/.FyneApp.toml.keep
	$(FYNE) package --target linux --src . --exe $(BIN)/signpost --release; rc=$$?; \
		mv $(BIN)/.FyneApp.toml.keep FyneApp.toml; exit $$rc
	mv Signpost.tar.xz $(BIN)/
	tar tJf $(BIN)/Signpost.tar.xz

## gui-windows: the Windows build, cross-compiled with Debian's mingw-w64: bin/Signpost.exe, made by
## `fyne package --target windows` (icon, version and manifest embedded; no console window), and
## bin/signpost-console.exe, a console build of the same program for support staff (a GUI-subsystem
## exe prints nothing, so its headless commands say nothing). make test-windows runs both under Wine.
WINDOWS_ENV := CGO_ENABLED=1 GOOS=windows GOARCH=amd64 CC=x86_64-w64-mingw32-gcc
APP_VERSION := $(shell sed -n 's/^Version = "\(.*\)"/\1/p' FyneApp.toml)
gui-windows: deps
	@command -v x86_64-w64-mingw32-gcc >/dev/null || { SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq gcc-mingw-w64-x86-64 >/dev/null; }
	@test -x $(FYNE) || $(GO) install fyne.io/tools/cmd/fyne@v1.7.4
	mkdir -p $(BIN)
	cd cmd/signpost && $(WINDOWS_ENV) $(FYNE) package --target windows --src . --icon ../../assets/icon.png \
		--name Signpost --app-id uk.org.signpost.app --app-version $(APP_VERSION) --release --tags $(RELEASE_TAGS)
	mv cmd/signpost/Signpost.exe $(BIN)/Signpost.exe
	$(WINDOWS_ENV) $(GO) build -trimpath -tags $(RELEASE_TAGS),release -ldflags "-s -w" -o $(BIN)/signpost-console.exe ./cmd/signpost
	file $(BIN)/Signpost.exe $(BIN)/signpost-console.exe

## test-windows: the Windows build for real under Wine 8 and Xvfb (scripts/wine-test.sh); CI runs it.
test-windows: gui-windows
	$(GO) build -o $(BIN)/ ./cmd/signpost-directory
	./scripts/wine-test.sh
