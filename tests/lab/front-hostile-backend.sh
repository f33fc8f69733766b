# A hostile backend: with dom0's xen-blkback unloaded, blkif-evilback
# (tests/lab/tools/blkif-evilback.c, /lab in dom0) plays the backend of a
# disk by hand and writes its responses straight into the shared ring.
# First it serves honestly (a read returns its pattern: the harness works).
# Then, on a fresh disk each time, it answers one read wrongly: an id out
# of range, the id of a slot not in flight, the wrong operation, rsp_prod
# far or one past what it produced, the same response twice (with another
# request in flight, whose place the duplicate takes, and alone).  Each
# time our frontend stops the device with one log line naming the
# violation, the read fails with an error instead of hanging (with a
# duplicate the first answer was right: that read succeeds and the other
# request fails), later I/O fails without reaching the ring, and the disk
# detaches cleanly.  At the end the run's backend is loaded again and
# serves a fio verify.
[ "$(cat $LAB_RUN/front)" = ours ] || { fail "needs FRONT=ours (nothing to run with the distro frontend, not a pass)"; exit 1; }
EB=/lab/blkif-evilback
# the read that gets the wrong answer: sector 32768, far from anything the
# partition scan reads
TRIGGER=32768
TRIGGER_DD="bs=4k count=1 skip=4096 iflag=direct"

guest_ensure || exit 1
domid=$(cat $LAB_RUN/domid)
lo=$(disk_loop 64) || { fail "no loop device"; exit 1; }
check "xen-blkback unloaded" back_unload || exit 1
restart=

# gdd <dd operands>: dd in the guest, in the background so that a request
# that never completes cannot block the agent; prints "rc=<status>" and
# dd's messages, or "hang" after 30 s
gdd() {
	g "rm -f /tmp/gdd.rc /tmp/gdd.err
	   (dd $* >/dev/null 2>/tmp/gdd.err; echo \$? > /tmp/gdd.rc) &
	   i=0
	   while [ ! -s /tmp/gdd.rc ] && [ \$i -lt 300 ]; do sleep 0.1; i=\$((i + 1)); done
	   if [ -s /tmp/gdd.rc ]; then echo rc=\$(cat /tmp/gdd.rc); cat /tmp/gdd.err; else echo hang; fi"
}

# gdd_pair <vdev>: the read blkif-evilback holds, then a second one; prints
# "rc=<status> data=<first line read> rc=<status>" and dd's messages, or
# "hang"
gdd_pair() {
	g "rm -f /tmp/gdd[12].*
	   (dd if=/dev/$1 of=/tmp/gdd1.out $TRIGGER_DD 2>/tmp/gdd1.err; echo \$? > /tmp/gdd1.rc) &
	   sleep 1
	   (dd if=/dev/$1 of=/dev/null bs=4k count=1 skip=4097 iflag=direct 2>/tmp/gdd2.err; echo \$? > /tmp/gdd2.rc) &
	   i=0
	   while ! { [ -s /tmp/gdd1.rc ] && [ -s /tmp/gdd2.rc ]; } && [ \$i -lt 300 ]; do sleep 0.1; i=\$((i + 1)); done
	   if [ -s /tmp/gdd1.rc ] && [ -s /tmp/gdd2.rc ]; then
		echo rc=\$(cat /tmp/gdd1.rc) data=\$(tr -d '\000' < /tmp/gdd1.out | head -n 1) rc=\$(cat /tmp/gdd2.rc)
		cat /tmp/gdd1.err /tmp/gdd2.err
	   else
		echo hang
	   fi"
}

# alive <pid>: the process runs (a zombie waiting for "wait" does not)
alive() { [ -e /proc/$1/stat ] && [ "$(cut -d' ' -f3 /proc/$1/stat)" != Z ]; }

# evil_abort: the disk could not be set up: stop blkif-evilback, force
# the disk away
evil_abort() {
	cat "$log"
	alive $pid && kill $pid
	wait $pid
	timeout 60 xl block-detach -f $DOMU "$v" 2>/dev/null
	restart=1
	return 1
}

# evil_start <vdev> <mode>: attach <vdev> with blkif-evilback as its
# backend; sets pid, log, devid and n0 (the guest's log lines before)
evil_start() {
	v=$1
	devid=$(vdev_devid "$v")
	log=$LAB_RUN/evilback-$v.out
	n0=$(g 'dmesg | wc -l')
	$EB -t $TRIGGER "$domid" "$devid" "$2" > "$log" 2>&1 &
	pid=$!
	# libxl waits for the backend's InitWait, runs the hotplug script
	# and returns; the frontend then connects to blkif-evilback
	if ! timeout 60 xl -vvv block-attach $DOMU \
		"format=raw,vdev=$v,access=w,script=lab-block,target=$lo" \
		> $LAB_RUN/xl-attach-$v.log 2>&1; then
		fail "$v: xl block-attach with blkif-evilback as the backend"
		tail -n 40 $LAB_RUN/xl-attach-$v.log
		evil_abort
		return 1
	fi
	if ! g "i=0; while [ ! -b /dev/$v ] && [ \$i -lt 600 ]; do sleep 0.1; i=\$((i+1)); done; [ -b /dev/$v ]" >/dev/null; then
		fail "$v: /dev/$v did not appear in the guest"
		g "dmesg | tail -n +$((n0 + 1))"
		evil_abort
		return 1
	fi
	check_eq "$v: one single-page ring, x86_64 ABI" \
		"$(sed -n 's/^FRONTEND .*protocol=\([^ ]*\) ring-page-order=\([^ ]*\) queues=\([^ ]*\)$/\1 \2 \3/p' "$log")" \
		"x86_64-abi none none"
}

# evil_stop: xl block-detach; the disk leaves the guest, blkif-evilback
# sees the close through and ends
evil_stop() {
	local i rc
	if ! timeout 60 xl block-detach $DOMU "$v"; then
		fail "$v: xl block-detach"
		timeout 60 xl block-detach -f $DOMU "$v"
	fi
	check "$v: gone from the guest" g "i=0; while [ -b /dev/$v ] && [ \$i -lt 300 ]; do sleep 0.1; i=\$((i+1)); done; [ ! -b /dev/$v ]" ||
		restart=1
	i=0
	while alive $pid && [ $i -lt 100 ]; do
		sleep 0.2
		i=$((i + 1))
	done
	if alive $pid; then
		fail "$v: blkif-evilback still running after the detach"
		kill $pid
	fi
	wait $pid
	rc=$?
	cat "$log"
	check_eq "$v: blkif-evilback exit status" $rc 0
	check_eq "$v: the frontend closed" "$(sed -n 's/^CLOSED //p' "$log")" "frontend-state=6"
	i=0
	while [ -e /sys/bus/xen-backend/devices/vbd-$domid-$devid ] && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	check_eq "$v: no backend device left in dom0" \
		"$(ls -d /sys/bus/xen-backend/devices/vbd-$domid-$devid 2>/dev/null | wc -l)" 0
}

# guest_log: the guest's kernel log since evil_start
guest_log() { g "dmesg | tail -n +$((n0 + 1))"; }

# broke_lines <log>: the frontend's protocol-violation lines of this disk
broke_lines() { echo "$1" | grep "vbd-$devid: backend broke the protocol"; }

# ---- an honest backend first: the harness itself works ----
if evil_start xvdb good; then
	sed -n '1,/^CONNECTED/p' "$log"
	# what libxl waited for before it ran the hotplug script
	grep -E 'wanted state|calling hotplug script' $LAB_RUN/xl-attach-$v.log
	# the first and the last sector of the page
	r=$(g "dd if=/dev/xvdb $TRIGGER_DD 2>/dev/null | tr -d '\000' | sed -n '1p;8p' | tr '\n' ,")
	check_eq "xvdb: a read returns what blkif-evilback wrote" "$r" \
		"blkif-evilback sector $TRIGGER,blkif-evilback sector $((TRIGGER + 7)),"
	check "xvdb: a write succeeds" g 'dd if=/dev/zero of=/dev/xvdb bs=4k count=1 seek=10 oflag=direct'
	check_eq "xvdb: no misbehaviour" "$(grep -c '^EVIL' "$log")" 0
	l=$(guest_log)
	check_eq "xvdb: no protocol violation logged" "$(broke_lines "$l" | wc -l)" 0
	evil_stop
	check_eq "xvdb: every request answered" \
		"$(sed -n 's/^END requests=\([0-9]*\) answered=\([0-9]*\) .*/\1/p' "$log")" \
		"$(sed -n 's/^END requests=[0-9]* answered=\([0-9]*\) .*/\1/p' "$log")"
fi

# evil_case <vdev> <mode>: one violation on a fresh disk
evil_case() {
	local mode=$2 r evil reason l lines
	evil_start "$1" "$mode" || return
	if [ $mode = dup ]; then
		r=$(gdd_pair "$v")
		echo "$v: $mode: the read held, and another one: $r"
		case "$(echo "$r" | head -n 1)" in
		hang)
			fail "$v: $mode: a read hangs"
			restart=1
			;;
		"rc=0 data=blkif-evilback sector $TRIGGER rc="[1-9]*)
			echo "ok: $v: $mode: the read answered (twice) succeeds, the other one fails"
			;;
		*)
			fail "$v: $mode: expected the held read to succeed and the other one to fail"
			;;
		esac
	else
		r=$(gdd "if=/dev/$v of=/dev/null $TRIGGER_DD")
		echo "$v: $mode: the read: $r"
		case "$r" in
		hang)
			fail "$v: $mode: the read hangs"
			restart=1
			;;
		rc=0*)
			fail "$v: $mode: the read succeeded: $r"
			;;
		*)
			echo "ok: $v: $mode: the read fails"
			;;
		esac
	fi
	evil=$(grep '^EVIL' "$log")
	echo "$evil"
	check_eq "$v: blkif-evilback misbehaved ($mode)" "$(echo "$evil" | grep -c "^EVIL $mode ")" 1
	r=$(gdd "if=/dev/$v of=/dev/null bs=4k count=1 iflag=direct")
	case "$r" in
	rc=0*|hang) fail "$v: $mode: I/O after the violation: $r" ;;
	*) echo "ok: $v: $mode: I/O after the violation fails: $r" ;;
	esac
	# the value the frontend names: the bad id, the operation, or how
	# far rsp_prod ran ahead of the frontend's consumer
	case "$mode" in
	id-range) reason="response id out of range: $((0xdeadbeef))" ;;
	id-idle | dup) reason="response for no request in flight: $(echo "$evil" | sed -n 's/.* rsp-id=\([0-9]*\) .*/\1/p')" ;;
	wrong-op) reason="response operation mismatch: 1" ;;
	rsp-prod-* | dup-alone) reason="impossible rsp_prod: $(echo "$evil" | sed -n 's/.* rsp-prod=+\([0-9]*\)$/\1/p')" ;;
	esac
	evil_stop
	check_eq "$v: requests that reached the ring after the violation" \
		"$(sed -n 's/^END .* late=\([0-9]*\) .*/\1/p' "$log")" 0
	l=$(guest_log)
	lines=$(broke_lines "$l")
	echo "$lines"
	check_eq "$v: $mode: lines about the broken protocol" "$(echo "$lines" | grep -c .)" 1
	if echo "$lines" | grep -qF "($reason); device stopped"; then
		echo "ok: $v: $mode: the line names the violation ($reason)"
	else
		fail "$v: $mode: no line names the violation ($reason)"
	fi
	check_eq "$v: $mode: guest kernel log clean" \
		"$(echo "$l" | grep -cE 'WARNING:|BUG:|Oops|general protection|Call Trace|refcount_t|list_(add|del) corruption')" 0
	summary "$mode: $(echo "$lines" | sed 's/.*backend broke/backend broke/')"
}

evil_case xvdc id-range
evil_case xvdd id-idle
evil_case xvde wrong-op
evil_case xvdf rsp-prod-far
evil_case xvdg rsp-prod-one
evil_case xvdh dup
# with nothing else in flight a duplicate is one response too many
evil_case xvdi dup-alone

# ---- the run's backend again ----
check_eq "backend devices left in dom0" \
	"$(ls -d /sys/bus/xen-backend/devices/vbd-$domid-* 2>/dev/null | wc -l)" 0
[ -n "$restart" ] && guest_restart
back_again "$lo"
