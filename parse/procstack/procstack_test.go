package procstack

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/lagtrace/lagtrace/internal/lines"
)

var update = flag.Bool("update", false, "rewrite golden files")

const (
	fixtures = "../../testdata/procstack"
	locks    = "../../testdata/locks-6.18"
	// real holds the excerpts of /proc/PID/stack text published by others
	// (testdata/real/README.md); their goldens are under testdata/real/.
	real = "../../testdata/real/procstack"
)

func fixtureNames(t testing.TB) []string {
	t.Helper()
	var names []string
	// locks-6.18 belongs to another capture; only its stack files are ours
	// to read.
	for _, dir := range []string{fixtures, locks, real} {
		ents, err := os.ReadDir(dir)
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				continue
			}
			t.Fatal(err)
		}
		for _, e := range ents {
			if e.IsDir() || strings.HasSuffix(e.Name(), ".md") ||
				dir == locks && !strings.HasPrefix(e.Name(), "stacks") {
				continue
			}
			names = append(names, filepath.Join(dir, e.Name()))
		}
	}
	return names
}

// dump renders everything a Reader yields, for golden comparison.
func dump(name string, data []byte) string {
	var b strings.Builder
	r := NewReader(bytes.NewReader(data), Options{Name: filepath.Base(name)})
	for r.Next() {
		s := r.Sample()
		fmt.Fprintf(&b, "sample line=%d pid=%s", s.Line, pidText(s))
		if s.TGID != 0 {
			fmt.Fprintf(&b, " tgid=%d", s.TGID)
		}
		if s.Comm != "" || s.State != "" {
			fmt.Fprintf(&b, " comm=%q state=%q", s.Comm, s.State)
		}
		if s.HasTime {
			fmt.Fprintf(&b, " time=%s", time.Unix(0, s.Time).UTC().Format(time.RFC3339Nano))
		}
		b.WriteByte('\n')
		for _, f := range s.Frames {
			fmt.Fprintf(&b, "  %d: %s+%#x/%#x", f.Line, f.Func, f.Offset, f.Size)
			if f.Module != "" {
				fmt.Fprintf(&b, " [%s]", f.Module)
			}
			if f.Addr != 0 {
				fmt.Fprintf(&b, " addr=%#x", f.Addr)
			}
			b.WriteByte('\n')
		}
	}
	fmt.Fprintf(&b, "skipped: %+v\nerr: %v\n", r.Skipped(), r.Err())
	if p := r.Paste(); !p.Empty() {
		fmt.Fprintf(&b, "paste: %v prose=%+v\n", p.Names(), p.Prose)
	}
	return b.String()
}

// pidText is the sample's PID, or "none" when the text names no task.
func pidText(s *Sample) string {
	if !s.HasPID {
		return "none"
	}
	return fmt.Sprint(s.PID)
}

// goldenPath is where the golden of a fixture lives: testdata/NAME.golden,
// or testdata/real/NAME.golden for an excerpt of the real corpus.
func goldenPath(name string) string {
	if filepath.Dir(name) == filepath.Clean(real) {
		return filepath.Join("testdata", "real", filepath.Base(name)+".golden")
	}
	return filepath.Join("testdata", filepath.Base(name)+".golden")
}

func TestGolden(t *testing.T) {
	for _, name := range fixtureNames(t) {
		t.Run(filepath.Base(name), func(t *testing.T) {
			data, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			got := dump(name, data)
			golden := goldenPath(name)
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if diff := cmp.Diff(string(want), got); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
}

func TestParseFrame(t *testing.T) {
	id := func(s string) string { return s }
	tests := []struct {
		in   string
		want Frame
		ok   bool
	}{
		{"[<0>] iterate_dir+0x86/0x2a0", Frame{Func: "iterate_dir", Offset: 0x86, Size: 0x2a0}, true},
		{"[<0>] nfs_readdir+0x2a3/0x4b0 [nfs]", Frame{Func: "nfs_readdir", Offset: 0x2a3, Size: 0x4b0, Module: "nfs"}, true},
		{"[<0>] nfs_readdir+0x2a3/0x4b0 [nfs 1234abcd]", Frame{Func: "nfs_readdir", Offset: 0x2a3, Size: 0x4b0, Module: "nfs"}, true},
		{"[<ffffffffa0451234>] rpc_wait_bit_killable+0x24/0x40 [sunrpc]", Frame{Func: "rpc_wait_bit_killable", Offset: 0x24, Size: 0x40, Module: "sunrpc", Addr: 0xffffffffa0451234}, true},
		{"[<0>] foo.cold+0x5/0x10", Frame{Func: "foo.cold", Offset: 5, Size: 0x10}, true},
		{"[<0>] 0xffffffffc0123456", Frame{Func: "0xffffffffc0123456"}, true},
		{"[<ffffffffffffffff>] 0xffffffffffffffff", Frame{}, true},
		// 323: hand notes after the frame.
		{"[<0>] bch_btree_insert+0x102/0x188     <<<<< race?", Frame{Func: "bch_btree_insert", Offset: 0x102, Size: 0x188}, true},
		{"[<0>] bch_btree_map_nodes_recurse+0xed/0x1a7   | since this is an insert", Frame{Func: "bch_btree_map_nodes_recurse", Offset: 0xed, Size: 0x1a7}, true},
		{"[<0>] nfs_readdir+0x2a3/0x4b0 [nfs]  <----", Frame{Func: "nfs_readdir", Offset: 0x2a3, Size: 0x4b0, Module: "nfs"}, true},
		{"[<0>] foo+0x5", Frame{}, false},
		{"[<0>] foo+0x5/0x10 sunrpc", Frame{}, false},
		{"[<zz>] foo+0x5/0x10", Frame{}, false},
		{"[<0>]", Frame{}, false},
		{"[<0>] +0x5/0x10", Frame{}, false},
	}
	for _, tt := range tests {
		got, ok := parseFrame(tt.in, id)
		if ok != tt.ok {
			t.Errorf("parseFrame(%q) ok = %v, want %v", tt.in, ok, tt.ok)
			continue
		}
		if !ok {
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("parseFrame(%q) (-want +got)\n%s", tt.in, diff)
		}
	}
}

func TestPIDFromName(t *testing.T) {
	tests := []struct {
		name string
		pid  int
		ok   bool
	}{
		{"3748012.stack", 3748012, true},
		{"stack.3748012", 3748012, true},
		{"3748012", 3748012, true},
		{"3748012.stack.gz", 3748012, true},
		{"/proc/3748012/stack", 3748012, true},
		{"sosreport-host/proc/101/stack", 101, true},
		{"proc/101/stack", 101, true},
		// A thread's stack is the thread's: the task is the TID.
		{"/proc/1/task/3748012/stack", 3748012, true},
		// Digits anywhere else are no PID: the real corpus's file names
		// gave PIDs 303, 308, 309 before this rule.
		{"testdata/real/procstack/303-btrfs-pidof-backtick-no-pid-header.txt", 0, false},
		{"005-notes.txt", 0, false},
		{"dir/2024/stack-42.txt", 0, false},
		{"stack-2026-11-25.txt", 0, false},
		{"/proc/self/stack", 0, false},
		{"myproc/12/stack", 0, false},
		// In a text, a copy of /proc under any directory names its task
		// (320, 321); as a file's name it does not.
		{"1380213238/11210/stack", 0, false},
		{"proc/1380213238/11210/stack", 0, false},
		{"0.stack", 0, false},
		{"rsync.stack", 0, false},
		{"", 0, false},
	}
	for _, tt := range tests {
		pid, ok := PIDFromName(tt.name)
		if pid != tt.pid || ok != tt.ok {
			t.Errorf("PIDFromName(%q) = %d, %v; want %d, %v", tt.name, pid, ok, tt.pid, tt.ok)
		}
	}
}

func TestParseTime(t *testing.T) {
	tests := []struct {
		in   string
		want string // RFC 3339 in UTC, "" for not a time
	}{
		{"Wed Nov 25 22:44:18 UTC 2026", "2026-11-25T22:44:18Z"},
		{"1795646989.824925793", "2026-11-25T22:49:49.824925793Z"},
		{"=== 1712802314 ===", "2024-04-11T02:25:14Z"},
		{"1712802314.374988", "2024-04-11T02:25:14.374988Z"},
		{"2026-11-25T22:44:18+08:00", "2026-11-25T14:44:18Z"},
		{"2026-11-25 22:44:18.5+00:00", "2026-11-25T22:44:18.5Z"},
		{"---- Wed, 25 Nov 2026 22:44:18 +0000 ----", "2026-11-25T22:44:18Z"},
		{"3748012", ""},
		{"=== round 3 ===", ""},
	}
	for _, tt := range tests {
		ns, ok := parseTime(tt.in)
		got := ""
		if ok {
			got = time.Unix(0, ns).UTC().Format(time.RFC3339Nano)
		}
		if got != tt.want {
			t.Errorf("parseTime(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// sample is what TestHeaders compares of a Sample.
type sample struct {
	PID         int
	HasPID      bool
	TGID        int
	Comm, State string
	Funcs       []string
	Line        int
}

// TestHeaders: every way a text names the task of a stack, each from the
// real text that taught it (the excerpt under testdata/real/procstack is
// named), and what the reader must not take for a task.
func TestHeaders(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		opts  Options
		want  []sample
		skip  Skips
		prose int
	}{
		{
			name: "raw with Options.PID",
			in:   "[<0>] a+0x1/0x2\n[<0>] b+0x1/0x2\n",
			opts: Options{PID: 7},
			want: []sample{{PID: 7, HasPID: true, Funcs: []string{"a", "b"}, Line: 1}},
		},
		{
			name: "raw with PID from name",
			in:   "[<0>] a+0x1/0x2\n",
			opts: Options{Name: "/tmp/123.stack"},
			want: []sample{{PID: 123, HasPID: true, Funcs: []string{"a"}, Line: 1}},
		},
		{
			name: "raw with digits in a name that is no PID",
			in:   "[<0>] a+0x1/0x2\n",
			opts: Options{Name: "303-btrfs-pidof-backtick-no-pid-header.txt"},
			want: []sample{{Funcs: []string{"a"}, Line: 1}},
		},
		{
			name: "bare PID, task path and prompt echo",
			in: "42\n[<0>] a+0x1/0x2\n/proc/5/task/6/stack\n[<0>] b+0x1/0x2\n" +
				"[root@host ~]# cat /proc/9/stack\n[<0>] c+0x1/0x2\n",
			want: []sample{
				{PID: 42, HasPID: true, Funcs: []string{"a"}, Line: 1},
				{PID: 6, HasPID: true, TGID: 5, Funcs: []string{"b"}, Line: 3},
				{PID: 9, HasPID: true, Funcs: []string{"c"}, Line: 5},
			},
		},
		{
			name: "ps lines",
			in: "  PID STAT COMMAND\n 3621271 D    rsync\n[<0>] a+0x1/0x2\n" +
				"root  77  0.0  0.1   2916  1664 ?  Ds   22:49   0:00 ls -l /mnt/dir\n[<0>] b+0x1/0x2\n",
			want: []sample{
				{PID: 3621271, HasPID: true, Comm: "rsync", State: "D", Funcs: []string{"a"}, Line: 2},
				{PID: 77, HasPID: true, Comm: "ls -l /mnt/dir", State: "Ds", Funcs: []string{"b"}, Line: 4},
			},
		},
		{
			name: "back to back stacks split at the entry frame",
			in:   "[<0>] a+0x1/0x2\n[<0>] ret_from_fork+0x1/0x2\n[<0>] ret_from_fork_asm+0x1/0x2\n[<0>] b+0x1/0x2\n",
			want: []sample{
				{Funcs: []string{"a", "ret_from_fork", "ret_from_fork_asm"}, Line: 1},
				{Funcs: []string{"b"}, Line: 4},
			},
		},
		{
			name: "old terminator ends a stack",
			in:   "[<ffffffff81000000>] a+0x1/0x2\n[<ffffffffffffffff>] 0xffffffffffffffff\n[<ffffffff81000000>] b+0x1/0x2\n",
			want: []sample{{Funcs: []string{"a"}, Line: 1}, {Funcs: []string{"b"}, Line: 3}},
		},
		{
			name: "unparseable lines inside a stack are skipped, prose outside is not",
			in:   "Here it is:\n[<0>] a+0x1/0x2\nsomething odd\n[<0>] broken\n\nThanks.\n",
			want: []sample{{Funcs: []string{"a"}, Line: 2}},
			skip: Skips{Count: 2, FirstLine: 3, FirstText: "something odd"},
			// "Here it is:", "Thanks."
			prose: 2,
		},
		{
			// 301: a ps aux table, then one prompt per stack; the rows lend
			// the headers that give only a PID their COMMAND and STAT.
			name: "ps aux table before prompted stacks (301)",
			in: "    [root@tantor ~]# ps aux |grep D\n" +
				"    USER       PID %CPU %MEM    VSZ   RSS TTY      STAT START   TIME COMMAND\n" +
				"    root      2787  0.0  0.0      0     0 ?        D    May11   0:02 [eio_clean_threa]\n" +
				"    root      8553  0.0  0.0   3360   584 pts/3    S+   02:45   0:00 grep D\n" +
				"    \n" +
				"    [root@tantor ~]# cat /proc/2787/stack\n" +
				"    [<ffffffff946b3b03>] call_rwsem_down_write_failed+0x13/0x20\n" +
				"    [<ffffffffffffffff>] 0xffffffffffffffff\n",
			want: []sample{{PID: 2787, HasPID: true, Comm: "eio_clean_threa", State: "D", Funcs: []string{"call_rwsem_down_write_failed"}, Line: 6}},
		},
		{
			// 302: two prompts, no blank line between the stacks.
			name: "prompt after prompt (302)",
			in: "    $ sudo cat /proc/32733/stack\n    [<ffffffffb383197e>] wb_wait_for_completion+0x5e/0x90\n" +
				"    $ sudo cat /proc/29526/stack\n    [<ffffffffb383197e>] wb_wait_for_completion+0x5e/0x90\n",
			want: []sample{
				{PID: 32733, HasPID: true, Funcs: []string{"wb_wait_for_completion"}, Line: 1},
				{PID: 29526, HasPID: true, Funcs: []string{"wb_wait_for_completion"}, Line: 3},
			},
		},
		{
			// 303: the prompt reads a stack by a path the shell expands: the
			// task is not named, so it is named by its first frame; the
			// /stat output after the next prompt is not a ps row.
			name: "prompt that names no PID, then another command's output (303)",
			in: "`\n# cat /proc/`pidof systemd-sleep`/stack\n[<0>] btrfs_wait_ordered_roots+0x59/0x210\n\n" +
				"# cat /proc/`pidof systemd-sleep`/stat\n638591 (systemd-sleep) D 1 638591 638591 0 -1 4194560 454 893 0 0 0 0 0 1 20 0 1 0\n",
			want:  []sample{{Funcs: []string{"btrfs_wait_ordered_roots"}, Line: 3}},
			prose: 2,
		},
		{
			// 304: a loop echoes each PID before its stack.
			name: "loop with bare PID lines (304)",
			in: "$ for i in $(pgrep -w test.test) ; do echo $i ; sudo cat /proc/$i/stack ; done\n1941835\n" +
				"[<0>] request_wait_answer+0x107/0x200 [fuse]\n1941955\n[<0>] _do_fork+0x1c3/0x370\n",
			want: []sample{
				{PID: 1941835, HasPID: true, Funcs: []string{"request_wait_answer"}, Line: 2},
				{PID: 1941955, HasPID: true, Funcs: []string{"_do_fork"}, Line: 4},
			},
		},
		{
			// 305: assignments print nothing, the commands typed after them
			// are prose, ps -f's header places the PID and CMD columns, and
			// a tail header of another file makes its lines prose.
			name: "ps -f rows and tail headers of two files (305)",
			in: "> [kir@kir-tp1 linux]$ PID1=2174401\n> PID2=2174402\n> ps -f  -p $PID1,$PID2\n" +
				"> UID          PID    PPID  C STIME TTY          TIME CMD\n" +
				"> kir      2174401   63304  0 17:34 pts/1    00:00:00 ./repro\n" +
				"> kir      2174402 2174401  0 17:34 pts/1    00:00:00 [repro]\n" +
				"> ==> /proc/2174401/stack <==\n> [<0>] unix_stream_read_generic+0x792/0xc90\n> \n" +
				"> ==> /proc/2174401/syscall <==\n> 40 0x4 0x3 0x0 0x400000 0x64 0xfffffff9 0x7fff2ab3fc58 0x7f265ed6ca3e\n> \n" +
				"> ==> /proc/2174402/stack <==\n> [<0>] pipe_release+0x1f/0x100\n",
			want: []sample{
				{PID: 2174401, HasPID: true, Comm: "./repro", Funcs: []string{"unix_stream_read_generic"}, Line: 7},
				{PID: 2174402, HasPID: true, Comm: "repro", Funcs: []string{"pipe_release"}, Line: 13},
			},
			// PID2=..., ps -f ..., the syscall line
			prose: 3,
		},
		{
			// 306: a header of the writer's own, the thread in brackets.
			name: "arrow headers with PID[TID] (306)",
			in:   "===> 28014[28015]/stack <===\n[<ffffffff812ae316>] dev_hard_start_xmit+0x281/0x3f1\n",
			want: []sample{{PID: 28015, HasPID: true, TGID: 28014, Funcs: []string{"dev_hard_start_xmit"}, Line: 1}},
		},
		{
			// 307: ">>" and a tab before every line, a labelled time stamp,
			// a plain-ps row (PID TTY STAT TIME COMMAND) before the header.
			name: "quoted tab-indented TIMESTAMP, ps row and task path (307)",
			in: ">> \tTIMESTAMP: Fri Feb  7 05:15:07 EST 2020\n>> \t4506 pts/10   DN+    0:00 /bin/bash /root/bin/watchdog-mdtest\n" +
				">> \t==> /proc/4506/task/4506/stack <==\n>> \t[<0>] lookup_slow+0x2c/0x60\n",
			want: []sample{{PID: 4506, HasPID: true, TGID: 4506, Comm: "/bin/bash /root/bin/watchdog-mdtest", State: "DN+", Funcs: []string{"lookup_slow"}, Line: 3}},
		},
		{
			// 308: tail run from /proc itself.
			name: "tail headers without /proc (308)",
			in:   "  ==> 6409/stack <==\n  [<0>] __synchronize_srcu.part.0+0x7a/0xa0\n",
			want: []sample{{PID: 6409, HasPID: true, Funcs: []string{"__synchronize_srcu.part.0"}, Line: 1}},
		},
		{
			// 309: "PID = N" headers; the list of PIDs above them is prose.
			name:  "PID = N header, PIDS list (309)",
			in:    "PIDS = 301 363 2920 3374 3386 \nPID = 301\n[<ffffffffc04d6bcd>] write_all_supers+0x95d/0xaf0 [btrfs]\n",
			want:  []sample{{PID: 301, HasPID: true, Funcs: []string{"write_all_supers"}, Line: 2}},
			prose: 1,
		},
		{
			// 310: a sampler's header row and data row, "stack: " before
			// every frame, "wchan:" and counter lines after.
			name: "sampler columns and labelled frames (310)",
			in: "UMPID=2153\nutc epoch pid state voluntary nonvoluntary\n" +
				"2026-09-14T11:07:26.325430941Z 1789384046.325967844 2153 D 25 8\n" +
				"    stack: [<0>] __bch2_closure_sync+0x2b/0x70 [bcachefs]\n    wchan: __bch2_closure_sync\n    D_task_count: 2\n",
			want:  []sample{{PID: 2153, HasPID: true, State: "D", Funcs: []string{"__bch2_closure_sync"}, Line: 3}},
			prose: 3,
		},
		{
			// 320: grep -r over an unpacked copy of /proc: the PID is the
			// directory in each line's path.
			name: "grep -r PID/stack: prefixes (320)",
			in: "$ grep mem_cgroup_handle_oom -r [0-9]*\n30858/stack:[<ffffffff8110a9c1>] mem_cgroup_handle_oom+0x241/0x3b0\n" +
				"30859/stack:[<ffffffff8110a9c1>] mem_cgroup_handle_oom+0x241/0x3b0\n",
			want: []sample{
				{PID: 30858, HasPID: true, Funcs: []string{"mem_cgroup_handle_oom"}, Line: 2},
				{PID: 30859, HasPID: true, Funcs: []string{"mem_cgroup_handle_oom"}, Line: 3},
			},
		},
		{
			// 321: a collection by time stamp; the first number is the
			// time, the directory holding the stack file the task.
			name: "EPOCH/PID/stack: prefixes (321)",
			in: ">From one of the tasks:\n\n1380213238/11210/stack:[<ffffffff810528f1>] sys_sched_yield+0x41/0x70\n" +
				"1380213238/11210/stack:[<ffffffff81148ef1>] free_more_memory+0x21/0x60\n",
			want:  []sample{{PID: 11210, HasPID: true, Funcs: []string{"sys_sched_yield", "free_more_memory"}, Line: 3}},
			prose: 1,
		},
		{
			// 323: "echo === $a $b" headers, hand notes after frames.
			name: "=== PID: note headers, annotated frames (323)",
			in: "\t=== 3253: write_dirty_finish \n\t[<0>] rwsem_down_write_slowpath+0x27b/0x4bd\n" +
				"\t[<0>] bch_btree_node_get.part.0+0x7e/0x2d7  <<<, _probably_ called with write=true\n" +
				"\t[<0>] bch_btree_map_nodes_recurse+0xed/0x1a7   | since this is an insert\n\n" +
				"and one of these:\n\t=== 6295 bch_data_insert_keys\n\t[<0>] bch_btree_insert_node+0x6b/0x287\n",
			want: []sample{
				{PID: 3253, HasPID: true, Funcs: []string{"rwsem_down_write_slowpath", "bch_btree_node_get.part.0", "bch_btree_map_nodes_recurse"}, Line: 1},
				{PID: 6295, HasPID: true, Funcs: []string{"bch_btree_insert_node"}, Line: 7},
			},
			prose: 1,
		},
		{
			name:  "a Markdown heading or a separator line is no header",
			in:    "### 2 Results\n=== round 3 ===\n[<0>] a+0x1/0x2\n",
			want:  []sample{{Funcs: []string{"a"}, Line: 3}},
			prose: 2,
		},
		{
			name: "headers people write: colon, PID keyword, separators, annotation",
			in: "123:\n[<0>] a+0x1/0x2\nPID 124\n[<0>] b+0x1/0x2\n--- 125 ---\n[<0>] c+0x1/0x2\n" +
				"==> /proc/126/stack (comm=ls, state=D) at 1795646204.83 <==\n[<0>] d+0x1/0x2\n" +
				"PID: 127\n[<0>] e+0x1/0x2\n",
			want: []sample{
				{PID: 123, HasPID: true, Funcs: []string{"a"}, Line: 1},
				{PID: 124, HasPID: true, Funcs: []string{"b"}, Line: 3},
				{PID: 125, HasPID: true, Funcs: []string{"c"}, Line: 5},
				{PID: 126, HasPID: true, Comm: "ls", State: "D", Funcs: []string{"d"}, Line: 7},
				{PID: 127, HasPID: true, Funcs: []string{"e"}, Line: 9},
			},
		},
		{
			name: "ps -o pid,stat,wchan,comm rows before the stacks",
			in:   "    PID STAT WCHAN  COMMAND\n  12744 D    iterate_dir ls\n[<0>] iterate_dir+0x86/0x2a0\n",
			want: []sample{{PID: 12744, HasPID: true, Comm: "ls", State: "D", Funcs: []string{"iterate_dir"}, Line: 2}},
		},
		{
			name: "two headerless stacks after a header are a named task and an unnamed one",
			in:   "==> /proc/1/stack <==\n[<0>] a+0x1/0x2\n[<0>] entry_SYSCALL_64_after_hwframe+0x1/0x2\n[<0>] b+0x1/0x2\n",
			want: []sample{
				{PID: 1, HasPID: true, Funcs: []string{"a", "entry_SYSCALL_64_after_hwframe"}, Line: 1},
				{Funcs: []string{"b"}, Line: 4},
			},
		},
		{
			name:  "prose that starts with a number is no ps row",
			in:    "2 hours later, lstat() blocks:\n[<0>] a+0x1/0x2\n",
			want:  []sample{{Funcs: []string{"a"}, Line: 2}},
			prose: 1,
		},
		{
			name: "a frame cut by a mailer is joined",
			in:   "[<ffffffffa06dd166>]\nnfs4_call_sync_sequence+0x56/0x80 [nfsv4]\n[<0>] b+0x1/0x2\n",
			want: []sample{{Funcs: []string{"nfs4_call_sync_sequence", "b"}, Line: 1}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewReader(strings.NewReader(tt.in), tt.opts)
			var got []sample
			for r.Next() {
				s := r.Sample()
				g := sample{PID: s.PID, HasPID: s.HasPID, TGID: s.TGID, Comm: s.Comm, State: s.State, Line: s.Line}
				for _, f := range s.Frames {
					g.Funcs = append(g.Funcs, f.Func)
				}
				got = append(got, g)
			}
			if err := r.Err(); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("samples (-want +got)\n%s", diff)
			}
			if diff := cmp.Diff(tt.skip, r.Skipped()); diff != "" {
				t.Errorf("skips (-want +got)\n%s", diff)
			}
			if got := r.Paste().Prose.Count; got != tt.prose {
				t.Errorf("prose lines = %d, want %d (%+v)", got, tt.prose, r.Paste().Prose)
			}
			checkAccounted(t, r, tt.in)
		})
	}
}

// countLines counts lines as internal/lines splits them: at "\n", or, when
// the first line ends in a bare "\r" (old Mac and serial-console
// captures), at each of "\r", "\n" and "\r\n"; the last line is counted
// without its end.
func countLines(in string) int {
	if i := strings.IndexAny(in, "\r\n"); i >= 0 && in[i] == '\r' {
		j := i
		for j < len(in) && in[j] == '\r' {
			j++
		}
		if j-i > 8 || j == len(in) || in[j] != '\n' { // 8: internal/lines' maxCRRun
			in = strings.ReplaceAll(strings.ReplaceAll(in, "\r\n", "\n"), "\r", "\n")
		}
	}
	n := strings.Count(in, "\n")
	if in != "" && !strings.HasSuffix(in, "\n") {
		n++
	}
	return n
}

// checkAccounted: every line read was used, joined, counted as prose or
// skipped, exactly once.
func checkAccounted(t *testing.T, r *Reader, in string) {
	t.Helper()
	lines := countLines(in)
	p := r.Paste()
	if got := r.used + p.Prose.Count + p.Wrap.Count + r.skips.Count; r.err == nil && got != lines {
		t.Errorf("%d used + %d prose + %d joined + %d skipped = %d, want the %d lines read", r.used, p.Prose.Count, p.Wrap.Count, r.skips.Count, got, lines)
	}
}

// TestAccounted: every fixture's lines are all accounted for.
func TestAccounted(t *testing.T) {
	for _, name := range fixtureNames(t) {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		r := NewReader(bytes.NewReader(data), Options{Name: name})
		for r.Next() {
		}
		if err := r.Err(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		checkAccounted(t, r, string(data))
	}
}

func TestNotTheFormat(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"strace", "1712802314.374988 getdents64(3, 0x5622, 32768) = 0\n", `dmesg.txt:1: not /proc/PID/stack text: "1712802314.374988 getdents64(3, 0x5622, 32768) = 0"`},
		{"long prose", "\n\n" + strings.Repeat("hello world\n", 300), `dmesg.txt:3: not /proc/PID/stack text: "hello world"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewReader(strings.NewReader(tt.in), Options{Name: "dmesg.txt"})
			for r.Next() {
				t.Errorf("unexpected sample %+v", r.Sample())
			}
			err := r.Err()
			if !errors.Is(err, ErrFormat) {
				t.Fatalf("Err() = %v, want ErrFormat", err)
			}
			if diff := cmp.Diff(tt.want, err.Error()); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
}

// TestNotTheFormatReal feeds the reader a real kernel log, whose call
// traces look like stacks but lack the "[<0>]" column.
func TestNotTheFormatReal(t *testing.T) {
	name := filepath.Join(locks, "dmesg.txt")
	data, err := os.ReadFile(name)
	if errors.Is(err, os.ErrNotExist) {
		t.Skip(name, "not captured")
	}
	if err != nil {
		t.Fatal(err)
	}
	r := NewReader(bytes.NewReader(data), Options{Name: "dmesg.txt"})
	for r.Next() {
		t.Fatalf("unexpected sample at line %d", r.Sample().Line)
	}
	if err := r.Err(); !errors.Is(err, ErrFormat) || !strings.HasPrefix(err.Error(), "dmesg.txt:1: ") {
		t.Errorf("Err() = %v, want ErrFormat at dmesg.txt:1", err)
	}
}

func TestSniff(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"[<0>] a+0x1/0x2\n", true},
		{"==> /proc/1/stack <==\n[<0>] a+0x1/0x2\n", true},
		{"/proc/1/stack:[<0>] a+0x1/0x2\n", true},
		{"[316100.087052]  schedule+0x28/0x80\n", false},
		{"crash> bt\n", false},
		// 310: a sampler's label before every frame (paste.Clean has
		// removed the indentation).
		{"utc epoch pid state voluntary nonvoluntary\nstack: [<0>] __bch2_closure_sync+0x2b/0x70 [bcachefs]\n", true},
		// A kernel log's frame after a stamp is not /proc/PID/stack.
		{"[  30.100000] [<ffffffff81000000>] a+0x1/0x2\n", false},
		{"see [<0>] a+0x1/0x2\n", false},
		// dmesg/019: a 2.6.0 kernel log's frames have this form too, but
		// its "Call Trace:" line is no /proc/PID/stack text.
		{"Call Trace:\n[rwsem_down_failed_common+157/342] rwsem_down_failed_common+0x9d/0x156\n[<c01bcd27>] rwsem_down_failed_common+0x9d/0x156\n", false},
	}
	for _, tt := range tests {
		if got := Sniff([]byte(tt.in)); got != tt.want {
			t.Errorf("Sniff(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestLongLine(t *testing.T) {
	in := "[<0>] a+0x1/0x2\n" + strings.Repeat("x", 1<<20) + "\n[<0>] b+0x1/0x2\n"
	r := NewReader(strings.NewReader(in), Options{})
	n := 0
	for r.Next() {
		n += len(r.Sample().Frames)
	}
	if n != 2 || r.Skipped().Count != 1 || len(r.Skipped().FirstText) != 200 {
		t.Errorf("frames = %d, skipped = %d/%d bytes; want 2, 1/200", n, r.Skipped().Count, len(r.Skipped().FirstText))
	}
}

// FuzzReader: no panic, the reader ends, samples are well formed, and
// every line read is used, joined, prose or skipped.
func FuzzReader(f *testing.F) {
	for _, name := range fixtureNames(f) {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r := NewReader(bytes.NewReader(data), Options{Name: "fuzz"})
		lines := countLines(string(data)) + 1
		n := 0
		for r.Next() {
			s := r.Sample()
			if len(s.Frames) == 0 {
				t.Fatal("empty sample")
			}
			if s.HasPID != (s.PID != 0) {
				t.Fatalf("HasPID %v with PID %d", s.HasPID, s.PID)
			}
			if !s.HasPID && s.Line != s.Frames[0].Line {
				t.Fatalf("sample without a PID at line %d, its first frame at %d", s.Line, s.Frames[0].Line)
			}
			n++
			if n > lines {
				t.Fatalf("%d samples from %d lines", n, lines)
			}
		}
		if r.Skipped().Count > lines || len(r.Skipped().FirstText) > 200 {
			t.Fatalf("skips %+v for %d lines", r.Skipped(), lines)
		}
		checkAccounted(t, r, string(data))
	})
}

// benchData is every fixture and real excerpt, repeated to 4 MiB.
func benchData(b *testing.B) []byte {
	var data []byte
	for _, name := range fixtureNames(b) {
		d, err := os.ReadFile(name)
		if err != nil {
			b.Fatal(err)
		}
		data = append(data, d...)
		data = append(data, '\n')
	}
	for len(data) < 4<<20 {
		data = append(data, data...)
	}
	return data
}

func BenchmarkReader(b *testing.B) {
	data := benchData(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		r := NewReader(bytes.NewReader(data), Options{})
		for r.Next() {
		}
		if r.Err() != nil {
			b.Fatal(r.Err())
		}
	}
}

// BenchmarkLineCount is the floor: reading the same bytes line by line.
func BenchmarkLineCount(b *testing.B) {
	data := benchData(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		lr := lines.NewReader(bytes.NewReader(data))
		for _, ok := lr.Next(); ok; _, ok = lr.Next() {
		}
	}
}

// TestMaxLine: a line over Options.MaxLine is counted in Skipped with its
// length, and the stacks around it are read.
func TestMaxLine(t *testing.T) {
	in := "[<0>] a+0x1/0x2\n" + strings.Repeat("x", 1000) + "\n[<0>] b+0x1/0x2\n"
	r := NewReader(strings.NewReader(in), Options{MaxLine: 100})
	n := 0
	for r.Next() {
		n += len(r.Sample().Frames)
	}
	if sk := r.Skipped(); n != 2 || sk.Count != 1 || sk.FirstLine != 2 || !strings.HasPrefix(sk.FirstText, "a line of 1,000 bytes") {
		t.Errorf("frames = %d, skipped %+v; want 2 frames and line 2 skipped for its length", n, sk)
	}
	checkAccounted(t, r, in)
}
