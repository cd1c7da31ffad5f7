#!/usr/bin/env bash
# build-linux.sh ARCH OUTDIR: builds the Linux programs for ARCH (amd64 or
# arm64) stamped with scripts/version.sh, and packs them with nfpm into
#   OUTDIR/vetdesk_VERSION_ARCH.deb      the desktop (cgo + Fyne)
#   OUTDIR/vetdesk-hub_VERSION_ARCH.deb  the hub (pure Go)
# The binaries stay in OUTDIR/.build/ARCH for the tests (qemu, dpkg).
# The desktop is built against a Debian 11 sysroot (scripts/sysroot.sh, kept
# in SYSROOT, default ~/.cache/vetdesk/sysroot: a fixed path, so that Go's
# build cache serves every clone) so that it runs on glibc 2.27 and later:
# 统信UOS 20 and 麒麟 V10 too. arm64's needs gcc-aarch64-linux-gnu; the
# Makefile's DIST_PKGS installs it and debootstrap.
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: build-linux.sh amd64|arm64 OUTDIR" >&2; exit 2; }
arch=$1
root=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$2"
out=$(cd "$2" && pwd)
GO=${GO:-go}
NFPM=${NFPM:-"$GO run github.com/goreleaser/nfpm/v2/cmd/nfpm@v2.45.2"}
version=$("$root/scripts/version.sh")
ARCH=$arch BIN=$out/.build/$arch
# The packages' maintainer: VETDESK_MAINTAINER, else the author of the commit built.
MAINTAINER=${VETDESK_MAINTAINER:-$(git -C "$root" log -1 --format='%an <%ae>')}
DEB_VERSION=$("$root/scripts/version.sh" --deb)
WORK=$BIN/doc
ldflags="-s -w -X vetdesk/internal/version.Version=$version"
case $arch in
amd64) triplet=x86_64-linux-gnu objdump=objdump ;;
arm64) triplet=aarch64-linux-gnu objdump=aarch64-linux-gnu-objdump ;;
*) echo "build-linux.sh: unknown arch $arch" >&2; exit 2 ;;
esac
SYSROOT=${SYSROOT:-${XDG_CACHE_HOME:-$HOME/.cache}/vetdesk/sysroot}
cc=$("$root/scripts/sysroot.sh" "$arch" "$SYSROOT")
export PKG_CONFIG_SYSROOT_DIR=$SYSROOT/$arch
export PKG_CONFIG_LIBDIR=$SYSROOT/$arch/usr/lib/$triplet/pkgconfig:$SYSROOT/$arch/usr/share/pkgconfig
mkdir -p "$BIN"
cd "$root"

CGO_ENABLED=1 GOOS=linux GOARCH=$arch CC=$cc "$GO" build -ldflags "$ldflags" -o "$BIN/vetdesk" ./cmd/vetdesk
CGO_ENABLED=0 GOOS=linux GOARCH=$arch "$GO" build -ldflags "$ldflags" -o "$BIN/vetdesk-hub" ./cmd/vetdesk-hub

# The desktop links glibc dynamically: depend on the newest symbol version it
# uses (2.27 from the Debian 11 sysroot; 2.34 if built on Debian 12 itself).
glibc=$("$objdump" -T "$BIN/vetdesk" | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -1)
[ -n "$glibc" ] || { echo "build-linux.sh: no glibc symbol versions in $BIN/vetdesk" >&2; exit 1; }

# A native package's changelog, one entry for this build, dated by the commit.
date=$(git log -1 --format=%cD 2>/dev/null || date -R)
for pkg in vetdesk vetdesk-hub; do
	mkdir -p "$WORK/$pkg"
	printf '%s (%s) unstable; urgency=medium\n\n  * Built from git %s.\n\n -- %s  %s\n' \
		"$pkg" "$DEB_VERSION" "$version" "$MAINTAINER" "$date" | gzip -9n >"$WORK/$pkg/changelog.gz"
	for man in packaging/linux/$pkg.[18]; do gzip -9nc "$man" >"$WORK/$pkg/$(basename "$man").gz"; done
	rm -f "$out/${pkg}_${DEB_VERSION}_$arch.deb"
	# nfpm expands variables in some fields only: fill them all in here
	sed -e "s|\${ARCH}|$ARCH|g" -e "s|\${DEB_VERSION}|$DEB_VERSION|g" -e "s|\${BIN}|$BIN|g" \
		-e "s|\${WORK}|$WORK|g" -e "s|\${MAINTAINER}|$MAINTAINER|g" -e "s|\${GLIBC}|$glibc|g" "packaging/linux/$pkg.yaml" >"$WORK/$pkg.yaml"
	$NFPM package --config "$WORK/$pkg.yaml" --packager deb --target "$out/${pkg}_${DEB_VERSION}_$arch.deb" >/dev/null
done
echo "built $version ($DEB_VERSION) for linux/$arch into $out"
