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
	"sync/atomic"

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
	raw         counter
}

// InputBytes is how many bytes have been read so far from under the
// decoder: of a compressed file, the compressed bytes (progress compares
// them with the size on disk). It may be called while another goroutine
// reads.
func (f *File) InputBytes() int64 { return f.raw.n.Load() }

// counter counts the bytes read through it.
type counter struct {
	r io.Reader
	n atomic.Int64
}

func (c *counter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
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
	f.raw.r = r
	r = &f.raw
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
		if err := checkXZ(br); err != nil {
			return fmt.Errorf("xz: %w", err)
		}
		zr, err := xz.NewReader(br)
		if err != nil {
			return fmt.Errorf("xz: %w", err)
		}
		f.Reader = zr
	case Zstd:
		zr, err := zstd.NewReader(br, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxWindow(MaxWindow))
		if err != nil {
			return fmt.Errorf("zstd: %w", err)
		}
		f.closers = append(f.closers, func() error { zr.Close(); return nil })
		f.Reader = zr
	}
	return nil
}

// MaxWindow is the largest decompression window (the dictionary of xz,
// the window of zstd) accepted: the decoders allocate what the stream's
// header asks for, and a hostile header asks for 4 GiB. xz -9 uses 64 MiB,
// zstd --long 128 MiB.
const MaxWindow = 128 << 20

// ErrWindow is wrapped when a compressed stream asks for a window larger
// than MaxWindow.
var ErrWindow = errors.New("decompression window over the 128 MiB limit")

// checkXZ refuses an xz stream whose first block asks for an LZMA2
// dictionary over MaxWindow, before the decoder allocates it. (The blocks
// after the first, which multi-threaded xz writes with the same
// dictionary, are not looked at.)
func checkXZ(br *bufio.Reader) error {
	// Stream header (12 bytes), then the block header: its size byte,
	// flags (filter count - 1 in bits 0-1; compressed and uncompressed
	// sizes present in bits 6 and 7), the sizes as varints, and each
	// filter's ID, properties size and properties; LZMA2 (0x21) has one
	// property byte, its dictionary size.
	head, _ := br.Peek(12 + 1024)
	if len(head) < 14 || head[12] == 0 {
		return nil // too short to judge, or no block at all: the decoder says
	}
	b := head[12:min(len(head), 12+(int(head[12])+1)*4)]
	if len(b) < 2 {
		return nil
	}
	flags, i := b[1], 2
	varint := func() (uint64, bool) {
		var v uint64
		for k := 0; k < 9 && i < len(b); k++ {
			c := b[i]
			i++
			v |= uint64(c&0x7f) << (7 * k)
			if c&0x80 == 0 {
				return v, true
			}
		}
		return 0, false
	}
	for _, bit := range []byte{0x40, 0x80} {
		if flags&bit != 0 {
			if _, ok := varint(); !ok {
				return nil
			}
		}
	}
	for range int(flags&3) + 1 {
		id, ok1 := varint()
		n, ok2 := varint()
		if !ok1 || !ok2 || i+int(n) > len(b) {
			return nil
		}
		if id == 0x21 && n == 1 {
			if d := b[i]; d <= 40 && int64(2|d&1)<<(d/2+11) > MaxWindow {
				return fmt.Errorf("%w: the stream asks for a %d MiB dictionary", ErrWindow, (int64(2|d&1)<<(d/2+11))>>20)
			}
		}
		i += int(n)
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
