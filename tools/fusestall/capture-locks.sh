#!/bin/bash
# capture-locks.sh OUTDIR: reproduce a directory i_rwsem pile-up on a
# fusestall mount and save what an engineer would save from the stuck host:
# kernel log (raw and -T), /proc/PID/stack samples in two common shapes, ps,
# the holder's /proc/PID/status and an strace of an ls caught in the pile-up.
#
# Run as root from tools/fusestall after `go build -o /tmp/fusestall .`.
# The hung-task timeout is lowered to 10 s only for the capture and restored
# on every exit path, with the stall released and the mount gone.
set -u
out=${1:?usage: capture-locks.sh OUTDIR}
bin=${FUSESTALL:-/tmp/fusestall}
mnt=${MNT:-/mnt/fst}
stuck=${STUCK:-42} # seconds the pile-up is left in place
mkdir -p "$out" "$mnt"

. "$(dirname "$0")/hungtask.sh"

start=$(cut -d' ' -f1 /proc/uptime)
"$bin" -files 1000 -seed 1 "$mnt" 2>/dev/null &
srv=$!
for _ in $(seq 50); do [ -d "$mnt/dir" ] && break; sleep 0.1; done
ls "$mnt/dir" >/dev/null # warm the dentry of dir itself

echo 10 >$ks/hung_task_timeout_secs
echo 100 >$ks/hung_task_warnings

touch "$mnt/dir/stall-1" &
holder=$!
sleep 1
ls_pids=()
for _ in 1 2 3; do
	ls "$mnt/dir" >/dev/null &
	ls_pids+=($!)
	sleep 0.3
done
# env -i: the committed execve line must not carry this host's environment.
env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
	strace -ttt -f -v -s 40960 -o "$out/ls.strace" ls "$mnt/dir" >/dev/null &
strace_pid=$!
sleep 0.5
traced_ls=$(pgrep -P "$strace_pid" -x ls)
stat_pids=()
for i in 1 2; do
	stat "$mnt/dir/newname-$i" >/dev/null 2>&1 &
	stat_pids+=($!)
	sleep 0.3
done
all=("$holder" "${ls_pids[@]}" "$traced_ls" "${stat_pids[@]}")
{
	echo "holder touch $holder"
	for p in "${ls_pids[@]}"; do echo "ls-waiter ls $p"; done
	echo "strace strace $strace_pid"
	echo "ls-waiter-straced ls $traced_ls"
	for p in "${stat_pids[@]}"; do echo "stat-waiter stat $p"; done
} >"$out/pids.txt"

# Sample every 5 s for the stuck window, in the two shapes people keep.
paths=()
for p in "${all[@]}"; do paths+=("/proc/$p/stack"); done
end=$((SECONDS + stuck))
first=1
while [ $SECONDS -lt $end ]; do
	{ date +%s.%N; tail -n +1 "${paths[@]}"; } >>"$out/stacks-tail.txt" 2>&1
	for p in "${all[@]}"; do
		ps -o pid,stat,comm -p "$p" --no-headers
		cat "/proc/$p/stack"
	done >>"$out/stacks-ps.txt" 2>&1
	if [ $first = 1 ]; then
		ps -eo pid,ppid,stat,wchan:32,comm >"$out/ps.txt"
		cat "/proc/$holder/status" >"$out/holder-status.txt"
		first=0
	fi
	sleep 5
done
ps -eo pid,ppid,stat,wchan:32,comm >"$out/ps-late.txt"
save_dmesg "$start" "$out/dmesg.txt" "$out/dmesg-T.txt"

kill -USR1 "$srv"
# Our children turn zombie, which kill -0 still sees: read the state.
alive() { [ -r "/proc/$1/stat" ] && [ "$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null)" != Z ]; }
for p in "${all[@]}" "$strace_pid"; do
	for _ in $(seq 100); do alive "$p" || break; sleep 0.1; done
	alive "$p" && echo "pid $p still alive after release" >&2
done
wait "$holder" "${ls_pids[@]}" "${stat_pids[@]}" "$strace_pid" 2>/dev/null
echo "released; D-state tasks left:"
ps -eo stat,pid,comm | grep '^D'
exit 0
