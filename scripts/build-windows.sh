#!/usr/bin/env bash
# build-windows.sh OUTDIR: cross-builds the Windows amd64 programs into OUTDIR:
#   vetdesk.exe      the desktop (cgo with mingw-w64; GUI subsystem; icon,
#                    version resource and a per-monitor DPI-aware manifest)
#   vetdesk-hub.exe  the hub (pure Go; version resource)
#   vetdesk.ico      the icon, for the installer
# Both are stamped with scripts/version.sh. The one place that knows how to
# build for Windows: make dist and the Wine tests call it. Go's build cache
# makes a second call cheap (a relink); the first vetdesk.exe takes minutes.
# Needs gcc-mingw-w64-x86-64 (Makefile: DIST_PKGS).
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: build-windows.sh OUTDIR" >&2; exit 2; }
root=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$1"
out=$(cd "$1" && pwd)
GO=${GO:-go}
WINDRES=${WINDRES:-x86_64-w64-mingw32-windres}
export CC=${CC_WINDOWS:-x86_64-w64-mingw32-gcc}
version=$("$root/scripts/version.sh")
numeric=$("$root/scripts/version.sh" --numeric)
ldflags="-s -w -X vetdesk/internal/version.Version=$version"

work=$(mktemp -d)
sysos=()
cleanup() { rm -rf "$work"; rm -f ${sysos[@]+"${sysos[@]}"}; }
trap cleanup EXIT

cd "$root"
"$GO" run ./packaging/windows/mkico assets/icon.png "$out/vetdesk.ico"

# resource NAME DESCRIPTION ICON: compiles packaging/windows/resource.rc.in
# into cmd/NAME/zz_rsrc_windows_amd64.syso, which go build links in.
resource() {
	local name=$1 desc=$2 icon=$3 rc="$work/$1.rc" syso="$root/cmd/$1/zz_rsrc_windows_amd64.syso"
	local iconline=""
	[ -n "$icon" ] && iconline="1 ICON \"$icon\""
	sed -e "s|@NAME@|$name|g" -e "s|@DESCRIPTION@|$desc|g" -e "s|@VERSION@|$version|g" \
		-e "s|@VERSION_COMMAS@|${numeric//./,}|g" -e "s|@ICON@|$iconline|" \
		-e "s|@MANIFEST@|$root/packaging/windows/$name.exe.manifest|" \
		packaging/windows/resource.rc.in >"$rc"
	sysos+=("$syso")
	"$WINDRES" -c 65001 -O coff -i "$rc" -o "$syso"
}

resource vetdesk "军人退役一件事 受理台" "$out/vetdesk.ico"
resource vetdesk-hub "军人退役一件事 数据中心 (hub)" ""

CGO_ENABLED=1 GOOS=windows GOARCH=amd64 "$GO" build -ldflags "$ldflags -H windowsgui" \
	-o "$out/vetdesk.exe" ./cmd/vetdesk
CGO_ENABLED=0 GOOS=windows GOARCH=amd64 "$GO" build -ldflags "$ldflags" \
	-o "$out/vetdesk-hub.exe" ./cmd/vetdesk-hub
echo "built $version into $out: vetdesk.exe vetdesk-hub.exe vetdesk.ico"
