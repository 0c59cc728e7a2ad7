#!/bin/bash
# Build the engine's hand-made test updates (until objmanip makes real ones):
#   $OUT/target/ksplice_fixture_target.ko   a target module
#   $OUT/kfix1/  vmlinux: cmdline_proc_show -> prints "ksplice_patched ..."
#   $OUT/kfix2/  vmlinux: same, but old code that does not match (no_match)
#   $OUT/kfix3/  ksplice_fixture_target: fixture_show, fixture_wait,
#                fixture_nap (with its .cold piece, replaced by one with a .cold)
#   $OUT/kfix4/  vmlinux: a special site under the jump (refused: unexpected)
#   $OUT/kfix5/  vmlinux: new code needs a missing symbol (failed_to_find)
#   $OUT/kfix6/  vmlinux: cpu_startup_entry, where every idle thread is
#                (code_busy naming swapper/N)
#   $OUT/kfix8/  ksplice_fixture_target: fixture_show calling the function
#                ksplice_fix_helper that kfix1 adds
#   $OUT/kfix9/  ksplice_fixture_target: ksplice_fixture_direct, whose
#                endbr64 the kernel seals (IBT kernels only)
#   $OUT/kfix{wrap,size0,huge,field,repl}/  vmlinux: corrupt metadata
#                (unexpected): see below
# each update dir holding ksplice-<id>.ko, ksplice-<id>_<t>-{new,old}.ko,
# built with the documented recipe (kmodsrc/README).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$top/scripts/profile.sh"
KDIR=${KDIR:-$KHEADERS}
LAB=${LAB:-$("$top/scripts/lab.sh")/tree}
OUT=${OUT:-${KSPLICE_BUILD:-$top/build}/kmodfix-$PROFILE}
# Both cores: the fixtures are a dozen builds of the whole engine.
MAKE="make -s -j$(nproc) $KBUILD_ARGS -C $KDIR"
mkdir -p "$OUT"

# pre_object OBJ OUT: the pre object OBJ of the kernel, built once from the
# shared lab tree (and removed from it again if it was not there).
pre_object() {
	[ -s "$2" ] && return
	# the tree's lock, as ksplice-create takes it
	(cd "$LAB" && flock "$LAB" sh -c '
		had=; [ -e "$0" ] && had=1
		make -s $2 KCFLAGS="-ffunction-sections -fdata-sections" "$0" &&
		cp "$0" "$1" &&
		if [ -z "$had" ]; then rm -f "$0" "${0%/*}/.${0##*/}.cmd"; fi' \
		"$1" "$2" "$KBUILD_ARGS")
}
pre_object fs/proc/cmdline.o "$OUT/cmdline_pre.o"
# kernel/sched/idle.c (cpu_startup_entry) is built as part of build_policy.o.
pre_object kernel/sched/build_policy.o "$OUT/idle_pre.o"
# Where kbuild defers objtool to the vmlinux.o link (IBT), the pre objects
# go through that pass, as ksplice-create's do: the running code did.
"$top/ksplice-obj.pl" objtool "$LAB" "$OUT/objtool" "$OUT/cmdline_pre.o" "$OUT/idle_pre.o"

# The target module: its object as kbuild linked it (and ran objtool on it,
# where kbuild defers objtool to the link), built with function sections,
# is the pre.
rm -rf "$OUT/target" && mkdir -p "$OUT/target"
cp "$here"/fixtures/target/* "$OUT/target/"
$MAKE M="$OUT/target" modules
tpre=$OUT/target/ksplice_fixture_target.o

# Fixture objects, compiled with the kernel's flags through a dummy module.
obj=$OUT/objs
rm -rf "$obj" && mkdir -p "$obj"
cp "$here"/fixtures/*.[chS] "$top"/kmodsrc/ksplice-patch.h \
	"$top"/kmodsrc/ksplice-meta.h "$obj/"
# The layout of special sections is the profile's.
mkold() { python3 "$here/mkold.py" --profile="$PROFILE_DIR/sections" "$@"; }
mkold "$OUT/cmdline_pre.o" cmdline_proc_show > "$obj/cmdline_old.c"
# 0x19: an instruction byte on 6.1 and 6.12 alike (mkold refuses one that
# matching would not compare); guest-tests.sh expects the mismatch there.
mkold "$OUT/cmdline_pre.o" cmdline_proc_show \
	--corrupt=cmdline_proc_show:0x19 > "$obj/cmdline_bad_old.c"
mkold "$tpre" fixture_show fixture_wait \
	fixture_nap fixture_nap.cold > "$obj/fixture_old.c"
# A (fake) 2-byte jump label site right where the jump would go.
mkold "$OUT/cmdline_pre.o" cmdline_proc_show \
	--special=cmdline_proc_show:jump:2:2 > "$obj/cmdline_special_old.c"
mkold "$OUT/idle_pre.o" cpu_startup_entry > "$obj/idle_old.c"
mkold "$tpre" fixture_show > "$obj/fixture_show_old.c"
mkold "$tpre" ksplice_fixture_direct > "$obj/direct_old.c"
# Corrupt metadata, which the engine must refuse (unexpected) without
# following it: a window whose 32-bit offset + length wraps around, a
# relocation field of 0 bytes, a section larger than the module (in new
# code, cmdline_field_meta.c and cmdline_repl_meta.c: a field outside the
# module and a replacement outside its code).
mkold "$OUT/cmdline_pre.o" cmdline_proc_show \
	--special=cmdline_proc_show:0xfffffffe:4:2 > "$obj/cmdline_wrap_old.c"
mkold "$OUT/cmdline_pre.o" cmdline_proc_show \
	--reloc-size=cmdline_proc_show:saved_command_line:0 > "$obj/cmdline_size0_old.c"
mkold "$OUT/cmdline_pre.o" cmdline_proc_show \
	--section-size=cmdline_proc_show:0x10000000000 > "$obj/cmdline_huge_old.c"
olds="cmdline_old cmdline_bad_old fixture_old cmdline_special_old idle_old \
	cmdline_wrap_old cmdline_size0_old cmdline_huge_old fixture_show_old \
	direct_old"
cat > "$obj/Kbuild" <<EOK
obj-m := fixobjs.o
fixobjs-y := brackets-begin.o brackets-end.o cmdline_new.o cmdline_new_meta.o \
	fixture_new.o fixture_new_meta.o cmdline_missing_meta.o \
	idle_new.o idle_new_meta.o cmdline_field_meta.o cmdline_repl_meta.o \
	dep_new.o dep_new_meta.o direct_new.o direct_new_meta.o \
	$(for o in $olds; do printf ' %s.o' $o; done)
ccflags-y := -I\$(src)
$(for o in $olds; do echo "OBJECT_FILES_NON_STANDARD_$o.o := y"; done)
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
update kfix6 vmlinux idle_new.o idle_new_meta.o -- idle_old.o
update kfix8 ksplice_fixture_target dep_new.o dep_new_meta.o -- fixture_show_old.o
# Its test (guest-tests.sh 6c) is for kernels that seal endbr64 (IBT).
if [ "$IBT" = 1 ]; then
	update kfix9 ksplice_fixture_target direct_new.o direct_new_meta.o -- direct_old.o
fi
update kfixwrap vmlinux cmdline_new.o cmdline_new_meta.o -- cmdline_wrap_old.o
update kfixsize0 vmlinux cmdline_new.o cmdline_new_meta.o -- cmdline_size0_old.o
update kfixhuge vmlinux cmdline_new.o cmdline_new_meta.o -- cmdline_huge_old.o
update kfixfield vmlinux cmdline_new.o cmdline_field_meta.o -- cmdline_old.o
update kfixrepl vmlinux cmdline_new.o cmdline_repl_meta.o -- cmdline_old.o
