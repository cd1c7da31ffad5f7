#!/usr/bin/env bash
# test-dist.sh DIST: checks what `make dist` wrote, without building again.
#   - lintian finds no errors in the four .debs
#   - the amd64 .debs install and uninstall (dpkg through apt, which waits
#     for the dpkg lock); the installed programs say the stamped version; the
#     desktop entry and icon are in place; the hub's user and data folder
#   - systemd-analyze verify accepts the hub's unit; its ExecStart line, run
#     as the unit's user with the unit's environment (no systemd here),
#     starts the hub and /healthz answers
#   - the arm64 hub answers /healthz under qemu-aarch64; the arm64 desktop
#     starts there (-version) with the multiarch arm64 libraries
#   - both desktops start on Debian 11's glibc 2.31 (the sysroot they were
#     built against, scripts/sysroot.sh): amd64 chrooted into it, arm64
#     under qemu-aarch64 with it as the library prefix (and its library
#     folders named, or the loader takes the machine's newer libX11); and
#     neither needs a glibc symbol newer than 2.28 (统信UOS 20's)
#   - the Windows installer and programs are there
# Prints "N passed, N failed" and exits non-zero on any failure.
set -uo pipefail
[ $# -eq 1 ] || { echo "usage: test-dist.sh DIST" >&2; exit 2; }
dist=$(cd "$1" && pwd)
root=$(cd "$(dirname "$0")/.." && pwd)
version=$("$root/scripts/version.sh")
deb=$("$root/scripts/version.sh" --deb)
sudo=""
[ "$(id -u)" = 0 ] || sudo=sudo
pass=0 fail=0
ok() { echo "ok   $*"; pass=$((pass + 1)); }
bad() { echo "FAIL $*"; fail=$((fail + 1)); }
check() { # check NAME CMD...: passes when CMD succeeds
	local name=$1; shift
	if out=$("$@" 2>&1); then ok "$name"; else bad "$name"; echo "$out" | tail -20 | sed 's/^/     /'; fi
}
apt() { DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=600 -y -qq "$@"; }
pids=()
cleanup() {
	for p in ${pids[@]+"${pids[@]}"}; do kill "$p" 2>/dev/null; done
	dpkg-query -W vetdesk >/dev/null 2>&1 && apt remove vetdesk >/dev/null 2>&1
	dpkg-query -W vetdesk-hub >/dev/null 2>&1 && apt remove vetdesk-hub >/dev/null 2>&1
}
trap cleanup EXIT

# free_port: a TCP port nobody listens on now.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# healthz URL: waits up to 60 s for the hub to answer "ok" (qemu is slow).
healthz() {
	local i
	for i in $(seq 1 120); do
		[ "$(curl -sk --max-time 2 "$1/healthz" 2>/dev/null)" = ok ] && return 0
		sleep 0.5
	done
	return 1
}

# --- the files ---
for f in vetdesk.exe vetdesk-hub.exe "vetdesk-$version-windows-amd64-installer.exe" \
	"vetdesk_${deb}_amd64.deb" "vetdesk-hub_${deb}_amd64.deb" "vetdesk-hub_${deb}_arm64.deb" \
	"vetdesk_${deb}_arm64.deb"; do
	check "dist has $f" test -s "$dist/$f"
done
check "vetdesk.exe is a Windows GUI program for x86-64" \
	bash -c "file '$dist/vetdesk.exe' | grep -q 'PE32+ executable (GUI) x86-64'"
check "vetdesk.exe carries its version in the version resource" python3 -c '
import sys
sys.exit(sys.argv[2].encode("utf-16-le") not in open(sys.argv[1], "rb").read())' "$dist/vetdesk.exe" "$version"
check "vetdesk.exe carries every image of vetdesk.ico as its icon" python3 -c '
import struct, sys
ico, exe = open(sys.argv[1], "rb").read(), open(sys.argv[2], "rb").read()
n = struct.unpack_from("<H", ico, 4)[0]
imgs = [ico[o:o + l] for l, o in (struct.unpack_from("<II", ico, 6 + 16 * i + 8) for i in range(n))]
sys.exit(not (n > 0 and all(i in exe for i in imgs)))' "$dist/vetdesk.ico" "$dist/vetdesk.exe"
check "vetdesk.exe has the per-monitor DPI-aware manifest" grep -aq "<dpiAwareness[^>]*>PerMonitorV2" "$dist/vetdesk.exe"
check "the installer is a 64-bit Windows program" bash -c "file '$dist/vetdesk-$version-windows-amd64-installer.exe' | grep -q 'PE32+ executable (GUI) x86-64'"

# --- lintian ---
for f in "$dist"/*_"$deb"_*.deb; do
	check "lintian: no errors in $(basename "$f")" lintian --fail-on error --suppress-tags-from-file /dev/null "$f"
done

# --- install the amd64 packages ---
check "the amd64 .debs install" apt install "$dist/vetdesk_${deb}_amd64.deb" "$dist/vetdesk-hub_${deb}_amd64.deb"
check "vetdesk -version says $version" bash -c "[ \"\$(/usr/bin/vetdesk -version)\" = 'vetdesk $version' ]"
check "vetdesk-hub -version says $version" bash -c "[ \"\$(/usr/bin/vetdesk-hub -version)\" = 'vetdesk-hub $version' ]"
check "the desktop entry and its icon are installed" test -s /usr/share/applications/cn.gov.weihai.vetdesk.desktop -a \
	-s /usr/share/icons/hicolor/256x256/apps/cn.gov.weihai.vetdesk.png
check "the desktop entry is valid" bash -c "! command -v desktop-file-validate >/dev/null || desktop-file-validate /usr/share/applications/cn.gov.weihai.vetdesk.desktop"
check "the hub runs as a system user without a login shell" \
	bash -c "u=\$(getent passwd vetdesk-hub) && [ \"\$(echo \"\$u\" | cut -d: -f3)\" -lt 1000 ] && [ \"\$(echo \"\$u\" | cut -d: -f7)\" = /usr/sbin/nologin ]"
check "/var/lib/vetdesk-hub belongs to vetdesk-hub, mode 750" \
	bash -c "[ \"\$(stat -c '%U:%G %a' /var/lib/vetdesk-hub)\" = 'vetdesk-hub:vetdesk-hub 750' ]"

# --- the unit's ExecStart, as systemd would run it ---
unit=/lib/systemd/system/vetdesk-hub.service
check "systemd-analyze verify finds nothing wrong in the unit" bash -c "[ -z \"\$(systemd-analyze verify $unit 2>&1)\" ]"
port=$(free_port)
execstart=$(sed -n 's/^ExecStart=//p' "$unit")
user=$(sed -n 's/^User=//p' "$unit")
workdir=$(sed -n 's/^WorkingDirectory=//p' "$unit")
# the unit's Environment=, then its EnvironmentFile=, then this test's listen address
(
	set -a
	eval "$(sed -n 's/^Environment=//p' "$unit")"
	# shellcheck disable=SC1090
	. /etc/default/vetdesk-hub
	VETDESK_HUB_OPTS="$VETDESK_HUB_OPTS -listen 127.0.0.1:$port"
	cd "$workdir" && eval "exec setpriv --reuid=$user --regid=$user --init-groups $execstart"
) >/tmp/vetdesk-hub-unit.log 2>&1 &
pids+=($!)
check "the unit's ExecStart starts the hub as $user and /healthz answers" healthz "https://127.0.0.1:$port"
check "the hub made its files in /var/lib/vetdesk-hub as $user" \
	bash -c "[ -n \"\$(find /var/lib/vetdesk-hub -user vetdesk-hub -name '*.db')\" ] && [ -z \"\$(find /var/lib/vetdesk-hub ! -user vetdesk-hub)\" ]"
kill "${pids[-1]}" 2>/dev/null; wait "${pids[-1]}" 2>/dev/null

# --- arm64 hub under qemu ---
port=$(free_port)
qdata=$(mktemp -d)
qemu-aarch64 "$dist/.build/arm64/vetdesk-hub" -data "$qdata" serve -listen "127.0.0.1:$port" >/tmp/vetdesk-hub-arm64.log 2>&1 &
pids+=($!)
check "the arm64 hub answers /healthz under qemu-aarch64" healthz "https://127.0.0.1:$port"
check "the arm64 hub says $version" bash -c "[ \"\$(qemu-aarch64 '$dist/.build/arm64/vetdesk-hub' -version)\" = 'vetdesk-hub $version' ]"
kill "${pids[-1]}" 2>/dev/null; wait "${pids[-1]}" 2>/dev/null
rm -rf "$qdata"
# the arm64 desktop loads its arm64 GL/X11 libraries (multiarch) and starts
check "the arm64 desktop starts under qemu-aarch64 and says $version" \
	bash -c "[ \"\$(qemu-aarch64 '$dist/.build/arm64/vetdesk' -version 2>/dev/null)\" = 'vetdesk $version' ]"

# --- old glibc: the Debian 11 sysroot the desktops were built against ---
sysroot=${SYSROOT:-${XDG_CACHE_HOME:-$HOME/.cache}/vetdesk/sysroot}
newest_glibc() { "$1" -T "$2" | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -1; }
export -f newest_glibc
for a in amd64:objdump arm64:aarch64-linux-gnu-objdump; do
	arch=${a%%:*}
	check "the $arch desktop needs no glibc newer than 2.28 (UOS 20)" \
		bash -c "v=\$(newest_glibc ${a#*:} '$dist/.build/$arch/vetdesk'); echo \"needs \$v\"; [ \"\$(printf '%s\n' \"\$v\" 2.28 | sort -V | tail -1)\" = 2.28 ]"
done
if [ -x "$sysroot/amd64/lib/x86_64-linux-gnu/libc.so.6" ]; then
	cp "$dist/.build/amd64/vetdesk" "$sysroot/amd64/tmp/vetdesk-test"
	check "the amd64 desktop starts on Debian 11's glibc 2.31 (chroot) and says $version" \
		bash -c "[ \"\$($sudo chroot '$sysroot/amd64' /tmp/vetdesk-test -version 2>/dev/null)\" = 'vetdesk $version' ]"
	rm -f "$sysroot/amd64/tmp/vetdesk-test"
else
	bad "no Debian 11 amd64 sysroot in $sysroot (make dist prepares it)"
fi
check "the arm64 desktop starts on Debian 11's glibc 2.31 under qemu-aarch64 and says $version" \
	bash -c "[ \"\$(qemu-aarch64 -L '$sysroot/arm64' -E LD_LIBRARY_PATH=/usr/lib/aarch64-linux-gnu:/lib/aarch64-linux-gnu '$dist/.build/arm64/vetdesk' -version 2>/dev/null)\" = 'vetdesk $version' ]"

# --- uninstall ---
check "the amd64 .debs uninstall" apt remove vetdesk vetdesk-hub
check "uninstalling removed the programs, the entry and the unit" \
	bash -c "[ ! -e /usr/bin/vetdesk ] && [ ! -e /usr/bin/vetdesk-hub ] && [ ! -e /usr/share/applications/cn.gov.weihai.vetdesk.desktop ] && [ ! -e $unit ]"
check "uninstalling kept the hub's data" test -d /var/lib/vetdesk-hub

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
