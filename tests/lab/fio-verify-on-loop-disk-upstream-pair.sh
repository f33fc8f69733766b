# The default workload (fio-verify-on-loop-disk.sh) once more in the same
# boot, on upstream's pair: the distribution's xen-blkback in dom0 and its
# xen-blkfront in the guest, without module parameters.  make lab COMPARE=1
# runs it after the default workload on the run's pair and prints the
# figures of both side by side.  The run's pair, with its parameters, is
# back in place at the end.
front=$(cat $LAB_RUN/front) fparams=$(cat $LAB_RUN/fparams)
back=$(cat $LAB_RUN/back) bparams=$(cat $LAB_RUN/bparams)

# use_front <ours|upstream> [params...]: swap the guest's xen-blkfront (no
# disk attached)
use_front() {
	g "lab-front $*" || { fail "lab-front $*"; return 1; }
	echo "$1" > $LAB_RUN/front
	shift
	echo "$*" > $LAB_RUN/fparams
}

guest_ensure || exit 1
rc=0
if back_reload upstream && use_front upstream; then
	# a subshell: the workload exits on a failed attach, and its
	# variables are its own; its checks count here ($LAB_RUN/failed)
	(. /tests/fio-verify-on-loop-disk.sh)
	rc=$?
else
	rc=1
fi
check "the run's xen-blkback ($back) loads again" back_reload "$back" $bparams
check "the run's xen-blkfront ($front) loads again" use_front "$front" $fparams
exit $rc
