# vetdesk: two commands for a fresh Debian or Ubuntu machine.
#   make run   installs what the machine lacks, then opens the desktop app on a local data folder
#   make test  installs what the machine lacks, then runs go vet and every test
SHELL := /bin/bash
GO    ?= go
DATA  ?= $(CURDIR)/.vetdesk-data

# System packages: cgo/GL/X11 headers that Fyne needs to build, and the tools
# the tests run for real (PDF text and structure checks, a CJK fallback font,
# a CUPS PDF printer, LibreOffice for reading workbooks back, a locale).
BUILD_PKGS := gcc libc6-dev pkg-config libgl1-mesa-dev libx11-dev libxcursor-dev \
              libxrandr-dev libxinerama-dev libxi-dev libxxf86vm-dev fonts-hanazono
TEST_PKGS  := poppler-utils qpdf cups printer-driver-cups-pdf \
              libreoffice-calc-nogui locales
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test deps deps-build deps-test vet bench screenshots hub

run: deps-build
	$(GO) run ./cmd/vetdesk -data "$(DATA)"

test: deps-build deps-test vet
	$(GO) test -count=1 ./...

vet:
	$(GO) vet ./...

bench: deps-build
	./scripts/bench.sh

# Renders every main screen with demo data to PNG (headless, no display).
screenshots:
	mkdir -p docs/screenshots
	VETDESK_SCREENSHOTS=$(CURDIR)/docs/screenshots LANG=zh_CN.UTF-8 $(GO) test -count=1 -run TestScreenshots ./ui/

deps-build:
	@./scripts/apt-ensure.sh $(BUILD_PKGS)
	@command -v $(GO) >/dev/null || { echo "Go 1.26 is needed: see README"; exit 1; }

deps-test:
	@./scripts/apt-ensure.sh $(TEST_PKGS)
