#!/bin/bash
# capture-report.sh OUTDIR: the bundle `lagtrace report` is tested on: two
# "hosts" that mount fusestall with the same seed and file count, captured
# under a zone that is not UTC (TZ, default America/New_York), so that
# dmesg -T and strace -tt print local time.
#
#   E (healthy): strace -ttt -T of ls on a fast mount, nothing else running.
#   B (slow):    READDIR replies delayed; a holder (touch stall-1) and, each
#                under its own strace, an ls (-ttt -T -v), a stat (-tt -T,
#                local time of day), a python3 thread that lstat()s a name
#                (-ttt -f, no -T) and the holder itself (-ttt); all wait
#                behind the directory's i_rwsem, sampled every 2 s, until
#                the holder is released after $HOLD seconds. Then dmesg and
#                dmesg -T of the same records.
#
# Run as root from tools/fusestall after `go build -o /tmp/fusestall .`.
# The hung-task timeout is lowered to 10 s only for the capture and restored
# on every exit path, with the stall released and the mount gone.
set -u
out=${1:?usage: capture-report.sh OUTDIR}
bin=${FUSESTALL:-/tmp/fusestall}
mnt=${MNT:-/mnt/fst-report}
files=${FILES:-5000}
delay=${DELAY:-30ms}
hold=${HOLD:-35}
export TZ=${TZ:-America/New_York}
mkdir -p "$out/E" "$out/B" "$mnt"

. "$(dirname "$0")/hungtask.sh"
trap 'exit 130' INT TERM

mount_srv() {
	"$bin" -files "$files" -seed 1 "$@" "$mnt" 2>/dev/null &
	srv=$!
	for _ in $(seq 50); do [ -d "$mnt/dir" ] && break; sleep 0.1; done
}

alive() { [ -r "/proc/$1/stat" ] && [ "$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null)" != Z ]; }

# env -i: the committed execve lines must not carry this host's
# environment; TZ is kept, as the host's zone. env execs strace, so $!
# after "traced ... &" is strace's pid.
traced=(env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 TZ="$TZ" strace)

# E: healthy.
mount_srv
"${traced[@]}" -ttt -T -f -v -s 40960 -o "$out/E/ls.strace" ls "$mnt/dir" >/dev/null
umount_srv

# B: the pile-up.
start=$(cut -d' ' -f1 /proc/uptime)
mount_srv -readdir-delay "$delay"
ls "$mnt/dir" >/dev/null # warm the dentry of dir itself
echo 10 >$ks/hung_task_timeout_secs
echo 100 >$ks/hung_task_warnings

"${traced[@]}" -ttt -o "$out/B/touch.strace" touch "$mnt/dir/stall-1" &
s_touch=$!
sleep 1
"${traced[@]}" -ttt -T -f -v -s 40960 -o "$out/B/ls.strace" ls "$mnt/dir" >/dev/null &
s_ls=$!
sleep 0.3
"${traced[@]}" -tt -T -o "$out/B/stat.strace" stat "$mnt/dir/newname-1" >/dev/null 2>&1 &
s_stat=$!
sleep 0.3
"${traced[@]}" -ttt -f -o "$out/B/py.strace" python3 -c '
import os, sys, threading
def look():
    try:
        os.lstat(sys.argv[1])
    except OSError:
        pass
t = threading.Thread(target=look)
t.start()
t.join()
' "$mnt/dir/newname-2" &
s_py=$!
sleep 1
holder=$(pgrep -P "$s_touch" -x touch)
ls_pid=$(pgrep -P "$s_ls" -x ls)
stat_pid=$(pgrep -P "$s_stat" -x stat)
py_pid=$(pgrep -P "$s_py" -x python3)
py_tid=
for t in /proc/"$py_pid"/task/*; do
	t=${t##*/}
	[ "$t" != "$py_pid" ] && py_tid=$t
done
{
	echo "holder touch $holder (strace $s_touch)"
	echo "ls-waiter ls $ls_pid (strace $s_ls)"
	echo "stat-waiter stat $stat_pid (strace $s_stat)"
	echo "python3 $py_pid, lstat thread $py_tid (strace $s_py)"
	echo "TZ $TZ"
} >"$out/B/pids.txt"

all=("$holder" "$ls_pid" "$stat_pid" "$py_tid")
release_at=$((SECONDS + hold))
released=0
first=1
# Sample every 2 s until every task is gone; release the holder at $hold s.
while :; do
	live=()
	for p in "${all[@]}"; do alive "$p" && live+=("/proc/$p/stack"); done
	[ ${#live[@]} = 0 ] && break
	{ date +%s.%N; tail -n +1 "${live[@]}"; } >>"$out/B/stacks.txt" 2>&1
	if [ $first = 1 ]; then
		ps -eLo pid,tid,ppid,stat,wchan:32,comm >"$out/B/ps.txt"
		first=0
	fi
	if [ $released = 0 ] && [ $SECONDS -ge $release_at ]; then
		kill -USR1 "$srv"
		echo "released at $(date +%s.%N)" >>"$out/B/pids.txt"
		released=1
	fi
	sleep 2
done
wait "$s_touch" "$s_ls" "$s_stat" "$s_py" 2>/dev/null

# The records from the mount on, whole lines, and the same records from the
# -T listing (same ring buffer, read a moment later).
save_dmesg "$start" "$out/B/dmesg.txt" "$out/B/dmesg-T.txt"
echo "$old_timeout" >$ks/hung_task_timeout_secs
umount_srv

echo "done; D-state tasks left:"
ps -eo stat,pid,comm | grep '^D'
exit 0
