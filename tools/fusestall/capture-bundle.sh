#!/bin/bash
# capture-bundle.sh OUTDIR: two "hosts" listing the same directory, as
# lagtrace report compares them. Both mount fusestall with the same seed and
# file count, so both see the same file names in the same order.
#
#   E (healthy): strace of ls on a fast mount, nothing else running.
#   B (slow):    READDIR replies delayed, and a holder (touch stall-1) piles
#                up two ls and one stat behind the directory's i_rwsem while
#                the traced ls starts; released after $HOLD seconds.
#   B-interrupted: as B, but strace (with -I2) gets SIGINT while the
#                first getdents64 is still blocked.
#
# Run as root from tools/fusestall after `go build -o /tmp/fusestall .`.
set -u
out=${1:?usage: capture-bundle.sh OUTDIR}
bin=${FUSESTALL:-/tmp/fusestall}
mnt=${MNT:-/mnt/fst}
files=${FILES:-20000}
delay=${DELAY:-50ms}
hold=${HOLD:-25}
mkdir -p "$out/E" "$out/B" "$mnt"

. "$(dirname "$0")/hungtask.sh"

mount_srv() {
	"$bin" -files "$files" -seed 1 "$@" "$mnt" 2>/dev/null &
	srv=$!
	for _ in $(seq 50); do [ -d "$mnt/dir" ] && break; sleep 0.1; done
}

alive() { [ -r "/proc/$1/stat" ] && [ "$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null)" != Z ]; }

# env -i: the committed execve line must not carry this host's environment.
# env execs strace, so $! after "traced_ls FILE &" is strace's pid.
traced_ls=(env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 strace -ttt -f -v -s 40960 -o)

# dmesg_since START FILE: kernel records from uptime START on, whole lines.
dmesg_since() {
	dmesg | awk -v s="$1" 'p || substr($0, 2, index($0, "]") - 2) + 0 >= s { p = 1; print }' >"$2"
}

# pileup DIR STRACE_NAME INTERRUPT_AFTER: the slow host. INTERRUPT_AFTER=0
# lets the traced ls run to the end.
pileup() {
	local dir=$1 name=$2 intr=$3
	local start holder ls_pids=() stat_pid strace_pid ls_pid
	start=$(cut -d' ' -f1 /proc/uptime)
	mount_srv -readdir-delay "$delay"
	echo 10 >$ks/hung_task_timeout_secs
	echo 100 >$ks/hung_task_warnings

	touch "$mnt/dir/stall-1" &
	holder=$!
	sleep 1
	for _ in 1 2; do
		ls "$mnt/dir" >/dev/null &
		ls_pids+=($!)
		sleep 0.3
	done
	stat "$mnt/dir/newname-1" >/dev/null 2>&1 &
	stat_pid=$!
	sleep 0.3
	if [ "$intr" = 0 ]; then
		"${traced_ls[@]}" "$dir/$name.strace" ls "$mnt/dir" >/dev/null &
	else
		# strace -o FILE PROG blocks SIGINT (its -I3 default); -I2 is
		# what strace uses at a terminal. Bash starts background jobs
		# with SIGINT ignored, hence --default-signal.
		env -i --default-signal=INT PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
			strace -I2 -ttt -f -v -s 40960 -o "$dir/$name.strace" ls "$mnt/dir" >/dev/null &
	fi
	strace_pid=$!
	sleep 0.5
	ls_pid=$(pgrep -P "$strace_pid" -x ls)
	{
		echo "holder touch $holder"
		for p in "${ls_pids[@]}"; do echo "ls-waiter ls $p"; done
		echo "stat-waiter stat $stat_pid"
		echo "strace strace $strace_pid"
		echo "ls-traced ls $ls_pid"
	} >"$dir/pids-$name.txt"

	local all=("$holder" "${ls_pids[@]}" "$stat_pid" "$ls_pid") paths=() p
	for p in "${all[@]}"; do paths+=("/proc/$p/stack"); done
	local release_at=$((SECONDS + hold)) released=0 psdone=0
	# Sample every 2 s until every task is gone; release the holder at
	# $hold s, interrupt the strace at $intr s.
	while :; do
		local live=()
		for p in "${all[@]}"; do alive "$p" && live+=("/proc/$p/stack"); done
		[ ${#live[@]} = 0 ] && break
		{ date +%s.%N; tail -n +1 "${live[@]}"; } >>"$dir/stacks-$name.txt" 2>&1
		if [ $psdone = 0 ]; then
			ps -eo pid,ppid,stat,wchan:32,comm >"$dir/ps-$name.txt"
			psdone=1
		fi
		if [ "$intr" != 0 ] && [ $SECONDS -ge $((release_at - hold + intr)) ]; then
			kill -INT "$strace_pid" 2>/dev/null
			echo "SIGINT to strace at $(date +%s.%N)" >>"$dir/pids-$name.txt"
			intr=0
		fi
		if [ $released = 0 ] && [ $SECONDS -ge $release_at ]; then
			kill -USR1 "$srv"
			released=1
		fi
		sleep 2
	done
	wait "$holder" "${ls_pids[@]}" "$stat_pid" "$strace_pid" "$ls_pid" 2>/dev/null
	dmesg_since "$start" "$dir/dmesg-$name.txt"
	echo "$old_timeout" >$ks/hung_task_timeout_secs
	umount_srv
}

# E: healthy.
mount_srv
"${traced_ls[@]}" "$out/E/ls.strace" ls "$mnt/dir" >/dev/null
umount_srv

pileup "$out/B" ls 0
pileup "$out/B" ls-interrupted 10

echo "done; D-state tasks left:"
ps -eo stat,pid,comm | grep '^D'
exit 0
