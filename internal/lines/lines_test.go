package lines

import (
	"errors"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/google/go-cmp/cmp"
)

func collect(t *testing.T, r *Reader) (got []string, truncated bool) {
	t.Helper()
	for {
		b, ok := r.Next()
		if !ok {
			return got, truncated
		}
		got = append(got, string(b))
		truncated = r.Truncated
	}
}

func TestReader(t *testing.T) {
	long := strings.Repeat("x", 3<<20)
	tests := []struct {
		name      string
		in        string
		want      []string
		truncated bool
	}{
		{"empty", "", nil, false},
		{"one", "a\n", []string{"a"}, false},
		{"crlf", "a\r\nb\r\n", []string{"a", "b"}, false},
		{"no final newline", "a\nb", []string{"a", "b"}, true},
		{"blank lines", "\n\n", []string{"", ""}, false},
		{"3 MiB line", "a\n" + long + "\nb\n", []string{"a", long, "b"}, false},
		{"NUL bytes", "a\x00b\n", []string{"a\x00b"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewReader(iotest.OneByteReader(strings.NewReader(tt.in)))
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

func TestReaderError(t *testing.T) {
	boom := errors.New("boom")
	r := NewReader(iotest.TimeoutReader(strings.NewReader("a\nb\n")))
	// TimeoutReader fails its second read; the first read returns everything.
	got, _ := collect(t, r)
	if diff := cmp.Diff([]string{"a", "b"}, got); diff != "" {
		t.Errorf("lines (-want +got):\n%s", diff)
	}
	r = NewReader(iotest.ErrReader(boom))
	if _, ok := r.Next(); ok {
		t.Fatal("Next() ok on failing reader")
	}
	if !errors.Is(r.Err(), boom) {
		t.Errorf("Err() = %v, want %v", r.Err(), boom)
	}
}
