package crash

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite golden files")

const (
	fixtures = "../../testdata/crash"
	// real holds the excerpts of crash transcripts published by others
	// (testdata/real/README.md); their goldens are under testdata/real/.
	real = "../../testdata/real/crash"
)

func fixtureNames(t testing.TB) []string {
	t.Helper()
	var names []string
	for _, dir := range []string{fixtures, real} {
		ents, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range ents {
			if !e.IsDir() && !strings.HasSuffix(e.Name(), ".md") {
				names = append(names, filepath.Join(dir, e.Name()))
			}
		}
	}
	return names
}

// goldenPath is where the golden of a fixture lives: testdata/NAME.golden,
// or testdata/real/NAME.golden for an excerpt of the real corpus.
func goldenPath(name string) string {
	if filepath.Dir(name) == filepath.Clean(real) {
		return filepath.Join("testdata", "real", filepath.Base(name)+".golden")
	}
	return filepath.Join("testdata", filepath.Base(name)+".golden")
}

// pidText is a backtrace's PID, or "none" when the text names no task.
func pidText(b *Backtrace) string {
	if !b.HasPID {
		return "none"
	}
	return fmt.Sprint(b.PID)
}

func readAll(t testing.TB, name string, data []byte) ([]Record, *Reader) {
	t.Helper()
	r := NewReader(bytes.NewReader(data), Options{Name: name})
	var recs []Record
	for r.Next() {
		recs = append(recs, r.Record())
	}
	return recs, r
}

// dump renders records for golden comparison, one line per fact.
func dump(recs []Record, r *Reader) string {
	var b strings.Builder
	for _, rec := range recs {
		switch x := rec.(type) {
		case *PS:
			fmt.Fprintf(&b, "ps line=%d cmd=%q\n", x.Line, x.Command)
			for _, row := range x.Rows {
				fmt.Fprintf(&b, "  %d: pid=%d ppid=%d cpu=%d task=%s st=%s active=%v mem=%s vsz=%d rss=%d comm=%q kernel=%v\n",
					row.Line, row.PID, row.PPID, row.CPU, row.Task, row.State, row.Active, row.Mem, row.VSZ, row.RSS, row.Comm, row.Kernel)
			}
		case *Backtrace:
			fmt.Fprintf(&b, "bt line=%d cmd=%q pid=%s task=%s cpu=%d comm=%q abbreviated=%v",
				x.Line, x.Command, pidText(x), x.Task, x.CPU, x.Comm, x.Abbreviated)
			if x.SameAs != 0 {
				fmt.Fprintf(&b, " same_as=%d", x.SameAs)
			}
			b.WriteByte('\n')
			for _, s := range x.Loose {
				fmt.Fprintf(&b, "  %d: loose %s:%s\n", s.Line, s.Addr, s.Cache)
			}
			for _, f := range x.Frames {
				if f.Marker != "" {
					fmt.Fprintf(&b, "  %d: marker %q\n", f.Line, f.Marker)
					continue
				}
				fmt.Fprintf(&b, "  %d: #%d sp=%s %s", f.Line, f.Num, f.SP, f.Func)
				if f.Offset != "" {
					fmt.Fprintf(&b, "+%s", f.Offset)
				}
				fmt.Fprintf(&b, " at %s", f.Addr)
				if f.Module != "" {
					fmt.Fprintf(&b, " [%s]", f.Module)
				}
				if f.Via != "" {
					fmt.Fprintf(&b, " via=%s", f.Via)
				}
				if f.Source != "" {
					fmt.Fprintf(&b, " source=%q", f.Source)
				}
				b.WriteByte('\n')
				for _, s := range f.Data {
					fmt.Fprintf(&b, "    %d: data %s -> %s:%s\n", s.Line, s.Stack, s.Addr, s.Cache)
				}
				for _, g := range f.Regs {
					fmt.Fprintf(&b, "    %d: reg %s=%s\n", g.Line, g.Name, g.Value)
				}
			}
		case *Kmem:
			fmt.Fprintf(&b, "kmem line=%d cmd=%q query=%s cache=%q object=%s allocated=%v object_line=%d",
				x.Line, x.Command, x.Query, x.Cache, x.Object, x.Allocated, x.ObjectLine)
			if x.Symbol != "" {
				fmt.Fprintf(&b, " symbol=%s module=%q", x.Symbol, x.Module)
			}
			b.WriteByte('\n')
			if c := x.Task; c != nil {
				fmt.Fprintf(&b, "  %d: task pid=%d task=%s cpu=%d comm=%q state=%q\n", c.Line, c.PID, c.Task, c.CPU, c.Comm, c.State)
			}
		case *Context:
			fmt.Fprintf(&b, "context line=%d pid=%d task=%s cpu=%d comm=%q state=%q\n", x.Line, x.PID, x.Task, x.CPU, x.Comm, x.State)
		case *Struct:
			fmt.Fprintf(&b, "struct line=%d cmd=%q type=%q addr=%s inferred=%v", x.Line, x.Command, x.Type, x.Addr, x.Inferred)
			if x.Symbol != "" {
				fmt.Fprintf(&b, " symbol=%s", x.Symbol)
			}
			b.WriteByte('\n')
			for _, f := range x.Fields {
				fmt.Fprintf(&b, "  %d: %s", f.Line, f.Name)
				if f.Value != "" {
					fmt.Fprintf(&b, " = %s", f.Value)
				}
				if f.Type != "" {
					fmt.Fprintf(&b, " type=%q", f.Type)
				}
				if f.Addr != "" {
					fmt.Fprintf(&b, " addr=%s", f.Addr)
				}
				if f.Offset != "" {
					fmt.Fprintf(&b, " offset=%s", f.Offset)
				}
				b.WriteByte('\n')
			}
		case *Other:
			fmt.Fprintf(&b, "other line=%d cmd=%q lines=%d\n", x.Line, x.Command, x.Lines)
		}
	}
	ins := Inodes(recs)
	pids := slices.Sorted(func(yield func(int) bool) {
		for p := range ins {
			if !yield(p) {
				return
			}
		}
	})
	for _, p := range pids {
		for _, in := range ins[p] {
			fmt.Fprintf(&b, "inode pid=%d %s\n", p, in.Addr)
			for _, ev := range in.Evidence {
				for _, s := range ev.Steps {
					fmt.Fprintf(&b, "  %d: %s\n", s.Line, s.What)
				}
			}
		}
	}
	fmt.Fprintf(&b, "skipped: %+v\nerr: %v\n", r.Skipped(), r.Err())
	if p := r.Paste(); !p.Empty() {
		fmt.Fprintf(&b, "paste: %v prose=%+v\n", p.Names(), p.Prose)
	}
	return b.String()
}

func TestGolden(t *testing.T) {
	for _, name := range fixtureNames(t) {
		t.Run(filepath.Base(name), func(t *testing.T) {
			data, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			recs, r := readAll(t, filepath.Base(name), data)
			got := dump(recs, r)
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

// TestSeedInodes is the incident's conclusion: all 20 rsync tasks work on
// one directory inode.
func TestSeedInodes(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(fixtures, "seed-4.19.txt"))
	if err != nil {
		t.Fatal(err)
	}
	recs, r := readAll(t, "seed-4.19.txt", data)
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	var tasks []int
	for _, rec := range recs {
		if ps, ok := rec.(*PS); ok {
			for _, row := range ps.Rows {
				if row.State == "UN" {
					tasks = append(tasks, row.PID)
				}
			}
		}
	}
	if len(tasks) != 20 {
		t.Fatalf("%d UN tasks in ps, want 20", len(tasks))
	}
	ins := Inodes(recs)
	for _, pid := range tasks {
		var got []string
		for _, in := range ins[pid] {
			got = append(got, in.Addr)
		}
		if diff := cmp.Diff([]string{"ffff91fca5985500"}, got); diff != "" {
			t.Errorf("pid %d inodes (-want +got)\n%s", pid, diff)
		}
	}
	// 3621271 reaches it twice: through its dentry and its nfs_inode.
	if n := len(ins[3621271]); n == 1 && len(ins[3621271][0].Evidence) != 2 {
		t.Errorf("pid 3621271: %d chains, want 2 (dentry, nfs_inode_cache)", len(ins[3621271][0].Evidence))
	}
}

func TestLines(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string // dump without the trailing skipped/err lines
		skip int
	}{
		{
			name: "ps with active task, kernel thread, unknown cpu",
			in: "crash> ps\n      PID    PPID  CPU       TASK        ST  %MEM      VSZ      RSS  COMM\n" +
				">       0      0   0  ffffffff82613940  RU   0.0        0        0  [swapper/0]\n" +
				"     1234      1   ?  ffff888100a3c000  UNEX  1.5   123456    7890  my prog\n",
			want: "ps line=2 cmd=\"ps\"\n" +
				"  3: pid=0 ppid=0 cpu=0 task=ffffffff82613940 st=RU active=true mem=0.0 vsz=0 rss=0 comm=\"swapper/0\" kernel=true\n" +
				"  4: pid=1234 ppid=1 cpu=-1 task=ffff888100a3c000 st=UNEX active=false mem=1.5 vsz=123456 rss=7890 comm=\"my prog\" kernel=false\n",
		},
		{
			name: "bt with IRQ marker, exception RIP and line numbers",
			in: "crash> bt\nPID: 0        TASK: ffffffff82613940  CPU: 0    COMMAND: \"swapper/0\"\n" +
				" #0 [fffffe0000009e50] crash_nmi_callback at ffffffff8105d5b3\n" +
				"    /usr/src/debug/kernel/arch/x86/kernel/reboot.c: 840\n" +
				"--- <NMI exception stack> ---\n" +
				" #1 [ffffffff82603e08] native_safe_halt at ffffffff81aa2d0e\n" +
				"    [exception RIP: native_safe_halt+14]\n" +
				"    RIP: ffffffff81aa2d0e  RSP: ffffffff82603e08  RFLAGS: 00000246\n",
			want: "bt line=2 cmd=\"bt\" pid=0 task=ffffffff82613940 cpu=0 comm=\"swapper/0\" abbreviated=false\n" +
				"  3: #0 sp=fffffe0000009e50 crash_nmi_callback at ffffffff8105d5b3 source=\"/usr/src/debug/kernel/arch/x86/kernel/reboot.c: 840\"\n" +
				"  5: marker \"<NMI exception stack>\"\n" +
				"  6: #1 sp=ffffffff82603e08 native_safe_halt at ffffffff81aa2d0e\n" +
				"    7: reg exception RIP=native_safe_halt+14\n" +
				"    8: reg RIP=ffffffff81aa2d0e\n    8: reg RSP=ffffffff82603e08\n    8: reg RFLAGS=00000246\n",
		},
		{
			name: "full kmem answer",
			in: "crash> kmem ffff9f0a86828310\n" +
				"CACHE             OBJSIZE  ALLOCATED     TOTAL  SLABS  SSIZE  NAME\n" +
				"ffff9f0a7fc0e600      256       2331      2512    157     4k  filp\n" +
				"  SLAB              MEMORY            NODE  TOTAL  ALLOCATED  FREE\n" +
				"  ffffe2c8c41a0a00  ffff9f0a86828000     0     16          9     7\n" +
				"  FREE / [ALLOCATED]\n" +
				"   ffff9f0a86828300  (cpu 3 cache)\n",
			want: "kmem line=2 cmd=\"kmem ffff9f0a86828310\" query=ffff9f0a86828310 cache=\"filp\" object=ffff9f0a86828300 allocated=false object_line=7\n",
		},
		{
			name: "nested struct",
			in:   "crash> struct file ffff91fe2bb65b00\nstruct file {\n  f_path = {\n    mnt = 0xffff1,\n    dentry = 0xffff2\n  },\n  f_inode = 0xffff3,\n}\n",
			want: "struct line=2 cmd=\"struct file ffff91fe2bb65b00\" type=\"file\" addr=ffff91fe2bb65b00 inferred=false\n" +
				"  4: f_path.mnt = 0xffff1\n  5: f_path.dentry = 0xffff2\n  7: f_inode = 0xffff3\n",
		},
		{
			name: "unmodelled command and stray lines",
			in:   "crash> mod -s nfs nfs.ko.debug\n     MODULE       NAME    SIZE  OBJECT FILE\nffffffffc07f8000  nfs   303104  nfs.ko.debug\nsome prose\n",
			want: "other line=1 cmd=\"mod -s nfs nfs.ko.debug\" lines=3\n",
		},
		{
			name: "prose between answers is not skipped",
			in:   "crash> bt 1 -FF\n #5 [ffffa932c498be38] iterate_dir at ffffffffa6edccc9\nwhat is this\n",
			want: "bt line=2 cmd=\"bt 1 -FF\" pid=1 task= cpu=-1 comm=\"\" abbreviated=true\n  2: #5 sp=ffffa932c498be38 iterate_dir at ffffffffa6edccc9\n",
		},
		{
			name: "a frame line that does not parse is skipped",
			in:   "crash> bt 1\n #5 [zzzz] iterate_dir at ffffffffa6edccc9\n",
			skip: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recs, r := readAll(t, "t", []byte(tt.in))
			if err := r.Err(); err != nil {
				t.Fatal(err)
			}
			got := dump(recs, r)
			got = got[:strings.LastIndex(got, "skipped:")]
			checkAccounted(t, r, tt.in)
			if i := strings.Index(got, "inode pid="); i >= 0 {
				got = got[:i]
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
			if r.Skipped().Count != tt.skip {
				t.Errorf("skipped %+v, want %d", r.Skipped(), tt.skip)
			}
		})
	}
}

// TestRealLines: each rule of the reader, on the real lines that taught
// it (the excerpt under testdata/real/crash is named), and the prose
// around them that must not be taken for crash output.
func TestRealLines(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		want  string // dump without the trailing skipped/err/paste lines
		skip  int
		prose int
	}{
		{
			// 405: "ps | grep UN" drops the header; kernel threads in brackets.
			name: "ps rows after grep, no header (405)",
			in:   "crash> ps | grep UN\n   3193      2   2  ffff9127bb82b240  UN   0.0       0      0  [krace_0]\n",
			want: "ps line=2 cmd=\"ps | grep UN\"\n  2: pid=3193 ppid=2 cpu=2 task=ffff9127bb82b240 st=UN active=false mem=0.0 vsz=0 rss=0 comm=\"krace_0\" kernel=true\n",
		},
		{
			// 404: ps -u rows indented in a numbered list, a "..." elision,
			// and "| wc -l" answers that are counts, not tables.
			name: "ps -u rows with an elision, ps | wc (404)",
			in: "   crash> ps | grep UN | wc -l\n   94\n   crash> ps -u |grep UN\n" +
				"     30413  30364  24  ffff88022e66cae0  UN   0.8 9333496 1128356  java\n     ...\n" +
				"     31908  31907   8  ffff882050d65540  UN   0.0  108152   1020  ps\n",
			want: "other line=1 cmd=\"ps | grep UN | wc -l\" lines=1\nps line=4 cmd=\"ps -u |grep UN\"\n" +
				"  4: pid=30413 ppid=30364 cpu=24 task=ffff88022e66cae0 st=UN active=false mem=0.8 vsz=9333496 rss=1128356 comm=\"java\" kernel=false\n" +
				"  6: pid=31908 ppid=31907 cpu=8 task=ffff882050d65540 st=UN active=false mem=0.0 vsz=108152 rss=1020 comm=\"ps\" kernel=false\n",
			prose: 1,
		},
		{
			// 406: a mailer moved a long row's COMM to the next line.
			name: "ps row wrapped before its COMM (406)",
			in: "crash> ps | grep UN\n     215      2   0  c000000004c80000  UN   0.0       0      0\n[kworker/0:2]\n" +
				"    2196      1  28  c000000004504f00  UN   0.1   15936  11136  wickedd\n",
			want: "ps line=2 cmd=\"ps | grep UN\"\n" +
				"  2: pid=215 ppid=2 cpu=0 task=c000000004c80000 st=UN active=false mem=0.0 vsz=0 rss=0 comm=\"kworker/0:2\" kernel=true\n" +
				"  4: pid=2196 ppid=1 cpu=28 task=c000000004504f00 st=UN active=false mem=0.1 vsz=15936 rss=11136 comm=\"wickedd\" kernel=false\n",
		},
		{
			// 409: quoted-printable soft breaks in a ps row and a frame;
			// bt -sx by task address prints symbol+offset.
			name: "quoted-printable soft breaks, bt -sx (409)",
			in: "crash> ps | grep UN\n  31458      1   5  ffff88e9c8ded100  UN   0.0    7620   1156  memcg_test_=\n1\n" +
				"crash> bt -sx ffff88e9c8ded100\nPID: 31458  TASK: ffff88e9c8ded100  CPU: 5   COMMAND: \"memcg_test_1\"\n" +
				" #5 [ffffb36648bc7ba8] try_to_free_mem_cgroup_pages+0xf4 at ffffffffb6a6d2=\n64\n",
			want: "ps line=2 cmd=\"ps | grep UN\"\n" +
				"  2: pid=31458 ppid=1 cpu=5 task=ffff88e9c8ded100 st=UN active=false mem=0.0 vsz=7620 rss=1156 comm=\"memcg_test_1\" kernel=false\n" +
				"bt line=5 cmd=\"bt -sx ffff88e9c8ded100\" pid=31458 task=ffff88e9c8ded100 cpu=5 comm=\"memcg_test_1\" abbreviated=false\n" +
				"  6: #5 sp=ffffb36648bc7ba8 try_to_free_mem_cgroup_pages+0xf4 at ffffffffb6a6d264\n",
		},
		{
			// 403: foreach UN bt as a Markdown code block; #10 and up have
			// the same indent as #0-#9.
			name: "foreach UN bt indented, #10 aligned (403)",
			in: "## `foreach UN bt` - foreach user namespace backtrace\n" +
				"    PID: 3582   TASK: ffff9a20c53aa300  CPU: 1   COMMAND: \"bash\"\n" +
				"    #9 [ffffbb2901fcfc88] get_close_on_exec at ffffffff97273755\n" +
				"    #10 [ffffbb2901fcfca0] do_fcntl at ffffffff97262115\n",
			want: "bt line=2 cmd=\"\" pid=3582 task=ffff9a20c53aa300 cpu=1 comm=\"bash\" abbreviated=false\n" +
				"  3: #9 sp=ffffbb2901fcfc88 get_close_on_exec at ffffffff97273755\n" +
				"  4: #10 sp=ffffbb2901fcfca0 do_fcntl at ffffffff97262115\n",
			prose: 1,
		},
		{
			// 404: a "##" comment after the command and on a line of its
			// own; the NMI frames above the marker, #10+ shifted left.
			name: "foreach bt -f | grep with comments, NMI exception stack (404)",
			in: "   crash> foreach bt -f  | grep -B60  ffff8805bdec27e8    ## 60 行不够展示的话  适当增加\n" +
				"   ## 从结果中大概有三类进程\n" +
				"   PID: 30388  TASK: ffff88039e30b500  CPU: 20  COMMAND: \"java\"\n" +
				"    #5 [ffff880028387f50] nmi at ffffffff8152aaa0\n" +
				"       [exception RIP: _spin_lock_irq+40]\n" +
				"   --- <NMI exception stack> ---\n" +
				"    #6 [ffff88049d8b5638] _spin_lock_irq at ffffffff8152a238\n" +
				"   #10 [ffff88049d8b5720] invalidate_mapping_pages at ffffffff811375b8\n",
			want: "bt line=3 cmd=\"foreach bt -f  | grep -B60  ffff8805bdec27e8\" pid=30388 task=ffff88039e30b500 cpu=20 comm=\"java\" abbreviated=false\n" +
				"  4: #5 sp=ffff880028387f50 nmi at ffffffff8152aaa0\n    5: reg exception RIP=_spin_lock_irq+40\n" +
				"  6: marker \"<NMI exception stack>\"\n" +
				"  7: #6 sp=ffff88049d8b5638 _spin_lock_irq at ffffffff8152a238\n" +
				"  8: #10 sp=ffff88049d8b5720 invalidate_mapping_pages at ffffffff811375b8\n",
			prose: 1,
		},
		{
			// 407: crash frames under a shell prompt reading the stack; a
			// later bt -f fragment is the same task by its stack address,
			// and a note glued to a word is no word.
			name: "frames under cat /proc/PID/stack, fragment named by its stack (407)",
			in: "```\n[root@11-211-65-37 18:59:39 ~]# cat /proc/4129433/stack\n" +
				" #2 [ffffbbd86271fe00] rwsem_down_write_slowpath at ffffffff9bb4c5d0\n```\n" +
				"查看堆栈:\n```\n0xffffffff9bd90000 <__se_sys_mount+352>:        callq  0xffffffff9bd8fb70 <path_mount>\n\n" +
				" #2 [ffffbbd86271fe00] rwsem_down_write_slowpath at ffffffff9bb4c5d0\n" +
				"    ffffbbd86271fe98: ffffbbd86271fef0 ffff941d45f98870[r14]\n```\n",
			want: "bt line=3 cmd=\"cat /proc/4129433/stack\" pid=4129433 task= cpu=-1 comm=\"\" abbreviated=true\n" +
				"  3: #2 sp=ffffbbd86271fe00 rwsem_down_write_slowpath at ffffffff9bb4c5d0\n" +
				"bt line=9 cmd=\"\" pid=4129433 task= cpu=-1 comm=\"\" abbreviated=true same_as=3\n" +
				"  9: #2 sp=ffffbbd86271fe00 rwsem_down_write_slowpath at ffffffff9bb4c5d0\n",
			prose: 2,
		},
		{
			// 407: the owner of an rwsem, its low bits flags; kmem names
			// the task the masked pointer is.
			name: "rw_semaphore owner and the kmem task (407)",
			in: "crash> struct rw_semaphore ffff941d45f98870 -x\nstruct rw_semaphore {\n  count = {\n    counter = 0x102\n  },\n" +
				"  owner = {\n    counter = 0xffff9431354120c7\n  },\n\n" +
				"crash> kmem 0xffff9431354120c7\nCACHE             OBJSIZE  ALLOCATED     TOTAL  SLABS  SSIZE  NAME\n" +
				"ffff93ee00047700     8328       3335      3726   1242    32k  task_struct\n" +
				"  SLAB              MEMORY            NODE  TOTAL  ALLOCATED  FREE\n" +
				"  fffffb63d0d50400  ffff943135410000     1      3          2     1\n" +
				"  FREE / [ALLOCATED]\n  [ffff9431354120c0]\n\n" +
				"    PID: 2640498\nCOMMAND: \"kworker/u162:2\"\n   TASK: ffff9431354120c0  [THREAD_INFO: ffff9431354120c0]\n" +
				"    CPU: 65\n  STATE: TASK_UNINTERRUPTIBLE\n\n" +
				"      PAGE         PHYSICAL      MAPPING       INDEX CNT FLAGS\n" +
				"fffffb63d0d50480 4435412000 dead000000000400        0  0 57ffffc0000000\n",
			want: "struct line=2 cmd=\"struct rw_semaphore ffff941d45f98870 -x\" type=\"rw_semaphore\" addr=ffff941d45f98870 inferred=false\n" +
				"  4: count.counter = 0x102\n  7: owner.counter = 0xffff9431354120c7\n" +
				"kmem line=11 cmd=\"kmem 0xffff9431354120c7\" query=ffff9431354120c7 cache=\"task_struct\" object=ffff9431354120c0 allocated=true object_line=16\n" +
				"  18: task pid=2640498 task=ffff9431354120c0 cpu=65 comm=\"kworker/u162:2\" state=\"TASK_UNINTERRUPTIBLE\"\n",
		},
		{
			// 408: crash's implicit struct command on a member, and bt of
			// a task address with 0x.
			name: "TYPE.member ADDR without struct, bt 0xADDR (408)",
			in: "crash> xfs_inode_t.i_lock ffff93fa683d9dc0 -x\n  i_lock = {\n    mr_lock = {\n      owner = {\n" +
				"        counter = 0xffff93fe9b124180\n      },\n      wait_lock = {\n        raw_lock = {\n          {\n" +
				"            val = {\n              counter = 0x0\n            },\n          }\n        }\n      },\n    }\n  }\n" +
				"crash> bt 0xffff93fe9b124180\nPID: 3497751  TASK: ffff93fe9b124180  CPU: 76  COMMAND: \"kworker/u161:3\"\n",
			want: "struct line=2 cmd=\"xfs_inode_t.i_lock ffff93fa683d9dc0 -x\" type=\"xfs_inode_t\" addr=ffff93fa683d9dc0 inferred=false\n" +
				"  5: i_lock.mr_lock.owner.counter = 0xffff93fe9b124180\n  11: i_lock.mr_lock.wait_lock.raw_lock.val.counter = 0x0\n" +
				"bt line=19 cmd=\"bt 0xffff93fe9b124180\" pid=3497751 task=ffff93fe9b124180 cpu=76 comm=\"kworker/u161:3\" abbreviated=false\n",
		},
		{
			// 402: a mutex named by its symbol; kmem gives the symbol of
			// its address; "..." is an elision.
			name: "struct -x mutex SYMBOL, kmem symbol answer (402)",
			in: "crash> kmem 0xffffffffc0924100\nffffffffc0924100 (d) magic_mutex [smajdalf]\n...\n\n" +
				"crash> struct -x mutex magic_mutex\nstruct mutex {\n  owner = {\n    counter = 0xff47e40b06683c81\n  },\n}\n",
			want: "kmem line=2 cmd=\"kmem 0xffffffffc0924100\" query=ffffffffc0924100 cache=\"\" object= allocated=false object_line=0 symbol=magic_mutex module=\"smajdalf\"\n" +
				"struct line=6 cmd=\"struct -x mutex magic_mutex\" type=\"mutex\" addr= inferred=false symbol=magic_mutex\n" +
				"  8: owner.counter = 0xff47e40b06683c81\n",
			prose: 1,
		},
		{
			// Constructed in crash's member format (no published transcript
			// with it at hand): a btrfs extent buffer's lock owner is a PID.
			name: "extent_buffer lock_owner",
			in:   "crash> struct extent_buffer ffff9f0a86828310\nstruct extent_buffer {\n  start = 30425088,\n  lock_owner = 3195,\n}\n",
			want: "struct line=2 cmd=\"struct extent_buffer ffff9f0a86828310\" type=\"extent_buffer\" addr=ffff9f0a86828310 inferred=false\n" +
				"  3: start = 30425088\n  4: lock_owner = 3195\n",
		},
		{
			// 404: p answers, and a px answer of a whole struct.
			name: "p answers (404)",
			in: "   crash> p &((struct task_struct *)0xffff88022e66cae0)->mm->mmap_sem\n   $5 = (struct rw_semaphore *) 0xffff8805bdec27e8\n" +
				"   crash> px ((struct task_struct *)0xffff88063f270080)->mm->mmap_sem\n   $8 = {\n     count = 0xfffffffd00000001, \n   }\n",
			want: "struct line=2 cmd=\"p &((struct task_struct *)0xffff88022e66cae0)->mm->mmap_sem\" type=\"\" addr= inferred=false\n" +
				"  2: $5 = (struct rw_semaphore *) 0xffff8805bdec27e8\n" +
				"struct line=4 cmd=\"px ((struct task_struct *)0xffff88063f270080)->mm->mmap_sem\" type=\"\" addr= inferred=false\n" +
				"  5: $8.count = 0xfffffffd00000001\n",
		},
		{
			// 410: "[...]" elisions, a frame with no PID anywhere, slab words,
			// hand-drawn annotations under the words, a bare "RIP" label.
			name: "bt -FFs excerpt with elisions and annotations (410)",
			in: "crash> bt -FFs | less\n[...]\n #2 [ffffce0680ecba48] percpu_rwsem_wait+271 at ffffffff885e948f\n" +
				"    ffffce0680ecba80: [ffff8a52425fb260:kmalloc-2k] 0000000000031288 \n" +
				"                          push %rbx                     push %rbp\n                                 ^\n" +
				"    ffffce0680ecbab0: __percpu_down_read+108 \n                              RIP\n",
			want: "bt line=3 cmd=\"bt -FFs | less\" pid=none task= cpu=-1 comm=\"\" abbreviated=true\n" +
				"  3: #2 sp=ffffce0680ecba48 percpu_rwsem_wait+271 at ffffffff885e948f\n" +
				"    4: data ffffce0680ecba80 -> ffff8a52425fb260:kmalloc-2k\n",
			prose: 4,
		},
		{
			// The seed's notes: a "#" comment in Chinese is prose, "# PID"
			// is the shorthand.
			name:  "comment lines and the # PID shorthand (seed)",
			in:    "# 以下就不列出命令了，只写结果\n# 3678549\n[ffff91fe2f8e3200:filp]\n",
			want:  "bt line=2 cmd=\"\" pid=3678549 task= cpu=-1 comm=\"\" abbreviated=true\n  3: loose ffff91fe2f8e3200:filp\n",
			prose: 1,
		},
		{
			name: "an active task's > survives mail quoting",
			in: "> crash> ps\n>    PID    PPID  CPU       TASK        ST  %MEM     VSZ    RSS  COMM\n" +
				"> >     0      0   0  ffffffff82613940  RU   0.0       0      0  [swapper/0]\n" +
				">       1      0   1  ffff888100a3c000  IN   0.1  169000  13000  systemd\n",
			want: "ps line=2 cmd=\"ps\"\n" +
				"  3: pid=0 ppid=0 cpu=0 task=ffffffff82613940 st=RU active=true mem=0.0 vsz=0 rss=0 comm=\"swapper/0\" kernel=true\n" +
				"  4: pid=1 ppid=0 cpu=1 task=ffff888100a3c000 st=IN active=false mem=0.1 vsz=169000 rss=13000 comm=\"systemd\" kernel=false\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recs, r := readAll(t, "t", []byte(tt.in))
			if err := r.Err(); err != nil {
				t.Fatal(err)
			}
			got := dump(recs, r)
			got = got[:strings.LastIndex(got, "skipped:")]
			if i := strings.Index(got, "inode pid="); i >= 0 {
				got = got[:i]
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
			if r.Skipped().Count != tt.skip {
				t.Errorf("skipped %+v, want %d", r.Skipped(), tt.skip)
			}
			if got := r.Paste().Prose.Count; got != tt.prose {
				t.Errorf("prose lines = %d, want %d (%+v)", got, tt.prose, r.Paste().Prose)
			}
			checkAccounted(t, r, tt.in)
		})
	}
}

// TestTaskFrames: the frames above an interrupt-stack marker are not the
// task's (404's java 30388 was interrupted by the NMI in _spin_lock_irq).
func TestTaskFrames(t *testing.T) {
	in := "PID: 30388  TASK: ffff88039e30b500  CPU: 20  COMMAND: \"java\"\n" +
		" #4 [ffff880028387f20] do_nmi at ffffffff8152b1db\n" +
		" #5 [ffff880028387f50] nmi at ffffffff8152aaa0\n" +
		"--- <NMI exception stack> ---\n" +
		" #6 [ffff88049d8b5638] _spin_lock_irq at ffffffff8152a238\n" +
		" #7 [ffff88049d8b5640] ____pagevec_lru_deactivate at ffffffff81136cc8\n"
	recs, _ := readAll(t, "t", []byte(in))
	if len(recs) != 1 {
		t.Fatalf("%d records, want 1", len(recs))
	}
	var got []string
	for _, f := range recs[0].(*Backtrace).TaskFrames() {
		got = append(got, f.Func)
	}
	if diff := cmp.Diff([]string{"_spin_lock_irq", "____pagevec_lru_deactivate"}, got); diff != "" {
		t.Errorf("TaskFrames (-want +got)\n%s", diff)
	}
}

func TestNotTheFormat(t *testing.T) {
	in := "[<0>] iterate_dir+0x86/0x2a0\n[<0>] ksys_getdents64+0x9c/0x130\n"
	r := NewReader(strings.NewReader(in), Options{Name: "stack.txt"})
	for r.Next() {
		t.Errorf("unexpected record %#v", r.Record())
	}
	err := r.Err()
	if !errors.Is(err, ErrFormat) {
		t.Fatalf("Err() = %v, want ErrFormat", err)
	}
	want := `stack.txt:1: not a crash transcript: "[<0>] iterate_dir+0x86/0x2a0"`
	if diff := cmp.Diff(want, err.Error()); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
}

func TestSniff(t *testing.T) {
	for _, name := range fixtureNames(t) {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if !Sniff(data[:min(len(data), 4096)]) {
			t.Errorf("Sniff(%s) = false", name)
		}
	}
	if Sniff([]byte("[<0>] iterate_dir+0x86/0x2a0\n")) {
		t.Error("Sniff(proc stack) = true")
	}
	// 403, after paste.Clean removed the Markdown indentation.
	if !Sniff([]byte("## `foreach UN bt`\nPID: 1      TASK: ffff9a20c0264600  CPU: 0   COMMAND: \"systemd\"\n")) {
		t.Error("Sniff(foreach UN bt without its prompt) = false")
	}
}

// FuzzReader: no panic, the reader ends, backtraces say whether they
// have a PID, and every line read is used, joined, prose or skipped.
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
		var recs []Record
		for r.Next() {
			rec := r.Record()
			if rec == nil {
				t.Fatal("Next returned true with a nil Record")
			}
			if bt, ok := rec.(*Backtrace); ok && !bt.HasPID && bt.PID != 0 {
				t.Fatalf("backtrace without a PID has PID %d", bt.PID)
			}
			recs = append(recs, rec)
			if len(recs) > len(data)+1 {
				t.Fatalf("%d records from %d bytes", len(recs), len(data))
			}
		}
		if s := r.Skipped(); len(s.FirstText) > 200 {
			t.Fatalf("skips %+v", s)
		}
		checkAccounted(t, r, string(data))
		Inodes(recs)
	})
}

// checkAccounted: every line read was used, joined, counted as prose or
// skipped, exactly once.
func checkAccounted(t *testing.T, r *Reader, in string) {
	t.Helper()
	lines := strings.Count(in, "\n")
	if in != "" && !strings.HasSuffix(in, "\n") {
		lines++
	}
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
		_, r := readAll(t, name, data)
		if err := r.Err(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		checkAccounted(t, r, string(data))
	}
}

// TestNamesOutliveTheirLine: a member's name must not be a view of the
// line it came from, which the line reader reuses: the nesting "owner"
// is read long before the member under it.
func TestNamesOutliveTheirLine(t *testing.T) {
	var b strings.Builder
	b.WriteString("crash> struct mutex ffff9f0a86828310\nstruct mutex {\n  owner = {\n")
	for i := 0; i < 20000; i++ {
		b.WriteString("    padding = 0x0,\n")
	}
	b.WriteString("    counter = 0xff47e40b06683c81\n  },\n}\n")
	recs, r := readAll(t, "t", []byte(b.String()))
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	fields := recs[0].(*Struct).Fields
	if got := fields[len(fields)-1].Name; got != "owner.counter" {
		t.Errorf("last member named %q, want %q", got, "owner.counter")
	}
}

// TestDeepNesting: members nested deeper than maxDepth are named by the
// first maxDepth levels, and the levels close in order.
func TestDeepNesting(t *testing.T) {
	var b strings.Builder
	b.WriteString("crash> struct x ffff1\nstruct x {\n")
	for i := 0; i < maxDepth+5; i++ {
		b.WriteString("a = {\n")
	}
	b.WriteString("deep = 1,\n")
	for i := 0; i < maxDepth+5; i++ {
		b.WriteString("},\n")
	}
	b.WriteString("top = 2,\n}\n")
	recs, _ := readAll(t, "t", []byte(b.String()))
	fields := recs[0].(*Struct).Fields
	var got []string
	for _, f := range fields {
		got = append(got, f.Name)
	}
	want := []string{strings.Repeat("a.", maxDepth) + "deep", "top"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("names (-want +got)\n%s", diff)
	}
}

// TestMaxLine: a line over Options.MaxLine is counted in Skipped with its
// length, and the answers around it are read.
func TestMaxLine(t *testing.T) {
	in := "crash> bt 1\n #0 [ffff1] a at ffff2\n" + strings.Repeat("x", 1000) + "\n #1 [ffff3] b at ffff4\n"
	r := NewReader(strings.NewReader(in), Options{MaxLine: 100})
	var frames int
	for r.Next() {
		if bt, ok := r.Record().(*Backtrace); ok {
			frames += len(bt.Frames)
		}
	}
	if sk := r.Skipped(); frames != 2 || sk.Count != 1 || sk.FirstLine != 3 || !strings.HasPrefix(sk.FirstText, "a line of 1,000 bytes") {
		t.Errorf("frames = %d, skipped %+v; want 2 frames and line 3 skipped for its length", frames, sk)
	}
	checkAccounted(t, r, in)
}
