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
