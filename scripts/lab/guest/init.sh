#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The guest's /init in the lab: load the chosen xen-blkfront, then serve
# dom0's commands.  dom0 writes "<seq> <shell command>" to data/cmd in the
# guest's own XenStore directory; the agent runs it and answers with the
# output in data/out/<i> (chunks that fit a XenStore node), the number of
# chunks in data/nout and "<seq> <status>" in data/rc.
export PATH=/bin:/sbin:/usr/bin:/usr/sbin:/lab
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tmpfs -o size=256m tmp /tmp
mkdir -p /mnt

arg() { sed -n "s/.*xenlab\.$1=\([^ ]*\).*/\1/p" /proc/cmdline; }
FRONT=$(arg front)
FPARAMS=$(arg fparams | tr ':' ' ')

# distro modules in dependency order, as build-images.sh recorded them
modload() {
	local f
	for f in $(sed -n "s|^$1: ||p" /lib/modules/order); do
		[ -d /sys/module/$(basename $f .ko | tr - _) ] || insmod $f
	done
}
modload ext4
modload crc32c_generic
if [ "$FRONT" = ours ]; then
	insmod /lib/modules/ours/xen-blkfront.ko $FPARAMS
else
	for f in $(sed -n 's|^xen-blkfront: ||p' /lib/modules/order); do insmod $f $FPARAMS; done
fi || echo "LAB-GUEST: loading $FRONT xen-blkfront failed"
echo "LAB-GUEST-UP front=$FRONT params=$FPARAMS uptime=$(cut -d' ' -f1 /proc/uptime)"
dmesg | wc -l > /tmp/dmesg.mark

xenstore-write data/agent ready
last=
while :; do
	c=$(xenstore-read -R data/cmd 2>/dev/null)
	seq=${c%% *}
	if [ -z "$c" ] || [ "$seq" = "$last" ]; then
		sleep 0.05
		continue
	fi
	last=$seq
	sh -c "${c#* }" > /tmp/agent.out 2>&1 < /dev/null
	rc=$?
	# at most 32 chunks of whole lines, the output's tail when longer
	# (no output, the common case: no process spent on it, as each
	# costs the guest milliseconds under TCG)
	i=0
	if [ -s /tmp/agent.out ]; then
		rm -f /tmp/agent.chunk.*
		tail -c 57000 /tmp/agent.out | awk 'BEGIN { c = 0 }
			{ if (n + length($0) + 1 > 1800) { c++; n = 0 } n += length($0) + 1
			  print > ("/tmp/agent.chunk." c) }'
		for f in $(ls /tmp/agent.chunk.* 2>/dev/null | sort -t. -k3 -n); do
			xenstore-write -R -- "data/out/$i" "$(cat $f)"
			i=$((i + 1))
		done
	fi
	xenstore-write data/nout $i data/rc "$seq $rc"
done
