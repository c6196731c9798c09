// Package readahead reads an io.Reader ahead of its consumer, in a
// goroutine, so that reading (system calls, decompression) runs on one core
// while the consumer parses on another.
//
//	ra := readahead.New(file, 1<<20, 4)
//	defer ra.Close()
//	r := strace.NewReader(ra, opts) // reads what the goroutine filled
//
// The goroutine fills whole buffers (up to size bytes, or what the source
// had when it returned an error), at most n ahead; the consumer's Read
// copies out of them in order and then returns the source's error.
package readahead

import "io"

// Reader is an io.Reader fed by a goroutine reading its source ahead.
type Reader struct {
	full chan chunk
	free chan []byte
	done chan struct{}
	cur  []byte // unread part of buf
	buf  []byte // the buffer being read, returned to free when empty
	err  error
}

type chunk struct {
	b   []byte
	err error
}

// New starts reading src ahead into n buffers of size bytes.
func New(src io.Reader, size, n int) *Reader {
	n = max(n, 1)
	r := &Reader{
		full: make(chan chunk, n),
		free: make(chan []byte, n),
		done: make(chan struct{}),
	}
	for range n {
		r.free <- make([]byte, size)
	}
	go r.fill(src)
	return r
}

// fill reads src into free buffers and hands them over in order, until an
// error (io.EOF included) or Close.
func (r *Reader) fill(src io.Reader) {
	for {
		var buf []byte
		select {
		case buf = <-r.free:
		case <-r.done:
			return
		}
		n, err := io.ReadFull(src, buf)
		if err == io.ErrUnexpectedEOF {
			err = io.EOF
		}
		select {
		case r.full <- chunk{buf[:n], err}:
		case <-r.done:
			return
		}
		if err != nil {
			return
		}
	}
}

// Read copies what the goroutine read ahead; after the last bytes it
// returns the source's error.
func (r *Reader) Read(p []byte) (int, error) {
	for len(r.cur) == 0 {
		if r.err != nil {
			return 0, r.err
		}
		if r.buf != nil {
			r.free <- r.buf[:cap(r.buf)]
			r.buf = nil
		}
		c := <-r.full
		r.buf, r.cur, r.err = c.b, c.b, c.err
	}
	n := copy(p, r.cur)
	r.cur = r.cur[n:]
	return n, nil
}

// Close stops the goroutine once its current read returns; it does not
// close the source. Read must not be called after Close.
func (r *Reader) Close() {
	select {
	case <-r.done:
	default:
		close(r.done)
	}
}
