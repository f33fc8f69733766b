# SPDX-License-Identifier: GPL-2.0
# Shared settings of the host-side lab scripts (sourced, not run).

LAB_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# Downloaded debs, unpacked images and built base images: kept between runs
# (and between clones of the tree) so that only the first run downloads.
LAB_CACHE=${XEN_BLK_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/xen-blk}
mkdir -p "$LAB_CACHE"

lab_log() { printf '[lab] %s\n' "$*" >&2; }
lab_die() { printf '[lab] error: %s\n' "$*" >&2; exit 1; }

# Kernel series -> Debian package version string (e.g. 6.1.0-56-amd64),
# as recorded by setup.sh.
lab_kver_of() {
	local f="$LAB_CACHE/kver-$1"
	[ -s "$f" ] || lab_die "kernel $1 is not set up; run 'make setup' (scripts/lab/setup.sh)"
	cat "$f"
}
