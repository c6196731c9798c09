package input

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
)

const text = "1958  1795643766.975572 getdents64(3, [], 32768) = 0\n"

func compress(t *testing.T, c Compression) []byte {
	t.Helper()
	var buf bytes.Buffer
	var w io.WriteCloser
	var err error
	switch c {
	case None:
		return []byte(text)
	case Gzip:
		w = gzip.NewWriter(&buf)
	case XZ:
		w, err = xz.NewWriter(&buf)
	case Zstd:
		w, err = zstd.NewWriter(&buf)
	}
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(w, text); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestOpenDetectsByMagic(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []Compression{None, Gzip, XZ, Zstd} {
		t.Run(string(c), func(t *testing.T) {
			// The name says nothing: detection must come from the bytes.
			path := filepath.Join(dir, "trace-"+string(c)+".txt")
			if err := os.WriteFile(path, compress(t, c), 0o644); err != nil {
				t.Fatal(err)
			}
			f, err := Open(path, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			got, err := io.ReadAll(f)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(text, string(got)); diff != "" {
				t.Errorf("content (-want +got):\n%s", diff)
			}
			if f.Compression != c {
				t.Errorf("Compression = %q, want %q", f.Compression, c)
			}
		})
	}
}

func TestOpenFS(t *testing.T) {
	fsys := fstest.MapFS{"seed/B.strace.gz": {Data: compress(t, Gzip)}}
	f, err := OpenFS(fsys, "seed/B.strace.gz")
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(f)
	if err != nil || string(got) != text {
		t.Errorf("OpenFS read %q, %v; want %q", got, err, text)
	}
	if err := f.Close(); err != nil {
		t.Errorf("Close() = %v", err)
	}
	if _, err := OpenFS(fsys, "missing"); err == nil {
		t.Error("OpenFS(missing) succeeded")
	}
}

func TestOpenStdinAndErrors(t *testing.T) {
	f, err := Open("-", strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(f)
	if string(got) != text {
		t.Errorf("stdin = %q, want %q", got, text)
	}
	if _, err := Open(t.TempDir(), nil); err == nil || !strings.Contains(err.Error(), "is a directory") {
		t.Errorf("Open(dir) error = %v, want 'is a directory'", err)
	}
	if _, err := Open(filepath.Join(t.TempDir(), "missing"), nil); err == nil {
		t.Error("Open(missing) succeeded")
	}
	// A gzip stream cut short must end in an error, not a silent EOF.
	gz := compress(t, Gzip)
	f, err = Wrap("cut.gz", bytes.NewReader(gz[:len(gz)-6]))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadAll(f); err == nil {
		t.Error("reading a truncated gzip stream succeeded")
	}
}

func TestStopEndless(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		endless bool
	}{
		{"short lines", strings.Repeat("abc\n", 100), false},
		{"cr lines", strings.Repeat("abc\r", 100), false},
		{"a line at the cap", strings.Repeat("x", 16) + "\nend", false},
		{"a line over the cap", "a\n" + strings.Repeat("x", 17), true},
		{"zeros", strings.Repeat("\x00", 1000), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := io.ReadAll(StopEndless(iotestHalf(strings.NewReader(tt.in)), 16))
			if errors.Is(err, ErrEndless) != tt.endless {
				t.Fatalf("err = %v; want endless %v", err, tt.endless)
			}
			if !tt.endless && string(got) != tt.in {
				t.Errorf("read %q, want %q", got, tt.in)
			}
		})
	}
}

// iotestHalf reads at most 7 bytes at a time, so line ends fall between
// reads.
func iotestHalf(r io.Reader) io.Reader { return io.LimitReader(&chunks{r}, 1<<30) }

type chunks struct{ r io.Reader }

func (c *chunks) Read(p []byte) (int, error) { return c.r.Read(p[:min(len(p), 7)]) }

// An xz stream whose header asks for a 4 GiB dictionary is refused before
// the decoder allocates it.
func TestXZDictionaryLimit(t *testing.T) {
	data := compress(t, XZ)
	if _, err := Wrap("ok.xz", bytes.NewReader(data)); err != nil {
		t.Fatalf("a real xz stream is refused: %v", err)
	}
	// The LZMA2 dictionary byte of the first block: the stream header is
	// 12 bytes, the block header's size byte and flags 2, then the filter
	// ID (0x21) and its property size (1).
	i := bytes.Index(data[12:], []byte{0x21, 0x01}) + 12 + 2
	if i < 14 {
		t.Fatal("no LZMA2 filter in the block header")
	}
	bad := bytes.Clone(data)
	bad[i] = 40 // 4 GiB - 1
	_, err := Wrap("bomb.xz", bytes.NewReader(bad))
	if !errors.Is(err, ErrWindow) || !strings.Contains(err.Error(), "bomb.xz") {
		t.Errorf("err = %v; want ErrWindow naming the file", err)
	}
}

// InputBytes counts what was read from under the decoder: all of the
// compressed file once the text is read, for progress against its size.
func TestInputBytes(t *testing.T) {
	for _, c := range []Compression{None, Gzip, XZ, Zstd} {
		t.Run(string(c)+"-", func(t *testing.T) {
			data := compress(t, c)
			f, err := Wrap("x", bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			got, err := io.ReadAll(f)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != text {
				t.Fatalf("read %q", got)
			}
			if n := f.InputBytes(); n != int64(len(data)) {
				t.Errorf("InputBytes() = %d; want the %d bytes of the %s file", n, len(data), c)
			}
		})
	}
}
