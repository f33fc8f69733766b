# On the lab's debug kernel (KVER=6.12-debug), FRONT=ours: while the guest
# is restored under fio verify (xl save, xl restore), slab allocations
# fail under blkfront_talk_to_backend(), where the resume sets up its new
# rings and announces them (failslab, stack filter on that function, armed
# just before the save): every one of them once <space> bytes went
# through, another <space> each round, so that the resume fails at a
# different step each time (XenStore reads, ring setup, the transaction).
# Each round the disk either comes back and no fio run fails, or the
# failure is reported (the frontend's XenStore error node, Closing/Closed,
# or, when the injection also failed XenStore's report, the frontend's log
# line), the I/O held across the resume and after it fails with EIO, never
# with data that verified wrong, and the disk goes when detached; nothing
# hangs; after a failure the next connection (detach and
# attach) serves verified I/O.  Rounds end when nothing was injected (the
# resume got through before <space> bytes).  At least one resume must
# have failed.
. /lab/attach-fault.sh
af_require front

# the frontend's log line for a resume that found no memory for its rings
NORINGS='resume: no rings for the new backend'

resume_outcome() { # vdev errnode logged-before: resumed, failed or hung, within 60 s
	local end st fst
	# by the clock: a guest that hangs answers each question slowly
	end=$(($(up | cut -d. -f1) + 60))
	while [ "$(up | cut -d. -f1)" -lt $end ]; do
		xenstore-exists "$2" 2>/dev/null && { echo failed; return; }
		[ "$(g "dmesg | grep -c '$NORINGS'")" -gt "$3" ] && { echo failed; return; }
		st=$(xs_back "$1" state)
		fst=$(xs_front "$1" state)
		case "$st/$fst" in
		4/4) echo resumed; return ;;
		5/*|6/*|*/5|*/6) echo failed; return ;;
		esac
		sleep 0.5
	done
	echo hung
}

dev=$(disk_null 128 512) || { fail "no null_blk"; exit 1; }
v=xvdb
devid=$(vdev_devid $v)
attach "$dev" $v w || exit 1
rounds=0
failed=0
t0=$(up)
# (a round takes about 4 minutes on the debug kernel, so two fit: 0 fails
# the resume at its first steps, 4096 gets as far as the XenStore
# transaction; 1024 failed at the ring setup like 0 in every run so far)
for space in 0 4096 1024 16384 65536; do
	# stop in time to judge the last round within the scenario timeout
	[ "$(echo "$(up) $t0" | awk '{print int($1 - $2)}')" -lt 480 ] || break
	rounds=$((rounds + 1))
	logged=$(g "dmesg | grep -c '$NORINGS'")
	fio_loop_start $v 8M
	sleep 4
	af_lab_fault guest arm failslab fn:blkfront_talk_to_backend $space 1000000 ||
		{ fail "arm failslab in the guest"; break; }
	xl save $DOMU /tmp/domu.save > /tmp/xl-save.log 2>&1 || { cat /tmp/xl-save.log; fail "xl save"; break; }
	xl restore /tmp/domu.save > /tmp/xl-restore.log 2>&1 || { cat /tmp/xl-restore.log; fail "xl restore"; break; }
	rm -f /tmp/domu.save
	guest_domid > $LAB_RUN/domid
	efront=/local/domain/$(cat $LAB_RUN/domid)/error/device/vbd/$devid/error
	outcome=$(resume_outcome $v $efront "$logged")
	injected=$(af_lab_fault guest injected failslab)
	af_lab_fault guest disarm failslab
	fired=no
	[ "${injected:-0}" -gt 0 ] && fired=yes
	note "space=$space: $injected allocations failed, outcome=$outcome ($(xenstore-read $efront 2>/dev/null))"
	case "$outcome" in
	resumed)
		fio_loop_stop ;;
	failed)
		failed=$((failed + 1))
		[ "$fired" = yes ] || fail "space=$space: the resume failed without an injected fault"
		fio_loop_stop eio ;;
	hung)
		fail "space=$space: the disk neither came back nor reported an error in 60 s"
		xenstore-ls "$(fe_path $v)" 2>/dev/null | head -n 20
		fio_loop_stop eio ;;
	esac
	if [ "$outcome" != resumed ]; then
		af_cleanup $v $efront
		if attach "$dev" $v w; then
			check "space=$space: verified I/O on the connection after the failed resume" \
				fio_verify $v --rw=randwrite --bsrange=4k-256k --iodepth=16 --size=4M
		else
			fail "space=$space: the disk does not attach after the failed resume"
			break
		fi
	fi
	[ "$fired" = yes ] || break
done
g 'dmesg | grep -i xen.blk | tail -n 6'
check_ge "rounds whose resume failed (and recovered)" "$failed" 1
summary "xen-blkfront allocation failure at resume: $rounds rounds, $failed resumes failed and recovered"
g "[ -b /dev/$v ]" >/dev/null && detach $v
