#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The in-tree patch series, checked (issue 13):
#
#   1. make it (scripts/series.sh, into build/series/);
#   2. apply it with 'git am' onto the files it touches, as Debian's
#      linux-source-6.12 has them, and lay the result over a build tree of
#      that source;
#   3. checkpatch.pl --strict, the kernel tree's own, on every patch:
#      zero findings, but for the CamelCase names of the kernel's enum
#      xenbus_state (the drivers must use them; each one is checked against
#      include/xen/interface/io/xenbus.h and counted apart);
#   4. allmodconfig, with XEN_BLKDEV_FRONTEND=m and XEN_BLKDEV_BACKEND=m
#      checked, and every directory that holds a C file of the series
#      built in tree with W=1: zero warnings, each module of their
#      Makefiles linked.
#
# allmodconfig rather than defconfig + xen.config: it is what a driver is
# held to upstream (every option a driver can see is on: COMPILE_TEST,
# the sanitizers, CONFIG_WERROR) and costs no more here, since only
# 'make prepare' and the drivers' directories are built, never vmlinux.  Without
# vmlinux there is no modpost: the drivers are compiled and linked
# (xen-blkback.o, xen-blkfront.o), and the out-of-tree builds of
# 'make w1' are the ones that go through modpost.
#
# Caches of its own, never the debug kernel's (<lab cache>/...):
#   series-src-<srcver>/   linux-source-6.12 unpacked, pristine: nothing
#       writes into it after the unpack (cold: tar with a threaded xz,
#       about 20 s);
#   series-tree-<srcver>/  the build tree: a hard-link copy of that source
#       (cp -al, 2 s), configured and prepared once, with a small git
#       repository of LICENSES/ and include/ only (what checkpatch's
#       spdxcheck.py and its CamelCase seeding read).  Each run puts back
#       the source files the last run replaced (links to the pristine
#       ones), then lays the files the series gives over it, each one
#       removed and written anew, so that no write reaches the pristine
#       source through a link (kbuild itself only writes files of its own).
# 'git am' runs in a repository that holds only the files the patches
# touch, taken from the pristine source (build/series-check/am), and the
# result is what is laid over the build tree.  Only the directories of the
# series' C files are built, from scratch each run (their objects go
# first: a warning shows only when its file compiles).  Checkpatch runs
# beside the build.  SERIES_JOBS (2) compile jobs, nice'd.
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
rm -rf "$LOGDIR"
mkdir -p "$LOGDIR" "$CACHE"

# one check at a time on the cached tree
exec 9> "$CACHE/series-check.lock"
flock -n 9 || { say "another series check holds $CACHE/series-check.lock; waiting"; flock 9; }

# 1. the pristine source (cold: once per source version)
SRC=$CACHE/series-src-$srcver
TREE=$CACHE/series-tree-$srcver
if [ ! -f "$SRC/.series-unpacked" ]; then
	say "cold: unpacking $TARBALL into $SRC"
	t1=$SECONDS
	rm -rf "$SRC" "$SRC.tmp" "$TREE"
	mkdir -p "$SRC.tmp"
	$NICE tar -I "xz -T$JOBS" -xf "$TARBALL" -C "$SRC.tmp" --strip-components=1 ||
		die "cannot unpack $TARBALL"
	touch "$SRC.tmp/.series-unpacked"
	mv "$SRC.tmp" "$SRC"
	say "cold: unpacked in $((SECONDS - t1)) s"
fi
# 2. the series (the kernel files it changes taken from that source)
SERIES_OUT=$OUT SERIES_PRISTINE=$SRC scripts/series.sh > "$LOGDIR/series.log" 2>&1 ||
	{ cat "$LOGDIR/series.log"; die "make series failed"; }
mapfile -t patches < <(ls "$TOP/$OUT"/[0-9][0-9][0-9][0-9]-*.patch | grep -v '/0000-cover-letter\.patch$')
[ ${#patches[@]} -gt 0 ] || die "no patches in $OUT"
say "${#patches[@]} patches in $OUT"

# the build tree (cold: once per unpack)
if [ ! -f "$TREE/.series-tree" ]; then
	t1=$SECONDS
	rm -rf "$TREE" "$TREE.tmp"
	$NICE cp -al "$SRC" "$TREE.tmp" || die "cannot link $SRC to $TREE.tmp"
	rm -f "$TREE.tmp/.series-unpacked"
	# Debian's top-level .gitignore ignores everything at the top level
	# (its packaging repository holds only debian/): add by force
	(
		cd "$TREE.tmp" &&
		git init -q &&
		git config core.autocrlf false &&
		git config gc.auto 0 &&
		git config user.name "series-check" &&
		git config user.email "series-check@localhost" &&
		$NICE git add -f LICENSES include &&
		GIT_AUTHOR_DATE=2000-01-01T00:00:00Z GIT_COMMITTER_DATE=2000-01-01T00:00:00Z git commit -q -m "linux-source-6.12 $srcver: LICENSES/ and include/"
	) || die "cannot make the git repository of $TREE.tmp"
	touch "$TREE.tmp/.series-tree"
	mv "$TREE.tmp" "$TREE"
	say "cold: build tree linked, LICENSES/ and include/ committed in $((SECONDS - t1)) s"
fi

# 3. git am onto the files the series touches, as the source has them
t1=$SECONDS
AM=$LOGDIR/am
mkdir -p "$AM"
mapfile -t touched < <(sed -n 's|^diff --git a/\(.*\) b/.*|\1|p' "${patches[@]}" | sort -u)
for f in "${touched[@]}"; do
	if [ -f "$SRC/$f" ]; then
		mkdir -p "$AM/$(dirname "$f")"
		cp "$SRC/$f" "$AM/$f"
	fi
done
(
	cd "$AM" &&
	git init -q &&
	git config core.autocrlf false &&
	git config user.name "series-check" &&
	git config user.email "series-check@localhost" &&
	git add -A -f . &&
	git commit -q --allow-empty -m "linux-source-6.12 $srcver: the files the series touches" &&
	git tag series-base
) || die "cannot make the repository for git am"
if ! git -C "$AM" am -q --committer-date-is-author-date "${patches[@]}" > "$LOGDIR/am.log" 2>&1; then
	cat "$LOGDIR/am.log"
	die "git am failed"
fi
say "git am: ${#patches[@]} patches applied onto linux-source-6.12 $srcver (${#touched[@]} files)"

# 4. the build tree: last run's files back to the source's, then those of
# <rev> of the am repository; the directories of its C files in builddirs
cd "$TREE" || die "no $TREE"
restore() { # <file>: the build tree's <file> as the source has it
	rm -f "$1"
	if [ -f "$SRC/$1" ]; then
		ln "$SRC/$1" "$1"
	fi
}
lay() { # <rev>
	local f changed new=$LOGDIR/lay.tmp
	declare -A now=()
	mapfile -t changed < <(git -C "$AM" diff --name-only --no-renames series-base "$1")
	for f in "${changed[@]}"; do now[$f]=1; done
	# last run's files that this one leaves alone: back to the source's
	if [ -f .series-overlay ]; then
		while IFS= read -r f; do
			[ -n "${now[$f]:-}" ] || restore "$f"
		done < .series-overlay
	fi
	printf '%s\n' "${changed[@]}" > .series-overlay
	builddirs=()
	for f in "${changed[@]}"; do
		if ! git -C "$AM" cat-file -e "$1:$f" 2> /dev/null; then
			rm -f "$f"
			continue
		fi
		case "$f" in
		*.c) builddirs+=("$(dirname "$f")/") ;;
		esac
		git -C "$AM" show "$1:$f" > "$new" || die "cannot read $f of $1"
		# the same text already laid there stays, with its time: make
		# then redoes nothing that depends on it (a Kconfig file would
		# make it read every Kconfig file again)
		if [ -f "$f" ] && [ "$(stat -c %h "$f")" = 1 ] && cmp -s "$new" "$f"; then
			continue
		fi
		mkdir -p "$(dirname "$f")"
		rm -f "$f"
		mv "$new" "$f"
		# a new file, never a link into the pristine source
		[ "$(stat -c %h "$f")" = 1 ] || die "$TREE/$f is linked to another file"
	done
	mapfile -t builddirs < <(printf '%s\n' "${builddirs[@]}" | sort -u)
	for f in "${builddirs[@]}"; do
		find "$f" -maxdepth 1 \( -name '*.o' -o -name '.*.cmd' -o -name '*.a' \) -delete
	done
	nlaid=${#changed[@]}
}
lay HEAD
[ ${#builddirs[@]} -gt 0 ] || die "the series has no C file to build"
headdirs=("${builddirs[@]}")
say "build tree: $nlaid files of the series laid over the source ($((SECONDS - t1)) s)"

# 5. checkpatch, from the tree (its camelcase seeding reads the tree's
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
# checkpatch runs beside the build (it is most of a warm check's time): the
# first patch alone (it writes that cache when it is missing), then the
# others at once
(
	for p in "${patches[@]}"; do
		$NICE perl scripts/checkpatch.pl --strict --terse --show-types --no-summary "$p" \
			> "$LOGDIR/checkpatch-$(basename "$p" .patch).log" 2>&1 &
		[ "$p" != "${patches[0]}" ] || wait
	done
	wait
) &
checkpatch_pid=$!
t_cp=$SECONDS
checkpatch_result() {
	wait "$checkpatch_pid"
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
	say "checkpatch --strict: $findings findings ($kernel_names CamelCase names of enum xenbus_state, the kernel's own, not counted; done $((SECONDS - t_cp)) s after it started)"
}

# 6. the in-tree build (SERIES_CHECK_BUILD=0 stops before it, for trying
# the patches alone: the check then ends INCOMPLETE, exit status 2)
if [ "${SERIES_CHECK_BUILD:-1}" = 0 ]; then
	checkpatch_result
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
# -k: every warning of the series, also after the first (allmodconfig sets
# CONFIG_WERROR, so the first one stops its directory otherwise)
$NICE make -k -j"$JOBS" W=1 "${headdirs[@]}" > "$LOGDIR/build.log" 2>&1
brc=$?
warnings=$(grep -cE 'warning:|error:' "$LOGDIR/build.log")
grep -E 'warning:|error:' "$LOGDIR/build.log" | sed 's/^/  /'
[ $brc -eq 0 ] || tail -n 20 "$LOGDIR/build.log"
# every module a built directory's Makefile names was linked
for d in "${headdirs[@]}"; do
	for m in $(sed -n 's/^obj-\$([A-Z0-9_]*)[[:space:]]*+=[[:space:]]*\([A-Za-z0-9_-]*\)\.o.*/\1/p' "$d/Makefile" "$d/Kbuild" 2> /dev/null); do
		[ -f "$d$m.o" ] || { say "no $d$m.o"; brc=1; }
	done
done
say "W=1 in-tree build of ${headdirs[*]}: $warnings warnings/errors, $((SECONDS - t1)) s (log: $LOGDIR/build.log)"
checkpatch_result

# SERIES_BISECT=1: also build each earlier step of the series (the old
# frontend and backend against the new blkif.h, and so on); off by
# default: it rebuilds the drivers once per patch.  A directory of the
# series that a step does not have yet is built as the one file it was
# (drivers/block/xen-blkfront.o for drivers/block/xen-blkfront/).
if [ "${SERIES_BISECT:-0}" = 1 ]; then
	for c in $(git -C "$AM" rev-list --reverse series-base..HEAD~1); do
		lay "$c"
		targets=()
		for d in "${headdirs[@]}"; do
			if [ -f "$d/Makefile" ] || [ -f "$d/Kbuild" ]; then
				targets+=("$d")
			elif [ -f "${d%/}.c" ]; then
				rm -f "${d%/}.o"
				targets+=("${d%/}.o")
			fi
		done
		log=$LOGDIR/bisect-$(git -C "$AM" log -1 --format=%f "$c").log
		$NICE make -j"$JOBS" W=1 "${targets[@]}" > "$log" 2>&1 || brc=1
		n=$(grep -cE 'warning:|error:' "$log")
		warnings=$((warnings + n))
		say "step '$(git -C "$AM" log -1 --format=%s "$c")': $n warnings/errors"
	done
	lay HEAD
fi

verdict=PASS
[ $findings -eq 0 ] && [ "$warnings" -eq 0 ] && [ $brc -eq 0 ] || verdict=FAIL
say "$verdict (${#patches[@]} patches, $findings checkpatch findings, $warnings warnings, $((SECONDS - t0)) s)"
[ $verdict = PASS ]
