# SPDX-License-Identifier: GPL-2.0
#
# xen-blk: top-level driver of the build, the checks and the lab.
#
#   make                    build both modules for KVER (default 6.1)
#   make KVER=6.12          ... for Debian's 6.12 kernel
#   make KDIR=<headers>     ... against any kernel headers directory
#   make lab                boot Xen in QEMU, run the default workload on our pair
#   make lab COMPARE=1      ... and on upstream's pair in the same boot, side by side
#   make check              static checks + unit tests + lab scenarios
#   make bench              ours against upstream, in one boot
#   make debug-kernel       build the lab's debug kernel (cached)
#   make check-debug        our pair on the debug kernel (lockdep, kmemleak, ...)
#   make check-qdisk        QEMU's qdisk backend against our frontend and the distro's
#   make fuzz               the fuzzers: 10^6 requests, 1,000 handshakes, 10^5 responses
#   make deb                the DKMS package, build/deb/xen-blk-dkms_<version>_all.deb
#   make dkms-check         install it here, DKMS for 6.1 and 6.12, a lab boot each, remove it
#   make series             the in-tree patch series against Debian's
#                           linux-source-6.12, into build/series/
#
# Sources are mirrored as symlinks into build/<headers-name>/ so that the
# objects of different kernels never mix (see scripts/mkbuildtree.sh).

KVER ?= 6.1
# The headers are looked up when a recipe first needs them, once (the eval
# turns KDIR into a simple variable): make lab, setup or check, run before
# any headers are installed, must not complain that there are none.
KDIR ?= $(eval KDIR := $(shell scripts/kdir.sh $(KVER)))$(KDIR)
# named after the headers directory, KDIR's target when it is a link
# (/lib/modules/<kernel>/build -> /usr/src/linux-headers-<kernel>)
BUILD = build/$(notdir $(or $(realpath $(KDIR)),$(KDIR)))
KBUILD_ARGS = -C $(KDIR) M=$(CURDIR)/$(BUILD)

.PHONY: all modules clean setup w1 sparse checkpatch static unit lab check bench \
	debug-kernel check-debug check-qdisk fuzz deb dkms-check series

all: modules

modules:
	@# kdir.sh said why when it found none
	@test -d "$(KDIR)" || { [ -z "$(KDIR)" ] || echo "no kernel headers at '$(KDIR)': run 'make setup'"; exit 1; }
	@scripts/mkbuildtree.sh . $(BUILD)
	$(MAKE) $(KBUILD_ARGS) modules
	@ls -1 $(BUILD)/drivers/block/*/*.ko

clean:
	rm -rf build results

# host packages, kernel headers, Xen and kernel images for the lab
setup:
	scripts/lab/setup.sh

# static checks, each one fails on the first warning
w1:
	scripts/static-check.sh w1
sparse:
	scripts/static-check.sh sparse
checkpatch:
	scripts/static-check.sh checkpatch
static: w1 sparse checkpatch

unit:
	$(MAKE) -C tests/unit run

lab:
	scripts/lab/lab.sh

check:
	scripts/check.sh

bench:
	scripts/lab/bench.sh

# the lab's debug kernel (KVER=6.12-debug) and the checks on it
debug-kernel:
	scripts/lab/debug-kernel.sh

check-debug:
	scripts/check-debug.sh

# QEMU's qdisk backend: our frontend and, as the reference, the distro's
check-qdisk:
	scripts/check-qdisk.sh

# both fuzzers against our pair (the distro backend as a reference)
fuzz:
	scripts/fuzz.sh

# the DKMS package (dkms.conf, debian/), in build/deb/
deb:
	scripts/deb.sh

dkms-check:
	scripts/dkms-check.sh

# the in-tree patch series (scripts/series-check.sh applies and builds it)
series:
	scripts/series.sh
