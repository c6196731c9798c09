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
)

var update = flag.Bool("update", false, "rewrite golden files")

const (
	fixtures = "../../testdata/procstack"
	locks    = "../../testdata/locks-6.18"
)

func fixtureNames(t testing.TB) []string {
	t.Helper()
	var names []string
	// locks-6.18 belongs to another capture; only its stack files are ours
	// to read.
	for _, dir := range []string{fixtures, locks} {
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
		fmt.Fprintf(&b, "sample line=%d pid=%d tid=%d", s.Line, s.PID, s.TID)
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
	return b.String()
}

func TestGolden(t *testing.T) {
	for _, name := range fixtureNames(t) {
		t.Run(filepath.Base(name), func(t *testing.T) {
			data, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			got := dump(name, data)
			golden := filepath.Join("testdata", filepath.Base(name)+".golden")
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
		{"/proc/3748012/stack", 3748012, true},
		{"/proc/1/task/3748012/stack", 1, true},
		{"dir/2024/stack-42.txt", 42, true},
		{"stack-2026-11-25.txt", 0, false},
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

func TestHeaders(t *testing.T) {
	type sample struct {
		PID, TID    int
		Comm, State string
		Funcs       []string
		Line        int
	}
	tests := []struct {
		name string
		in   string
		opts Options
		want []sample
		skip Skips
	}{
		{
			name: "raw with Options.PID",
			in:   "[<0>] a+0x1/0x2\n[<0>] b+0x1/0x2\n",
			opts: Options{PID: 7},
			want: []sample{{PID: 7, TID: 7, Funcs: []string{"a", "b"}, Line: 1}},
		},
		{
			name: "raw with PID from name",
			in:   "[<0>] a+0x1/0x2\n",
			opts: Options{Name: "/tmp/123.stack"},
			want: []sample{{PID: 123, TID: 123, Funcs: []string{"a"}, Line: 1}},
		},
		{
			name: "bare PID, task path and prompt echo",
			in: "42\n[<0>] a+0x1/0x2\n/proc/5/task/6/stack\n[<0>] b+0x1/0x2\n" +
				"[root@host ~]# cat /proc/9/stack\n[<0>] c+0x1/0x2\n",
			want: []sample{
				{PID: 42, TID: 42, Funcs: []string{"a"}, Line: 1},
				{PID: 5, TID: 6, Funcs: []string{"b"}, Line: 3},
				{PID: 9, TID: 9, Funcs: []string{"c"}, Line: 5},
			},
		},
		{
			name: "ps lines",
			in: "  PID STAT COMMAND\n 3621271 D    rsync\n[<0>] a+0x1/0x2\n" +
				"root  77  0.0  0.1   2916  1664 ?  Ds   22:49   0:00 ls -l /mnt/dir\n[<0>] b+0x1/0x2\n",
			want: []sample{
				{PID: 3621271, TID: 3621271, Comm: "rsync", State: "D", Funcs: []string{"a"}, Line: 2},
				{PID: 77, TID: 77, Comm: "ls -l /mnt/dir", State: "Ds", Funcs: []string{"b"}, Line: 4},
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
			name: "unparseable lines are counted",
			in:   "[<0>] a+0x1/0x2\nsomething odd\n[<0>] broken\n",
			want: []sample{{Funcs: []string{"a"}, Line: 1}},
			skip: Skips{Count: 2, FirstLine: 2, FirstText: "something odd"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewReader(strings.NewReader(tt.in), tt.opts)
			var got []sample
			for r.Next() {
				s := r.Sample()
				g := sample{PID: s.PID, TID: s.TID, Comm: s.Comm, State: s.State, Line: s.Line}
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
		})
	}
}

func TestNotTheFormat(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"strace", "1712802314.374988 getdents64(3, 0x5622, 32768) = 0\n", `dmesg.txt:1: not /proc/PID/stack text: "1712802314.374988 getdents64(3, 0x5622, 32768) = 0"`},
		{"long prose", "\n\n" + strings.Repeat("hello world\n", 100), `dmesg.txt:3: not /proc/PID/stack text: "hello world"`},
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
		lines := bytes.Count(data, []byte{'\n'}) + 1
		n := 0
		for r.Next() {
			s := r.Sample()
			if len(s.Frames) == 0 {
				t.Fatal("empty sample")
			}
			n++
			if n > lines {
				t.Fatalf("%d samples from %d lines", n, lines)
			}
		}
	})
}

func BenchmarkReader(b *testing.B) {
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
