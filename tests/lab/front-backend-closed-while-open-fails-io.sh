# A backend that goes Closed while the disk is held open: it answers
# nothing more, so what it left unanswered and all later I/O fail instead
# of hanging, the frontend closes, and the detach completes.
# blkif-evilback holds a read, goes Closing, lets go of the ring and goes
# Closed while a process in the guest keeps the disk open.
[ "$(cat $LAB_RUN/front)" = ours ] || { fail "needs FRONT=ours (nothing to run with the distro frontend, not a pass)"; exit 1; }
. /lab/evilback.sh
eb_setup || exit 1

if eb_start xvdb close-held; then
	g 'sleep 3600 < /dev/xvdb > /dev/null 2>&1 & echo $! > /tmp/holder.pid'
	r=$(eb_gdd "if=/dev/xvdb of=/dev/null bs=4k count=1 skip=4096 iflag=direct")
	echo "xvdb: the read the backend left unanswered: $r"
	case "$r" in
	hang) fail "xvdb: the unanswered read hangs"; eb_restart=1 ;;
	rc=0*) fail "xvdb: the unanswered read succeeded" ;;
	*) echo "ok: xvdb: the unanswered read fails" ;;
	esac
	check_eq "xvdb: blkif-evilback held the read" "$(grep -c '^HOLD ' "$log")" 1
	# the dead disk has capacity 0: a read gets no data (EOF or an
	# error), a write fails
	r=$(eb_gdd "if=/dev/xvdb of=/dev/null bs=4k count=1 iflag=direct")
	case "$r" in
	hang) fail "xvdb: a read after the backend closed hangs"; eb_restart=1 ;;
	rc=0*"0+0 records in"*|rc=[1-9]*) echo "ok: xvdb: a read after the backend closed gets no data: $r" ;;
	*) fail "xvdb: a read after the backend closed: $r" ;;
	esac
	r=$(eb_gdd "if=/dev/zero of=/dev/xvdb bs=4k count=1 oflag=direct")
	case "$r" in
	rc=0*|hang) fail "xvdb: a write after the backend closed: $r"; eb_restart=1 ;;
	*) echo "ok: xvdb: a write after the backend closed fails: $r" ;;
	esac
	check_eq "xvdb: the frontend closed" "$(xs_front xvdb state)" 6
	check "xvdb: xl block-detach" timeout 60 xl block-detach $DOMU xvdb
	eb_gone
	g 'kill $(cat /tmp/holder.pid)'
	eb_wait_end
	eb_guest_log | grep 'vbd-' | tail -n 5
fi
eb_teardown
