package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/creack/pty"
)

// runPTY runs lagtrace with standard output and standard error on a
// pseudo-terminal of cols columns, as a user at a terminal would, and
// returns what the terminal received, its CR LF line ends made LF.
func runPTY(t *testing.T, cols int, env map[string]string, stdin io.Reader, args ...string) (string, int) {
	t.Helper()
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	defer ptmx.Close()
	if err := pty.Setsize(ptmx, &pty.Winsize{Rows: 50, Cols: uint16(cols)}); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	var wg sync.WaitGroup
	wg.Go(func() {
		_, err := io.Copy(&buf, ptmx)
		if err != nil && !errors.Is(err, syscall.EIO) { // EIO: the terminal's other end closed
			t.Errorf("reading the terminal: %v", err)
		}
	})
	e := newEnv(stdin, tty, tty)
	e.getenv = func(k string) string { return env[k] }
	code := e.execute(context.Background(), args)
	tty.Close()
	wg.Wait()
	return strings.ReplaceAll(buf.String(), "\r\n", "\n"), code
}

var sgr = regexp.MustCompile(`\x1b\[[0-9;]*m`)

// On a terminal, text is styled unless NO_COLOR or TERM=dumb says not to,
// and fits the terminal's width.
func TestTerminalColour(t *testing.T) {
	args := []string{"locks", "../../testdata/locks-6.18/dmesg.txt", "../../testdata/locks-6.18/stacks-tail.txt"}
	tests := []struct {
		name   string
		env    map[string]string
		args   []string
		styled bool
	}{
		{"terminal", map[string]string{"TERM": "xterm-256color"}, nil, true},
		{"NO_COLOR", map[string]string{"TERM": "xterm-256color", "NO_COLOR": "1"}, nil, false},
		{"TERM=dumb", map[string]string{"TERM": "dumb"}, nil, false},
		{"--color=never", map[string]string{"TERM": "xterm-256color"}, []string{"--color=never"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, code := runPTY(t, 90, tt.env, strings.NewReader(""), append(tt.args, args...)...)
			if code != exitOK {
				t.Fatalf("exit %d:\n%s", code, out)
			}
			if styled := sgr.MatchString(out); styled != tt.styled {
				t.Errorf("styled = %v; want %v:\n%q", styled, tt.styled, out[:min(len(out), 300)])
			}
			if strings.ContainsRune(sgr.ReplaceAllString(out, ""), 0x1b) {
				t.Errorf("an escape other than SGR reached the terminal: %q", out)
			}
			for _, l := range strings.Split(out, "\n") {
				if w := lipgloss.Width(l); w > 90 {
					t.Errorf("line of %d columns on a 90-column terminal: %q", w, l)
				}
				if strings.TrimRight(sgr.ReplaceAllString(l, ""), " ") != sgr.ReplaceAllString(l, "") {
					t.Errorf("line ends in spaces: %q", l)
				}
			}
		})
	}
}

// An input that takes more than a second shows a progress line on the
// terminal, with a rate only once a second of data has been read; the
// line is erased before the report is written.
func TestTerminalProgress(t *testing.T) {
	data, err := os.ReadFile("../../testdata/locks-6.18/dmesg.txt")
	if err != nil {
		t.Fatal(err)
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	go func() {
		defer w.Close()
		half := bytes.LastIndexByte(data[:len(data)/2], '\n') + 1
		w.Write(data[:half])
		time.Sleep(1500 * time.Millisecond) // past progress.Delay
		w.Write(data[half:])
	}()
	out, code := runPTY(t, 90, map[string]string{"TERM": "xterm-256color", "NO_COLOR": "1"}, r, "locks", "--kind", "dmesg", "-")
	if code != exitOK {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	start := strings.Index(out, "\rreading ")
	report := strings.Index(out, "lagtrace locks")
	if start < 0 || report < start {
		t.Fatalf("no progress line before the report:\n%q", out[:min(len(out), 400)])
	}
	progress := out[start:report]
	t.Logf("progress frames: %q", progress)
	frames := strings.Split(strings.Trim(progress, "\r"), "\r")
	if !regexp.MustCompile(`^reading standard input: [0-9.]+ kB`).MatchString(frames[0]) {
		t.Errorf("first frame %q does not say what is read", frames[0])
	}
	if !strings.HasSuffix(progress, "\r") || strings.TrimSpace(frames[len(frames)-1]) != "" {
		t.Errorf("the progress line is not erased before the report: %q", progress)
	}
	for _, f := range frames {
		if strings.Contains(f, "TB/s") || strings.Contains(f, "GB/s") {
			t.Errorf("frame %q shows a rate measured on no data", f)
		}
		if len([]rune(f)) > 89 {
			t.Errorf("frame %q is wider than the terminal", f)
		}
	}
	if !strings.Contains(out[report:], "touch:12742 holds") {
		t.Errorf("report missing after the progress line:\n%s", out[report:])
	}
}
