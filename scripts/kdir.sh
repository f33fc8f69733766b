#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Print the kernel headers directory for a Debian kernel series (6.1 or 6.12):
# the newest installed linux-headers-<ver>-amd64 of that series.
# Usage: scripts/kdir.sh 6.1|6.12
set -eu
series=${1:-6.1}
case "$series" in
6.1)  pat='linux-headers-6.1.0-*-amd64' ;;
6.12) pat='linux-headers-6.12.*-amd64' ;;
*) echo "kdir.sh: unknown kernel series '$series' (6.1 or 6.12)" >&2; exit 2 ;;
esac
d=$(cd /usr/src && ls -d $pat 2>/dev/null | grep -v -e cloud -e rt-amd64 | sort -V | tail -n 1) || true
if [ -z "$d" ]; then
	echo "kdir.sh: no $pat under /usr/src; run 'make setup'" >&2
	exit 1
fi
echo "/usr/src/$d"
