package lines

import (
	"bytes"
	"errors"
	"io"
	"regexp"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/google/go-cmp/cmp"
)

// line is what a test sees of one Next: the text, and Long when the line
// was over the cap.
type line struct {
	Text string
	Long int64
}

func collect(t testing.TB, r *Reader) (got []line, truncated bool) {
	t.Helper()
	for {
		b, ok := r.Next()
		if !ok {
			return got, truncated
		}
		got = append(got, line{string(b), r.Long})
		truncated = r.Truncated
	}
}

func plain(ss ...string) []line {
	var out []line
	for _, s := range ss {
		out = append(out, line{Text: s})
	}
	return out
}

func TestReader(t *testing.T) {
	long := strings.Repeat("x", 3<<20)
	tests := []struct {
		name      string
		in        string
		max       int
		want      []line
		truncated bool
	}{
		{"empty", "", 0, nil, false},
		{"one", "a\n", 0, plain("a"), false},
		{"crlf", "a\r\nb\r\n", 0, plain("a", "b"), false},
		{"mixed crlf and lf", "a\r\nb\nc\r\n", 0, plain("a", "b", "c"), false},
		{"no final newline", "a\nb", 0, plain("a", "b"), true},
		{"blank lines", "\n\n", 0, plain("", ""), false},
		{"3 MiB line", "a\n" + long + "\nb\n", 0, plain("a", long, "b"), false},
		{"NUL bytes", "a\x00b\n", 0, plain("a\x00b"), false},
		// Old Mac editors, serial and terminal captures.
		{"cr only", "a\rb\rc\r", 0, plain("a", "b", "c"), false},
		{"cr only, no final cr", "a\rb", 0, plain("a", "b"), true},
		{"cr only, blank line", "a\r\rb\r", 0, plain("a", "", "b"), false},
		{"cr file with a crlf", "a\rb\r\nc\r", 0, plain("a", "b", "c"), false},
		{"cr file with an lf", "a\rb\nc\r", 0, plain("a", "b", "c"), false},
		{"serial console cr cr lf", "a\r\r\nb\r\r\n", 0, plain("a", "b"), false},
		{"lf file keeps an inner cr", "50%\n50%\r100%\n", 0, plain("50%", "50%\r100%"), false},
		{"only a cr", "\r", 0, plain(""), false},
		{"text then cr at the end", "abc\r", 0, plain("abc"), false},
		{"run of 9 cr is cr mode", "a" + strings.Repeat("\r", 9) + "\nb", 0,
			plain("a", "", "", "", "", "", "", "", "", "b"), true},
		// The cap.
		{"at the cap", "abcd\nx\n", 4, plain("abcd", "x"), false},
		{"over the cap", "abcde\nx\n", 4, []line{{"abcde", 5}, {"x", 0}}, false},
		{"over the cap, last line", "x\nabcdef", 4, []line{{"x", 0}, {"abcdef", 6}}, true},
		{"over the cap, crlf", "abcdef\r\nx\r\n", 4, []line{{"abcdef\r", 7}, {"x", 0}}, false},
		{"over the cap, cr mode", "ab\rabcdef\rx\r", 4, []line{{"ab", 0}, {"abcdef", 6}, {"x", 0}}, false},
		{"head of a long line", strings.Repeat("y", 1000) + "\n", 300, []line{{strings.Repeat("y", HeadSize), 1000}}, false},
	}
	for _, tt := range tests {
		for _, rd := range []struct {
			name string
			wrap func(io.Reader) io.Reader
		}{{"whole", func(r io.Reader) io.Reader { return r }}, {"bytewise", iotest.OneByteReader}} {
			t.Run(tt.name+"/"+rd.name, func(t *testing.T) {
				r := NewReader(rd.wrap(strings.NewReader(tt.in)))
				r.Max = tt.max
				got, trunc := collect(t, r)
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("lines (-want +got):\n%s", diff)
				}
				if trunc != tt.truncated {
					t.Errorf("Truncated = %v, want %v", trunc, tt.truncated)
				}
				if r.Number() != len(tt.want) {
					t.Errorf("Number() = %d, want %d", r.Number(), len(tt.want))
				}
				if err := r.Err(); err != nil {
					t.Errorf("Err() = %v", err)
				}
			})
		}
	}
}

func TestReaderError(t *testing.T) {
	boom := errors.New("boom")
	r := NewReader(iotest.TimeoutReader(strings.NewReader("a\nb\n")))
	// TimeoutReader fails its second read; the first read returns everything.
	got, _ := collect(t, r)
	if diff := cmp.Diff(plain("a", "b"), got); diff != "" {
		t.Errorf("lines (-want +got):\n%s", diff)
	}
	r = NewReader(iotest.ErrReader(boom))
	if _, ok := r.Next(); ok {
		t.Fatal("Next() ok on failing reader")
	}
	if !errors.Is(r.Err(), boom) {
		t.Errorf("Err() = %v, want %v", r.Err(), boom)
	}
	// A partial line before the error is returned, marked Truncated.
	r = NewReader(io.MultiReader(strings.NewReader("a\npart"), iotest.ErrReader(boom)))
	got, trunc := collect(t, r)
	if diff := cmp.Diff(plain("a", "part"), got); diff != "" || !trunc || !errors.Is(r.Err(), boom) {
		t.Errorf("lines (-want +got):\n%s\nTruncated %v, Err %v", diff, trunc, r.Err())
	}
}

// zeros is an endless run of one byte, like /dev/zero.
type zeros struct{ left int64 }

func (z *zeros) Read(p []byte) (int, error) {
	if z.left <= 0 {
		return 0, io.EOF
	}
	n := int(min(int64(len(p)), z.left))
	clear(p[:n])
	z.left -= int64(n)
	return n, nil
}

// A line far over the cap is read through with the buffer never larger
// than the cap plus one read, however long the line: memory is bounded by
// Max, not by the input.
func TestLongLineMemory(t *testing.T) {
	const max = 1 << 20
	for _, size := range []int64{4 << 20, 64 << 20} {
		r := NewReader(io.MultiReader(strings.NewReader("first\n"), &zeros{size}, strings.NewReader("\nlast\n")))
		r.Max = max
		got, _ := collect(t, r)
		want := []line{{"first", 0}, {strings.Repeat("\x00", HeadSize), size}, {"last", 0}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%d-byte line (-want +got):\n%s", size, diff)
		}
		if len(r.buf) > max+readBuf {
			t.Errorf("%d-byte line: buffer grew to %d bytes, over Max+%d", size, len(r.buf), readBuf)
		}
	}
}

// A small input keeps a small buffer: a bundle of 100k stack files must
// not allocate 256 KiB per file.
func TestSmallInputSmallBuffer(t *testing.T) {
	r := NewReader(strings.NewReader("[<0>] iterate_dir+0x86/0x2a0\n[<0>] __x64_sys_getdents64+0x76/0x110\n"))
	collect(t, r)
	if len(r.buf) > minBuf {
		t.Errorf("buffer of %d bytes for a 70-byte input", len(r.buf))
	}
}

func TestDescribe(t *testing.T) {
	got := Describe([]byte("<6>[ 1.0] start of a very long line that goes on"), 2147483648, 64<<20)
	want := `a line of 2,147,483,648 bytes, over the 64MiB limit (--max-line), begins "<6>[ 1.0] start of a very long line that"`
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Describe (-want +got):\n%s", diff)
	}
}

var eol = regexp.MustCompile("\r\n|\r|\n")

// reference splits in the simplest way the package doc describes: the
// whole input at once.
func reference(in string, max int) (out []line, truncated bool) {
	mode := lf
	if i := strings.IndexAny(in, "\r\n"); i >= 0 && in[i] == '\r' {
		j := i
		for j < len(in) && in[j] == '\r' && j-i <= maxCRRun {
			j++
		}
		if j-i > maxCRRun || j == len(in) || in[j] != '\n' {
			mode = cr
		}
	}
	var parts []string
	if mode == lf {
		parts = strings.Split(in, "\n")
	} else {
		parts = eol.Split(in, -1)
	}
	last := parts[len(parts)-1]
	parts = parts[:len(parts)-1]
	if last != "" {
		parts = append(parts, last)
		truncated = true
	}
	for _, p := range parts {
		switch {
		case len(p) > max:
			out = append(out, line{p[:min(len(p), HeadSize)], int64(len(p))})
		case mode == lf:
			out = append(out, line{strings.TrimRight(p, "\r"), 0})
		default:
			out = append(out, line{p, 0})
		}
	}
	return out, truncated
}

func FuzzReader(f *testing.F) {
	for _, s := range []string{"a\nb\r\nc", "a\rb\rc\r", "a\r\r\nb", "\r", "abcdefgh\nab\n", "x\r\r\r\r\r\r\r\r\r\ny"} {
		f.Add([]byte(s), uint8(4), false)
	}
	f.Fuzz(func(t *testing.T, in []byte, max uint8, bytewise bool) {
		var rd io.Reader = bytes.NewReader(in)
		if bytewise {
			rd = iotest.OneByteReader(rd)
		}
		r := NewReader(rd)
		r.Max = int(max) + 1
		got, trunc := collect(t, r)
		want, wantTrunc := reference(string(in), r.Max)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("Next on %q with Max %d (-reference +got):\n%s", in, r.Max, diff)
		}
		if trunc != wantTrunc {
			t.Errorf("Truncated = %v, reference %v", trunc, wantTrunc)
		}
	})
}
