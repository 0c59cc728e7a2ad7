#!/bin/bash
# Prepare (once) and print the path of the kernel lab of one kernel profile
# ($KSPLICE_KERNEL, else profiles/default), shared by tests, demo and bench:
#   $LAB/tree     the Debian source of the profile's kernel, configured with
#                 its headers package's .config, modules_prepare done
#   $LAB/config   ksplice-create config dir for that kernel (real System.map)
# The cache is keyed on the profile, its package version and this recipe.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/scripts/profile.sh"
# Bump when the recipe below changes: the cache is keyed on it.
RECIPE=3
KEY="$PROFILE $KPKG recipe $RECIPE"
base=${KSPLICE_BUILD:-$top/build}
LAB=$base/lab-$PROFILE-$KPKG
stamp=$LAB/.ready

say() { echo "lab: $*" >&2; }

# kbuild with the kernel's own compiler name and without Rust: the kernel
# was built without it, and a rustc on PATH would make kbuild rewrite .config.
kmake() {
	make -s CC="$(kcc)" RUSTC=ksplice-no-rustc "$@"
}

prepare_source() {
	local src=/usr/src/$SOURCE_PKG.tar.xz
	say "unpacking $src"
	rm -rf "$LAB/tree" "$LAB/$SOURCE_PKG"
	tar -C "$LAB" -xf "$src"
	mv "$LAB/$SOURCE_PKG" "$LAB/tree"
	cp "$KHEADERS/.config" "$LAB/tree/.config"
	say "configuring and running modules_prepare"
	kmake -C "$LAB/tree" olddefconfig >/dev/null
	if ! cmp -s <(grep '^CONFIG_' "$KHEADERS/.config") <(grep '^CONFIG_' "$LAB/tree/.config"); then
		say "olddefconfig changed the kernel's .config:"
		diff <(grep '^CONFIG_' "$KHEADERS/.config") <(grep '^CONFIG_' "$LAB/tree/.config") | head -5 >&2
		exit 1
	fi
	kmake -C "$LAB/tree" -j"$(nproc)" modules_prepare >/dev/null
	# The first object built also builds objtool and friends: do it now, so
	# that later builds write nothing but their own objects.
	kmake -C "$LAB/tree" -j"$(nproc)" \
		KCFLAGS="-ffunction-sections -fdata-sections" fs/proc/version.o >/dev/null
	# The tree is the pristine baseline that ksplice-create restores to.
	cp "$KHEADERS/Module.symvers" "$LAB/tree/"
}

extract_system_map() {
	local tmp
	tmp=$(mktemp -d)
	say "extracting System.map from $DBG_PKG"
	(cd "$tmp" && apt-get download -q -o APT::Sandbox::User=root "$DBG_PKG=$KPKG" >/dev/null)
	dpkg-deb --fsys-tarfile "$tmp"/"$DBG_PKG"_*.deb |
		tar -x -C "$tmp" --occurrence=1 "./usr/lib/debug/boot/System.map-$KVER"
	mv "$tmp/usr/lib/debug/boot/System.map-$KVER" "$1"
	rm -rf "$tmp"
}

prepare_config() {
	local c=$LAB/config
	rm -rf "$c"
	mkdir -p "$c"
	extract_system_map "$c/System.map"
	cp "$KHEADERS/.config" "$c/.config"
	ln -s "$KHEADERS" "$c/build"
	: > "$c/flags"
}

if [ ! -e "$stamp" ] || [ "$(cat "$stamp")" != "$KEY" ]; then
	mkdir -p "$base"
	exec 9>"$base/.lab.lock"
	flock 9
	if [ ! -e "$stamp" ] || [ "$(cat "$stamp")" != "$KEY" ]; then
		rm -rf "$base/lab-$PROFILE"-*
		mkdir -p "$LAB"
		prepare_source
		prepare_config
		echo "$KEY" > "$stamp"
	fi
fi
echo "$LAB"
