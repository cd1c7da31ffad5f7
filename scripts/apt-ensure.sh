#!/usr/bin/env bash
# apt-ensure.sh PKG...: install the Debian packages among PKG that are not
# installed yet; runs apt-get update once, only when something is missing.
# A package named NAME:ARCH of a foreign architecture (libx11-dev:arm64)
# adds that architecture to dpkg first (multiarch). Waits for another apt
# or dpkg to finish instead of failing on its lock.
set -euo pipefail
missing=()
arches=()
for p in "$@"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" && continue
	missing+=("$p")
	case "$p" in *:*) arches+=("${p##*:}") ;; esac
done
[ ${#missing[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" = 0 ] || sudo=sudo
for a in ${arches[@]+"${arches[@]}"}; do
	[ "$a" = "$(dpkg --print-architecture)" ] && continue
	dpkg --print-foreign-architectures | grep -qx "$a" || $sudo dpkg --add-architecture "$a"
done
echo "installing: ${missing[*]}"
lock=(-o DPkg::Lock::Timeout=900)
$sudo apt-get "${lock[@]}" update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get "${lock[@]}" install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
