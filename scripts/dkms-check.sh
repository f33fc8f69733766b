#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The DKMS package end to end, on this host (as root), for the lab's two
# kernels (make setup installs their headers under /usr/src):
#
#   1. make deb builds xen-blk-dkms_<version>_all.deb;
#   2. apt installs it: DKMS builds both modules for 6.1 and 6.12 into
#      /lib/modules/<kernel>/updates/dkms, with the tree's version, and
#      modprobe resolves the module names to them;
#   3. one lab boot per kernel with those files as ours (OURS_KO_DIR):
#      the loaded modules are them (modules-report-their-version) and pass
#      fio-verify-on-loop-disk;
#   4. apt removes it: DKMS's files and modules are gone, and the names
#      resolve to the kernel's own drivers again (where the host has them).
#
# Each check prints PASS or FAIL; the last line is "N passed, N failed",
# the exit status non-zero when any failed.  The package is removed on the
# way out even when a step fails.
#   DKMS_LAB=0 skips the boots (and says so: skipped is not passed)
#   DKMS_LAB_WRAP=<command>: runs each boot as "<command> scripts/lab/boot.sh",
#   e.g. a lock that serializes the machine's QEMU boots
#   SERIES="6.1 6.12" (default)
set -uo pipefail
cd "$(dirname "$0")/.."
. scripts/lab/common.sh
SERIES=${SERIES:-"6.1 6.12"}
PKG=xen-blk-dkms
passed=0 failed=0 t0=$SECONDS
LOGS=results/dkms-check-$(date +%Y%m%d-%H%M%S)
mkdir -p "$LOGS"

ok() { passed=$((passed + 1)); echo "PASS: $*"; }
ko() { failed=$((failed + 1)); echo "FAIL: $*"; }
check() { # what command...
	local what=$1
	shift
	if "$@"; then ok "$what"; else ko "$what"; fi
}
finish() {
	echo "dkms-check: $((SECONDS - t0)) s, logs: $LOGS"
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit
}
under() { case "$1" in "$2"*) true ;; *) false ;; esac; }
installed() { dpkg-query -W -f='${Status}' "$PKG" 2>/dev/null | grep -q 'install ok installed'; }
remove_pkg() {
	DEBIAN_FRONTEND=noninteractive apt-get remove -y "$PKG" >> "$LOGS/apt-remove.log" 2>&1
}

[ "$(id -u)" = 0 ] || { echo "dkms-check: run as root (apt, dkms)"; exit 1; }
version=$(sed -n 's/^#define XEN_BLK_VERSION "\(.*\)"$/\1/p' include/xen-blk/version.h)
declare -A kv
for s in $SERIES; do
	kv[$s]=$(lab_kver_of "$s")
	[ -d "/usr/src/linux-headers-${kv[$s]}" ] ||
		{ echo "dkms-check: no /usr/src/linux-headers-${kv[$s]}: run 'make setup'"; exit 1; }
done
if installed; then
	echo "dkms-check: $PKG is installed already; removing it first"
	remove_pkg || { echo "dkms-check: apt-get remove $PKG failed"; exit 1; }
fi

echo "== make deb"
deb=$(scripts/deb.sh 2> "$LOGS/deb.err" | tail -n 1)
check "make deb builds ${PKG}_${version}_all.deb" [ "$deb" = "$PWD/build/deb/${PKG}_${version}_all.deb" -a -f "$deb" ]
[ -f "$deb" ] || { cat "$LOGS/deb.err"; finish; }

echo "== apt install ./$(basename "$deb")"
trap 'installed && remove_pkg' EXIT
# no Recommends: dkms recommends linux-headers-amd64, which would add
# headers of a kernel the lab does not boot
t=$SECONDS
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$deb" > "$LOGS/apt-install.log" 2>&1
rc=$?
echo "    (apt install: $((SECONDS - t)) s)"
[ $rc -eq 0 ] || tail -n 30 "$LOGS/apt-install.log" | sed 's/^/    /'
check "apt installs the package" [ $rc -eq 0 ]
installed || finish
dkms status -m xen-blk 2>/dev/null > "$LOGS/dkms-status.txt"
sed 's/^/    /' "$LOGS/dkms-status.txt"

# $1 series: the module files DKMS installed, their version and kernel, and
# what modprobe loads for the names
dkms_built() {
	local s=$1 v=${kv[$1]} m f dir=/lib/modules/${kv[$1]}/updates/dkms
	check "$s: dkms status says installed for $v" \
		grep -q "^xen-blk/$version, $v, [^:]*: installed" "$LOGS/dkms-status.txt"
	for m in xen-blkfront xen-blkback; do
		f=$(find "$dir" -maxdepth 1 -name "$m.ko*" 2>/dev/null | head -n 1)
		check "$s: $dir/$m.ko* exists" [ -n "$f" ]
		[ -n "$f" ] || continue
		check "$s: modinfo $(basename "$f"): version $version" \
			[ "$(/sbin/modinfo -F version "$f")" = "$version" ]
		check "$s: modinfo $(basename "$f"): vermagic $v" \
			[ "$(/sbin/modinfo -F vermagic "$f" | cut -d' ' -f1)" = "$v" ]
		check "$s: modprobe resolves $m to updates/dkms" \
			[ "$(/sbin/modinfo -k "$v" -n "$m" 2>/dev/null)" = "$f" ]
	done
}
for s in $SERIES; do
	dkms_built "$s"
done

if [ "${DKMS_LAB:-1}" = 0 ]; then
	echo "== lab: skipped (DKMS_LAB=0); not counted as passed"
else
	for s in $SERIES; do
		echo "== lab: Linux $s with the modules DKMS built"
		out=$LOGS/lab-$s
		KVER=$s FRONT=ours BACK=ours LAB_QUICK=1 RESULTS=$out \
			OURS_KO_DIR=/lib/modules/${kv[$s]}/updates/dkms \
			TESTS="modules-report-their-version fio-verify-on-loop-disk" \
			${DKMS_LAB_WRAP:-} scripts/lab/boot.sh > "$LOGS/lab-$s.log" 2>&1
		rc=$?
		grep -E '^(PASS|FAIL|LAB-FLAKE)' "$LOGS/lab-$s.log" | sed 's/^/    /'
		for sc in modules-report-their-version fio-verify-on-loop-disk; do
			check "$s: lab scenario $sc with DKMS's modules" \
				grep -q "^PASS $sc " "$out/results.txt"
		done
		check "$s: lab boot with DKMS's modules ends well" [ $rc -eq 0 ]
		[ $rc -eq 0 ] || tail -n 20 "$LOGS/lab-$s.log" | sed 's/^/    /'
	done
fi

echo "== apt remove $PKG"
remove_pkg
rc=$?
check "apt removes the package" [ $rc -eq 0 ]
check "dkms knows no xen-blk" [ -z "$(dkms status -m xen-blk 2>/dev/null)" ]
check "/usr/src/xen-blk-$version is gone" [ ! -e "/usr/src/xen-blk-$version" ]
for s in $SERIES; do
	v=${kv[$s]}
	for m in xen-blkfront xen-blkback; do
		check "$s: no $m in updates/dkms" \
			[ -z "$(find "/lib/modules/$v/updates" -name "$m.ko*" 2>/dev/null)" ]
		f=$(/sbin/modinfo -k "$v" -n "$m" 2>/dev/null)
		# the host has the kernel's own modules only where its image is
		# installed (6.12 here); elsewhere the name resolves to nothing
		if [ -d "/lib/modules/$v/kernel" ]; then
			check "$s: modprobe resolves $m to the kernel's own again ($f)" \
				under "$f" "/lib/modules/$v/kernel/"
		else
			check "$s: modprobe resolves $m to nothing ('$f')" [ -z "$f" ]
		fi
	done
done
finish
