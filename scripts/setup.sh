#!/bin/bash
# Install the pinned Debian packages the product, its tests and its demo need.
# Idempotent: does nothing when everything is already at the pinned version.
set -eu

KVER=6.1.0-56-amd64
KPKG=6.1.192-2

pinned="linux-image-$KVER-unsigned=$KPKG linux-headers-$KVER=$KPKG linux-source-6.1=$KPKG"
plain="qemu-system-x86 busybox-static cpio libelf-dev binutils-dev flex bison dwarves bc
xz-utils perl gcc-12 make patch kmod libssl-dev rsync valgrind python3 man-db iproute2"

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
		     "update KVER/KPKG in scripts/setup.sh and the tests' expectations" >&2
		exit 1
	fi
done
apt-get install -y -q --no-install-recommends $missing
