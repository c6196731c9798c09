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
}

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
			recs = append(recs, r.Record())
			if len(recs) > len(data)+1 {
				t.Fatalf("%d records from %d bytes", len(recs), len(data))
			}
		}
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
