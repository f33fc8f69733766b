#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The in-tree patch series, checked (issue 13):
#
#   1. make it (scripts/series.sh, into build/series/);
#   2. apply it with 'git am' onto a git repository of Debian's
#      linux-source-6.12, reset to the pristine source first;
#   3. checkpatch.pl --strict, the kernel tree's own, on every patch:
#      zero findings, but for the CamelCase names of the kernel's enum
#      xenbus_state (the drivers must use them; each one is checked against
#      include/xen/interface/io/xenbus.h and counted apart);
#   4. allmodconfig, with XEN_BLKDEV_FRONTEND=m and XEN_BLKDEV_BACKEND=m
#      checked, and both driver directories built in tree with W=1: zero
#      warnings.
#
# allmodconfig rather than defconfig + xen.config: it is what a driver is
# held to upstream (every option a driver can see is on: COMPILE_TEST,
# the sanitizers, CONFIG_WERROR) and costs no more here, since only
# 'make prepare' and the two directories are built, never vmlinux.  Without
# vmlinux there is no modpost: the drivers are compiled and linked
# (xen-blkback.o, xen-blkfront.o), and the out-of-tree builds of
# 'make w1' are the ones that go through modpost.
#
# The tree is a cache of its own, never the debug kernel's:
#   <lab cache>/series-linux-<srcver>/  the unpacked source as a git
#       repository (tag series-base) with the objects of the last check;
#       each run resets the sources to series-base and applies the series
#       again, so only the drivers recompile (through ccache when the
#       host has it: <lab cache>/series-ccache).
# Cold, the first run unpacks /usr/src/linux-source-6.12.tar.xz, commits
# it and runs 'make prepare'.  SERIES_JOBS (2) compile jobs, nice'd.
#
# Prints one line per stage and ends with
#   series-check: PASS|FAIL (<n> patches, <k> checkpatch findings,
#                 <w> warnings, <s> s)
set -uo pipefail
cd "$(dirname "$0")/.."
TOP=$PWD
CACHE=${XEN_BLK_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/xen-blk}
TARBALL=${SERIES_SOURCE:-/usr/src/linux-source-6.12.tar.xz}
JOBS=${SERIES_JOBS:-2}
OUT=build/series
LOGDIR=$TOP/build/series-check
NICE="nice -n 19 ionice -c3"
t0=$SECONDS

say() { echo "series-check: $*"; }
die() { say "FAIL: $*"; exit 1; }

[ -f "$TARBALL" ] || die "no $TARBALL: run 'make setup' (it installs linux-source-6.12)"
srcver=$(dpkg-query -W -f='${Version}' linux-source-6.12 2>/dev/null || basename "$TARBALL")
srcver=$(echo "$srcver" | tr -c 'A-Za-z0-9.\n' '-')
K=$CACHE/series-linux-$srcver
rm -rf "$LOGDIR"
mkdir -p "$LOGDIR" "$CACHE"

# 1. the series
SERIES_OUT=$OUT scripts/series.sh > "$LOGDIR/series.log" 2>&1 ||
	{ cat "$LOGDIR/series.log"; die "make series failed"; }
mapfile -t patches < <(ls "$TOP/$OUT"/[0-9][0-9][0-9][0-9]-*.patch | grep -v '/0000-cover-letter\.patch$')
[ ${#patches[@]} -gt 0 ] || die "no patches in $OUT"
say "${#patches[@]} patches in $OUT"

# one check at a time on the cached tree
exec 9> "$CACHE/series-check.lock"
flock -n 9 || { say "another series check holds $CACHE/series-check.lock; waiting"; flock 9; }

# 2. the tree: the pristine source as a git repository (cold: once).
# Debian's top-level .gitignore ignores everything at the top level (its
# packaging repository holds only debian/): add by force.
if ! git -C "$K" rev-parse -q --verify series-base > /dev/null 2>&1; then
	say "cold: unpacking $TARBALL into $K as a git repository"
	t1=$SECONDS
	rm -rf "$K" "$K.tmp"
	mkdir -p "$K.tmp"
	$NICE tar -xJf "$TARBALL" -C "$K.tmp" --strip-components=1 ||
		die "cannot unpack $TARBALL"
	(
		cd "$K.tmp" &&
		git init -q &&
		git config core.autocrlf false &&
		git config gc.auto 0 &&
		git config core.looseCompression 1 &&
		git config user.name "series-check" &&
		git config user.email "series-check@localhost" &&
		$NICE git add -A -f . &&
		$NICE git commit -q -m "linux-source-6.12 $srcver" &&
		git tag series-base
	) || die "cannot make a git repository of the source"
	mv "$K.tmp" "$K"
	say "cold: the source repository took $((SECONDS - t1)) s"
fi
cd "$K"
git am --abort > /dev/null 2>&1
git reset -q --hard series-base || die "cannot reset $K to series-base"
# the drivers' objects of the last check go: every check compiles them
rm -rf drivers/block/xen-blkfront drivers/block/xen-blkback/*.o \
	drivers/block/xen-blkback/.*.cmd drivers/block/xen-blkfront.o
# the same series gives the same commits, and checkpatch's cache of the
# CamelCase names of include/ (keyed by the last commit there) lasts
if ! git am -q --committer-date-is-author-date "${patches[@]}" > "$LOGDIR/am.log" 2>&1; then
	cat "$LOGDIR/am.log"
	git am --abort > /dev/null 2>&1
	die "git am failed"
fi
say "git am: ${#patches[@]} patches applied onto linux-source-6.12 $srcver"

# 3. checkpatch, from the tree (its camelcase seeding reads the tree's
# include/)
states=$(sed -n 's/^[[:space:]]*\(XenbusState[A-Za-z]*\)[[:space:]]*=.*/\1/p' \
	include/xen/interface/io/xenbus.h)
[ -n "$states" ] || die "no enum xenbus_state in include/xen/interface/io/xenbus.h"
# checkpatch asks scripts/spdxcheck.py about every SPDX tag and takes its
# silence for a yes, also when it cannot run (python3-ply and python3-git
# missing): make sure it answers both ways first.  /usr/bin first: the
# Debian python that has those modules, not another python3 on PATH.
export PATH=/usr/bin:$PATH
spdx_ok=$(echo "SPDX-License-Identifier: GPL-2.0" | scripts/spdxcheck.py - 2>&1)
spdx_bad=$(echo "SPDX-License-Identifier: Not-A-License" | scripts/spdxcheck.py - 2>&1)
[ -z "$spdx_ok" ] && [ -n "$spdx_bad" ] && ! echo "$spdx_bad" | grep -q Traceback ||
	die "scripts/spdxcheck.py does not run (python3-ply, python3-git: make setup): ${spdx_ok:-$spdx_bad}"
findings=0
kernel_names=0
# checkpatch is most of a warm check's time: the first patch alone (it
# writes that cache when it is missing), then the others at once
for p in "${patches[@]}"; do
	$NICE perl scripts/checkpatch.pl --strict --terse --show-types --no-summary "$p" \
		> "$LOGDIR/checkpatch-$(basename "$p" .patch).log" 2>&1 &
	[ "$p" != "${patches[0]}" ] || wait
done
wait
for p in "${patches[@]}"; do
	log=$LOGDIR/checkpatch-$(basename "$p" .patch).log
	while IFS= read -r l; do
		w=$(echo "$l" | sed -n 's/.*CHECK:CAMELCASE: Avoid CamelCase: <\([A-Za-z]*\)>.*/\1/p')
		if [ -n "$w" ] && echo "$states" | grep -qx "$w"; then
			kernel_names=$((kernel_names + 1))
			continue
		fi
		echo "  $(basename "$p"): $l"
		findings=$((findings + 1))
	done < <(grep -E '(ERROR|WARNING|CHECK):' "$log")
done
say "checkpatch --strict: $findings findings ($kernel_names CamelCase names of enum xenbus_state, the kernel's own, not counted)"

# 4. the in-tree build (SERIES_CHECK_BUILD=0 stops before it, for trying
# the patches alone: the check then ends INCOMPLETE, exit status 2)
if [ "${SERIES_CHECK_BUILD:-1}" = 0 ]; then
	say "INCOMPLETE: in-tree build not run (SERIES_CHECK_BUILD=0); $findings checkpatch findings, $((SECONDS - t0)) s"
	exit 2
fi
if [ -x /usr/lib/ccache/gcc ]; then
	export PATH=/usr/lib/ccache:$PATH CCACHE_DIR=$CACHE/series-ccache
	mkdir -p "$CCACHE_DIR"
	ccache -M 2G > /dev/null
fi
export KBUILD_BUILD_USER=series KBUILD_BUILD_HOST=xen-blk
t1=$SECONDS
if [ ! -f .config ] || [ "$(cat .series-config 2>/dev/null)" != allmodconfig ]; then
	$NICE make -s allmodconfig > "$LOGDIR/config.log" 2>&1 ||
		{ tail -n 20 "$LOGDIR/config.log"; die "make allmodconfig failed"; }
	echo allmodconfig > .series-config
fi
for o in XEN_BLKDEV_FRONTEND XEN_BLKDEV_BACKEND; do
	grep -qx "CONFIG_$o=m" .config || die "allmodconfig gave $(grep "CONFIG_$o[= ]" .config || echo "no CONFIG_$o")"
done
$NICE make -s -j"$JOBS" prepare > "$LOGDIR/prepare.log" 2>&1 ||
	{ tail -n 30 "$LOGDIR/prepare.log"; die "make prepare failed"; }
say "allmodconfig (XEN_BLKDEV_FRONTEND=m, XEN_BLKDEV_BACKEND=m), prepare: $((SECONDS - t1)) s"
t1=$SECONDS
$NICE make -j"$JOBS" W=1 drivers/block/xen-blkback/ drivers/block/xen-blkfront/ \
	> "$LOGDIR/build.log" 2>&1
brc=$?
warnings=$(grep -cE 'warning:|error:' "$LOGDIR/build.log")
grep -E 'warning:|error:' "$LOGDIR/build.log" | sed 's/^/  /'
[ $brc -eq 0 ] || tail -n 20 "$LOGDIR/build.log"
for o in drivers/block/xen-blkback/xen-blkback.o drivers/block/xen-blkfront/xen-blkfront.o; do
	[ -f "$o" ] || { say "no $o"; brc=1; }
done
say "W=1 in-tree build of both drivers: $warnings warnings/errors, $((SECONDS - t1)) s (log: $LOGDIR/build.log)"

# SERIES_BISECT=1: also build each earlier step of the series (the old
# frontend and backend against the new blkif.h, and so on); off by
# default: it rebuilds the drivers once per patch
if [ "${SERIES_BISECT:-0}" = 1 ]; then
	head=$(git rev-parse HEAD)
	for c in $(git rev-list --reverse series-base..HEAD~1); do
		git checkout -q "$c" || die "cannot check out $c"
		front=drivers/block/xen-blkfront.o
		[ -f drivers/block/xen-blkfront/Makefile ] && front=drivers/block/xen-blkfront/
		log=$LOGDIR/bisect-$(git log -1 --format=%f "$c").log
		$NICE make -j"$JOBS" W=1 drivers/block/xen-blkback/ "$front" > "$log" 2>&1 || brc=1
		n=$(grep -cE 'warning:|error:' "$log")
		warnings=$((warnings + n))
		say "step '$(git log -1 --format=%s "$c")': $n warnings/errors"
	done
	git checkout -q "$head"
fi

verdict=PASS
[ $findings -eq 0 ] && [ "$warnings" -eq 0 ] && [ $brc -eq 0 ] || verdict=FAIL
say "$verdict (${#patches[@]} patches, $findings checkpatch findings, $warnings warnings, $((SECONDS - t0)) s)"
[ $verdict = PASS ]
