# GUI build, smoke test and packaging targets (owned with ui/ and cmd/signpost).
.PHONY: gui-smoke
gui-smoke:
	@echo "gui-smoke: the desktop window is not built yet"
