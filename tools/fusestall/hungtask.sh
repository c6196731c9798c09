# hungtask.sh, sourced by the capture scripts after they set $mnt: refuses
# to run where a hung task panics the kernel, saves the hung-task sysctls
# the scripts lower, and on exit stops the FUSE server $srv (asking it to
# release its stalled requests first, aborting the connection if it will
# not stop) and restores the sysctls.
ks=/proc/sys/kernel
if [ "$(cat $ks/hung_task_panic)" != 0 ]; then
	echo "hung_task_panic is set: refusing to provoke hung-task reports" >&2
	exit 1
fi
old_timeout=$(cat $ks/hung_task_timeout_secs)
old_warnings=$(cat $ks/hung_task_warnings)
srv=
umount_srv() {
	[ -n "$srv" ] || return
	kill -USR1 "$srv" 2>/dev/null
	sleep 0.5
	kill -TERM "$srv" 2>/dev/null
	for _ in $(seq 50); do kill -0 "$srv" 2>/dev/null || break; sleep 0.2; done
	if kill -0 "$srv" 2>/dev/null; then
		for c in /sys/fs/fuse/connections/*/abort; do echo 1 >"$c"; done
		kill -KILL "$srv"
		umount -l "$mnt" 2>/dev/null
	fi
	wait "$srv" 2>/dev/null
	srv=
}
cleanup() {
	umount_srv
	echo "$old_timeout" >$ks/hung_task_timeout_secs
	echo "$old_warnings" >$ks/hung_task_warnings
}
trap cleanup EXIT

# save_dmesg START RAW T: writes the kernel log from the first record at or
# after START (seconds since boot) to RAW, and the same records of dmesg -T
# (the same ring buffer read a moment later) to T, whole lines; says so on
# stderr when the two windows differ.
save_dmesg() {
	local start=$1 raw=$2 wall=$3 tmp first n
	tmp=$(mktemp -d)
	dmesg >"$tmp/raw"
	dmesg -T >"$tmp/T"
	first=$(awk -v s="$start" '{t = substr($0, 2, index($0, "]") - 2) + 0; if (t >= s) { print NR; exit }}' "$tmp/raw")
	first=${first:-$(($(wc -l <"$tmp/raw") + 1))}
	n=$(($(wc -l <"$tmp/raw") - first + 1))
	tail -n +"$first" "$tmp/raw" >"$raw"
	tail -n +"$first" "$tmp/T" | head -n "$n" >"$wall"
	if ! diff <(cut -d']' -f2- "$raw") <(cut -d']' -f2- "$wall") >/dev/null; then
		echo "dmesg and dmesg -T windows differ" >&2
	fi
	rm -r "$tmp"
}
