package dmesg

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// fixtures are the real logs: ours, and the 6.18 capture made on the
// development VM by the locks engineer (read-only for us).
func fixtures(t testing.TB) []string {
	var files []string
	for _, pat := range []string{"../../testdata/dmesg/*.txt", "../../testdata/locks-6.18/*dmesg*", "../../testdata/locks-6.18/*.log", "../../testdata/locks-6.18/*kmsg*"} {
		m, err := filepath.Glob(pat)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	if len(files) == 0 {
		t.Fatal("no fixtures found")
	}
	return files
}

type dump struct {
	Lines   int
	Skipped Skips
	Err     string `json:",omitempty"`
	Records []*Record
}

func readAll(t testing.TB, name string, data []byte) dump {
	r := NewReader(bytes.NewReader(data), Options{Name: name})
	var d dump
	for r.Next() {
		d.Records = append(d.Records, r.Record())
	}
	if err := r.Err(); err != nil {
		d.Err = err.Error()
	}
	d.Lines = r.Lines()
	d.Skipped = r.Skipped()
	return d
}

// TestGolden reads every fixture and compares the records, as JSON, with
// testdata/<fixture>.golden.
func TestGolden(t *testing.T) {
	for _, path := range fixtures(t) {
		base := filepath.Base(path)
		if strings.Contains(path, "locks-6.18") {
			base = "locks-6.18-" + base
		}
		t.Run(base, func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			got := []byte(format(readAll(t, base, data)))
			golden := filepath.Join("testdata", base+".golden")
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./parse/dmesg -update)", err)
			}
			if diff := cmp.Diff(string(want), string(got)); diff != "" {
				t.Errorf("records of %s differ from %s (-want +got):\n%s", path, golden, diff)
			}
		})
	}
}

// format writes records one field group per line, so golden diffs read
// like the log.
func format(d dump) string {
	var b strings.Builder
	fmt.Fprintf(&b, "lines %d, skipped %d", d.Lines, d.Skipped.Count)
	if d.Skipped.Count > 0 {
		fmt.Fprintf(&b, " (first at %d: %q)", d.Skipped.FirstLine, d.Skipped.FirstText)
	}
	if d.Err != "" {
		fmt.Fprintf(&b, "\nerror: %s", d.Err)
	}
	b.WriteString("\n")
	for _, r := range d.Records {
		fmt.Fprintf(&b, "\n%s @%d %s\n  %q\n", r.Kind, r.Line, formatStamp(r.Time), r.Text)
		if t := r.Task; t != nil {
			fmt.Fprintf(&b, "  hung=%v blocked=%d comm=%q pid=%d tgid=%d ppid=%d/%v state=%q stack=%d flags=%q task_flags=%q\n",
				t.Hung, t.BlockedFor, t.Comm, t.PID, t.TGID, t.PPID, t.HasPPID, t.State, t.StackFree, t.Flags, t.TaskFlags)
			fmt.Fprintf(&b, "  tainted=%q coredump=%v workqueue=%q taskline=%d registers=%d interleaved=%d dropped=%d\n",
				t.Tainted, t.Coredump, t.Workqueue, t.TaskLine, t.Registers, t.Interleaved, t.DroppedFrames)
			if t.LineComm != "" {
				fmt.Fprintf(&b, "  line_comm=%q\n", t.LineComm)
			}
			if t.NoPID {
				fmt.Fprintf(&b, "  no_pid stack_line=%d\n", t.StackLine)
			}
			for _, f := range t.Frames {
				fmt.Fprintf(&b, "    %s\n", formatFrame(f))
			}
			for _, f := range t.Interrupt {
				fmt.Fprintf(&b, "    <%s> %s\n", f.Context, formatFrame(f))
			}
		}
		if x := r.Blocker; x != nil {
			fmt.Fprintf(&b, "  lock=%q waiter=%q:%d role=%q owner_found=%v owner=%q:%d owner_role=%q\n",
				x.Lock, x.Comm, x.PID, x.Role, x.OwnerFound, x.OwnerComm, x.OwnerPID, x.OwnerRole)
		}
		if h := r.Locks; h != nil {
			fmt.Fprintf(&b, "  comm=%q pid=%d count=%d\n", h.Comm, h.PID, h.Count)
			for _, l := range h.Locks {
				fmt.Fprintf(&b, "    #%d instance=%q class=%q usage=%q wait=%q released=%v at %s\n",
					l.Index, l.Instance, l.Class, l.Usage, l.WaitType, l.Released, formatFrame(l.At))
			}
		}
	}
	return b.String()
}

func formatStamp(s Stamp) string {
	var parts []string
	if s.HasMono {
		parts = append(parts, fmt.Sprintf("mono=%d.%06d", s.Mono/time.Second, (s.Mono%time.Second)/time.Microsecond))
	}
	if s.WallKind != NoWall {
		parts = append(parts, fmt.Sprintf("wall(%s)=%s", s.WallKind, s.Wall.Format("2006-01-02T15:04:05.999999Z07:00")))
	}
	if s.Caller != "" {
		parts = append(parts, "caller="+s.Caller)
	}
	return strings.Join(parts, " ")
}

func formatFrame(f Frame) string {
	var b strings.Builder
	if f.Addr != 0 {
		fmt.Fprintf(&b, "[<%x>] ", f.Addr)
	}
	if f.Unreliable {
		b.WriteString("? ")
	}
	b.WriteString(f.Func)
	if f.Offset != 0 || f.Size != 0 {
		fmt.Fprintf(&b, "+%#x/%#x", f.Offset, f.Size)
	}
	if f.Base() != f.Func {
		fmt.Fprintf(&b, " base=%s", f.Base())
	}
	if f.Module != "" {
		fmt.Fprintf(&b, " [%s", f.Module)
		if f.BuildID != "" {
			fmt.Fprintf(&b, " %s", f.BuildID)
		}
		b.WriteString("]")
	}
	if f.Marker != 0 {
		fmt.Fprintf(&b, " (%c)", f.Marker)
	}
	if f.Source != "" {
		fmt.Fprintf(&b, " %s:%d", f.Source, f.Line)
	}
	if f.Inline {
		b.WriteString(" [inline]")
	}
	return b.String()
}
