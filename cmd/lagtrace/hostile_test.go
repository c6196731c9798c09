package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

// Names from the customer's machine (file names, command names) reach
// every sink: no escape sequence may reach a terminal, no Markdown table
// may break, JSON must stay valid UTF-8.
func TestHostileNames(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "st|ack`\x1b[2J<i>\u202etxt.exe\u200b.txt")
	stacks := "12345 D    ev\x1b[31mil|`*x\u2028\u2066\n[<0>] iterate_dir+0x86/0x2a0\n[<0>] __x64_sys_getdents64+0x76/0x110\n" +
		"12346 S    to\xffuch<b>\u009b\n[<0>] request_wait_answer+0x112/0x210\n[<0>] __fuse_simple_request+0x120/0x330\n" +
		"[<0>] fuse_lookup+0x75/0x1b0\n[<0>] fuse_atomic_open+0x124/0x190\n[<0>] path_openat+0xba6/0x12d0\n"
	if err := os.WriteFile(name, []byte(stacks), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"locks", name},
		{"report", "h\x1b]0;x\a|st=" + name},
	} {
		for _, f := range []string{"text", "markdown", "json"} {
			t.Run(args[0]+"/"+f, func(t *testing.T) {
				out, stderr, code := runCLI(t, "", append([]string{args[0], "-f", f}, args[1:]...)...)
				if code != exitOK {
					t.Fatalf("exit %d: %s", code, stderr)
				}
				if !strings.Contains(out, "12346") {
					t.Fatalf("output lacks the holder:\n%s", out)
				}
				for _, s := range []string{out, stderr} {
					checkInvisible(t, s)
				}
				switch f {
				case "markdown":
					checkTables(t, out)
				case "json":
					if !utf8.ValidString(out) || !json.Valid([]byte(out)) {
						t.Errorf("JSON output is not valid UTF-8 JSON")
					}
				}
			})
		}
	}
}

// checkInvisible fails on any character that could hide or reorder text
// on a terminal: C0 (but newline) and C1 controls, DEL, Unicode format
// characters (bidi controls, zero-width), the line and paragraph
// separators.
func checkInvisible(t *testing.T, s string) {
	t.Helper()
	if i := strings.IndexFunc(s, func(r rune) bool {
		return r < 0x20 && r != '\n' || r == 0x7f || r >= 0x80 && r < 0xa0 ||
			unicode.In(r, unicode.Cf, unicode.Zl, unicode.Zp, unicode.Other_Default_Ignorable_Code_Point)
	}); i >= 0 {
		r, _ := utf8.DecodeRuneInString(s[i:])
		t.Errorf("character %U reaches the output at %d: %q", r, i, s[max(0, i-20):min(len(s), i+20)])
	}
}

// Host labels with bidi and zero-width characters reach the plot: the SVG
// shows them by code point.
func TestHostileLabelsInSVG(t *testing.T) {
	svg := filepath.Join(t.TempDir(), "p.svg")
	out, stderr, code := runCLI(t, "", "report", "-f", "markdown", "--plot", svg, "--baseline", "E\u200b",
		"\u202eB\u2028="+seedB, "E\u200b="+seedE)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	b, err := os.ReadFile(svg)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{out, stderr, string(b)} {
		checkInvisible(t, s)
	}
	if !strings.Contains(string(b), "&lt;U+202E&gt;B&lt;U+2028&gt;") {
		t.Errorf("SVG does not show the label's bidi override as <U+202E>")
	}
}

// unescapedPipe finds cell separators: pipes not escaped with a backslash.
var unescapedPipe = regexp.MustCompile(`(^|[^\\])\|`)

// checkTables requires every row of every GFM table to have as many cells
// as its header.
func checkTables(t *testing.T, md string) {
	t.Helper()
	want := -1
	for i, line := range strings.Split(md, "\n") {
		if !strings.HasPrefix(line, "|") {
			want = -1
			continue
		}
		// Count separators on a copy where "\|" cannot pair up wrongly.
		n := len(unescapedPipe.FindAllStringIndex(strings.ReplaceAll(line, "||", "| |"), -1))
		if want < 0 {
			want = n
			continue
		}
		if n != want {
			t.Errorf("Markdown line %d has %d cell separators, its table %d: %q", i+1, n, want, line)
		}
	}
}

// hostileKinds are one real capture of each kind lagtrace reads, with
// the command that reads it.
var hostileKinds = []struct {
	kind, file string
	args       []string
}{
	{"strace", seedB, []string{"compare", "--baseline", "E", "E=" + seedE, "B=FILE"}},
	{"dmesg", "../../testdata/locks-6.18/dmesg.txt", []string{"locks", "FILE"}},
	{"procstack", "../../testdata/locks-6.18/stacks-tail.txt", []string{"locks", "FILE"}},
	{"crash", seedCrash, []string{"locks", "FILE"}},
}

var skippedRE = regexp.MustCompile(`skipped (\d+) lines`)

func withFile(args []string, file string) []string {
	out := slices.Clone(args)
	for i, a := range out {
		out[i] = strings.ReplaceAll(a, "FILE", file)
	}
	return out
}

// A line over --max-line is read through, not kept, and reported as a
// skipped line with its place and length; every other line is still read.
func TestLongLineIsSkipped(t *testing.T) {
	for _, k := range hostileKinds {
		t.Run(k.kind, func(t *testing.T) {
			data, err := os.ReadFile(k.file)
			if err != nil {
				t.Fatal(err)
			}
			n := bytes.Count(data, []byte("\n"))
			long := append(bytes.Repeat([]byte("z"), 3<<20), '\n')
			path := filepath.Join(t.TempDir(), "long.txt")
			if err := os.WriteFile(path, append(data, long...), 0o644); err != nil {
				t.Fatal(err)
			}
			want, wantErr, _ := runCLI(t, "", append([]string{"-f", "json"}, withFile(k.args, k.file)...)...)
			got, stderr, code := runCLI(t, "", append([]string{"-f", "json", "--max-line", "1MiB"}, withFile(k.args, path)...)...)
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			say := fmt.Sprintf("long.txt: skipped 1 lines; first at %s:%d: a line of 3,145,728 bytes, over the 1MiB limit (--max-line)", path, n+1)
			if m := skippedRE.FindStringSubmatch(wantErr); m != nil {
				// The capture has skips of its own: one more is counted.
				c, _ := strconv.Atoi(m[1])
				say = fmt.Sprintf("long.txt: skipped %d lines; first at", c+1)
			}
			if !strings.Contains(stderr, say) {
				t.Errorf("stderr %q\nwant it to say %q", stderr, say)
			}
			if diff := cmp.Diff(strings.ReplaceAll(want, k.file, "F"), strings.ReplaceAll(got, path, "F")); diff != "" {
				t.Errorf("a skipped long line changed the result (-without +with):\n%s", diff)
			}
		})
	}
}

// Captures saved with bare "\r" line ends (old Mac editors, serial
// consoles) read exactly as their "\n" versions.
func TestCROnlyLineEnds(t *testing.T) {
	for _, k := range hostileKinds {
		t.Run(k.kind, func(t *testing.T) {
			data, err := os.ReadFile(k.file)
			if err != nil {
				t.Fatal(err)
			}
			lf := filepath.Join(t.TempDir(), "capture.txt")
			cr := filepath.Join(t.TempDir(), "capture.txt")
			if err := os.WriteFile(lf, data, 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(cr, bytes.ReplaceAll(data, []byte("\n"), []byte("\r")), 0o644); err != nil {
				t.Fatal(err)
			}
			want, wantErr, code := runCLI(t, "", append([]string{"-f", "json"}, withFile(k.args, lf)...)...)
			if code != exitOK {
				t.Fatalf("LF version: exit %d: %s", code, wantErr)
			}
			got, stderr, code := runCLI(t, "", append([]string{"-f", "json"}, withFile(k.args, cr)...)...)
			if code != exitOK {
				t.Fatalf("CR version: exit %d: %s", code, stderr)
			}
			if diff := cmp.Diff(strings.ReplaceAll(want, lf, "F"), strings.ReplaceAll(got, cr, "F")); diff != "" {
				t.Errorf("CR line ends read differently (-LF +CR):\n%s", diff)
			}
			if diff := cmp.Diff(strings.ReplaceAll(wantErr, lf, "F"), strings.ReplaceAll(stderr, cr, "F")); diff != "" {
				t.Errorf("CR line ends reported differently (-LF +CR):\n%s", diff)
			}
		})
	}
}

// Inputs that are not regular files are read once, as a stream: a FIFO
// with its writer, a shell's <(...) (a pipe reached through /dev/fd), and
// the result is the one the regular file gives.
func TestStreamInputs(t *testing.T) {
	const dmesg = "../../testdata/locks-6.18/dmesg.txt"
	data, err := os.ReadFile(dmesg)
	if err != nil {
		t.Fatal(err)
	}
	want, _, code := runCLI(t, "", "locks", "-f", "json", dmesg)
	if code != exitOK {
		t.Fatal("the regular file fails")
	}
	// A writer that goes on writing after the reader started: nothing
	// it wrote before may be lost.
	write := func(w io.WriteCloser) {
		defer w.Close()
		for i := 0; i < len(data); i += 4096 {
			w.Write(data[i:min(len(data), i+4096)])
		}
	}
	fifo := filepath.Join(t.TempDir(), "dmesg.fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	go func() {
		w, err := os.OpenFile(fifo, os.O_WRONLY, 0)
		if err != nil {
			t.Error(err)
			return
		}
		write(w)
	}()
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	go write(pw)
	procSub := fmt.Sprintf("/dev/fd/%d", pr.Fd())
	for _, name := range []string{fifo, procSub} {
		got, stderr, code := runCLI(t, "", "locks", "-f", "json", name)
		if code != exitOK {
			t.Errorf("locks %s: exit %d: %s", name, code, stderr)
			continue
		}
		if diff := cmp.Diff(strings.ReplaceAll(want, dmesg, "F"), strings.ReplaceAll(got, name, "F")); diff != "" {
			t.Errorf("locks %s (-regular file +stream):\n%s", name, diff)
		}
	}
}

// An endless device stops at the line cap with an error naming it.
func TestEndlessDevice(t *testing.T) {
	_, stderr, code := runCLI(t, "", "locks", "--kind", "dmesg", "--max-line", "1MiB", "/dev/zero")
	if code != exitInput || !strings.Contains(stderr, "/dev/zero") || !strings.Contains(stderr, "no line end") {
		t.Errorf("locks /dev/zero: exit %d, stderr %q; want exit 1 saying no line end", code, stderr)
	}
}
