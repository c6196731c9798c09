#!/bin/bash
# capture-incidents.sh OUTDIR: three directory-lock pile-ups on one
# fusestall mount, one after another, with a different holder each time and
# without clearing the kernel's ring buffer in between: what a customer's
# dmesg holds after a bad day. The third stall is left in place for over two
# minutes, so the hung-task detector repeats its reports every check.
#
#   A: touch MNT/dir/stall-a     holder in open_last_lookups (O_CREAT lookup)
#      stat x2 (reported), ls (killable, not reported) wait
#   B: mkdir MNT/dir/stall-b     holder in filename_create (lookup of the new name)
#      stat, ls, touch of another new name wait
#   C: ln -s x MNT/dir/stall-c   holder in filename_create via do_symlinkat
#      stat x2 wait, for STUCK_C seconds
#
# Between the runs the directory is quiet for PAUSE seconds, longer than
# three detector intervals. /proc/PID/stack of every task of a run is
# sampled every 5 s with a time stamp. Run as root from tools/fusestall
# after `go build -o /tmp/fusestall .`; the hung-task settings are lowered
# for the capture and restored on every exit path.
set -u
out=${1:?usage: capture-incidents.sh OUTDIR}
bin=${FUSESTALL:-/tmp/fusestall}
mnt=${MNT:-/mnt/fst}
stuck=${STUCK:-25}
stuck_c=${STUCK_C:-130}
pause=${PAUSE:-45}
mkdir -p "$out" "$mnt"

. "$(dirname "$0")/hungtask.sh"

start=$(cut -d' ' -f1 /proc/uptime)
"$bin" -files 1000 -seed 1 -stall-timeout 10m "$mnt" 2>/dev/null &
srv=$!
for _ in $(seq 50); do [ -d "$mnt/dir" ] && break; sleep 0.1; done
ls "$mnt/dir" >/dev/null

echo 10 >$ks/hung_task_timeout_secs
echo 1000 >$ks/hung_task_warnings
: >"$out/pids.txt"

alive() { [ -r "/proc/$1/stat" ] && [ "$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null)" != Z ]; }

# sample SECONDS PID...: time-stamped /proc/PID/stack of the run's tasks.
sample() {
	local secs=$1
	shift
	local paths=()
	for p in "$@"; do paths+=("/proc/$p/stack"); done
	local end=$((SECONDS + secs))
	while [ $SECONDS -lt $end ]; do
		{ date +%s.%N; tail -n +1 "${paths[@]}"; } >>"$out/stacks.txt" 2>&1
		sleep 5
	done
}

# release PID...: let the stalled lookups answer and wait for the run's tasks.
release() {
	kill -USR1 "$srv"
	for p in "$@"; do
		for _ in $(seq 100); do alive "$p" || break; sleep 0.1; done
		alive "$p" && echo "pid $p still alive after release" >&2
	done
	wait "$@" 2>/dev/null
}

run() {
	local name=$1
	echo "run $name $(date +%s.%N)" >>"$out/pids.txt"
}

# A: an O_CREAT open holds the directory.
run A
touch "$mnt/dir/stall-a" &
a_holder=$!
sleep 1
stat "$mnt/dir/new-a1" >/dev/null 2>&1 &
a1=$!
sleep 0.3
stat "$mnt/dir/new-a2" >/dev/null 2>&1 &
a2=$!
sleep 0.3
ls "$mnt/dir" >/dev/null &
a3=$!
printf 'A holder touch %s\nA stat-waiter stat %s\nA stat-waiter stat %s\nA ls-waiter ls %s\n' "$a_holder" "$a1" "$a2" "$a3" >>"$out/pids.txt"
sample "$stuck" "$a_holder" "$a1" "$a2" "$a3"
release "$a_holder" "$a1" "$a2" "$a3"
sleep "$pause"

# B: a mkdir holds the directory through filename_create.
run B
mkdir "$mnt/dir/stall-b" 2>/dev/null &
b_holder=$!
sleep 1
stat "$mnt/dir/new-b1" >/dev/null 2>&1 &
b1=$!
sleep 0.3
ls "$mnt/dir" >/dev/null &
b2=$!
sleep 0.3
touch "$mnt/dir/new-b3" &
b3=$!
printf 'B holder mkdir %s\nB stat-waiter stat %s\nB ls-waiter ls %s\nB create-waiter touch %s\n' "$b_holder" "$b1" "$b2" "$b3" >>"$out/pids.txt"
sample "$stuck" "$b_holder" "$b1" "$b2" "$b3"
release "$b_holder" "$b1" "$b2" "$b3"
sleep "$pause"

# C: a symlink holds the directory, long enough for repeated reports.
run C
ln -s target "$mnt/dir/stall-c" 2>/dev/null &
c_holder=$!
sleep 1
stat "$mnt/dir/new-c1" >/dev/null 2>&1 &
c1=$!
sleep 0.3
stat "$mnt/dir/new-c2" >/dev/null 2>&1 &
c2=$!
printf 'C holder ln %s\nC stat-waiter stat %s\nC stat-waiter stat %s\n' "$c_holder" "$c1" "$c2" >>"$out/pids.txt"
sample "$stuck_c" "$c_holder" "$c1" "$c2"

save_dmesg "$start" "$out/dmesg.txt" "$out/dmesg-T.txt"
release "$c_holder" "$c1" "$c2"
echo "released; D-state tasks left:"
ps -eo stat,pid,comm | grep '^D'
exit 0
