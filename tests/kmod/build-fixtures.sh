#!/bin/bash
# Build the engine's hand-made test updates (until objmanip makes real ones):
#   $OUT/target/ksplice_fixture_target.ko   a target module
#   $OUT/kfix1/  vmlinux: cmdline_proc_show -> prints "ksplice_patched ..."
#   $OUT/kfix2/  vmlinux: same, but old code that does not match (no_match)
#   $OUT/kfix3/  ksplice_fixture_target: fixture_show, fixture_wait
#   $OUT/kfix4/  vmlinux: a special site under the jump (refused: unexpected)
#   $OUT/kfix5/  vmlinux: new code needs a missing symbol (failed_to_find)
# each update dir holding ksplice-<id>.ko, ksplice-<id>_<t>-{new,old}.ko,
# built with the documented recipe (kmodsrc/README).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
KDIR=${KDIR:-/usr/src/linux-headers-6.1.0-56-amd64}
LAB=${LAB:-$top/build/lab-6.1.192-2/linux-source-6.1}
OUT=${OUT:-$top/build/kmodfix}
MAKE="make -s -j1 CC=gcc-12 -C $KDIR"
mkdir -p "$OUT"

# The pre object of fs/proc/cmdline.c, built once from the shared lab tree.
if [ ! -s "$OUT/cmdline_pre.o" ]; then
	(cd "$LAB" && flock "$top/build/.tree.lock" sh -c '
		had=; [ -e fs/proc/cmdline.o ] && had=1
		make -s CC=gcc-12 KCFLAGS="-ffunction-sections -fdata-sections" fs/proc/cmdline.o &&
		cp fs/proc/cmdline.o "$0" &&
		if [ -z "$had" ]; then rm -f fs/proc/cmdline.o fs/proc/.cmdline.o.cmd; fi' "$OUT/cmdline_pre.o")
fi

# The target module (its object, built with function sections, is the pre).
rm -rf "$OUT/target" && mkdir -p "$OUT/target"
cp "$here"/fixtures/target/* "$OUT/target/"
$MAKE M="$OUT/target" modules

# Fixture objects, compiled with the kernel's flags through a dummy module.
obj=$OUT/objs
rm -rf "$obj" && mkdir -p "$obj"
cp "$here"/fixtures/*.c "$here"/fixtures/*.S "$top"/kmodsrc/ksplice-patch.h \
	"$top"/kmodsrc/ksplice-meta.h "$obj/"
python3 "$here/mkold.py" "$OUT/cmdline_pre.o" cmdline_proc_show > "$obj/cmdline_old.S"
python3 "$here/mkold.py" "$OUT/cmdline_pre.o" cmdline_proc_show \
	--corrupt=cmdline_proc_show:0x19 > "$obj/cmdline_bad_old.S"
python3 "$here/mkold.py" "$OUT/target/fixture_target.o" fixture_show fixture_wait \
	> "$obj/fixture_old.S"
# A (fake) 2-byte jump label site right where the jump would go.
python3 "$here/mkold.py" "$OUT/cmdline_pre.o" cmdline_proc_show \
	--special=cmdline_proc_show:5:2:2 > "$obj/cmdline_special_old.S"
# New code referring to a symbol the kernel does not have.
sed 's/n_saved: .asciz "saved_command_line"/n_saved: .asciz "ksplice_no_such_symbol"/' \
	"$obj/cmdline_new_meta.S" > "$obj/cmdline_missing_meta.S"
cat > "$obj/Kbuild" <<'EOK'
obj-m := fixobjs.o
fixobjs-y := brackets-begin.o brackets-end.o cmdline_new.o cmdline_new_meta.o \
	cmdline_old.o cmdline_bad_old.o fixture_new.o fixture_new_meta.o fixture_old.o \
	cmdline_special_old.o cmdline_missing_meta.o
ccflags-y := -I$(src)
OBJECT_FILES_NON_STANDARD_cmdline_old.o := y
OBJECT_FILES_NON_STANDARD_cmdline_bad_old.o := y
OBJECT_FILES_NON_STANDARD_fixture_old.o := y
OBJECT_FILES_NON_STANDARD_cmdline_special_old.o := y
EOK
$MAKE M="$obj" KBUILD_MODPOST_WARN=1 modules >/dev/null 2>&1 || $MAKE M="$obj" fixobjs.o

link() {	# link OUT OBJ...: ld -r between the table brackets
	local out=$1; shift
	ld -r -o "$out" "$obj/brackets-begin.o" "$@" "$obj/brackets-end.o"
}

update() {	# update ID TARGET NEWOBJS -- OLDOBJS
	local id=$1 t=$2 d=$OUT/$1; shift 2
	local new=() old=()
	while [ "$1" != -- ]; do new+=("$obj/$1"); shift; done; shift
	for o in "$@"; do old+=("$obj/$o"); done
	rm -rf "$d" && mkdir -p "$d"
	cp "$top"/kmodsrc/* "$d/"
	link "$d/${t}_new.o_shipped" "${new[@]}"
	link "$d/${t}_old.o_shipped" "${old[@]}"
	$MAKE M="$d" KSPLICE_ID="$id" modules
	ls "$d"/*.ko
}

update kfix1 vmlinux cmdline_new.o cmdline_new_meta.o -- cmdline_old.o
update kfix2 vmlinux cmdline_new.o cmdline_new_meta.o -- cmdline_bad_old.o
update kfix4 vmlinux cmdline_new.o cmdline_new_meta.o -- cmdline_special_old.o
update kfix5 vmlinux cmdline_new.o cmdline_missing_meta.o -- cmdline_old.o
update kfix3 ksplice_fixture_target fixture_new.o fixture_new_meta.o -- fixture_old.o
