#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Print the kernel headers directory for a Debian kernel series (6.1 or 6.12):
# the newest installed linux-headers-<ver>-amd64 of that series; for
# 6.12-debug, the lab's debug kernel tree (scripts/lab/debug-kernel.sh).
# Usage: scripts/kdir.sh 6.1|6.12|6.12-debug
set -eu
series=${1:-6.1}
case "$series" in
6.1)  pat='linux-headers-6.1.0-*-amd64' ;;
6.12) pat='linux-headers-6.12.*-amd64' ;;
6.12-debug)
	f=${XEN_BLK_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/xen-blk}/kdir-$series
	if [ -s "$f" ] && [ -f "$(cat "$f")/Module.symvers" ]; then
		cat "$f"
		exit 0
	fi
	echo "kdir.sh: no debug kernel built; run 'make debug-kernel'" >&2
	exit 1 ;;
*) echo "kdir.sh: unknown kernel series '$series' (6.1, 6.12 or 6.12-debug)" >&2; exit 2 ;;
esac
d=$(cd /usr/src && ls -d $pat 2>/dev/null | grep -v -e cloud -e rt-amd64 | sort -V | tail -n 1) || true
if [ -z "$d" ]; then
	echo "kdir.sh: no $pat under /usr/src; run 'make setup'" >&2
	exit 1
fi
echo "/usr/src/$d"
