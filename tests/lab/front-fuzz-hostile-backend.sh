# The hostile-backend fuzzer (issue 11): with dom0's xen-blkback unloaded,
# blkif-fuzzback (tests/lab/tools/blkif-fuzzback.c, /lab in dom0) is the
# backend of a disk the guest's frontend uses, one connection after the
# other, until FUZZ_RESPONSES responses (default 1000, the slice meant for
# make check) of the seeded stream FUZZ_SEED (default 1) were played and
# every XenStore category had its connection.  Each connection has one
# XenStore category (absurd disk keys, sane ones with drawn features, or
# the backend's state flapping under I/O), one scheduled violation of the protocol (or none) and, per response, a
# category that breaks no rule (valid, bad status, reordered, delayed).
# In the guest, blkif-fuzzcheck (tests/lab/tools/blkif-fuzzcheck.c) drives
# O_DIRECT I/O from JOBS threads and checks every read that succeeds
# against the disk model both ends derive from the seed.  The first NXS
# connections (one per XenStore category) are short: OPS guest operations,
# the violation within the first 151 responses; the later ones long:
# LONG_OPS operations, the violation within the first 2001 responses, so
# that attach, handshake, detach and the checks of a connection are paid
# for many more responses.
#
# Per connection, with our frontend: no finding of the backend (a request
# that no answer can have caused), none of the guest (a read that
# succeeded with other data than the model's, an operation that never
# ends), a clean guest kernel log, at most one line about a broken
# protocol, and exactly one when a violation that no frontend can take
# for a valid answer was played; the disk detaches.  With FRONT=upstream
# the distro frontend is the reference: what would fail ours is printed
# as REFERENCE, a difference to read.
# A finding replays with FUZZ_SEED and the connection (FUZZ_CONN=<c> runs
# only that one); which request a response index falls on depends on the
# guest's timing.
seed=$(conf FUZZ_SEED)
seed=${seed:-1}
count=$(conf FUZZ_RESPONSES)
count=${count:-1000}
only=$(conf FUZZ_CONN)
front=$(cat $LAB_RUN/front)
FB=/lab/blkif-fuzzback
# guest operations per connection: the XenStore sweep's, the later ones'
OPS=200
LONG_OPS=3000
# the guest's threads, each with one operation in flight: a deep queue, so
# that a late answer holds up one thread of many and the backend finds
# several requests per pass over the ring
JOBS=16
# XenStore categories of blkif-fuzzback: connections 0..NXS-1 play each once
NXS=13
# violations that no frontend can take for a valid answer
CERTAIN="bad-id wrong-op dup rsp-ahead rsp-wrap keep-mapped write-after"
# stop starting connections this long before the scenario's time is up
budget=$(( $(conf SCENARIO_TIMEOUT) + 0 ))
[ "$budget" -gt 0 ] || budget=900
budget=$((budget - 150))

guest_ensure || exit 1
domid=$(cat $LAB_RUN/domid)
# the hotplug script wants a device; blkif-fuzzback never reads it
lo=$(disk_loop 16) || { fail "no loop device"; exit 1; }
check "xen-blkback unloaded" back_unload || exit 1
v=xvdb
devid=$(vdev_devid $v)
fe=/local/domain/$domid/device/vbd/$devid
bed=/local/domain/0/backend/vbd/$domid/$devid
rm -f $LAB_RUN/fuzzback-cat $LAB_RUN/fuzzback-xs

# finding <text>: against ours a failure, against the reference a line
finding() {
	findings=$((findings + 1))
	if [ "$front" = ours ]; then
		fail "$*"
	else
		summary "REFERENCE upstream: $*"
	fi
}

alive() { [ -e /proc/$1/stat ] && [ "$(cut -d' ' -f3 /proc/$1/stat)" != Z ]; }

# fz_conn <c>: one connection; adds to total and findings
fz_conn() {
	local c=$1 log=$LAB_RUN/fuzzback-$1.out pid i st present out rc
	local l broke stop nrsp nfind xs ops=$OPS
	[ "$c" -ge $NXS ] && ops=$LONG_OPS
	# the guest's kernel log so far (once; then counted on from each read)
	[ -n "$n0" ] || n0=$(g 'dmesg | wc -l')
	$FB -s "$seed" -c "$c" "$domid" "$devid" > "$log" 2>&1 &
	pid=$!
	if ! timeout 60 xl block-attach $DOMU \
		"format=raw,vdev=$v,access=w,script=lab-block,target=$lo" \
		> $LAB_RUN/xl-attach.log 2>&1; then
		fail "conn $c: xl block-attach"
		tail -n 20 $LAB_RUN/xl-attach.log
		cat "$log"
		alive $pid && kill $pid
		wait $pid
		timeout 60 xl block-detach -f $DOMU $v
		restart=1
		return 1
	fi
	# the disk comes, or the frontend gives up on the backend's keys
	i=0
	present=
	while [ $i -lt 200 ]; do
		st=$(xenstore-read $fe/state 2>/dev/null)
		[ "$st" = 4 ] && { present=1; break; }
		[ -n "$st" ] && [ "$st" -ge 5 ] && break
		sleep 0.1
		i=$((i + 1))
	done
	head -n 3 "$log"
	if [ -n "$present" ]; then
		# in one command: the device node, then the checker in the
		# background (a stuck operation must not block the agent; the
		# checker's watchdog reports one after 45 s, this loop gives up
		# at 60 s plus 1/8 s per operation, within g's 600 s)
		out=$(g "i=0; while [ ! -b /dev/$v ] && [ \$i -lt 100 ]; do sleep 0.1; i=\$((i+1)); done
			[ -b /dev/$v ] || { echo NODEV; exit 0; }
			rm -f /tmp/fc.out
			(blkif-fuzzcheck -s $seed -c $c -n $ops -j $JOBS /dev/$v > /tmp/fc.out 2>&1; echo EXIT=\$? >> /tmp/fc.out) &
			i=0
			while ! grep -q -e '^EXIT=' -e '^FINDING hang' /tmp/fc.out && [ \$i -lt $((10 * (60 + ops / 8))) ]; do sleep 0.1; i=\$((i + 1)); done
			cat /tmp/fc.out
			grep -q '^EXIT=' /tmp/fc.out || echo STUCK")
		echo "$out" | grep -qx NODEV || present=yes
	fi
	if [ "$present" = yes ]; then
		echo "$out"
		if echo "$out" | grep -q -e '^FINDING' -e '^STUCK'; then
			finding "conn $c: the guest: $(echo "$out" | grep -e '^FINDING' -e '^STUCK' | head -n 1)"
			echo "$out" | grep -q -e '^FINDING hang' -e '^STUCK' && restart=1
		fi
		rc=$(echo "$out" | sed -n 's/^EXIT=//p')
		case "$rc" in
		0|1|3) ;;
		'')
			# no exit status: a hang (above) or no answer at all
			echo "$out" | grep -q -e '^FINDING hang' -e '^STUCK' || {
				fail "conn $c: no answer from the guest's checker"
				restart=1
			} ;;
		*) fail "conn $c: blkif-fuzzcheck failed to run (exit $rc)" ;;
		esac
		checked=$((checked + $(echo "$out" | sed -n 's/^CHECK .* checked=\([0-9]*\) .*/\1/p' | grep . || echo 0)))
	else
		echo "conn $c: no disk in the guest (frontend state ${st:-gone})"
	fi
	if [ -z "$restart" ]; then
		timeout 90 xl block-detach $DOMU $v || {
			fail "conn $c: xl block-detach"
			timeout 60 xl block-detach -f $DOMU $v
		}
	else
		timeout 60 xl block-detach -f $DOMU $v
	fi
	i=0
	while alive $pid && [ $i -lt 300 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if alive $pid; then
		fail "conn $c: blkif-fuzzback still running after the detach"
		kill $pid
	fi
	wait $pid
	rc=$?
	i=0
	while xenstore-exists $bed 2>/dev/null && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	check_eq "conn $c: blkif-fuzzback exit status" $rc 0
	grep -E '^(CONN|FRONTEND|CONNECTED|REFUSED|STOP|FLAP|CLOSING|CLOSED|END|fuzz-frontend)' "$log"
	grep '^PLAY' "$log" | head -n 12
	grep '^FINDING' "$log"
	nrsp=$(sed -n 's/^fuzz-frontend: \([0-9]*\) responses.*/\1/p' "$log")
	nfind=$(sed -n 's/^fuzz-frontend: [0-9]* responses, \([0-9]*\) findings.*/\1/p' "$log")
	[ -n "$nrsp" ] || { fail "conn $c: no count from blkif-fuzzback"; cat "$log"; }
	total=$((total + ${nrsp:-0}))
	[ "${nfind:-0}" -gt 0 ] &&
		finding "conn $c: $nfind findings of the backend: $(grep '^FINDING' "$log" | head -n 1)"
	grep '^CAT ' "$log" >> $LAB_RUN/fuzzback-cat
	grep '^XSCAT ' "$log" >> $LAB_RUN/fuzzback-xs
	# the guest's kernel log of this connection
	l=$(g "dmesg > /tmp/fz.dmesg; tail -n +$((n0 + 1)) /tmp/fz.dmesg; echo DMESG-LINES=\$(wc -l < /tmp/fz.dmesg)")
	# the next connection's log starts after these lines: what comes
	# between two connections is the next one's to answer for
	n0=$(echo "$l" | sed -n 's/^DMESG-LINES=//p')
	l=$(echo "$l" | grep -v '^DMESG-LINES=')
	if echo "$l" | grep -qE 'WARNING:|BUG:|Oops|general protection|Call Trace|refcount_t|list_(add|del) corruption|blocked for more'; then
		finding "conn $c: guest kernel log: $(echo "$l" | grep -E 'WARNING:|BUG:|Oops|general protection|Call Trace|refcount_t|list_(add|del) corruption|blocked for more' | head -n 1)"
		echo "$l" | tail -n 60
		restart=1
	fi
	xs=$(sed -n 's/^CONN .* xs=\([^ ]*\) .*/\1/p' "$log")
	echo "$l" | grep -E "vbd-$devid|xvdb|blkfront|blkif" | head -n 8
	[ "$front" = ours ] || return 0
	broke=$(echo "$l" | grep -c "vbd-$devid: backend broke the protocol")
	stop=$(sed -n 's/^STOP \([^ ]*\) .*/\1/p' "$log")
	check_le "conn $c ($xs, ${stop:-no violation}): lines about a broken protocol" "$broke" 1
	if grep -q '^STOP .* persistent$' "$log"; then
		# a persistent grant may stay mapped: no violation
		check_eq "conn $c: $stop of a persistent grant, no broken-protocol line" "$broke" 0
	else
		case " $CERTAIN " in
		*" $stop "*)
			check_eq "conn $c: $stop stops the device with one line" "$broke" 1 ;;
		esac
	fi
	[ -z "$stop" ] &&
		check_eq "conn $c: no violation, no broken-protocol line" "$broke" 0
}

total=0
n0=
findings=0
checked=0
restart=
start=$(cut -d. -f1 /proc/uptime)
c=0
if [ -n "$only" ]; then
	fz_conn "$only"
else
	while [ $total -lt "$count" ] || [ $c -lt $NXS ]; do
		if [ $(($(cut -d. -f1 /proc/uptime) - start)) -gt $budget ]; then
			fail "out of time after $c connections, $total of $count responses"
			break
		fi
		echo "---- connection $c ($total of $count responses so far)"
		fz_conn $c
		if [ -n "$restart" ]; then
			guest_restart
			n0=
			domid=$(cat $LAB_RUN/domid)
			fe=/local/domain/$domid/device/vbd/$devid
			bed=/local/domain/0/backend/vbd/$domid/$devid
			restart=
		fi
		c=$((c + 1))
	done
fi

# the counts per category, over all connections
awk '{ n[$2] += $3; if (!($2 in seen)) { seen[$2] = 1; o[++k] = $2 } }
	END { for (i = 1; i <= k; i++) print "CAT-TOTAL " o[i] " " n[o[i]] }' $LAB_RUN/fuzzback-cat
awk '{ n[$2] += $3; if (!($2 in seen)) { seen[$2] = 1; o[++k] = $2 } }
	END { for (i = 1; i <= k; i++) print "XSCAT-TOTAL " o[i] " " n[o[i]] }' $LAB_RUN/fuzzback-xs
if [ -z "$only" ]; then
	check_ge "responses played" $total "$count"
	check_eq "XenStore categories played" \
		"$(awk '{ print $2 }' $LAB_RUN/fuzzback-xs | sort -u | wc -l)" $NXS
	check_ge "sectors read and checked against the model" $checked 1
fi
echo "fuzz-frontend: $total responses, $findings findings, seed $seed ($front)"
summary "fuzz-frontend: $total responses, $findings findings, seed $seed ($front), $c connections"

# ---- the run's backend again ----
check_eq "backend devices left in dom0" \
	"$(ls -d /sys/bus/xen-backend/devices/vbd-$domid-* 2>/dev/null | wc -l)" 0
back_again "$lo"
