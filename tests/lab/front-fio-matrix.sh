# fio crc32c verify through the frontend for the run's FRONT/BACK and their
# parameters: 4k random (qd 1 and 64), 1 MiB sequential, mixed 512 B-1 MiB
# (4 KiB-1 MiB on 4096-byte disks), on a loop disk and on null_blk disks
# with 512- and 4096-byte sectors.  Run it once per parameter set
# (FRONT_PARAMS / BACK_PARAMS: persistent on/off, indirect off/32/256, queues).
summary "front-fio-matrix: front=$(cat $LAB_RUN/front) [$(cat $LAB_RUN/fparams)] back=$(cat $LAB_RUN/back) [$(cat $LAB_RUN/bparams)]"

matrix_disk() { # <dev> <vdev> <sector size>
	local dev=$1 v=$2 ss=$3 small=512
	[ "$ss" = 4096 ] && small=4k
	attach "$dev" "$v" w || return 1
	summary "$v ($dev, ${ss}B): $(negotiated $v)"
	check_eq "$v logical block size" "$(g "cat /sys/block/$v/queue/logical_block_size")" "$ss"
	check "$v 4k random qd1" fio_verify $v --rw=randwrite --bs=4k --iodepth=1 --size=4M
	check "$v 4k random qd64" fio_verify $v --rw=randwrite --bs=4k --iodepth=64 --offset=8M --size=16M
	check "$v 1M sequential qd4" fio_verify $v --rw=write --bs=1M --iodepth=4 --offset=32M --size=32M
	check "$v mixed $small-1M qd8" fio_verify $v --rw=randwrite \
		--bssplit=$small/20:4k/30:20k/15:64k/15:256k/10:1m/10 --iodepth=8 --offset=64M --size=32M
	check "$v mixed $small-1M read/write qd16" fio_verify $v --rw=randrw \
		--bsrange=$small-1m --iodepth=16 --offset=96M --size=16M
	detach "$v"
}

dev=$(disk_loop 128) || { fail "no loop device"; exit 1; }
matrix_disk "$dev" xvdb 512
dev=$(disk_null 128 512) || { fail "no null_blk 512"; exit 1; }
matrix_disk "$dev" xvdc 512
dev=$(disk_null 128 4096) || { fail "no null_blk 4096"; exit 1; }
matrix_disk "$dev" xvdd 4096
