package dmesg

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// taskSummary is what a pasted report must still give.
type taskSummary struct {
	Comm       string
	PID        int
	BlockedFor int
	State      string
	Frames     []string
}

func summarize(recs []*Record) []taskSummary {
	var out []taskSummary
	for _, rec := range recs {
		if rec.Kind != KindTask {
			continue
		}
		s := taskSummary{Comm: rec.Task.Comm, PID: rec.Task.PID, BlockedFor: rec.Task.BlockedFor, State: rec.Task.State}
		for _, f := range rec.Task.Frames {
			s.Frames = append(s.Frames, f.Func)
		}
		out = append(out, s)
	}
	return out
}

// The seed's 4.19 report (shared/seed/incident-nfs-readdir-hung.md), cut to
// its first frames, in the shapes people paste it. Every case must read
// the same task, and say what it removed.
func TestPastedReport(t *testing.T) {
	seed := taskSummary{Comm: "rsync", PID: 3621271, BlockedFor: 120, State: "D",
		Frames: []string{"schedule", "rwsem_down_read_failed", "call_rwsem_down_read_failed"}}
	const clean = `[316100.086897] INFO: task rsync:3621271 blocked for more than 120 seconds.
[316100.086950]       Not tainted 4.19.90-23.23.v2101.ky10.x86_64 #1
[316100.086987] "echo 0 > /proc/sys/kernel/hung_task_timeout_secs" disables this message.
[316100.087036] rsync           D    0 3621271 152322 0x00000080
[316100.087039] Call Trace:
[316100.087052]  schedule+0x28/0x80
[316100.087055]  rwsem_down_read_failed+0x11c/0x190
[316100.087059]  call_rwsem_down_read_failed+0x14/0x30
`
	prefixLines := func(prefix string) string {
		var b strings.Builder
		for _, l := range strings.SplitAfter(strings.TrimSuffix(clean, "\n"), "\n") {
			b.WriteString(prefix + l)
		}
		return b.String() + "\n"
	}
	tests := []struct {
		name  string
		in    string
		paste []string
	}{
		{"clean", clean, nil},
		{"mail-quoted", prefixLines("> "), []string{"quote"}},
		{"quoted twice without spaces", prefixLines(">>"), []string{"quote"}},
		{"quoted with blank quote lines", "> On Monday the box hung:\n>\n" + prefixLines("> ") + ">\n> Any idea?\n", []string{"quote", "prose"}},
		{"markdown code block", "The log:\n\n" + prefixLines("    ") + "\nThanks.\n", []string{"indent", "prose"}},
		{"fenced with a prompt", "```sh\n$ dmesg\n" + clean + "```\n", []string{"fence", "prompt"}},
		{"forum code tags", "[code]\n" + clean + "[/code]\n", []string{"fence"}},
		{
			name: "header wrapped by a mailer",
			in: strings.Replace(prefixLines("> "), "blocked for more than 120 seconds.\n",
				"blocked for\n> more than 120 seconds.\n", 1),
			paste: []string{"quote", "wrap"},
		},
		{
			name: "echo line wrapped by a terminal",
			in: strings.Replace(clean, "disables this message.\n",
				"disables th\nis message.\n", 1),
			paste: []string{"wrap"},
		},
		{
			name: "frame cut inside its offset",
			in: strings.Replace(clean, "rwsem_down_read_failed+0x11c/0x190\n",
				"rwsem_down_read_failed+0x11c/\n0x190\n", 1),
			paste: []string{"wrap"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewReader(strings.NewReader(tt.in), Options{Name: "pasted.txt"})
			var recs []*Record
			for r.Next() {
				recs = append(recs, r.Record())
			}
			if err := r.Err(); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]taskSummary{seed}, summarize(recs)); diff != "" {
				t.Errorf("tasks (-want +got)\n%s", diff)
			}
			if diff := cmp.Diff(tt.paste, r.Paste().Names()); diff != "" {
				t.Errorf("paste decorations (-want +got)\n%s", diff)
			}
			if sk := r.Skipped(); sk.Count != 0 {
				t.Errorf("skipped %d lines, first %d: %q", sk.Count, sk.FirstLine, sk.FirstText)
			}
		})
	}
}

// Joins of the other kinds of cut line, each from a real line.
func TestWrappedLines(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []taskSummary
	}{
		{
			// x86-6.16-dmesg-T-blocker.txt's task line, cut before ppid:.
			name: "5.9+ task line cut before ppid",
			in: "task:rw_sem_thread2  state:D stack:0     pid:36526 tgid:36526\n" +
				"ppid:2      task_flags:0x208040 flags:0x00004000\n" +
				"Call Trace:\n" +
				" rwsem_down_write_slowpath+0x2d5/0x6b0\n",
			want: []taskSummary{{Comm: "rw_sem_thread2", PID: 36526, State: "D", Frames: []string{"rwsem_down_write_slowpath"}}},
		},
		{
			// An old frame with its address on one line and the symbol
			// on the next, as a terminal 20 columns wide cuts it.
			name: "address and symbol on two lines",
			in: "INFO: task DDRace64-Server:27090 blocked for more than 120 seconds.\n" +
				"DDRace64-Server D ffff88007a2dd140     0 27090   3047 0x00000000\n" +
				"Call Trace:\n" +
				" [<ffffffff8135067c>]\n" +
				"__mutex_lock_common.isra.5+0xff/0x164\n" +
				" [<ffffffff81350737>] __mutex_lock_slowpath+0x19/0x1b\n",
			want: []taskSummary{{Comm: "DDRace64-Server", PID: 27090, BlockedFor: 120, State: "D",
				Frames: []string{"__mutex_lock_common.isra.5", "__mutex_lock_slowpath"}}},
		},
		{
			// A header cut right after "task" is still a header.
			name: "header cut after task",
			in:   "INFO: task\nrsync:3621271 blocked for more than 120 seconds.\n",
			want: []taskSummary{{Comm: "rsync", PID: 3621271, BlockedFor: 120}},
		},
		{
			// Two complete lines are never joined.
			name: "a prefixed next line is its own line",
			in: "[  1.0] INFO: task rsync:3621271 blocked for\n" +
				"[  1.1] more than 120 seconds.\n",
			want: nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recs, sk, err := read(tt.in, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, summarize(recs)); diff != "" {
				t.Errorf("tasks (-want +got)\n%s", diff)
			}
			if sk.Count != 0 {
				t.Errorf("skipped %d lines, first %d: %q", sk.Count, sk.FirstLine, sk.FirstText)
			}
		})
	}
}

// A lockdep entry cut before its acquire site (5.x form, from
// x86-5.14-level-caller-lockdep.txt).
func TestWrappedLockEntry(t *testing.T) {
	in := "2 locks held by kworker/u16:1/68:\n" +
		" #0: ffff8880a4a4c0e8 ((wq_completion)events_unbound){+.+.}-{0:0}, at:\n" +
		"process_one_work+0x1b4/0x650\n" +
		" #1: ffffc90000487e78 ((work_completion)(&sub_info->work)){+.+.}-{0:0}, at: process_one_work+0x1b4/0x650\n"
	recs, sk, err := read(in, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1 || recs[0].Locks == nil {
		t.Fatalf("got %d records, want one held-locks record", len(recs))
	}
	var at []string
	for _, l := range recs[0].Locks.Locks {
		at = append(at, l.At.Func)
	}
	if diff := cmp.Diff([]string{"process_one_work", "process_one_work"}, at); diff != "" {
		t.Errorf("acquire sites (-want +got)\n%s", diff)
	}
	if sk.Count != 0 {
		t.Errorf("skipped %d lines, first %d: %q", sk.Count, sk.FirstLine, sk.FirstText)
	}
}

// A report's first line indented inside mail quoting, where the kernel
// prints it at column 0, says the paster indented it, though the lines
// around it do not make a code block (dmesg/043, linux-leds, 2024).
func TestShiftedReportLine(t *testing.T) {
	const shifted = `>>>   INFO: task kworker/5:13:648 blocked for more than 180 seconds.
>>>        Not tainted 6.9.0-rc2+ #23
>>> "echo 0 > /proc/sys/kernel/hung_task_timeout_secs" disables this message.
>>> task:kworker/5:13    state:D stack:0     pid:648   tgid:648   ppid:2      flags:0x00004000
>>> Call Trace:
>>>   <TASK>
>>>   __schedule+0x43d/0xe20
>>>   schedule+0x31/0x130
`
	tests := []struct {
		name, in string
		want     []string
	}{
		{"indented in quoting", shifted, []string{"quote", "indent"}},
		{"at column 0 in quoting", strings.Replace(shifted, ">>>   INFO", ">>> INFO", 1), []string{"quote"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewReader(strings.NewReader(tt.in), Options{})
			n := 0
			for r.Next() {
				n++
			}
			if n != 1 {
				t.Fatalf("%d records, want 1 (err %v)", n, r.Err())
			}
			if diff := cmp.Diff(tt.want, r.Paste().Names()); diff != "" {
				t.Errorf("paste names (-want +got):\n%s", diff)
			}
		})
	}
}
