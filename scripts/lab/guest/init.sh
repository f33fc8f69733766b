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
dmesg > /tmp/dmesg.now
wc -l < /tmp/dmesg.now > /tmp/dmesg.mark
head -n 1 /tmp/dmesg.now > /tmp/dmesg.first

# serve <seq> <command>: run it and answer.  Output of up to 1800 bytes
# (nearly every command's) goes with the status in one xenstore-write,
# read without a process: under TCG each process costs the guest tens of
# milliseconds, and a command's answer is on the critical path of every
# check the lab makes.
serve() {
	local seq=$1 rc out l i f
	shift
	sh -c "$*" > /tmp/agent.out 2>&1 < /dev/null
	rc=$?
	out=
	while IFS= read -r l || [ -n "$l" ]; do
		out="$out$l
"
		[ ${#out} -gt 1800 ] && break
	done < /tmp/agent.out
	if [ -z "$out" ]; then
		xenstore-write data/nout 0 data/rc "$seq $rc"
		return
	fi
	if [ ${#out} -le 1800 ]; then
		xenstore-write -R -- data/out/0 "${out%?}" data/nout 1 data/rc "$seq $rc"
		return
	fi
	# longer: at most 32 chunks of whole lines, the output's tail
	rm -f /tmp/agent.chunk.*
	tail -c 57000 /tmp/agent.out | awk 'BEGIN { c = 0 }
		{ if (n + length($0) + 1 > 1800) { c++; n = 0 } n += length($0) + 1
		  print > ("/tmp/agent.chunk." c) }'
	i=0
	for f in $(ls /tmp/agent.chunk.* 2>/dev/null | sort -t. -k3 -n); do
		xenstore-write -R -- "data/out/$i" "$(cat $f)"
		i=$((i + 1))
	done
	xenstore-write data/nout $i data/rc "$seq $rc"
}

# The agent is lab-xs (tests/lab/tools/lab-xs.c): one static process that
# speaks XenStore itself and sleeps on a watch between commands.  Should it
# end, this shell serves by polling data/cmd, so that the scenarios still
# get answers (and the line below says why they are slow).
/lab/lab-xs serve
echo "LAB-GUEST: lab-xs serve ended ($?); the shell agent polls"
last=
xenstore-write data/agent ready
while :; do
	c=$(xenstore-read -R data/cmd 2>/dev/null)
	if [ -z "$c" ] || [ "${c%% *}" = "$last" ]; then
		sleep 0.05
		continue
	fi
	last=${c%% *}
	serve "$last" "${c#* }"
done
