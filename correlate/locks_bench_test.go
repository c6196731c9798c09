package correlate

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

// seedReport is the seed incident's 4.19 hung-task report
// (testdata/dmesg/seed-4.19.txt) without its stamps, which the benchmarks
// add: "%s" takes the PID, the stamps are put in front of every line.
var seedReport = strings.Split(`INFO: task rsync:%d blocked for more than 120 seconds.
      Not tainted 4.19.90-23.23.v2101.ky10.x86_64 #1
"echo 0 > /proc/sys/kernel/hung_task_timeout_secs" disables this message.
rsync           D    0 %d 152322 0x00000080
Call Trace:
 schedule+0x28/0x80
 rwsem_down_read_failed+0x11c/0x190
 call_rwsem_down_read_failed+0x14/0x30
 down_read+0x13/0x30
 lookup_slow+0x27/0x50
 walk_component+0x1c4/0x350
 path_lookupat+0x6e/0x270
 filename_lookup+0xb6/0x190
 vfs_statx+0x73/0xe0
 __do_sys_newlstat+0x39/0x70
 do_syscall_64+0x5b/0x1d0
 entry_SYSCALL_64_after_hwframe+0x44/0xa9
RIP: 0033:0x7f612a9e5575
Code: Bad RIP value.
RSP: 002b:00007fff67b25fd8 EFLAGS: 00000246 ORIG_RAX: 0000000000000006`, "\n")

// reportLog writes n hung-task reports: of one task every 120 s (a stall
// the detector reports for hours) when distinct is false, else of n
// different tasks in one round.
func reportLog(n int, distinct bool) []byte {
	var b bytes.Buffer
	t := 316100.0
	for i := range n {
		pid := 3621271
		if distinct {
			pid += i
		} else {
			t += 120
		}
		for _, l := range seedReport {
			if strings.Contains(l, "%d") {
				l = fmt.Sprintf(l, pid)
			}
			fmt.Fprintf(&b, "[%13.6f] %s\n", t, l)
			t += 0.000003
		}
	}
	return b.Bytes()
}

// BenchmarkLocks reads a kernel log into a host and infers its locks, as
// lagtrace locks does. ns/op over 10k and 100k reports of one stall should
// grow linearly, and the allocations with the distinct tasks, not the
// reports (compare the repeated and distinct cases).
func BenchmarkLocks(b *testing.B) {
	for _, tc := range []struct {
		name     string
		n        int
		distinct bool
	}{
		{"repeated-10k", 10_000, false},
		{"repeated-100k", 100_000, false},
		{"distinct-10k", 10_000, true},
		{"distinct-100k", 100_000, true},
	} {
		data := reportLog(tc.n, tc.distinct)
		b.Run(tc.name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				var h HostInput
				if _, err := h.ReadDmesg(bytes.NewReader(data), "bench.log"); err != nil {
					b.Fatal(err)
				}
				a := h.InferLocks()
				if len(a.Incidents) == 0 {
					b.Fatal("no incident")
				}
			}
		})
	}
}

// The repeated reports of one stall are one task with one stack, however
// many there are; distinct tasks are each one task.
func TestLocksBoundedByDistinctTasks(t *testing.T) {
	for _, tc := range []struct {
		n        int
		distinct bool
		tasks    int
	}{{2000, false, 1}, {500, true, 500}} {
		var h HostInput
		if _, err := h.ReadDmesg(bytes.NewReader(reportLog(tc.n, tc.distinct)), "t.log"); err != nil {
			t.Fatal(err)
		}
		a := h.InferLocks()
		if len(a.Incidents) != 1 {
			t.Fatalf("%d reports: %d incidents, want 1", tc.n, len(a.Incidents))
		}
		inc := a.Incidents[0]
		if len(inc.Tasks) != tc.tasks {
			t.Errorf("%d reports: %d tasks, want %d", tc.n, len(inc.Tasks), tc.tasks)
		}
		if !tc.distinct {
			if got := inc.Tasks[0].Reports; got != tc.n {
				t.Errorf("reports of the task: %d, want %d", got, tc.n)
			}
			if n := len(h.Events()); n > 4 {
				t.Errorf("%d timeline events kept for one task's %d reports, want at most 4", n, tc.n)
			}
		}
	}
}
