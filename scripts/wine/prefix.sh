#!/usr/bin/env bash
# prefix.sh PREFIX [DLLDIR]: makes a Wine prefix for the Windows tests at
# PREFIX (64-bit, no Mono or Gecko prompts) and puts the test-only
# bcryptprimitives.dll into its system32, building it from
# bcryptprimitives.c with mingw-w64 into DLLDIR (default: PREFIX) first.
# Wine 8 has no bcryptprimitives.dll, whose ProcessPrng Go's runtime needs.
set -euo pipefail
prefix=$1
dlldir=${2:-$prefix}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$prefix" "$dlldir"
x86_64-w64-mingw32-gcc -shared -O2 -s -o "$dlldir/bcryptprimitives.dll" "$here/bcryptprimitives.c" -ladvapi32
export WINEPREFIX=$prefix WINEARCH=win64 WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml=" LANG=C.UTF-8 LC_ALL=
wineboot --init >/dev/null 2>&1
wineserver --wait
cp "$dlldir/bcryptprimitives.dll" "$prefix/drive_c/windows/system32/bcryptprimitives.dll"
