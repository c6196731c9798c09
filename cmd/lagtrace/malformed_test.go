package main

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// malformedInputs are the shapes field inputs take when something went
// wrong: each must end in a clear error naming the file or in a counted,
// located skip, never in a panic, a hang or silently lost lines.
func malformedInputs(t *testing.T) map[string][]byte {
	t.Helper()
	trace, err := os.ReadFile(seedE)
	if err != nil {
		t.Fatal(err)
	}
	dmesg, err := os.ReadFile("../../testdata/locks-6.18/dmesg.txt")
	if err != nil {
		t.Fatal(err)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(trace)
	zw.Close()
	lines := strings.SplitAfter(string(trace), "\n")
	return map[string][]byte{
		"empty":               {},
		"elf":                 append([]byte("\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x3e\x00"), make([]byte, 4096)...),
		"png":                 []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00\x00\x00\x01\x00\x08\x06\x00\x00\x00"),
		"nul bytes":           bytes.ReplaceAll(trace, []byte("getdents64(3"), []byte("getdents64(\x003")),
		"invalid utf-8":       bytes.ReplaceAll(trace, []byte("d_name=\"Y348"), []byte("d_name=\"\xff\xfe348")),
		"crlf":                bytes.ReplaceAll(trace, []byte("\n"), []byte("\r\n")),
		"truncated last line": trace[:len(trace)-len(lines[len(lines)-2])/2-1],
		"10 MB line":          append(append([]byte(nil), trace...), append(bytes.Repeat([]byte("x"), 10<<20), '\n')...),
		"two kinds":           append(append([]byte(nil), trace...), dmesg...),
		"gzip cut short":      gz.Bytes()[:gz.Len()/2],
	}
}

// malformedSays is what stderr must say for the classes that cannot be
// read at all.
var malformedSays = map[string]string{
	"empty": "empty: nothing to read",
	"elf":   "not ",
	"png":   "not ",
	// locks refuses it earlier: its start is a strace, not a kernel log.
	"gzip cut short/compare": "unexpected EOF",
	"gzip cut short/report":  "unexpected EOF",
}

func TestMalformedInputs(t *testing.T) {
	dir := t.TempDir()
	for name, data := range malformedInputs(t) {
		path := filepath.Join(dir, strings.ReplaceAll(name, " ", "-")+".txt")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		for _, args := range [][]string{
			{"compare", "--baseline", "E", "B=" + path, "E=" + seedE},
			{"locks", path},
			{"report", "--baseline", "E", "B=" + path, "E=" + seedE},
		} {
			t.Run(name+"/"+args[0], func(t *testing.T) {
				out, stderr, code := runCLI(t, "", args...)
				switch code {
				case exitOK:
					// Accepted: every line it could not read must be reported.
					if strings.Contains(stderr, "skipped") && !strings.Contains(stderr, filepath.Base(path)+":") {
						t.Errorf("skip report does not locate the file: %q", stderr)
					}
					if out == "" {
						t.Error("exit 0 with no output")
					}
				case exitInput:
					if !strings.Contains(stderr, filepath.Base(path)) {
						t.Errorf("error does not name the file: %q", stderr)
					}
				default:
					t.Errorf("exit %d (want 0 or 1), stderr %q", code, stderr)
				}
				want, ok := malformedSays[name]
				if !ok {
					want, ok = malformedSays[name+"/"+args[0]]
				}
				if ok && (code != exitInput || !strings.Contains(stderr, want)) {
					t.Errorf("exit %d, stderr %q; want exit 1 saying %q", code, stderr, want)
				}
			})
		}
	}
}

// Lines a reader cannot parse are counted: a truncated capture is read
// up to its last whole call, and the cut line is reported.
func TestTruncatedTraceIsReported(t *testing.T) {
	trace, err := os.ReadFile(seedE)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "cut.strace")
	// Cut in the middle of a getdents64 line.
	i := bytes.Index(trace, []byte("Y348qeD3dxaeJOsyiTNON3qCtEE8yn"))
	if err := os.WriteFile(path, trace[:i], 0o644); err != nil {
		t.Fatal(err)
	}
	_, stderr, code := runCLI(t, "", "compare", "--strict", "B="+path, "E="+seedE)
	if code != exitInput || !strings.Contains(stderr, "cut.strace: skipped 1 lines; first at") {
		t.Errorf("--strict on a cut trace: exit %d, stderr %q; want exit 1 naming the skipped line", code, stderr)
	}
}
