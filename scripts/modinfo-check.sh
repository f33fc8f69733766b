#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# What modinfo says of our modules, for every kernel series: the version of
# include/xen-blk/version.h, and drop-in parameters: every module parameter the distribution's
# xen-blkfront.ko and xen-blkback.ko accept (modinfo -p of the modules that
# `make setup` unpacks into the cache, for 6.1 and 6.12) must be accepted
# by ours, so that an existing /etc/modprobe.d file keeps loading.  A name
# missing from ours fails; so does a bool on one side and a number on the
# other (a value valid for one would refuse to load the other).  int
# against uint is reported, not failed: the same for the values that make
# sense (none of these takes a negative number).
#
# Usage: scripts/modinfo-check.sh
#   SERIES="6.1 6.12" (default)
#   PARAMS_TREE=<prefix>: take our modules from build/<prefix><headers>/
#   as built there already (scripts/check.sh passes the W=1 tree, w1-);
#   without it, `make KDIR=<headers>` builds them in build/<headers>/.
set -uo pipefail
cd "$(dirname "$0")/.."
. scripts/lab/common.sh
SERIES=${SERIES:-"6.1 6.12"}
PARAMS_TREE=${PARAMS_TREE:-}

# name<TAB>type of each parameter of a module file
params() {
	/sbin/modinfo -p "$1" | sed -n 's/^\([A-Za-z0-9_]*\):.*(\([a-z]*\))$/\1\t\2/p' | sort
}

version=$(sed -n 's/^#define XEN_BLK_VERSION "\(.*\)"$/\1/p' include/xen-blk/version.h)
[ -n "$version" ] || { echo "FAIL: no XEN_BLK_VERSION in include/xen-blk/version.h"; exit 1; }
rc=0
for s in $SERIES; do
	kdir=$(scripts/kdir.sh "$s") || exit 1
	v=$(lab_kver_of "$s")
	km=$LAB_CACHE/k-$s/lib/modules/$v/kernel/drivers/block
	ours=build/$PARAMS_TREE$(basename "$kdir")/drivers/block
	if [ -z "$PARAMS_TREE" ]; then
		make -s KDIR="$kdir" modules >/dev/null || { echo "FAIL: $s: our build failed"; exit 1; }
	fi
	for m in xen-blkfront xen-blkback; do
		theirs=$(find "$km" -name "$m.ko*" | head -n 1)
		mine=$ours/$m/$m.ko
		[ -n "$theirs" ] || { echo "FAIL: $s $m: no distro module under $km (make setup)"; rc=1; continue; }
		[ -f "$mine" ] || { echo "FAIL: $s $m: no $mine"; rc=1; continue; }
		mv=$(/sbin/modinfo -F version "$mine")
		[ "$mv" = "$version" ] || { echo "FAIL: $s $m: version '$mv', not $version"; rc=1; }
		n=0
		while IFS=$'\t' read -r name type; do
			n=$((n + 1))
			t=$(params "$mine" | awk -F'\t' -v n="$name" '$1 == n { print $2 }')
			if [ -z "$t" ]; then
				echo "FAIL: $s $m: parameter $name ($type) missing"
				rc=1
			elif [ "$t" != "$type" ]; then
				if [ "$t" = bool ] || [ "$type" = bool ]; then
					echo "FAIL: $s $m: $name is $t here, $type in the distro's"
					rc=1
				else
					echo "note: $s $m: $name is $t here, $type in the distro's"
				fi
			fi
		done < <(params "$theirs")
		[ "$n" -gt 0 ] || { echo "FAIL: $s $m: no parameter read from $theirs"; rc=1; }
		extra=$(join -v 1 <(params "$mine" | cut -f1) <(params "$theirs" | cut -f1) | tr '\n' ' ')
		echo "$s $m: $n distro parameters checked${extra:+; ours only: $extra}"
	done
done
[ $rc -eq 0 ] && echo "modinfo-check: version $version; every distro parameter is accepted"
exit $rc
