#!/usr/bin/env bash
# sysroot.sh ARCH DIR: prepares a Debian 11 (bullseye, glibc 2.31) sysroot
# for ARCH (amd64 or arm64) in DIR/ARCH and writes DIR/cc-ARCH, a C compiler
# that builds against it; prints the compiler's path.
#
# Why: the desktop links glibc dynamically. Built against Debian 12's glibc
# it needs 2.34, which 统信UOS 20 (2.28) and 麒麟 V10 (2.28/2.31) lack.
# Built against bullseye's headers and libraries it needs only the symbol
# versions it really uses (2.17/2.27 on arm64, checked by build-linux.sh).
# Buster (2.28) is no longer on deb.debian.org; bullseye is.
#
# debootstrap --foreign only downloads and unpacks (it runs nothing of the
# target), so one machine prepares both architectures. The -dev packages
# are unpacked with dpkg -x, and absolute symlinks are made relative so that
# they point into the sysroot, not at the build machine's own libraries.
# A prepared sysroot is kept (DIR/ARCH/.ready) and reused.
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: sysroot.sh amd64|arm64 DIR" >&2; exit 2; }
arch=$1
mkdir -p "$2"
dir=$(cd "$2" && pwd)
sr=$dir/$arch
MIRROR=${VETDESK_SYSROOT_MIRROR:-http://deb.debian.org/debian}
case $arch in
amd64) triplet=x86_64-linux-gnu gcc=gcc ;;
arm64) triplet=aarch64-linux-gnu gcc=aarch64-linux-gnu-gcc ;;
*) echo "sysroot.sh: unknown arch $arch" >&2; exit 2 ;;
esac
# What Fyne's GLFW driver includes and links, as in the Makefile's BUILD_PKGS.
pkgs=libc6-dev,libgl1-mesa-dev,libx11-dev,libxcursor-dev,libxrandr-dev,libxinerama-dev,libxi-dev,libxxf86vm-dev

if [ ! -e "$sr/.ready" ]; then
	rm -rf "$sr"
	sudo=; [ "$(id -u)" = 0 ] || sudo=sudo
	$sudo debootstrap --foreign --variant=minbase --arch="$arch" --include="$pkgs" \
		bullseye "$sr" "$MIRROR" >"$dir/debootstrap-$arch.log" 2>&1 ||
		{ tail -5 "$dir/debootstrap-$arch.log" >&2; echo "sysroot.sh: debootstrap failed (log: $dir/debootstrap-$arch.log)" >&2; exit 1; }
	# --foreign leaves the --include packages downloaded, not unpacked.
	for deb in "$sr"/var/cache/apt/archives/*.deb; do
		case $deb in *libllvm* | *mesa-dri* | *libz3* | *perl* | *systemd*) continue ;; esac
		$sudo dpkg-deb -x "$deb" "$sr"
	done
	find "$sr" -type l -lname '/*' | while read -r link; do
		target=$(readlink "$link")
		$sudo ln -sfn "$(realpath -m --relative-to="$(dirname "$link")" "$sr$target")" "$link"
	done
	rm -rf "$sr"/var/cache/apt/archives/*.deb
	[ -z "$sudo" ] || $sudo chown -R "$(id -u):$(id -g)" "$sr"
	touch "$sr/.ready"
fi

# Debian's cross compilers search their own /usr/<triplet> (Debian 12's
# glibc) before the sysroot: name the sysroot's headers, start files and
# libraries first, and nothing of the machine's.
gccinc=$("$gcc" -print-file-name=include)
cat >"$dir/cc-$arch" <<EOF
#!/bin/sh
exec $gcc --sysroot=$sr -nostdinc -isystem $gccinc -isystem $sr/usr/include/$triplet -isystem $sr/usr/include \\
	-B$sr/usr/lib/$triplet -L$sr/usr/lib/$triplet -L$sr/lib/$triplet "\$@"
EOF
chmod +x "$dir/cc-$arch"
echo "$dir/cc-$arch"
