#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make series: this tree as a git-format-patch series against Debian's
# linux-source-6.12 (the source the lab's debug kernel is built from) that
# replaces the in-tree drivers/block/xen-blkfront.c and
# drivers/block/xen-blkback/ with ours, one patch per step:
#
#   1 xen/blkif     include/xen/interface/io/blkif.h
#   2 xen-blkback   drivers/block/xen-blkback/, MAINTAINERS
#   3 xen-blkfront  drivers/block/xen-blkfront/ in place of xen-blkfront.c,
#                   drivers/block/Makefile, MAINTAINERS
#   4 docs          Documentation/admin-guide/blockdev/, Documentation/ABI/
#   5 Kconfig       drivers/block/Kconfig, from Kconfig.snippet
#
# plus a cover letter, into build/series/ (SERIES_OUT).  The commit messages
# are scripts/series/*.txt (first line the subject).  Each patch builds on
# its own: the frontend's Makefile line comes with the frontend.
#
# In tree the drivers build for one kernel only and there is no
# include/xen-blk/: scripts/series-intree.py writes each driver directory
# with the XEN_BLK_KERNEL_6_12 conditionals resolved for 6.12, the headers
# of include/xen-blk/ it includes placed beside its sources (a header that
# says "xen-blk-series: omit", like xenbus_states.h, which only tells
# checkpatch that the xenbus state names are the kernel's, stays out), and
# its Makefile without our out-of-tree flags.  New headers, objects and
# per-object flags flow in without a change here.
#
# Author and Signed-off-by: SERIES_AUTHOR="Name <email>", else git config
# user.name/user.email, else the placeholder "Your Name <you@example.org>"
# (to be replaced before anything is sent).  The dates are those of this
# tree's last commit, so the same tree gives the same patches.
#
# Reads the files the series touches from /usr/src/linux-source-6.12.tar.xz
# (SERIES_SOURCE; installed by 'make setup'), once per source version, into
# the lab cache: series-base-<version>/; from SERIES_PRISTINE instead when
# that is an unpacked copy of the same source (series-check.sh's).
set -euo pipefail
cd "$(dirname "$0")/.."
TOP=$PWD
CACHE=${XEN_BLK_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/xen-blk}
TARBALL=${SERIES_SOURCE:-/usr/src/linux-source-6.12.tar.xz}
OUT=${SERIES_OUT:-build/series}
MSGS=$TOP/scripts/series
WORK=$TOP/build/series-work

die() { echo "series: $*" >&2; exit 1; }

[ -f "$TARBALL" ] || die "no $TARBALL: run 'make setup' (it installs linux-source-6.12)"
srcver=$(dpkg-query -W -f='${Version}' linux-source-6.12 2>/dev/null || basename "$TARBALL")
srcver=$(echo "$srcver" | tr -c 'A-Za-z0-9.\n' '-')

# The kernel files the series changes, as linux-source-6.12 has them.
TOUCHED="MAINTAINERS drivers/block/Kconfig drivers/block/Makefile
	drivers/block/xen-blkfront.c drivers/block/xen-blkback
	include/xen/interface/io/blkif.h
	Documentation/ABI/testing/sysfs-driver-xen-blkback
	Documentation/ABI/testing/sysfs-driver-xen-blkfront
	Documentation/admin-guide/blockdev/index.rst"
BASE=$CACHE/series-base-$srcver
if [ ! -f "$BASE/.done" ]; then
	echo "series: reading the touched files of $TARBALL into $BASE"
	rm -rf "$BASE" "$BASE.tmp"
	mkdir -p "$BASE.tmp"
	if [ -n "${SERIES_PRISTINE:-}" ] && [ -f "$SERIES_PRISTINE/.series-unpacked" ]; then
		# series-check's unpacked copy of the same source: no second
		# pass of xz over the whole tarball
		(cd "$SERIES_PRISTINE" && cp -a --parents $TOUCHED "$BASE.tmp/")
	else
		members=
		for f in $TOUCHED; do members="$members linux-source-6.12/$f"; done
		# shellcheck disable=SC2086
		tar -I "xz -T2" -xf "$TARBALL" -C "$BASE.tmp" --strip-components=1 $members
	fi
	touch "$BASE.tmp/.done"
	mv "$BASE.tmp" "$BASE"
fi

# author and sign-off
ident=${SERIES_AUTHOR:-}
if [ -z "$ident" ]; then
	n=$(git config user.name || true)
	e=$(git config user.email || true)
	if [ -n "$n" ] && [ -n "$e" ]; then
		ident="$n <$e>"
	else
		ident="Your Name <you@example.org>"
		echo "series: no git user.name/user.email: placeholder author '$ident'" >&2
	fi
fi
case "$ident" in
*" <"*@*">") ;;
*) die "SERIES_AUTHOR must read 'Name <email>', not '$ident'" ;;
esac
export GIT_AUTHOR_NAME=${ident% <*} GIT_AUTHOR_EMAIL=${ident##*<}
GIT_AUTHOR_EMAIL=${GIT_AUTHOR_EMAIL%>}
export GIT_COMMITTER_NAME=$GIT_AUTHOR_NAME GIT_COMMITTER_EMAIL=$GIT_AUTHOR_EMAIL
date=$(git log -1 --format=%cI 2>/dev/null || date -u +%FT%TZ)
export GIT_AUTHOR_DATE=$date GIT_COMMITTER_DATE=$date

# ship_driver <name>: drivers/block/<name>/ of this tree, made in-tree
# (scripts/series-intree.py: the 6.12 bodies of the compat helpers, the
# headers of include/xen-blk/ beside the sources, the Makefile without our
# out-of-tree flags)
ship_driver() {
	local d=drivers/block/$1
	rm -rf "$d"
	python3 "$TOP/scripts/series-intree.py" "$TOP" "$d" "$d"
}

# edit <file> <python expression over s>: rewrite a file, failing when the
# edit changes nothing (the base moved under us)
edit() {
	python3 - "$1" "$2" <<'PY'
import sys
path, expr = sys.argv[1], sys.argv[2]
s = open(path).read()
t = eval(expr, {"s": s})
if t == s:
    sys.exit(f"series: {path}: the edit '{expr}' changed nothing")
open(path, "w").write(t)
PY
}

commit() { # commit <message file>
	git add -A
	{ cat "$MSGS/$1"; echo; echo "Signed-off-by: $ident"; } | git commit -q -F -
}

rm -rf "$WORK"
mkdir -p "$WORK"
cp -a "$BASE/." "$WORK/"
rm -f "$WORK/.done"
cd "$WORK"
git init -q
git config core.autocrlf false
git add -A
git commit -q -m "linux-source-6.12 $srcver: the files the series touches"

# 1: the wire protocol
cp "$TOP/include/xen/interface/io/blkif.h" include/xen/interface/io/blkif.h
commit 1-blkif.txt

# 2: the backend
ship_driver xen-blkback
edit MAINTAINERS 's.replace("F:\tdrivers/block/xen-blkback/*\n", "F:\tdrivers/block/xen-blkback/\n")'
commit 2-blkback.txt

# 3: the frontend, a directory instead of one file
git rm -q drivers/block/xen-blkfront.c
ship_driver xen-blkfront
edit drivers/block/Makefile 's.replace("+= xen-blkfront.o\n", "+= xen-blkfront/\n")'
edit MAINTAINERS 's.replace("F:\tdrivers/block/xen*\nF:\tdrivers/block/xen-blkback/\n", "F:\tdrivers/block/xen-blkback/\nF:\tdrivers/block/xen-blkfront/\n")'
commit 3-blkfront.txt

# 4: administrator's guides and sysfs ABI
for side in back front; do
	cp "$TOP/Documentation/xen-blk$side.rst" Documentation/admin-guide/blockdev/
	cp "$TOP/Documentation/ABI/testing/sysfs-driver-xen-blk$side" Documentation/ABI/testing/
done
edit Documentation/admin-guide/blockdev/index.rst 's.replace("   zram\n", "   xen-blkback\n   xen-blkfront\n   zram\n")'
edit MAINTAINERS 's.replace("S:\tSupported\nF:\tdrivers/block/xen-blkback/\n", "S:\tSupported\nF:\tDocumentation/ABI/testing/sysfs-driver-xen-blkback\nF:\tDocumentation/ABI/testing/sysfs-driver-xen-blkfront\nF:\tDocumentation/admin-guide/blockdev/xen-blkback.rst\nF:\tDocumentation/admin-guide/blockdev/xen-blkfront.rst\nF:\tdrivers/block/xen-blkback/\n")'
commit 4-docs.txt

# 5: Kconfig, the entries of Kconfig.snippet in place of the old ones
python3 - drivers/block/Kconfig "$TOP/Kconfig.snippet" <<'PY'
import re, sys
path, snip = sys.argv[1], open(sys.argv[2]).read()
snip = snip[snip.index("config XEN_BLKDEV_FRONTEND"):].rstrip("\n") + "\n\n"
s = open(path).read()
m = re.search(r"^config XEN_BLKDEV_FRONTEND\n.*?^config XEN_BLKDEV_BACKEND\n.*?(?=^config )",
              s, re.S | re.M)
if not m:
    sys.exit("series: drivers/block/Kconfig: no XEN_BLKDEV_FRONTEND/BACKEND entries")
open(path, "w").write(s[:m.start()] + snip + s[m.end():])
PY
commit 5-kconfig.txt

cd "$TOP"
rm -rf "$OUT"
mkdir -p "$OUT"
git -C "$WORK" format-patch -q --no-renames --cover-letter -o "$TOP/$OUT" HEAD~5..HEAD
cover=$(ls "$OUT"/0000-cover-letter.patch)
python3 - "$cover" "$MSGS/cover.txt" <<'PY'
import sys
path, text = sys.argv[1], open(sys.argv[2]).read()
subject, blurb = text.split("\n", 1)
s = open(path).read()
s = s.replace("*** SUBJECT HERE ***", subject).replace("*** BLURB HERE ***", blurb.strip("\n"))
open(path, "w").write(s)
PY
echo "series: $(ls "$OUT"/*.patch | wc -l) files in $OUT (author $ident, against linux-source-6.12 $srcver)"
ls -1 "$OUT"
