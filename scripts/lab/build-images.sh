#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the initramfs images of one lab boot for kernel series $1 (6.1|6.12,
# or 6.12-debug: the lab's debug kernel, scripts/lab/debug-kernel.sh).
#
#   base images (cached, rebuilt when their inputs change): busybox, the Xen
#   toolstack, QEMU's Xen device model, fio, the distro's modules, the guest
#   kernel
#   overlay (every run): our modules for this kernel, the lab's test-only
#   modules (tests/lab/tools/kmod), the lab scripts and the scenarios under
#   tests/lab
#
# The dom0 initrd is base + overlay, two gzip'd cpio archives back to back
# (the kernel unpacks them in turn); the guest's initrd is built the same way
# and travels inside dom0's image.  Prints the path of the dom0 initrd.
set -euo pipefail
. "$(dirname "$0")/common.sh"
S=${1:?usage: build-images.sh 6.1|6.12|6.12-debug <outdir>}
OUT=${2:?usage: build-images.sh 6.1|6.12|6.12-debug <outdir>}
V=$(lab_kver_of "$S")
K=$LAB_CACHE/k-$S
XS=$LAB_CACHE/xen
# QEMU's Xen device model, where Debian's libxenlight looks for it
QS=$LAB_CACHE/qemu
QEMU_DM=/usr/libexec/xen-qemu-system-i386
[ -x "$QS$QEMU_DM" ] || lab_die "no $QS$QEMU_DM: run 'make setup' (scripts/lab/setup.sh)"
MODROOT=$K/lib/modules/$V
BASE=$LAB_CACHE/img-$S
mkdir -p "$BASE" "$OUT"

# Modules each domain gets, their dependencies found by modinfo.
DOM0_MODS="configfs xen-evtchn xen-gntdev xen-gntalloc xen-privcmd xenfs loop null_blk dm-mod dm-flakey xen-blkback"
DOMU_MODS="xen-blkfront ext4 crc32c_generic xen-evtchn xen-gntalloc"

copybin() { # root src [dst]: a binary and the shared libraries it needs
	local r=$1 src=$2 dst=${3:-$2} lib
	mkdir -p "$r$(dirname "$dst")"
	cp -L "$src" "$r$dst"
	LD_LIBRARY_PATH=$XS/usr/lib/x86_64-linux-gnu ldd "$src" 2>/dev/null | grep -oE '/[^ ]+' |
	while read -r lib; do
		[ -e "$lib" ] || continue
		# the unpacked Xen libraries go where the image's loader looks
		case "$lib" in
		"$XS"/*) dst=/lib/x86_64-linux-gnu/$(basename "$lib") ;;
		*) dst=$lib ;;
		esac
		mkdir -p "$r$(dirname "$dst")"
		cp -Ln "$lib" "$r$dst" 2>/dev/null || true
	done
}

bbroot() { # root: busybox with its applets and the usual directories
	local r=$1 a
	rm -rf "$r"
	mkdir -p "$r"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,run,tmp,etc,lib64,var,root}
	cp /bin/busybox "$r/bin/busybox"
	for a in $(/bin/busybox --list); do
		[ -e "$r/bin/$a" ] || ln -s busybox "$r/bin/$a"
	done
	ln -s /run "$r/var/run"
}

mkcpio() { (cd "$1" && find . | cpio -o -H newc --quiet) | gzip -1 > "$2"; }
# The guest's initrd stays uncompressed: gunzip of ~40 MB costs the guest
# ~20 s under TCG, while dom0's own gzip layer carries it compactly.
mkcpio_raw() { (cd "$1" && find . | cpio -o -H newc --quiet) > "$2"; }

modpath() { # module name -> file under MODROOT ('' when built in)
	local n=$1 alt=${1//-/_} f
	f=$(find "$MODROOT/kernel" \( -name "$n.ko*" -o -name "$alt.ko*" -o -name "${n//_/-}.ko*" \) | head -n 1)
	if [ -z "$f" ]; then
		grep -qE "/($n|$alt|${n//_/-})\.ko$" "$MODROOT/modules.builtin" ||
			lab_die "module $n neither in $MODROOT nor built in"
	fi
	echo "$f"
}

# Append the insmod order of module $2 (dependencies first) to list file $3,
# copying the (decompressed) modules into root $1.
addmod() {
	local r=$1 n=$2 list=$3 f d base
	f=$(modpath "$n")
	[ -n "$f" ] || return 0
	base=$(basename "$f"); base=${base%.xz}; base=${base%.zst}
	grep -qx "/lib/modules/$base" "$list" 2>/dev/null && return 0
	for d in $(modinfo -F depends "$f" | tr ',' ' '); do
		addmod "$r" "$d" "$list"
	done
	mkdir -p "$r/lib/modules"
	case "$f" in
	*.xz) xz -dc "$f" > "$r/lib/modules/$base" ;;
	*.zst) zstd -qdc "$f" > "$r/lib/modules/$base" ;;
	*) cp "$f" "$r/lib/modules/$base" ;;
	esac
	echo "/lib/modules/$base" >> "$list"
}

# One "name: file file..." line per requested module, for lab_modprobe.
modlists() {
	local r=$1; shift
	local n
	mkdir -p "$r/lib/modules"
	: > "$r/lib/modules/order"
	for n in "$@"; do
		local list
		list=$(mktemp)
		addmod "$r" "$n" "$list"
		echo "$n: $(tr '\n' ' ' < "$list")" >> "$r/lib/modules/order"
		rm -f "$list"
	done
}

guest_vmlinux() { # the guest kernel as a gzip'd ELF: xl decompresses gzip fastest
	# the debug kernel (debug-kernel.sh) comes with its ELF
	if [ -f "$K/boot/vmlinux-$V" ]; then
		gzip -1 -c "$K/boot/vmlinux-$V"
		return
	fi
	python3 - "$K/boot/vmlinuz-$V" <<'PY' | gzip -1
import lzma, subprocess, sys
d = open(sys.argv[1], 'rb').read()
i = d.find(b'\xfd7zXZ\x00')
if i >= 0:
    sys.stdout.buffer.write(lzma.LZMADecompressor().decompress(d[i:]))
    sys.exit(0)
i = d.find(b'\x28\xb5\x2f\xfd')
if i < 0:
    sys.exit("no xz or zstd payload in " + sys.argv[1])
# the zstd frame is followed by trailing data: zstd -d stops at its end
p = subprocess.run(['zstd', '-qdc'], input=d[i:], capture_output=True)
sys.stdout.buffer.write(p.stdout)
sys.exit(0 if p.stdout[:4] == b'\x7fELF' else "zstd: " + p.stderr.decode())
PY
}

# Debian's fio is linked against the libraries of its Ceph, Gluster, NBD,
# RDMA and PMEM engines, which bring 70 MB (ICU, Ceph, GnuTLS...) into the
# guest's image, which xl create copies and the guest's kernel unpacks at
# every start, and into dom0's.  The lab uses none of those engines: both
# images get stand-ins under the same sonames that define the symbols fio
# takes from them, with their versions, each one aborting if ever called
# (nothing else in the images links those libraries).
FIO_STUBBED="librbd.so.1 librados.so.2 libgfapi.so.0 libnbd.so.0 libibverbs.so.1 librdmacm.so.1 libpmem.so.1 libpmemblk.so.1"

fio_stubs() { # dir: the stand-ins, built once for both images
	local d=$1 fio so real
	fio=$(command -v fio)
	rm -rf "$d"
	mkdir -p "$d"
	# what fio leaves undefined, each symbol with the version it asks for
	objdump -T "$fio" | awk '($3 == "*UND*" || $4 == "*UND*") && NF >= 6 {
		v = $(NF - 1); gsub(/[()]/, "", v); print $NF, v }' | sort -u > "$d/undefined"
	for so in $FIO_STUBBED; do
		real=$(ldd "$fio" | awk -v s="$so" '$1 == s { print $3 }')
		[ -n "$real" ] || lab_die "fio does not link $so: update FIO_STUBBED"
		# of those, the ones this library defines
		objdump -T "$real" | awk '$4 != "*UND*" && $3 != "*UND*" { print $NF }' | sort -u |
			awk 'NR == FNR { d[$1] = 1; next } ($1 in d)' - "$d/undefined" > "$d/syms"
		awk '{ printf "void %s(void);\nvoid %s(void) { abort(); }\n", $1, $1 }' "$d/syms" |
			{ echo '#include <stdlib.h>'; cat; } > "$d/stub.c"
		awk '$2 != "Base" { v[$2] = v[$2] " " $1 ";" } $2 == "Base" { b = b " " $1 ";" }
		     END { for (n in v) printf "%s { global:%s };\n", n, v[n]
			   if (b != "") printf "{ global:%s };\n", b }' "$d/syms" > "$d/stub.map"
		[ -s "$d/stub.map" ] || echo '{ local: *; };' > "$d/stub.map"
		gcc -shared -fPIC -o "$d/$so" -Wl,-soname,"$so" \
			-Wl,--version-script="$d/stub.map" "$d/stub.c" ||
			lab_die "building the stand-in $so for fio"
	done
	rm -f "$d/undefined" "$d/syms" "$d/stub.c" "$d/stub.map"
}

fio_slim() { # root stubs-dir: fio with the stand-ins for its unused engines' libraries
	local r=$1 stubs=$2 fio so lib
	fio=$(command -v fio)
	mkdir -p "$r/usr/bin" "$r/lib/x86_64-linux-gnu"
	cp -L "$fio" "$r/usr/bin/fio"
	for so in $FIO_STUBBED; do
		cp "$stubs/$so" "$r/lib/x86_64-linux-gnu/$so"
	done
	# every other library fio names, with what it needs in turn
	for so in $(objdump -p "$fio" | awk '$1 == "NEEDED" { print $2 }'); do
		case " $FIO_STUBBED " in *" $so "*) continue ;; esac
		lib=$(ldd "$fio" | awk -v s="$so" '$1 == s { print $3 }')
		[ -n "$lib" ] || lab_die "fio needs $so, which the host lacks"
		copybin "$r" "$lib" "/lib/x86_64-linux-gnu/$so"
	done
}

build_base() {
	local U=$BASE/domuroot D=$BASE/dom0root F=$BASE/fio-stubs b
	lab_log "building base images for $V"
	fio_stubs "$F"
	# ---- guest ----
	bbroot "$U"
	fio_slim "$U" "$F"
	for b in mke2fs e2fsck; do copybin "$U" "$(command -v $b)" /sbin/$b; done
	ln -s mke2fs "$U/sbin/mkfs.ext4"
	cp /etc/mke2fs.conf "$U/etc/" 2>/dev/null || true
	for b in xenstore-read xenstore-write xenstore-exists xenstore-rm xenstore-list; do
		copybin "$U" "$XS/usr/bin/$b" "/usr/bin/$b"
	done
	modlists "$U" $DOMU_MODS
	mkcpio_raw "$U" "$BASE/domu-base.cpio"
	# ---- dom0 ----
	bbroot "$D"
	mkdir -p "$D/usr/lib/xen-4.17/bin" "$D/lib/x86_64-linux-gnu" "$D/guest"
	for b in xl xenstored xenconsoled xen-init-dom0 xenconsole libxl-save-helper xenstore-control; do
		copybin "$D" "$XS/usr/lib/xen-4.17/bin/$b" "/usr/lib/xen-4.17/bin/$b"
	done
	for b in xenstore xenstore-read xenstore-write xenstore-exists xenstore-rm xenstore-list \
		 xenstore-ls xenstore-watch xenstore-chmod; do
		copybin "$D" "$XS/usr/bin/$b" "/usr/bin/$b"
	done
	ln -sf /usr/lib/xen-4.17/bin/xl "$D/usr/sbin/xl"
	cp -a "$XS/etc/xen" "$D/etc/"
	cp -a "$XS/usr/lib/x86_64-linux-gnu/." "$D/lib/x86_64-linux-gnu/"
	# glibc dlopen()s libgcc_s for pthread_cancel: ldd cannot see it, xl needs it
	cp -L /lib/x86_64-linux-gnu/libgcc_s.so.1 "$D/lib/x86_64-linux-gnu/"
	# Xen's block hotplug script wants bash and util-linux flock
	copybin "$D" /bin/bash /bin/bash
	copybin "$D" /usr/bin/flock /usr/bin/flock
	copybin "$D" "$(command -v dmsetup)" /sbin/dmsetup
	fio_slim "$D" "$F"
	# the backend of backendtype=qdisk disks: libxl starts it for a PV
	# guest that has one; copybin takes its libraries from the host
	if LD_LIBRARY_PATH=$XS/usr/lib/x86_64-linux-gnu ldd "$QS$QEMU_DM" | grep 'not found'; then
		lab_die "$QEMU_DM needs libraries the host lacks (qemu-system-x86 brings them)"
	fi
	copybin "$D" "$QS$QEMU_DM" $QEMU_DM
	# it reads its keymap even without a display (libxl passes -k en-us):
	# the host's, from qemu-system-data, the same Debian QEMU
	mkdir -p "$D/usr/share/qemu/keymaps"
	cp /usr/share/qemu/keymaps/en-us "$D/usr/share/qemu/keymaps/"
	modlists "$D" $DOM0_MODS
	guest_vmlinux > "$D/guest/vmlinuz"
	echo "$V" > "$D/etc/kver"
	mkcpio "$D" "$BASE/dom0-base.cpio.gz"
	rm -rf "$U" "$D" "$F"
}

# The base is rebuilt when the code that builds it (the functions above and
# the module lists), the unpacked images or the host binaries it copies
# change; an edit to the overlay below keeps it.
stamp=$( { declare -f copybin bbroot mkcpio mkcpio_raw modpath addmod modlists guest_vmlinux build_base \
	fio_stubs fio_slim
	echo "$DOM0_MODS" "$DOMU_MODS" "$FIO_STUBBED"; cat "$K.stamp" "$XS.stamp" "$QS.stamp"
	ls -l /bin/busybox "$(command -v fio)"; } | md5sum | cut -d' ' -f1)
if [ "$(cat "$BASE/stamp" 2>/dev/null)" != "$stamp" ] || [ ! -s "$BASE/dom0-base.cpio.gz" ]; then
	build_base
	echo "$stamp" > "$BASE/stamp"
fi

# ---- overlay: our modules, lab scripts, scenarios ----
KDIR=$("$LAB_SRC/scripts/kdir.sh" "$S")
case "$S" in
*-debug) ;; # the tree the kernel was built in, named by its cache key
*) [ "$(basename "$KDIR")" = "linux-headers-$V" ] ||
	lab_die "headers $KDIR do not match the lab kernel $V: run 'make setup'" ;;
esac
# our modules: built here from the tree, or OURS_KO_DIR (boot.sh): the two
# files another build installed for this kernel, such as DKMS's
# /lib/modules/<kernel>/updates/dkms, decompressed
if [ -n "${OURS_KO_DIR:-}" ]; then
	MB=$OUT/ours-ko
	rm -rf "$MB"
	for m in xen-blkfront xen-blkback; do
		f=$(find "$OURS_KO_DIR" -maxdepth 1 \( -name "$m.ko" -o -name "$m.ko.xz" \
			-o -name "$m.ko.zst" -o -name "$m.ko.gz" \) | head -n 1)
		[ -n "$f" ] || lab_die "OURS_KO_DIR: no $m.ko* in $OURS_KO_DIR"
		mkdir -p "$MB/$m"
		case "$f" in
		*.xz) xz -dc "$f" > "$MB/$m/$m.ko" ;;
		*.zst) zstd -qdc "$f" > "$MB/$m/$m.ko" ;;
		*.gz) gzip -dc "$f" > "$MB/$m/$m.ko" ;;
		*) cp "$f" "$MB/$m/$m.ko" ;;
		esac
		vm=$(/sbin/modinfo -F vermagic "$MB/$m/$m.ko")
		[ "${vm%% *}" = "$V" ] || lab_die "OURS_KO_DIR: $f is for '${vm%% *}', not $V"
		echo "ours: $f (version $(/sbin/modinfo -F version "$MB/$m/$m.ko"))"
	done
else
	make -s -C "$LAB_SRC" KDIR="$KDIR" modules >/dev/null
	MB=$LAB_SRC/build/$(basename "$KDIR")/drivers/block
fi
# the lab's test-only modules (dm-lab-noflush), W=1 with warnings as errors
KM=$LAB_SRC/build/lab-kmod-$(basename "$KDIR")
make -s -C "$LAB_SRC/tests/lab/tools/kmod" KDIR="$KDIR" OUT="$KM" >/dev/null
# the unit tests as KUnit modules (tests/unit), W=1 with warnings as errors,
# for a kernel with KUnit only: the lab's debug kernel, not Debian's
KU=
if grep -q '^CONFIG_KUNIT=y' "$KDIR/.config"; then
	KU=$LAB_SRC/build/kunit-$(basename "$KDIR")
	make -s -C "$LAB_SRC/tests/unit" kunit KDIR="$KDIR" OUT="$KU" >/dev/null
fi
O=$OUT/overlay; rm -rf "$O"; mkdir -p "$O"
# guest overlay
mkdir -p "$O/u/lib/modules/ours" "$O/u/lab"
cp "$MB/xen-blkfront/xen-blkfront.ko" "$O/u/lib/modules/ours/"
# FRONT_ALT_KO (boot.sh): another build of the frontend, for before/after runs
if [ -n "${FRONT_ALT_KO:-}" ]; then
	mkdir -p "$O/u/lib/modules/alt"
	cp "$FRONT_ALT_KO" "$O/u/lib/modules/alt/xen-blkfront.ko"
fi
cp "$LAB_SRC/scripts/lab/guest/init.sh" "$O/u/init"
chmod 755 "$O/u/init"
cp -r "$LAB_SRC/scripts/lab/guest/." "$O/u/lab/"
# the debug kernel's tools (report reader, fault injection), in both domains
cp "$LAB_SRC"/scripts/lab/debug/lab-* "$O/u/lab/"
# the hand-played frontend of back-hostile-frontend.sh
gcc -static -O2 -Wall -Wextra -Werror -o "$O/u/lab/blkif-evil" \
	"$LAB_SRC/tests/lab/tools/blkif-evil.c"
# the hostile-frontend fuzzer of back-fuzz-hostile-frontend.sh, and its
# corpus
cp "$LAB_SRC"/tests/lab/fuzz-corpus/*.corpus "$O/u/lab/"
gcc -static -O2 -Wall -Wextra -Werror -o "$O/u/lab/blkif-fuzzfront" \
	"$LAB_SRC/tests/lab/tools/blkif-fuzzfront.c" \
	"$LAB_SRC/tests/lab/tools/blkif-fuzz.c"
# the control-plane fuzzer of back-fuzz-hostile-xenstore.sh
gcc -static -O2 -Wall -Wextra -Werror -o "$O/u/lab/blkif-fuzzxs" \
	"$LAB_SRC/tests/lab/tools/blkif-fuzzxs.c" \
	"$LAB_SRC/tests/lab/tools/blkif-fuzzseq.c" \
	"$LAB_SRC/tests/lab/tools/blkif-fuzz.c"
# the guest's half of the hostile-backend fuzzer (front-fuzz-hostile-backend.sh)
gcc -static -O2 -Wall -Wextra -Werror -o "$O/u/lab/blkif-fuzzcheck" \
	"$LAB_SRC/tests/lab/tools/blkif-fuzzcheck.c"
# the O_DIRECT buffer watcher of front-no-page-returned-while-granted.sh
gcc -static -O2 -Wall -Wextra -Werror -o "$O/u/lab/odirect-stable" \
	"$LAB_SRC/tests/lab/tools/odirect-stable.c"
# the guest's agent and dom0's g (lab-xs serve / lab-xs ask)
gcc -static -O2 -Wall -Wextra -Werror -o "$O/u/lab/lab-xs" "$LAB_SRC/tests/lab/tools/lab-xs.c"
# iostat for Xen disks (tools/), as an administrator runs it
mkdir -p "$O/u/usr/bin"
cp "$LAB_SRC/tools/xen-blkstat" "$O/u/usr/bin/xen-blkstat"
mkcpio_raw "$O/u" "$O/domu-overlay.cpio"
# dom0 overlay
D=$O/d
mkdir -p "$D/lib/modules/ours" "$D/lab" "$D/tests" "$D/guest" "$D/etc/xen/scripts"
cp "$MB/xen-blkback/xen-blkback.ko" "$D/lib/modules/ours/"
cp "$MB/xen-blkfront/xen-blkfront.ko" "$D/lib/modules/ours/"
mkdir -p "$D/lib/modules/lab"
cp "$KM"/*.ko "$D/lib/modules/lab/"
if [ -n "$KU" ]; then
	# the modules of this build (modules.order) and the cases their
	# sources list, for kunit-suites-pass-in-debug-kernel.sh
	mkdir -p "$D/lib/modules/kunit"
	sed 's/\.o$/.ko/' "$KU/modules.order" | xargs cp -t "$D/lib/modules/kunit/"
	cp "$KU/cases" "$D/lib/modules/kunit/"
fi
cp "$LAB_SRC/scripts/lab/dom0/init.sh" "$D/init"
chmod 755 "$D/init"
cp -r "$LAB_SRC/scripts/lab/dom0/." "$D/lab/"
cp "$LAB_SRC"/scripts/lab/debug/lab-* "$D/lab/"
cp "$O/u/lab/lab-xs" "$D/lab/lab-xs"
# the hand-played backend of front-hostile-backend.sh
gcc -static -O2 -Wall -Wextra -Werror -o "$D/lab/blkif-evilback" \
	"$LAB_SRC/tests/lab/tools/blkif-evilback.c"
# the hostile-backend fuzzer of front-fuzz-hostile-backend.sh
gcc -static -O2 -Wall -Wextra -Werror -o "$D/lab/blkif-fuzzback" \
	"$LAB_SRC/tests/lab/tools/blkif-fuzzback.c"
cp "$LAB_SRC/scripts/lab/dom0/lab-block" "$D/etc/xen/scripts/lab-block"
mkdir -p "$D/usr/bin"
cp "$LAB_SRC/tools/xen-blkstat" "$D/usr/bin/xen-blkstat"
cp "$OUT/lab.conf" "$D/etc/lab.conf"
# what modinfo says of our two files, for modules-report-their-version.sh:
# "<module> <version> <srcversion>" each
for m in xen-blkfront xen-blkback; do
	echo "$m $(/sbin/modinfo -F version "$MB/$m/$m.ko") $(/sbin/modinfo -F srcversion "$MB/$m/$m.ko")"
done > "$D/etc/ours-modinfo"
cp "$LAB_SRC"/tests/lab/*.sh "$D/tests/" 2>/dev/null || true
cat "$BASE/domu-base.cpio" "$O/domu-overlay.cpio" > "$D/guest/initrd.cpio"
rm "$D/lab/lab-block"
mkcpio "$D" "$O/dom0-overlay.cpio.gz"
cat "$BASE/dom0-base.cpio.gz" "$O/dom0-overlay.cpio.gz" > "$OUT/dom0-initrd.gz"
rm -rf "$O"
echo "$OUT/dom0-initrd.gz"
