#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Static checks of the tree; each exits non-zero on the first finding.
#   w1          W=1 build for every kernel series, zero warnings
#   sparse      make C=2 (Debian's sparse) for every kernel series, zero reports
#   checkpatch  checkpatch.pl --strict (Debian's linux-source) over every source file
set -uo pipefail
cd "$(dirname "$0")/.."
SERIES=${SERIES:-"6.1 6.12"}
CACHE=${XEN_BLK_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/xen-blk}

# The kernel sources: the drivers, the wire protocol, the lab's test modules
# and the unit tests, which are KUnit modules too (tests/unit/unit.h; their
# userspace shim of kernel headers, tests/unit/shim, is not kernel code).
CHECK_PATHS=${CHECK_PATHS:-drivers include tests/lab/tools/kmod tests/unit}
sources() {
	{ git ls-files -co --exclude-standard -- $CHECK_PATHS 2>/dev/null |
		grep -E '\.[ch]$' ||
		find $CHECK_PATHS -name '*.[ch]'; } | grep -v '^tests/unit/shim/'
}

# Build every series in a scratch tree of its own, the drivers and the lab's
# test modules (tests/lab/tools/kmod); $1 names the tree, the rest are extra
# kbuild arguments.  Prints the compiler/checker output.
build_all() {
	local tag=$1; shift
	local s kdir out rc=0
	for s in $SERIES; do
		kdir=$(scripts/kdir.sh "$s") || return 1
		out=build/$tag-$(basename "$kdir")
		rm -rf "$out"
		scripts/mkbuildtree.sh . "$out"
		echo "== $tag $s ($kdir)"
		make -s -C "$kdir" M="$PWD/$out" "$@" modules 2>&1 || rc=1
		make -s -C tests/lab/tools/kmod KDIR="$kdir" OUT="$PWD/$out/lab-kmod" "$@" 2>&1 || rc=1
		# the KUnit suites of tests/unit need a kernel with KUnit: the
		# lab's debug kernel (SERIES=6.12-debug, make check-debug), not
		# Debian's, whose kernels have no CONFIG_KUNIT
		if grep -q '^CONFIG_KUNIT=y' "$kdir/.config"; then
			make -s -C tests/unit kunit KDIR="$kdir" OUT="$PWD/$out/kunit" "$@" 2>&1 || rc=1
		else
			echo "== $tag $s: no CONFIG_KUNIT, the KUnit suites of tests/unit are not built"
		fi
	done
	return $rc
}

# build_check <tree> <what is counted> <kbuild args...>: build every series,
# count the compiler's or checker's findings; succeed only with none
build_check() {
	local tag=$1 what=$2 log rc n
	shift 2
	log=$(build_all "$tag" "$@")
	rc=$?
	echo "$log" | grep -v -e '^Skipping BTF' -e '^==' || true
	n=$(echo "$log" | grep -c -E 'warning:|error:')
	echo "$tag: $n $what"
	[ $rc -eq 0 ] && [ "$n" -eq 0 ]
}

case "${1:-}" in
w1)
	build_check w1 warnings/errors W=1
	;;
sparse)
	command -v sparse >/dev/null || { echo "sparse: not installed (make setup)"; exit 1; }
	build_check sparse reports C=2 CHECK="sparse -Wno-unknown-attribute"
	;;
checkpatch)
	cp=$CACHE/checkpatch/checkpatch.pl
	if [ ! -x "$cp" ]; then
		src=$(ls /usr/src/linux-source-6.12.tar.* 2>/dev/null | head -n 1)
		[ -n "$src" ] || { echo "checkpatch: no /usr/src/linux-source-6.12.tar.* (make setup)"; exit 1; }
		mkdir -p "$CACHE/checkpatch"
		tar -xf "$src" -C "$CACHE/checkpatch" --strip-components=2 \
			linux-source-6.12/scripts/checkpatch.pl \
			linux-source-6.12/scripts/spelling.txt \
			linux-source-6.12/scripts/const_structs.checkpatch || exit 1
	fi
	n=0
	for f in $(sources); do
		out=$("$cp" --strict --no-tree --terse --show-types -f "$f" 2>&1)
		if [ -n "$out" ]; then
			echo "$out"
			n=$((n + $(echo "$out" | grep -c -E ': (ERROR|WARNING|CHECK):')))
		fi
	done
	echo "checkpatch: $n findings in $(sources | wc -l) files"
	[ "$n" -eq 0 ]
	;;
*)
	echo "usage: $0 w1|sparse|checkpatch" >&2
	exit 2
	;;
esac
