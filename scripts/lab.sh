#!/bin/bash
# Prepare (once) and print the path of the kernel lab shared by tests, demo and bench:
#   $LAB/linux-source-6.1   Debian source, headers' .config, modules_prepare done
#   $LAB/config             ksplice-create config dir for the running kernel
# The cache is keyed on the source package version; a stale one is rebuilt.
set -eu

KVER=6.1.0-56-amd64
KPKG=6.1.192-2
# Bump when the recipe below changes: the cache is keyed on both.
RECIPE=2
KEY="$KPKG recipe $RECIPE"
top=$(cd "$(dirname "$0")/.." && pwd)
base=${KSPLICE_BUILD:-$top/build}
LAB=$base/lab-$KPKG
stamp=$LAB/.ready

say() { echo "lab: $*" >&2; }

prepare_source() {
	local src=/usr/src/linux-source-6.1.tar.xz
	say "unpacking $src"
	rm -rf "$LAB/linux-source-6.1"
	tar -C "$LAB" -xf "$src"
	cp /usr/src/linux-headers-$KVER/.config "$LAB/linux-source-6.1/.config"
	say "configuring and running modules_prepare"
	make -s -C "$LAB/linux-source-6.1" CC=gcc-12 olddefconfig >/dev/null
	make -s -C "$LAB/linux-source-6.1" CC=gcc-12 -j"$(nproc)" modules_prepare >/dev/null
	# The first object built also builds objtool and friends: do it now, so
	# that later builds write nothing but their own objects.
	make -s -C "$LAB/linux-source-6.1" CC=gcc-12 -j"$(nproc)" \
		KCFLAGS="-ffunction-sections -fdata-sections" fs/proc/version.o >/dev/null
	# The tree is the pristine baseline that ksplice-create restores to.
	cp /usr/src/linux-headers-$KVER/Module.symvers "$LAB/linux-source-6.1/"
}

extract_system_map() {
	local tmp
	tmp=$(mktemp -d)
	say "extracting System.map from linux-image-$KVER-dbg"
	(cd "$tmp" && apt-get download -q -o APT::Sandbox::User=root "linux-image-$KVER-dbg=$KPKG" >/dev/null)
	dpkg-deb --fsys-tarfile "$tmp"/linux-image-$KVER-dbg_*.deb |
		tar -x -C "$tmp" --occurrence=1 "./usr/lib/debug/boot/System.map-$KVER"
	mv "$tmp/usr/lib/debug/boot/System.map-$KVER" "$1"
	rm -rf "$tmp"
}

prepare_config() {
	local c=$LAB/config
	rm -rf "$c"
	mkdir -p "$c"
	extract_system_map "$c/System.map"
	cp /usr/src/linux-headers-$KVER/.config "$c/.config"
	ln -s /usr/src/linux-headers-$KVER "$c/build"
	: > "$c/flags"
}

if [ ! -e "$stamp" ] || [ "$(cat "$stamp")" != "$KEY" ]; then
	mkdir -p "$base"
	exec 9>"$base/.lab.lock"
	flock 9
	if [ ! -e "$stamp" ] || [ "$(cat "$stamp")" != "$KEY" ]; then
		rm -rf "$base"/lab-*
		mkdir -p "$LAB"
		prepare_source
		prepare_config
		echo "$KEY" > "$stamp"
	fi
fi
echo "$LAB"
