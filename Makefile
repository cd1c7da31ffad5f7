# vetdesk: two commands for a fresh Debian or Ubuntu machine.
#   make run   installs what the machine lacks, then opens the desktop app on a local data folder
#   make test  installs what the machine lacks, then runs go vet and every test
#   make dist  builds the Windows programs and installer and the amd64/arm64 .debs into dist/
SHELL := /bin/bash
GO    ?= go
DATA  ?= $(CURDIR)/.vetdesk-data

# System packages: cgo/GL/X11 headers that Fyne needs to build, and the tools
# the tests run for real (PDF text and structure checks, a CJK fallback font,
# zbarimg to read printed QR codes back, a CUPS PDF printer, SANE's scanimage
# with its test backend as a scanner, LibreOffice for
# reading workbooks back, a locale, Debian's chromium for the public site's
# browser test through chromedp).
BUILD_PKGS := gcc libc6-dev pkg-config libgl1-mesa-dev libx11-dev libxcursor-dev \
              libxrandr-dev libxinerama-dev libxi-dev libxxf86vm-dev fonts-hanazono
TEST_PKGS  := poppler-utils qpdf zbar-tools cups printer-driver-cups-pdf sane-utils \
              libreoffice-calc-nogui locales chromium
# make dist: cross compilers (mingw-w64 for Windows, aarch64 gcc for the arm64
# desktop), debootstrap for the Debian 11 sysroot the Linux desktops are built
# against (glibc 2.27+: UOS 20, Kylin V10), NSIS, lintian, qemu-user and the
# arm64 GL/X11 libraries (multiarch) to start the arm64 desktop in the tests.
DIST_PKGS  := gcc-mingw-w64-x86-64 nsis lintian gcc-aarch64-linux-gnu libc6-dev-arm64-cross debootstrap \
              qemu-user curl adduser desktop-file-utils \
              libgl1-mesa-dev:arm64 libx11-dev:arm64 libxcursor-dev:arm64 libxrandr-dev:arm64 \
              libxinerama-dev:arm64 libxi-dev:arm64 libxxf86vm-dev:arm64
# The non-GUI packages whose tests also run on arm64 under qemu-user: the
# domain, the wire format, the SQLite store (modernc's translated C is the
# riskiest part on arm64), PDFs and workbooks, op signatures. syncclient is
# left out (7.4 min under qemu); the store's kill tests re-run the test binary
# themselves, which needs binfmt_misc, so they are skipped.
ARM64_TEST_PKGS := ./casework/ ./syncapi/ ./store/ ./printing/ ./report/ ./internal/opsig/
ARM64_TEST_SKIP := ^TestKill
# The Windows programs run under Wine in the tests (internal/winetest).
WINE_PKGS  := wine wine64
DIST := dist
WINE_EXES := dist-wine
VERSION = $(shell ./scripts/version.sh)
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test deps deps-build deps-test deps-dist vet bench screenshots hub dist test-dist test-arm64 fuzz

run: deps-build
	$(GO) run ./cmd/vetdesk -data "$(DATA)"

# make test builds dist/ once and the Windows programs for Wine (with the
# build tag of internal/winetest's wineTags: Wine 8 cannot map SQLite's WAL
# shared memory) into $(WINE_EXES), which the Wine tests reuse, then runs the
# Go tests, checks the packages and runs the arm64 tests under qemu.
test: deps-build deps-test vet dist
	GOFLAGS=-tags=sqlite3_dotlk nice ./scripts/build-windows.sh $(WINE_EXES)
	VETDESK_WINDOWS_EXES=$(CURDIR)/$(WINE_EXES) $(GO) test -count=1 ./...
	$(MAKE) --no-print-directory test-dist test-arm64 fuzz

# Everything into dist/, stamped with `git describe --tags --always --dirty`.
# Go's build cache serves a second run: it relinks, it does not recompile.
dist: deps-build deps-dist
	@mkdir -p $(DIST)
	@rm -f $(DIST)/*.deb $(DIST)/vetdesk-*-installer.exe
	time nice ./scripts/build-windows.sh $(DIST)
	time makensis -V2 -DVERSION=$(VERSION) -DNUMERIC=$$(./scripts/version.sh --numeric) \
		-DDIST=$(CURDIR)/$(DIST) -DOUT=$(CURDIR)/$(DIST)/vetdesk-$(VERSION)-windows-amd64-installer.exe \
		packaging/windows/vetdesk.nsi
	time nice ./scripts/build-linux.sh amd64 $(DIST)
	time nice ./scripts/build-linux.sh arm64 $(DIST)
	@ls -l $(DIST)

# Checks dist/ as it is (make dist first): lintian, install and uninstall,
# the hub's unit, the arm64 hub under qemu.
test-dist:
	time ./scripts/test-dist.sh $(DIST)

# The non-GUI packages' tests on arm64 under qemu-user.
test-arm64: deps-dist
	time CGO_ENABLED=0 GOARCH=arm64 $(GO) test -count=1 -exec qemu-aarch64 -skip '$(ARM64_TEST_SKIP)' $(ARM64_TEST_PKGS)

vet:
	$(GO) vet ./...

# Every native fuzz target for its count of executions (about 15 s each;
# FUZZTIME=30s for a time instead), one per go test run; a crash leaves its
# input in testdata/fuzz/ (see scripts/fuzz.sh).
fuzz:
	GO=$(GO) ./scripts/fuzz.sh

bench: deps-build
	./scripts/bench.sh

# Renders every main screen with demo data to PNG (headless, no display).
screenshots:
	mkdir -p docs/screenshots
	VETDESK_SCREENSHOTS=$(CURDIR)/docs/screenshots LANG=zh_CN.UTF-8 $(GO) test -count=1 -run TestScreenshots ./ui/
	VETDESK_SCREENSHOTS=$(CURDIR)/docs/screenshots $(GO) test -count=1 -run TestBrowserApplyApproveIntakeProgress ./syncclient/

deps-build:
	@./scripts/apt-ensure.sh $(BUILD_PKGS)
	@command -v $(GO) >/dev/null || { echo "Go 1.26 is needed: see README"; exit 1; }

deps-test:
	@./scripts/apt-ensure.sh $(TEST_PKGS) $(WINE_PKGS)

deps-dist:
	@./scripts/apt-ensure.sh $(DIST_PKGS)
