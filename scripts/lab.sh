#!/bin/bash
# Prepare (once) and print the path of the kernel lab of one kernel profile
# ($KSPLICE_KERNEL, else profiles/default), shared by tests, demo and bench:
#   $LAB/tree     the Debian source of the profile's kernel, configured with
#                 its headers package's .config, modules_prepare done
#   $LAB/config   ksplice-create config dir for that kernel (real System.map)
# The recipe is ksplice-prepare's (the product command): the lab is its
# directory for the profile's kernel (KVER) at the profile's package version
# (KPKG), keyed in $LAB/.ready; a prepared lab costs one quick run of it.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/scripts/profile.sh"
base=${KSPLICE_BUILD:-$top/build}
LAB=$base/lab-$PROFILE-$KPKG

mkdir -p "$base"
exec 9>"$base/.lab.lock"
flock 9
# Labs of this profile's earlier versions go.
for old in "$base/lab-$PROFILE"-*; do
	[ "$old" = "$LAB" ] || [ ! -d "$old" ] || rm -rf "$old"
done
# Progress lines go to stderr; stdout is the ksplice-create command.
if ! "$top/ksplice-prepare" --package-version="$KPKG" --dir="$LAB" "$KVER" >/dev/null; then
	echo "lab: ksplice-prepare failed for $KVER ($KPKG)" >&2
	exit 1
fi
grep -qx "tree $KVER $KPKG .*" "$LAB/.ready" && grep -qx "config $KVER $KPKG .*" "$LAB/.ready" || {
	echo "lab: $LAB/.ready is not that of $KVER $KPKG" >&2
	exit 1
}
echo "$LAB"
