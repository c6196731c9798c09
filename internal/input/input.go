// Package input opens the files a user names on the command line: "-" for
// standard input, and gzip, xz or zstd streams recognised by their magic
// bytes rather than by file name, since bundles get renamed in transit.
package input

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
)

// Compression names the container a stream arrived in.
type Compression string

// The compressions Open recognises.
const (
	None Compression = ""
	Gzip Compression = "gzip"
	XZ   Compression = "xz"
	Zstd Compression = "zstd"
)

var magics = []struct {
	magic []byte
	c     Compression
}{
	{[]byte{0x1f, 0x8b}, Gzip},
	{[]byte{0xfd, '7', 'z', 'X', 'Z', 0x00}, XZ},
	{[]byte{0x28, 0xb5, 0x2f, 0xfd}, Zstd},
}

// File is an opened input, already decompressed.
type File struct {
	io.Reader
	// Name is what the user typed ("-" for standard input).
	Name        string
	Compression Compression
	closers     []func() error
}

// Close releases the file and any decoder.
func (f *File) Close() error {
	var first error
	for i := len(f.closers) - 1; i >= 0; i-- {
		if err := f.closers[i](); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// Open opens name ("-" is stdin) and undoes any compression it finds.
func Open(name string, stdin io.Reader) (*File, error) {
	f := &File{Name: name}
	var r io.Reader
	if name == "-" {
		r = stdin
	} else {
		osf, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		if st, err := osf.Stat(); err == nil && st.IsDir() {
			osf.Close()
			return nil, fmt.Errorf("%s: is a directory", name)
		}
		f.closers = append(f.closers, osf.Close)
		r = osf
	}
	if err := f.wrap(r); err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return f, nil
}

// OpenFS opens name from fsys (an embedded sample, say), decompressing it
// like Open.
func OpenFS(fsys fs.FS, name string) (*File, error) {
	ff, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	f := &File{Name: name, closers: []func() error{ff.Close}}
	if err := f.wrap(ff); err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return f, nil
}

// Wrap decompresses r if it starts with a known magic; name labels errors.
func Wrap(name string, r io.Reader) (*File, error) {
	f := &File{Name: name}
	if err := f.wrap(r); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return f, nil
}

func (f *File) wrap(r io.Reader) error {
	// The magic is read into a small array, not a buffer: an uncompressed
	// file is then read with no copy and no 64 KiB buffer of its own (a
	// bundle may hold 100k small files).
	var head [8]byte
	n, err := io.ReadFull(r, head[:])
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return err // a short file simply has no magic
	}
	var rest io.Reader = r
	if n > 0 {
		rest = io.MultiReader(bytes.NewReader(head[:n]), r)
	}
	f.Compression = Magic(head[:n])
	if f.Compression == None {
		f.Reader = rest
		return nil
	}
	br := bufio.NewReaderSize(rest, 64<<10)
	switch f.Compression {
	case Gzip:
		zr, err := gzip.NewReader(br)
		if err != nil {
			return fmt.Errorf("gzip: %w", err)
		}
		f.closers = append(f.closers, zr.Close)
		f.Reader = zr
	case XZ:
		zr, err := xz.NewReader(br)
		if err != nil {
			return fmt.Errorf("xz: %w", err)
		}
		f.Reader = zr
	case Zstd:
		zr, err := zstd.NewReader(br, zstd.WithDecoderConcurrency(1))
		if err != nil {
			return fmt.Errorf("zstd: %w", err)
		}
		f.closers = append(f.closers, func() error { zr.Close(); return nil })
		f.Reader = zr
	}
	return nil
}

// Magic names the compression whose magic bytes begin head, or None.
func Magic(head []byte) Compression {
	for _, m := range magics {
		if bytes.HasPrefix(head, m.magic) {
			return m.c
		}
	}
	return None
}

// WithContext returns a reader of r that fails with ctx's error once ctx
// is done: a read loop over it stops at the next read after an interrupt.
// A read already blocked in r (a pipe with no writer) is not woken; close
// or set a deadline on the file for that.
func WithContext(ctx context.Context, r io.Reader) io.Reader {
	return &ctxReader{ctx, r}
}

type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// ErrEndless is wrapped by the error of a reader from StopEndless.
var ErrEndless = errors.New("no line end")

// StopEndless returns a reader of r that fails, with an error wrapping
// ErrEndless, once more than max bytes pass without a line end ("\n" or
// "\r"). A line longer than the line cap is read through and skipped in a
// file, which ends; a stream that is not a regular file (a character
// device such as /dev/zero, a pipe from a program that never stops) may
// never end, so there the cap ends the input instead.
func StopEndless(r io.Reader, max int64) io.Reader {
	return &endless{r: r, max: max}
}

type endless struct {
	r   io.Reader
	max int64
	run int64 // bytes since the last line end
}

func (e *endless) Read(p []byte) (int, error) {
	if e.run > e.max {
		return 0, e.err()
	}
	n, err := e.r.Read(p)
	b := p[:n]
	i := max(bytes.LastIndexByte(b, '\n'), bytes.LastIndexByte(b, '\r'))
	if i >= 0 {
		e.run = int64(n - i - 1)
	} else {
		e.run += int64(n)
	}
	if e.run > e.max {
		// The bytes read so far are delivered; the next read fails.
		return n, nil
	}
	return n, err
}

func (e *endless) err() error {
	return fmt.Errorf("%w in the last %d bytes of a stream that is not a regular file (an endless device such as /dev/zero?): stopped at the --max-line limit", ErrEndless, e.run)
}
