package locks

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/lagtrace/lagtrace/correlate/kernel"
)

// Stacks of the real 6.18 FUSE pile-up (testdata/locks-6.18/stacks-tail.txt).
var (
	fuseHolder = []string{"request_wait_answer+0x112/0x210", "__fuse_simple_request+0x120/0x330",
		"fuse_lookup_name+0xbf/0x220", "fuse_lookup+0x75/0x1b0", "fuse_atomic_open+0x124/0x190",
		"path_openat+0xba6/0x12d0", "do_filp_open+0xc3/0x180", "do_sys_openat2+0x6e/0xd0",
		"__x64_sys_openat+0x5d/0xa0", "do_syscall_64+0x71/0x280", "entry_SYSCALL_64_after_hwframe+0x76/0x7e"}
	fuseLister = []string{"iterate_dir+0x86/0x2a0", "__x64_sys_getdents64+0x76/0x110",
		"do_syscall_64+0x71/0x280", "entry_SYSCALL_64_after_hwframe+0x76/0x7e"}
)

func TestMatchHints(t *testing.T) {
	seed := []Task{{PID: 3748012, Comm: "rsync", Kind: "crash", Source: "bt:1", Frames: seedHolder}}
	for i, pid := range seedWaiterPIDs {
		seed = append(seed, Task{PID: pid, Comm: "rsync", Kind: "crash", Source: "bt:" + string(rune('a'+i)), Frames: seedWriteWaiter})
	}
	seed = append(seed, Task{PID: 3621271, Comm: "rsync", Kind: "crash", Source: "bt:z", Frames: seedReadWaiter})
	tests := []struct {
		name      string
		tasks     []Task
		blockers  []Blocker
		wantHints []string
	}{
		{"seed 4.19 NFS pile-up", seed, nil, []string{"nfs-readdir-exclusive-i_rwsem", "holder-waits-on-nfs-server"}},
		{"waiters without a visible holder match nothing", seed[1:], nil, nil},
		{"6.18 FUSE pile-up", []Task{
			{PID: 12742, Comm: "touch", Kind: "procstack", Source: "s:1", Frames: fuseHolder},
			{PID: 12744, Comm: "ls", Kind: "procstack", Source: "s:2", Frames: fuseLister},
		}, []Blocker{{PID: 12744, Comm: "ls", Lock: "rw-semaphore", Mode: ModeRead, OwnerPID: 12742, OwnerComm: "touch", OwnerMode: ModeWrite, Source: "d:1"}},
			[]string{"fuse-daemon-holds-dir-lock"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			la := Infer(tt.tasks, tt.blockers)
			var got []string
			for _, m := range MatchHints(la, kernel.Hints) {
				got = append(got, m.ID)
			}
			if diff := cmp.Diff(tt.wantHints, got); diff != "" {
				t.Errorf("hints (-want +got):\n%s\nincidents: %+v", diff, la.Incidents)
			}
		})
	}
}
