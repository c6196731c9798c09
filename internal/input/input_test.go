package input

import (
	"bytes"
	"compress/gzip"
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
