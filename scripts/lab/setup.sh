#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Host setup for the lab, idempotent and cached:
#  - host packages (QEMU, busybox, fio, sparse, kernel headers, linux-source)
#  - Xen 4.17, QEMU's Xen device model (qemu-system-xen) and the newest
#    Debian 6.1 / 6.12 kernel images, downloaded and unpacked into the cache,
#    never installed on the host (installing them would pull systemd/udev
#    upgrades)
# Usage: scripts/lab/setup.sh [6.1] [6.12]     (default: both)
#        scripts/lab/setup.sh --host            the host packages only (what
#        scripts/lab/debug-kernel.sh needs: make check starts it then)
set -euo pipefail
. "$(dirname "$0")/common.sh"
host_only=
if [ "${1:-}" = --host ]; then
	host_only=1
	shift
fi
SERIES=${*:-6.1 6.12}

HOST_PKGS="qemu-system-x86 busybox-static fio sparse cpio xz-utils zstd kmod python3
	e2fsprogs dmsetup gzip linux-source-6.12 bc make gcc flex bison libelf-dev libssl-dev
	gnuplot-nox python3-ply python3-git"
# python3-ply and python3-git: the kernel's scripts/spdxcheck.py, which
# checkpatch runs on the SPDX tags of the in-tree series (series-check.sh)
XEN_PKGS="xen-hypervisor-4.17-amd64 xen-utils-4.17 xen-utils-common xenstore-utils
	libxentoolcore1 libxentoollog1 libxencall1 libxendevicemodel1 libxenevtchn1
	libxenforeignmemory1 libxengnttab1 libxenhypfs1 libxenstore4 libyajl2 libxenmisc4.17"
# QEMU's Xen device model: libxl starts it as the backend of a disk whose
# spec says backendtype=qdisk.  The binary alone: its shared libraries are
# those of the host's qemu-system-x86 (the same Debian source and version),
# and a PV guest's machine (xenpv) loads no firmware or data file.
QEMU_PKGS="qemu-system-xen"

apt_updated=
apt_update() { [ -n "$apt_updated" ] || { apt-get update -qq; apt_updated=1; }; }
apt_install() {
	apt_update
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# 1. host packages: only what is missing
missing=
for p in $HOST_PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
if [ -n "$missing" ]; then
	lab_log "installing host packages:$missing"
	apt_install $missing
fi
[ -z "$host_only" ] || exit 0

# 2. newest kernel of each series that has both an image and headers
newest_kver() {
	apt_update
	case "$1" in
	6.1) apt-cache pkgnames linux-image-6.1.0- | sed -n 's/^linux-image-\(6\.1\.0-[0-9]*-amd64\)-unsigned$/\1/p' ;;
	6.12) apt-cache pkgnames linux-image-6.12. | sed -n 's/^linux-image-\(6\.12\.[0-9]*+deb12-amd64\)-unsigned$/\1/p' ;;
	esac | sort -V | while read -r v; do
		apt-cache show "linux-headers-$v" >/dev/null 2>&1 && echo "$v"
	done | tail -n 1
}

fetch() { # dir pkg... : download debs (cached by file name) into dir
	local dir=$1; shift
	mkdir -p "$dir"
	(cd "$dir" && for p in "$@"; do
		ls "${p}"_*.deb >/dev/null 2>&1 || apt-get download -q -o APT::Sandbox::User=root "$p" >/dev/null
	done)
}

unpack() { # stage-dir deb-dir : unpack every deb once, stamp with their names
	local stage=$1 debs=$2 want
	want=$(cd "$debs" && ls *.deb | sort | md5sum | cut -d' ' -f1)
	if [ "$(cat "$stage.stamp" 2>/dev/null)" != "$want" ]; then
		rm -rf "$stage"; mkdir -p "$stage"
		for d in "$debs"/*.deb; do dpkg-deb -x "$d" "$stage"; done
		echo "$want" > "$stage.stamp"
	fi
}

# 3. Xen
apt_update
fetch "$LAB_CACHE/debs/xen" $XEN_PKGS
unpack "$LAB_CACHE/xen" "$LAB_CACHE/debs/xen"
[ -s "$LAB_CACHE/xen-4.17-amd64" ] && [ "$LAB_CACHE/xen-4.17-amd64" -nt "$LAB_CACHE/xen.stamp" ] ||
	gunzip -c "$LAB_CACHE/xen/boot/xen-4.17-amd64.gz" > "$LAB_CACHE/xen-4.17-amd64"

# 4. QEMU's Xen device model
fetch "$LAB_CACHE/debs/qemu" $QEMU_PKGS
unpack "$LAB_CACHE/qemu" "$LAB_CACHE/debs/qemu"

# 5. kernels: image unpacked, headers installed (for building our modules)
for s in $SERIES; do
	v=$(newest_kver "$s")
	[ -n "$v" ] || lab_die "no Debian $s kernel with headers found"
	dpkg-query -W -f='${Status}' "linux-headers-$v" 2>/dev/null | grep -q 'install ok installed' ||
		{ lab_log "installing linux-headers-$v"; apt_install "linux-headers-$v"; }
	rm -rf "$LAB_CACHE/debs/k-$s.new"
	old=$(ls "$LAB_CACHE/debs/k-$s"/*.deb 2>/dev/null || true)
	case "$old" in *"linux-image-${v}-unsigned_"*) ;; *) rm -rf "$LAB_CACHE/debs/k-$s" ;; esac
	fetch "$LAB_CACHE/debs/k-$s" "linux-image-$v-unsigned"
	unpack "$LAB_CACHE/k-$s" "$LAB_CACHE/debs/k-$s"
	echo "$v" > "$LAB_CACHE/kver-$s"
	lab_log "kernel $s: $v"
done
lab_log "setup done (cache: $LAB_CACHE)"
