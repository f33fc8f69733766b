#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the lab's debug kernel (issue 10), idempotent and cached:
#
#   Debian's linux-source-6.12 (the lab's 6.12 series) + the patches of
#   scripts/lab/debug/*.patch, configured as x86_64 defconfig + the kernel's
#   xen.config fragments + scripts/lab/debug/{lab,trim,debug}.config, built
#   with ccache (when installed), nice'd, -j$DEBUG_KERNEL_JOBS (default 2).
#
# Cache, under the lab cache, keyed by the source package version and a hash
# of the fragments and patches:
#   kdebug-<srcver>-<hash>/linux-<srcver>-debug-<hash>/   the built tree: KDIR
#                                       for our modules (its Module.symvers)
#   kdebug-<srcver>-<hash>/stage/boot/{vmlinuz,vmlinux}-<release>
#   kdebug-<srcver>-<hash>/stage/lib/modules/<release>/   installed modules
#   kdebug-ccache/                      the compiler cache, shared by all keys
#                                       (DEBUG_KERNEL_CCACHE=<dir> elsewhere)
# and, for the lab scripts, the kernel series "6.12-debug" in the layout
# setup.sh gives the distro kernels: k-6.12-debug (-> stage),
# k-6.12-debug.stamp, kver-6.12-debug, kdir-6.12-debug (-> the tree).
# Prints the tree's path (KDIR).
set -euo pipefail
. "$(dirname "$0")/common.sh"
FRAGS=$LAB_SRC/scripts/lab/debug
TARBALL=${DEBUG_KERNEL_SOURCE:-/usr/src/linux-source-6.12.tar.xz}
JOBS=${DEBUG_KERNEL_JOBS:-2}
SERIES=6.12-debug
# Bump when the way of building changes in a way the inputs do not show.
RECIPE=1

[ -f "$TARBALL" ] || lab_die "no $TARBALL: run 'make setup' (it installs linux-source-6.12)"
srcver=$(dpkg-query -W -f='${Version}' linux-source-6.12 2>/dev/null || basename "$TARBALL")
srcver=$(echo "$srcver" | tr -c 'A-Za-z0-9.\n' '-')
hash=$( { echo "recipe $RECIPE"; cat "$FRAGS"/*.config "$FRAGS"/*.patch; } | sha256sum | cut -c1-12)
D=$LAB_CACHE/kdebug-$srcver-$hash
TREE=$D/linux-$srcver-debug-$hash
STAGE=$D/stage
export CCACHE_DIR=${DEBUG_KERNEL_CCACHE:-$LAB_CACHE/kdebug-ccache}

publish() { # the series 6.12-debug for build-images.sh, boot.sh, kdir.sh
	local rel
	rel=$(cat "$D/release")
	ln -sfn "$STAGE" "$LAB_CACHE/k-$SERIES"
	echo "kdebug-$srcver-$hash" > "$LAB_CACHE/k-$SERIES.stamp"
	echo "$rel" > "$LAB_CACHE/kver-$SERIES"
	echo "$TREE" > "$LAB_CACHE/kdir-$SERIES"
	echo "$TREE"
}

# One build per cache at a time: a second run (another checkout's make
# check, say) waits here and then finds the first one's result, instead of
# removing the tree the first one is building in.
mkdir -p "$LAB_CACHE"
exec 9> "$LAB_CACHE/kdebug.lock"
if ! flock -n 9; then
	lab_log "debug kernel: another build holds $LAB_CACHE/kdebug.lock; waiting for it"
	flock 9
fi

if [ -f "$D/done" ]; then
	publish
	exit 0
fi

t0=$SECONDS
lab_log "debug kernel: building $srcver ($hash) in $D"
rm -rf "$D"
mkdir -p "$D" "$CCACHE_DIR"
tar -C "$D" -xJf "$TARBALL"
mv "$D/linux-source-6.12" "$TREE"
cd "$TREE"
for p in "$FRAGS"/*.patch; do
	[ -f "$p" ] || continue
	lab_log "applying $(basename "$p")"
	patch -p1 -s --no-backup-if-mismatch < "$p"
done

# the compiler through ccache when the host has it (masquerade directory)
if [ -x /usr/lib/ccache/gcc ]; then
	export PATH=/usr/lib/ccache:$PATH
	ccache -M 5G >/dev/null
	ccache -z >/dev/null
else
	lab_log "no ccache on the host (apt-get install ccache): cold build"
fi
# the same inputs give the same objects: ccache hits across keys
export KBUILD_BUILD_TIMESTAMP="$srcver" KBUILD_BUILD_USER=lab KBUILD_BUILD_HOST=xen-blk
NICE="nice -n 19 ionice -c3"

make -s x86_64_defconfig
scripts/kconfig/merge_config.sh -m .config kernel/configs/xen.config arch/x86/configs/xen.config \
	"$FRAGS/lab.config" "$FRAGS/trim.config" "$FRAGS/debug.config" > "$D/merge.log"
make -s olddefconfig
# every option our fragments ask for must have survived olddefconfig
bad=0
for f in "$FRAGS"/lab.config "$FRAGS"/debug.config; do
	while IFS= read -r l; do
		case "$l" in
		CONFIG_*=*) grep -qxF "$l" .config || { lab_log "$(basename "$f"): '$l' not in .config"; bad=1; } ;;
		"# CONFIG_"*" is not set")
			o=${l#\# }; o=${o%% *}
			! grep -qE "^$o=[ym]" .config || { lab_log "$(basename "$f"): $o is set"; bad=1; } ;;
		esac
	done < "$f"
done
[ $bad -eq 0 ] || lab_die "the debug fragments do not apply to $srcver (see above)"

$NICE make -j"$JOBS" bzImage modules > "$D/build.log" 2>&1 ||
	{ tail -n 40 "$D/build.log"; lab_die "debug kernel build failed (log: $D/build.log)"; }
rel=$(make -s kernelrelease)
echo "$rel" > "$D/release"
rm -rf "$STAGE"
mkdir -p "$STAGE/boot"
$NICE make -s INSTALL_MOD_PATH="$STAGE" modules_install > "$D/install.log" 2>&1 ||
	{ tail -n 20 "$D/install.log"; lab_die "modules_install failed"; }
rm -f "$STAGE/lib/modules/$rel/build" "$STAGE/lib/modules/$rel/source"
cp arch/x86/boot/bzImage "$STAGE/boot/vmlinuz-$rel"
cp vmlinux "$STAGE/boot/vmlinux-$rel"
cp .config "$STAGE/boot/config-$rel"
[ -x /usr/lib/ccache/gcc ] && ccache -s > "$D/ccache.txt" 2>&1 || true
lab_log "debug kernel $rel built in $((SECONDS - t0)) s"
echo "$((SECONDS - t0))" > "$D/build-seconds"
touch "$D/done"
publish
