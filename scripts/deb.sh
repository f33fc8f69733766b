#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make deb: build xen-blk-dkms_<version>_all.deb with Debian's own tooling
# (debhelper, dh-dkms), installed here with apt when missing.  The tree is
# staged in build/deb/xen-blk-<version>/ (the sources DKMS needs, the
# documentation and debian/), debian/changelog is written there with the
# version of include/xen-blk/version.h, and dpkg-buildpackage leaves the
# package in build/deb/.  Prints its path last.
set -euo pipefail
cd "$(dirname "$0")/.."

PKGS="debhelper dh-dkms dpkg-dev"
missing=
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "deb: installing$missing"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

version=$(sed -n 's/^#define XEN_BLK_VERSION "\(.*\)"$/\1/p' include/xen-blk/version.h)
case "$version" in
[0-9]*) ;;
*) echo "deb: no version in include/xen-blk/version.h" >&2; exit 1 ;;
esac
out=build/deb
stage=$out/xen-blk-$version
rm -rf "$out"
mkdir -p "$stage"

# the files of the tree: git's list in a checkout (nothing built or
# untracked), the directories themselves in an unpacked tarball
files() {
	if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		git ls-files -- "$@"
	else
		find "$@" -type f
	fi
}
files Kbuild dkms.conf drivers include Documentation README.md debian |
	cpio -pdm --quiet "$stage"
# DKMS sources dkms.conf with bash and reads the version from the header
# beside it: it must find the one dh_dkms is given
conf=$PWD/$stage/dkms.conf
v=$(cd / && bash -c '. "$1"; echo "$PACKAGE_VERSION"' sh "$conf")
[ "$v" = "$version" ] || { echo "deb: dkms.conf gives version '$v', not $version" >&2; exit 1; }

# debian/changelog: the version, and the commit it was built from; the
# date is the commit's, so that two builds of one commit are the same.
# The maintainer (control and changelog): DEBFULLNAME <DEBEMAIL> when set,
# as Debian's tools take it, else the commit's author.
maint=
[ -n "${DEBEMAIL:-}" ] && maint="${DEBFULLNAME:-xen-blk} <$DEBEMAIL>"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	rev=$(git describe --always --dirty)
	date=$(git log -1 --format=%cD)
	[ -n "$maint" ] || maint=$(git log -1 --format='%an <%ae>')
else
	rev="a tree without git"
	date=$(date -R)
fi
[ -n "$maint" ] || maint=$(sed -n 's/^Maintainer: //p' debian/control)
sed -i "s|^Maintainer: .*|Maintainer: $maint|" "$stage/debian/control"
cat > "$stage/debian/changelog" <<EOF
xen-blk ($version) unstable; urgency=medium

  * Built from $rev.

 -- $maint  $date
EOF

(cd "$stage" && dpkg-buildpackage -b -us -uc) > "$out/build.log" 2>&1 ||
	{ tail -n 30 "$out/build.log"; echo "deb: dpkg-buildpackage failed (log: $out/build.log)" >&2; exit 1; }
deb=$out/xen-blk-dkms_${version}_all.deb
[ -f "$deb" ] || { echo "deb: no $deb (log: $out/build.log)" >&2; exit 1; }
echo "$(pwd)/$deb"
