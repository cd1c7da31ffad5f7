#!/usr/bin/env bash
# version.sh [--numeric|--deb]: the version make dist stamps, from git.
#   (no flag)   git describe --tags --always --dirty, e.g. v0.2.0-5-g1a2b3c4-dirty
#                or 5f86b4b before the first tag
#   --numeric   four numbers for a Windows version resource, e.g. 0.2.0.5
#                (0.0.0.N before the first tag, N the number of commits)
#   --deb       a Debian version, e.g. 0.2.0+5.g1a2b3c4.dirty or
#                0.0.0~git123.5f86b4b before the first tag
set -euo pipefail
cd "$(dirname "$0")/.."
v=$(git describe --tags --always --dirty 2>/dev/null || echo unknown)
count=$(git rev-list --count HEAD 2>/dev/null || echo 0)
# vX.Y.Z[-N-gHASH][-dirty] from a tag, else HASH[-dirty]
if [[ $v =~ ^v?([0-9]+)\.([0-9]+)\.([0-9]+)(-([0-9]+)-g([0-9a-f]+))?(-dirty)?$ ]]; then
	maj=${BASH_REMATCH[1]} min=${BASH_REMATCH[2]} pat=${BASH_REMATCH[3]}
	n=${BASH_REMATCH[5]:-0} hash=${BASH_REMATCH[6]:-} dirty=${BASH_REMATCH[7]:+.dirty}
	deb="$maj.$min.$pat"
	[ -n "$hash" ] && deb="$deb+$n.g$hash"
	[ -n "$dirty" ] && { [ -n "$hash" ] && deb="$deb$dirty" || deb="$deb+dirty"; }
else
	maj=0 min=0 pat=0 n=$count
	deb="0.0.0~git$count.${v%-dirty}"
	[[ $v == *-dirty ]] && deb="$deb.dirty"
fi
case "${1:-}" in
--numeric) echo "$maj.$min.$pat.$n" ;;
--deb) echo "$deb" ;;
"") echo "$v" ;;
*) echo "usage: version.sh [--numeric|--deb]" >&2; exit 2 ;;
esac
