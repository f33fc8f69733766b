#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Mirror the sources into a per-kernel build tree as symlinks, so that
# objects for 6.1 and 6.12 never overwrite each other.
# Usage: scripts/mkbuildtree.sh <srcdir> <builddir>
set -eu
src=$(cd "$1" && pwd)
dst=$2
mkdir -p "$dst"
dst=$(cd "$dst" && pwd)
# drop links whose source is gone (renamed or deleted files)
find "$dst" -type l ! -exec test -e {} \; -delete
cd "$src"
ln -sf "$src/Kbuild" "$dst/Kbuild"
find drivers include -type f \( -name '*.c' -o -name '*.h' -o -name Makefile -o -name Kbuild \) |
while read -r f; do
	mkdir -p "$dst/$(dirname "$f")"
	ln -sf "$src/$f" "$dst/$f"
done
