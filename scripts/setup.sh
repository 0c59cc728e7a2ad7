#!/bin/bash
# Install the pinned Debian packages the product, its tests and its demo need:
# for every kernel profile (profiles/*, or those in $KSPLICE_KERNELS) its image,
# headers and source at the profile's version, plus the tools.
# Idempotent: does nothing when everything is already at the pinned version.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)

. "$top/scripts/profile.sh"
pinned=""
for k in $(ksplice_kernels); do
	pinned="$pinned $(KSPLICE_KERNEL=$k; . "$top/scripts/profile.sh";
		echo "$IMAGE_PKG=$KPKG $HEADERS_PKG=$KPKG $SOURCE_PKG=$KPKG")"
done
plain="qemu-system-x86 busybox-static cpio libelf-dev libdw-dev binutils-dev flex bison dwarves bc
xz-utils perl gcc-12 make patch kmod libssl-dev rsync valgrind python3 man-db iproute2
dpkg-dev debhelper fakeroot lintian systemd python3-jsonschema"

missing=""
for p in $pinned; do
	name=${p%%=*}
	ver=${p#*=}
	have=$(dpkg-query -W -f='${Status} ${Version}' "$name" 2>/dev/null || true)
	[ "$have" = "install ok installed $ver" ] || missing="$missing $p"
done
for p in $plain; do
	have=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	[ "$have" = "install ok installed" ] || missing="$missing $p"
done

if [ -z "$missing" ]; then
	echo "setup: all packages present"
	exit 0
fi
if [ "$(id -u)" != 0 ]; then
	echo "setup: need root to install:$missing" >&2
	exit 1
fi
echo "setup: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
for p in $pinned; do
	name=${p%%=*}
	ver=${p#*=}
	if ! apt-cache madison "$name" | awk '{print $3}' | grep -qx "$ver"; then
		echo "setup: pinned package $name=$ver is no longer in the registry;" \
		     "update KVER/KPKG in its profile (profiles/*/kernel.conf)" >&2
		exit 1
	fi
done
# Every pinned package is named, installed or not: apt then holds (or
# brings back) each at its pin instead of upgrading it alongside another.
plain_missing=""
for p in $missing; do
	case $p in *=*) ;; *) plain_missing="$plain_missing $p" ;; esac
done
apt-get install -y -q --no-install-recommends --allow-downgrades $pinned $plain_missing
# Installing one package of a source can upgrade another of the same source:
# say so plainly if a pin did not hold.
for p in $pinned; do
	name=${p%%=*}
	ver=${p#*=}
	have=$(dpkg-query -W -f='${Version}' "$name" 2>/dev/null || true)
	[ "$have" = "$ver" ] || { echo "setup: $name is at $have, not the pinned $ver" >&2; exit 1; }
done
