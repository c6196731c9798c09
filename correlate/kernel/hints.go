package kernel

// Hint is a known kernel behaviour that explains a lock pile-up. Hints are
// data: a pattern every part of which must match a lock the analysis found,
// and the words to show when it does. They are deliberately conservative:
// a partial match shows nothing.
type Hint struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	// Pattern, all required:
	// Site is the lock site ("iterate_dir").
	Site string `json:"-"`
	// WaiterMode, when set, is a mode at least one waiter must want.
	WaiterMode Mode `json:"-"`
	// HolderCalls lists functions of which at least one must be in the
	// holder's stack: the holder must be visible.
	HolderCalls []string `json:"-"`
	// HolderWaits, when set, lists functions of which one must be where
	// the holder sleeps (its waits_in or stack).
	HolderWaits []string `json:"-"`
	// MinWaiters is how many waiters the lock must have.
	MinWaiters int `json:"-"`

	Explanation string `json:"explanation"`
	Reference   string `json:"reference"`
	Fix         string `json:"fix"`
}

// Hints is the table of known behaviours, matched in order.
var Hints = []Hint{
	{
		ID:          "nfs-readdir-exclusive-i_rwsem",
		Title:       "NFS readdir takes the directory lock exclusively (->iterate)",
		Site:        "iterate_dir",
		WaiterMode:  ModeWrite,
		HolderCalls: []string{"nfs_readdir"},
		MinWaiters:  1,
		Explanation: "Every getdents64 of this NFS directory waits for the directory's i_rwsem in write mode: the NFS client implemented ->iterate, not ->iterate_shared, so iterate_dir took the lock exclusively and concurrent listings of the directory ran one at a time, each holding the lock for as long as the server took to answer its READDIR calls. On a directory of a million entries, tasks queue for minutes and show as D state.",
		Reference:   "upstream commit 93a6ab7b691f (\"NFS: Switch readdir to using iterate_shared()\"); later 3e3271549670 (\"vfs: get rid of old '->iterate' directory operation\")",
		Fix:         "Move to a kernel that carries 93a6ab7b691f (or a vendor backport); until then, avoid concurrent listings of the huge directory (serialize or space out the rsync runs) and split the directory.",
	},
	{
		ID:          "fuse-daemon-holds-dir-lock",
		Title:       "A FUSE request made with the directory lock held is not answered",
		HolderCalls: []string{"fuse_lookup", "fuse_atomic_open", "fuse_create_open", "fuse_lookup_name", "fuse_readdir", "fuse_mkdir", "fuse_unlink"},
		HolderWaits: []string{"request_wait_answer", "fuse_simple_request", "__fuse_simple_request"},
		MinWaiters:  1,
		Explanation: "The holder sent a request to the FUSE daemon while holding the directory's i_rwsem and sleeps until the daemon answers; every lookup, create or listing of that directory waits behind it. The kernel is fine: the daemon is slow or stuck.",
		Reference:   "fs/fuse/dev.c request_wait_answer(); fs/namei.c open_last_lookups() and lookup_slow()",
		Fix:         "Look at the FUSE daemon (its own stacks and strace); if it cannot recover, abort the connection with echo 1 > /sys/fs/fuse/connections/N/abort and remount.",
	},
	{
		ID:          "holder-waits-on-nfs-server",
		Title:       "The lock holder waits for an NFS server reply",
		HolderWaits: []string{"rpc_wait_bit_killable", "nfs_wait_bit_killable", "__rpc_execute"},
		MinWaiters:  1,
		Explanation: "The task holding the lock sleeps in the sunrpc layer waiting for the NFS server's reply, so the server's latency (or a lost connection with a hard mount) sets how long every waiter queues.",
		Reference:   "net/sunrpc/sched.c rpc_wait_bit_killable()",
		Fix:         "Check the server and the mount's RPC round-trip times (/proc/self/mountstats, nfsstat -rc for retransmissions).",
	},
}
