package render

import (
	"io"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestWrapText(t *testing.T) {
	tests := []struct {
		name        string
		text        string
		first, rest int
		want        []string
	}{
		{"fits", "a b c", 10, 10, []string{"a b c"}},
		{"breaks at spaces", "aaa bbb ccc", 7, 7, []string{"aaa bbb", "ccc"}},
		{"a narrower first line", "aaa bbb ccc", 3, 7, []string{"aaa", "bbb ccc"}},
		{"never at a hyphen", "file systems without ->iterate_shared (NFS", 21, 30,
			[]string{"file systems without", "->iterate_shared (NFS"}},
		{"a long word alone", "see /a/very/long/path/name here", 10, 10, []string{"see", "/a/very/long/path/name", "here"}},
		{"runs of spaces kept", "a  b", 10, 10, []string{"a  b"}},
		{"spaces at a break dropped", "aaaa   bbbb", 5, 5, []string{"aaaa", "bbbb"}},
		{"wide characters count twice", "以下就 不列出", 7, 7, []string{"以下就", "不列出"}},
		{"empty", "", 10, 10, []string{""}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, wrapText(tt.text, tt.first, tt.rest)); diff != "" {
			t.Errorf("%s: wrapText(%q, %d, %d) (-want +got):\n%s", tt.name, tt.text, tt.first, tt.rest, diff)
		}
	}
}

func TestShortener(t *testing.T) {
	tests := []struct {
		name   string
		names  []string
		in     string
		want   string
		common string
	}{
		{"common directory dropped", []string{"testdata/locks-6.18/dmesg.txt", "testdata/locks-6.18/stacks-tail.txt"},
			"testdata/locks-6.18/dmesg.txt:67 (+20)", "dmesg.txt:67 (+20)", "testdata/locks-6.18/"},
		{"base names kept apart", []string{"seed/B.strace", "fuse/B.strace", "fuse/E.strace"},
			"fuse/B.strace:3, seed/B.strace:4, fuse/E.strace", "fuse/B.strace:3, seed/B.strace:4, E.strace", ""},
		{"stacks of a bundle", []string{"sos/proc/101/stack", "sos/proc/202/stack", "sos/var/log/messages"},
			"sos/proc/202/stack:1 sos/var/log/messages:9", "202/stack:1 messages:9", "sos/"},
		{"longest name first", []string{"out/t.12", "out/t.123"}, "out/t.123:5 out/t.12:6", "t.123:5 t.12:6", "out/"},
		{"absolute paths", []string{"/home/me/B.strace", "/tmp/E.strace"}, "/home/me/B.strace", "B.strace", "/"},
	}
	for _, tt := range tests {
		s := newShortener(tt.names)
		if s == nil {
			t.Errorf("%s: no shortener for %q", tt.name, tt.names)
			continue
		}
		if got := s.apply(tt.in); got != tt.want {
			t.Errorf("%s: apply(%q) = %q; want %q", tt.name, tt.in, got, tt.want)
		}
		if s.common != tt.common {
			t.Errorf("%s: common %q; want %q", tt.name, s.common, tt.common)
		}
	}
	if s := newShortener([]string{"B.strace", "E.strace"}); s != nil {
		t.Errorf("names with no directory got a shortener")
	}
}

func testStyles(width int, wide bool, sources ...string) *styles {
	return newStyles(io.Discard, Options{Width: width, Wide: wide, Sources: sources})
}

func TestTableFits(t *testing.T) {
	headers := []string{"role", "pid", "comm", "waits in", "source"}
	rows := [][]string{
		{"holder", "12742", "touch", "request_wait_answer", "testdata/locks-6.18/dmesg.txt:67 (+20)"},
		{"waiter\u00a0×4", "12744 12747 12760 12815", "touch", "iterate_dir", "testdata/locks-6.18/stacks-tail.txt:15 (+8)"},
	}
	srcs := []string{"testdata/locks-6.18/dmesg.txt", "testdata/locks-6.18/stacks-tail.txt"}
	wide := testStyles(60, true, srcs...).table(headers, rows, 1)
	if !strings.Contains(wide, "testdata/locks-6.18/stacks-tail.txt:15 (+8)") || strings.Contains(wide, "every row") {
		t.Errorf("--wide shortened or collapsed:\n%s", wide)
	}
	for _, w := range []int{120, 100, 80, 60, 40} {
		out := testStyles(w, false, srcs...).table(headers, rows, 1)
		for _, l := range strings.Split(out, "\n") {
			if cellWidth(l) > w {
				t.Errorf("width %d: line of %d columns:\n%s", w, cellWidth(l), out)
			}
			if strings.TrimRight(l, " ") != l {
				t.Errorf("width %d: line ends in a space: %q", w, l)
			}
		}
		if w <= 100 && !strings.Contains(out, "files in testdata/locks-6.18/") {
			t.Errorf("width %d: no note of the dropped directory:\n%s", w, out)
		}
		if flat := strings.Join(strings.Fields(out), " "); w <= 60 && !strings.Contains(flat, "on every row: comm touch") {
			t.Errorf("width %d: the one-value column is not collapsed:\n%s", w, out)
		}
	}
	if out := testStyles(120, false, srcs...).table(headers, rows, 1); strings.Contains(out, "files in") {
		t.Errorf("a table that fits was shortened:\n%s", out)
	}
}

// FuzzTable lays out any cells at any width: it never panics, no line ends
// in a space, no line passes the width, and no character of a cell is lost
// (when no column was collapsed into the note).
func FuzzTable(f *testing.F) {
	f.Add("holder|12742|touch|request_wait_answer|dmesg.txt:67 (+20)", "waiter ×4|1 2 3|x|iterate_dir|a/b/c.txt:9", 50, false)
	f.Add("以下就不列出命令了|a  b||", "|||", 40, true)
	f.Add(strings.Repeat("w", 300), "x y", 10, false)
	f.Fuzz(func(t *testing.T, row1, row2 string, width int, wide bool) {
		rows := [][]string{strings.Split(Terminal(row1), "|"), strings.Split(Terminal(row2), "|")}
		headers := []string{"a", "b", "c", "d", "e"}
		for _, r := range rows {
			if len(r) > len(headers) {
				t.Skip()
			}
		}
		width = max(MinWidth, min(width, 400))
		out := testStyles(width, wide).table(headers, rows, 1)
		lines := strings.Split(out, "\n")
		for _, l := range lines {
			if strings.TrimRight(l, " ") != l {
				t.Errorf("line ends in a space: %q", l)
			}
			if !wide && cellWidth(l) > width {
				t.Errorf("line of %d columns at width %d: %q", cellWidth(l), width, l)
			}
		}
		if strings.Contains(out, "on every row: ") {
			return
		}
		var want, got []rune
		for _, r := range rows {
			for _, c := range r {
				want = append(want, []rune(strings.Join(strings.Fields(c), ""))...)
			}
		}
		for _, l := range lines[2:] {
			got = append(got, []rune(strings.Join(strings.Fields(l), ""))...)
		}
		slices.Sort(want)
		slices.Sort(got)
		if !slices.Equal(want, got) {
			t.Errorf("cells and table hold different characters:\ncells %q\ntable:\n%s", rows, out)
		}
	})
}

// benchRows is a task table as a mass hang makes it: 100k rows.
func benchRows() (headers []string, rows [][]string) {
	headers = []string{"host", "pid", "comm", "role", "waits in", "sources"}
	for i := range 100_000 {
		rows = append(rows, []string{"B", strconv.Itoa(3_000_000 + i), "rsync", "waiter (write)", "rwsem_down_write_failed_killable",
			"crash sos/crash.txt:" + strconv.Itoa(100+i) + ", dmesg sos/var/log/messages:" + strconv.Itoa(i)})
	}
	return headers, rows
}

// BenchmarkTable lays out 100k rows at 100 columns (wrapping the sources
// column); BenchmarkTableBaseline only joins the same cells, the least
// any layout does.
func BenchmarkTable(b *testing.B) {
	headers, rows := benchRows()
	s := testStyles(100, false, "sos/crash.txt", "sos/var/log/messages")
	b.ReportAllocs()
	for b.Loop() {
		_ = s.table(headers, rows, 1)
	}
}

func BenchmarkTableBaseline(b *testing.B) {
	headers, rows := benchRows()
	b.ReportAllocs()
	for b.Loop() {
		var sb strings.Builder
		sb.WriteString(strings.Join(headers, "  ") + "\n")
		for _, r := range rows {
			sb.WriteString(strings.Join(r, "  ") + "\n")
		}
		_ = sb.String()
	}
}
