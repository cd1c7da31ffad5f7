#!/usr/bin/env bash
# window-shot.sh VETDESK_EXE OUT.png [SECONDS]: starts the Windows window of
# vetdesk under Wine on a private Xvfb display, on a fresh data folder with
# demo data, waits SECONDS (default 40) and writes a screenshot of the screen
# to OUT.png. Wine's OpenGL goes through the X server's GLX (Mesa's llvmpipe
# under Xvfb).
set -euo pipefail
exe=$(realpath "$1"); out=$(realpath -m "$2"); wait=${3:-40}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'kill $xvfb 2>/dev/null || true; WINEPREFIX=$work/prefix wineserver -k 2>/dev/null || true; rm -rf "$work"' EXIT
"$here/prefix.sh" "$work/prefix" "$work/dll"
export WINEPREFIX=$work/prefix WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml=" LANG=${SHOT_LANG:-C.UTF-8} LC_ALL=
loader=/usr/lib/wine/wine64; [ -x "$loader" ] || loader=wine
data='C:\退役军人 服务站\柜台 一'
VETDESK_PASSWORD=demo-pass-1 "$loader" "$exe" -data "$data" demo -as admin -n 50 >/dev/null
display=:$(( 90 + RANDOM % 50 ))
Xvfb "$display" -screen 0 1280x800x24 -nolisten tcp &
xvfb=$!
sleep 2
DISPLAY=$display "$loader" "$exe" -data "$data" >"$work/window.log" 2>&1 &
sleep "$wait"
DISPLAY=$display import -window root "$out"
echo "window log:"; cat "$work/window.log"
