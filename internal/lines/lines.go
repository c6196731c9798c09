// Package lines reads text one line at a time with no limit on line length.
//
// bufio.Scanner stops at 64 KiB by default, and strace -v -s 40960 writes
// lines of 66 KB and more, so every parser reads through this instead.
package lines

import (
	"bufio"
	"bytes"
	"io"
)

// Reader yields lines without their terminator ("\n" or "\r\n").
// The slice returned by Next is valid only until the following call.
type Reader struct {
	br   *bufio.Reader
	long []byte // reassembles lines longer than the bufio buffer
	n    int
	err  error
	// Truncated reports whether the last line returned had no newline,
	// as when a capture was stopped mid-write.
	Truncated bool
}

// NewReader returns a Reader over r.
func NewReader(r io.Reader) *Reader {
	return &Reader{br: bufio.NewReaderSize(r, 256<<10)}
}

// Next returns the next line, or ok=false at the end of input or on error.
func (r *Reader) Next() (line []byte, ok bool) {
	if r.err != nil {
		return nil, false
	}
	r.Truncated = false
	b, err := r.br.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		r.long = append(r.long[:0], b...)
		for err == bufio.ErrBufferFull {
			b, err = r.br.ReadSlice('\n')
			r.long = append(r.long, b...)
		}
		b = r.long
	}
	if err != nil {
		if err != io.EOF {
			r.err = err
		}
		if len(b) == 0 {
			if r.err == nil {
				r.err = io.EOF
			}
			return nil, false
		}
		r.Truncated = true
		if r.err == nil {
			r.err = io.EOF
		}
	}
	r.n++
	b = bytes.TrimSuffix(b, []byte{'\n'})
	b = bytes.TrimSuffix(b, []byte{'\r'})
	return b, true
}

// Number is the 1-based number of the line last returned by Next.
func (r *Reader) Number() int { return r.n }

// Err returns the first read error other than io.EOF.
func (r *Reader) Err() error {
	if r.err == io.EOF {
		return nil
	}
	return r.err
}
