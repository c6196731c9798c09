package main

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/charmbracelet/lipgloss"
)

// runTTY runs lagtrace as on a terminal width columns wide, with NO_COLOR
// set so that the goldens hold text, not escapes; env adds variables.
func runTTY(t *testing.T, width int, env map[string]string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	e := newEnv(strings.NewReader(""), &out, &errb)
	e.isTTY = func() bool { return true }
	e.termWidth = func() int { return width }
	e.getenv = func(k string) string {
		if v, ok := env[k]; ok {
			return v
		}
		if k == "NO_COLOR" {
			return "1"
		}
		return ""
	}
	code = e.execute(context.Background(), args)
	return out.String(), errb.String(), code
}

// widthCases are the text outputs kept as goldens at 80 and 120 columns
// (the goldens at 100, without a terminal, are the other tests').
var widthCases = []struct {
	name string
	args []string
}{
	{"demo-seed", []string{"demo"}},
	{"demo-fuse", []string{"demo", "--incident", "fuse"}},
	{"locks-6.18", []string{"locks", "../../testdata/locks-6.18/dmesg.txt", "../../testdata/locks-6.18/stacks-tail.txt"}},
	{"locks-seed", []string{"locks", seedCrash, seedDmesg}},
	{"compare-seed", []string{"compare", "--time", "entry", "--origin", "marker:nU2BlPA3xoSfYaPLVs1DqiZU4ANOtV", "--baseline", "E", "B=" + seedB, "E=" + seedE}},
	{"compare-main", []string{"compare", "--baseline", "E", "B=" + mainB, "E=" + mainE}},
	// Placeholders are put in the data before layout: columns line up.
	{"report-redact", []string{"report", "--redact", "--baseline", "E", "B=../../testdata/bundle/B/ls.strace.gz",
		"B=../../testdata/bundle/B/dmesg-ls.txt", "B=../../testdata/bundle/B/stacks-ls.txt", "E=../../testdata/bundle/E/ls.strace.gz"}},
}

func TestWidthGoldens(t *testing.T) {
	for _, tt := range widthCases {
		for _, w := range []int{80, 120} {
			t.Run(fmt.Sprintf("%s/%d", tt.name, w), func(t *testing.T) {
				out, stderr, code := runTTY(t, w, nil, tt.args...)
				if code != exitOK {
					t.Fatalf("exit %d: %s", code, stderr)
				}
				golden(t, fmt.Sprintf("width/%s.%d.txt", tt.name, w), out)
			})
		}
	}
}

// The width comes from --width, else the terminal, else COLUMNS on a
// terminal whose size is unknown, else 100; a file or a pipe gets 100
// whatever COLUMNS says.
func TestWidthSources(t *testing.T) {
	tests := []struct {
		name  string
		tty   bool
		term  int
		env   map[string]string
		args  []string
		width int
	}{
		{"terminal", true, 80, nil, nil, 80},
		{"terminal wider than prose", true, 200, nil, nil, 200},
		{"COLUMNS when the size is unknown", true, 0, map[string]string{"COLUMNS": "90"}, nil, 90},
		{"the size before COLUMNS", true, 70, map[string]string{"COLUMNS": "90"}, nil, 70},
		{"no terminal ignores COLUMNS", false, 0, map[string]string{"COLUMNS": "60"}, nil, 100},
		{"--width", false, 0, nil, []string{"--width", "64"}, 64},
		{"-o file", true, 80, nil, []string{"-o", "FILE"}, 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			e := newEnv(strings.NewReader(""), &out, &errb)
			e.isTTY = func() bool { return tt.tty }
			e.termWidth = func() int { return tt.term }
			e.getenv = func(k string) string {
				if k == "NO_COLOR" {
					return "1"
				}
				return tt.env[k]
			}
			args := append([]string{"locks"}, tt.args...)
			file := filepath.Join(t.TempDir(), "out.txt")
			for i, a := range args {
				if a == "FILE" {
					args[i] = file
				}
			}
			args = append(args, "../../testdata/locks-6.18/dmesg.txt", "../../testdata/locks-6.18/stacks-tail.txt")
			if code := e.execute(context.Background(), args); code != exitOK {
				t.Fatalf("exit %d: %s", code, errb.String())
			}
			text := out.String()
			if b, err := os.ReadFile(file); err == nil {
				text = string(b)
			}
			if got := widest(text); got > tt.width || got < tt.width-8 && tt.width < 120 {
				t.Errorf("widest line %d columns; want about %d", got, tt.width)
			}
			if tt.width > 120 && widestProse(text) > 120 {
				t.Errorf("prose runs to %d columns; want at most 120", widestProse(text))
			}
		})
	}
}

func widest(s string) int {
	n := 0
	for _, l := range strings.Split(s, "\n") {
		n = max(n, lipgloss.Width(l))
	}
	return n
}

// widestProse is the widest line that is not part of a table.
func widestProse(s string) int {
	n := 0
	for _, l := range strings.Split(s, "\n") {
		if !strings.HasPrefix(l, " ") && !strings.HasPrefix(l, "─") {
			n = max(n, lipgloss.Width(l))
		}
	}
	return n
}

// goldenWidth is the width a text golden was written at: .80. and .120.
// in its name, else 100 (no terminal).
var goldenWidth = regexp.MustCompile(`width/[^/]+\.(\d+)\.txt$`)

// Every golden of every package: no line ends in whitespace, and no line
// of a text golden is wider than its width, but for a line that is one
// word too long to break (after its tag or indent).
func TestGoldenLines(t *testing.T) {
	checked := 0
	for _, root := range []string{"testdata", "../../render/testdata"} {
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			ext := filepath.Ext(path)
			if !slices.Contains([]string{".txt", ".text", ".md", ".markdown", ".json", ".svg"}, ext) {
				return nil
			}
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			if !utf8.Valid(b) {
				t.Errorf("%s is not UTF-8", path)
			}
			checked++
			width := 0
			if ext == ".txt" || ext == ".text" {
				width = 100
				if m := goldenWidth.FindStringSubmatch(path); m != nil {
					width, _ = strconv.Atoi(m[1])
				}
			}
			for i, line := range strings.Split(string(b), "\n") {
				if strings.TrimRight(line, " \t") != line {
					t.Errorf("%s:%d ends in whitespace: %q", path, i+1, line)
				}
				if width > 0 && lipgloss.Width(line) > width && !unbreakable(line, width) {
					t.Errorf("%s:%d is %d columns, over %d: %q", path, i+1, lipgloss.Width(line), width, line)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if checked < 40 {
		t.Errorf("checked %d goldens; the walk missed some", checked)
	}
}

// unbreakable reports whether an over-long line is one word after its
// indent or tag: wrapping can put it on a line of its own, not shorten it.
func unbreakable(line string, width int) bool {
	f := strings.Fields(line)
	return len(f) <= 2 && lipgloss.Width(f[len(f)-1]) > width-12
}

// Hostile names (escapes, pipes, bidi and zero-width characters, wide
// scripts) are laid out like any text on a narrow terminal: escaped, no
// line over the width but for an unbreakable word, none ending in spaces.
func TestHostileNamesFit(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "st|ack`\x1b[2J<i>\u202etxt.exe\u200b以下就不列出.txt")
	stacks := "12345 D    ev\x1b[31mil|`*x\u2028\u2066以下就不列出命令了\n[<0>] iterate_dir+0x86/0x2a0\n[<0>] __x64_sys_getdents64+0x76/0x110\n" +
		"12346 S    to\xffuch<b>\u009b\n[<0>] request_wait_answer+0x112/0x210\n[<0>] __fuse_simple_request+0x120/0x330\n" +
		"[<0>] fuse_lookup+0x75/0x1b0\n[<0>] fuse_atomic_open+0x124/0x190\n[<0>] path_openat+0xba6/0x12d0\n"
	if err := os.WriteFile(name, []byte(stacks), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"locks", name}, {"report", "h\x1b]0;x\a|st=" + name}} {
		out, stderr, code := runTTY(t, 60, nil, args...)
		if code != exitOK {
			t.Fatalf("%s: exit %d: %s", args[0], code, stderr)
		}
		checkInvisible(t, out)
		checkInvisible(t, stderr)
		for _, l := range strings.Split(out, "\n") {
			if strings.TrimRight(l, " ") != l {
				t.Errorf("%s: line ends in spaces: %q", args[0], l)
			}
			if lipgloss.Width(l) > 60 && !unbreakable(l, 60) {
				t.Errorf("%s: line of %d columns at 60: %q", args[0], lipgloss.Width(l), l)
			}
		}
	}
}
