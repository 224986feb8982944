# GUI build, smoke test and packaging targets (owned with ui/ and cmd/signpost).
.PHONY: gui-smoke gui-shots gui-package gui-windows

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
	@test -x $(FYNE) || $(GO) install fyne.io/tools/cmd/fyne@latest
	mkdir -p $(BIN)
	$(GO) build -tags $(RELEASE_TAGS) -trimpath -ldflags "-s -w" -o $(BIN)/signpost ./cmd/signpost
	cp FyneApp.toml $(BIN)/.FyneApp.toml.keep
	$(FYNE) package --target linux --src . --exe $(BIN)/signpost --release; rc=$$?; \
		mv $(BIN)/.FyneApp.toml.keep FyneApp.toml; exit $$rc
	mv Signpost.tar.xz $(BIN)/
	tar tJf $(BIN)/Signpost.tar.xz

## gui-windows: cross-compile bin/signpost.exe with Debian's mingw-w64 (not run here).
gui-windows: deps
	@command -v x86_64-w64-mingw32-gcc >/dev/null || { SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
		$$SUDO apt-get install -y -qq gcc-mingw-w64-x86-64 >/dev/null; }
	mkdir -p $(BIN)
	CGO_ENABLED=1 GOOS=windows GOARCH=amd64 CC=x86_64-w64-mingw32-gcc \
		$(GO) build -tags $(RELEASE_TAGS) -ldflags "-H=windowsgui" -o $(BIN)/signpost.exe ./cmd/signpost
	file $(BIN)/signpost.exe
