# Source this: loads a kernel profile (profiles/NAME/kernel.conf) into
# shell variables.  NAME is $KSPLICE_KERNEL, else profiles/default.
#   PROFILE        the profile's name      PROFILE_DIR  its directory
#   KVER KPKG GENERATION SOURCE_PKG IMAGE_PKG HEADERS_PKG DBG_PKG ...
ksplice_top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PROFILE=${KSPLICE_KERNEL:-$(cat "$ksplice_top/profiles/default")}
PROFILE_DIR=$ksplice_top/profiles/$PROFILE
if [ ! -f "$PROFILE_DIR/kernel.conf" ]; then
	echo "ksplice: no kernel profile $PROFILE (profiles/: $(cd "$ksplice_top/profiles" && ls -d */ | tr -d / | paste -sd' '))" >&2
	exit 2
fi
# shellcheck disable=SC1090
. "$PROFILE_DIR/kernel.conf"
IMAGE_PKG=${IMAGE_PKG//@KVER@/$KVER}
HEADERS_PKG=${HEADERS_PKG//@KVER@/$KVER}
DBG_PKG=${DBG_PKG//@KVER@/$KVER}
KHEADERS=/usr/src/$HEADERS_PKG
# The compiler the kernel was built with, as its config names it (kbuild
# rewrites .config when CC differs from CONFIG_CC_VERSION_TEXT's name).
# Empty while the headers are not installed yet (setup.sh sources this first).
kcc() {
	[ -f "$KHEADERS/.config" ] || return 0
	sed -n 's/^CONFIG_CC_VERSION_TEXT="\([^ ]*\).*/\1/p' "$KHEADERS/.config"
}
# kbuild's arguments for this kernel: its own compiler name, and no Rust
# (these kernels are built without it; a rustc on PATH would make kbuild
# rewrite .config).
KCC=$(kcc 2>/dev/null)
KBUILD_ARGS="CC=${KCC:-gcc} RUSTC=ksplice-no-rustc"
# All profiles, or those named by KSPLICE_KERNELS (space separated).
ksplice_kernels() {
	if [ -n "${KSPLICE_KERNELS:-}" ]; then echo "$KSPLICE_KERNELS"; return; fi
	(cd "$ksplice_top/profiles" && ls -d */ | tr -d / | paste -sd' ')
}
