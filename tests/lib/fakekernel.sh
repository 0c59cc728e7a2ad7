# A fake kernel for the drivers' host tests (source it; needs $T, a private
# temp dir, and $top, the checkout): dummy updates, and insmod/rmmod scripts
# that keep a sysfs tree under $FAKE, run through fakeenv.
#   mkupdate DIR ID RELEASE [VERSION [FUNCTION]]
#                                       DIR/ksplice-ID/: a well-formed update
#                                       with dummy modules, for kernel RELEASE
#   mkdigests DIR                       sha256sums of DIR's modules (Ksplice.pm's writer)
#   fakeenv CMD...                      CMD against the fake kernel
# Used by tests/drivers/run and tests/ops/run.
: "${T:?}" "${top:?}"

mkupdate() { # mkupdate DIR ID RELEASE [VERSION [FUNCTION]]: a well-formed update with dummy modules
	# (VERSION: uname -v of its kernel, default the host's; FUNCTION: the
	# function of vmlinux it changes, default meminfo_proc_show)
	local d=$1/ksplice-$2
	mkdir -p "$d"
	printf 'core ksplice_%s ksplice-%s.ko\nchange vmlinux ksplice_%s_vmlinux_new ksplice-%s_vmlinux-new.ko ksplice_%s_vmlinux_old ksplice-%s_vmlinux-old.ko\n' \
		"$2" "$2" "$2" "$2" "$2" "$2" > "$d/contents"
	printf -- '--- a/x.c\n+++ b/x.c\n' > "$d/patch"
	echo "test update $2" > "$d/description"
	echo 1 > "$d/api-version"
	printf 'Release: %s\nVersion: %s\nMachine: %s\n' "$3" "${4:-$(uname -v)}" "$(uname -m)" > "$d/utsname"
	date +%s > "$d/timestamp"
	for m in ksplice-$2.ko ksplice-$2_vmlinux-new.ko ksplice-$2_vmlinux-old.ko; do echo fake > "$d/$m"; done
	mkdir -p "$d/debug"; printf 'vmlinux fs/proc/meminfo.o changed %s\n' "${5:-meminfo_proc_show}" > "$d/debug/changed"
	mkdigests "$d"
}
# mkdigests DIR: the sha256sums of DIR's module files, by Ksplice.pm's writer.
mkdigests() { (cd "$1" && perl -I"$top" -MKsplice -e 'Ksplice::write_digests(".", @ARGV)' *.ko); }

# Fake kernel: insmod/rmmod scripts that keep a sysfs tree under $FAKE.
FAKE=$T/fake
mkdir -p "$FAKE/sys/module" "$FAKE/state"
# FAKE_ABORT=CODE: the apply aborts with CODE (with FAKE_ABORT_ID=ID, only
# the apply of update ID), its abort_detail FAKE_ABORT_DETAIL, its conflicts
# the lines of FAKE_CONFLICTS (default one).  FAKE_INSMOD_DELAY=S: insmod
# takes S seconds.  FAKE_STAGE_SIGNAL=SIG: the stage file is a fifo, as slow
# as the kernel's: once the driver has written it, SIG reaches the driver, then
# the stage reads back what was written.  FAKE_RMMOD_SIGNAL=SIG: rmmod sends
# SIG to the driver.  As in the kernel, the core and new code modules of an
# applied update cannot be unloaded.
cat > "$T/insmod" <<'EOF'
#!/bin/bash
echo "insmod $1" >> "$FAKE/calls"
[ -z "${FAKE_INSMOD_DELAY:-}" ] || sleep "$FAKE_INSMOD_DELAY"
name=$(basename "$1" .ko | tr - _)
[ "$(cat "$1")" = fake ] || { echo "insmod: ERROR: could not insert module $1: Invalid module format"; exit 1; }
mkdir -p "$FAKE/sys/module/$name"
case $name in
*_new|*_old) ;;
*)	d=$FAKE/sys/module/$name/ksplice
	mkdir -p "$d"
	echo ok > "$d/abort_cause"; : > "$d/conflicts"; echo 0 > "$d/debug"; echo 0 > "$d/partial"
	if [ -n "${FAKE_ABORT:-}" ] && { [ -z "${FAKE_ABORT_ID:-}" ] || [ "$name" = "ksplice_$FAKE_ABORT_ID" ]; }; then
		ln -s /dev/null "$d/stage"; echo "$FAKE_ABORT" > "$d/abort_cause"
		printf '%s\n' "${FAKE_CONFLICTS:-cat 1234 meminfo_proc_show}" > "$d/conflicts"
		[ -z "${FAKE_ABORT_DETAIL:-}" ] || printf '%s\n' "$FAKE_ABORT_DETAIL" > "$d/abort_detail"
	elif [ -n "${FAKE_STAGE_SIGNAL:-}" ]; then
		mkfifo "$d/stage"
		driver=$PPID
		(	v=$(timeout 20 cat "$d/stage")
			kill -"$FAKE_STAGE_SIGNAL" "$driver"
			timeout 5 sh -c 'echo "$1" > "$2"' _ "$v" "$d/stage"
			echo "$v" > "$d/stage.new" && mv "$d/stage.new" "$d/stage"
		) </dev/null >/dev/null 2>&1 &
	else echo preparing > "$d/stage"; fi ;;
esac
EOF
cat > "$T/rmmod" <<'EOF'
#!/bin/bash
echo "rmmod $1" >> "$FAKE/calls"
[ -z "${FAKE_RMMOD_SIGNAL:-}" ] || kill -"$FAKE_RMMOD_SIGNAL" $PPID
[ -d "$FAKE/sys/module/$1" ] || { echo "rmmod: ERROR: Module $1 is not currently loaded"; exit 1; }
stage=$FAKE/sys/module/ksplice_$(echo "$1" | cut -d_ -f2)/ksplice/stage
case $1 in *_old) ;; *)
	if [ -p "$stage" ] || { [ -f "$stage" ] && [ "$(cat "$stage")" = applied ]; }; then
		echo "rmmod: ERROR: Module $1 is in use"; exit 1
	fi ;;
esac
rm -rf "$FAKE/sys/module/$1"
EOF
chmod +x "$T/insmod" "$T/rmmod"
export FAKE FAKE_ABORT= FAKE_ABORT_ID= FAKE_ABORT_DETAIL= FAKE_CONFLICTS= FAKE_INSMOD_DELAY= FAKE_STAGE_SIGNAL= FAKE_RMMOD_SIGNAL=
# The fake kernel's release: FAKE_RELEASE, default 6.1.0-56-amd64.
fakeenv() { env KSPLICE_SYSFS="$FAKE/sys" KSPLICE_STATE_DIR="$FAKE/state" KSPLICE_INSMOD="$T/insmod" \
	KSPLICE_RMMOD="$T/rmmod" KSPLICE_UNAME_RELEASE="${FAKE_RELEASE:-6.1.0-56-amd64}" KSPLICE_UNAME_VERSION="$(uname -v)" "$@"; }
