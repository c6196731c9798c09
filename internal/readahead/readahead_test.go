package readahead

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

func TestReadsEverythingInOrder(t *testing.T) {
	var src bytes.Buffer
	for i := range 5_000 {
		src.WriteString(strings.Repeat("x", i%97) + "\n")
	}
	want := src.String()
	for _, size := range []int{1, 7, 4096, 1 << 20} {
		// OneByteReader: the source returns less than asked, as pipes do.
		r := New(iotest.OneByteReader(strings.NewReader(want)), size, 3)
		got, err := io.ReadAll(r)
		r.Close()
		if err != nil || string(got) != want {
			t.Errorf("size %d: read %d bytes, err %v; want %d bytes, nil", size, len(got), err, len(want))
		}
	}
}

func TestPassesTheSourceError(t *testing.T) {
	boom := errors.New("boom")
	r := New(io.MultiReader(strings.NewReader("abc"), iotest.ErrReader(boom)), 2, 2)
	defer r.Close()
	got, err := io.ReadAll(r)
	if string(got) != "abc" || !errors.Is(err, boom) {
		t.Errorf("ReadAll = %q, %v; want \"abc\", boom", got, err)
	}
}

func TestCloseStopsTheGoroutine(t *testing.T) {
	// An endless source read in part: Close returns at once, and the
	// goroutine ends at its next hand-over instead of blocking forever.
	r := New(iotest.OneByteReader(zeros{}), 16, 2)
	p := make([]byte, 5)
	if _, err := io.ReadFull(r, p); err != nil {
		t.Fatal(err)
	}
	r.Close()
	r.Close() // twice is fine
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// BenchmarkReadahead is the copy the goroutine adds, per byte.
func BenchmarkReadahead(b *testing.B) {
	data := bytes.Repeat([]byte("0123456789abcdef"), 1<<16)
	buf := make([]byte, 256<<10)
	b.SetBytes(int64(len(data)))
	for range b.N {
		r := New(bytes.NewReader(data), 1<<20, 4)
		for {
			if _, err := r.Read(buf); err != nil {
				break
			}
		}
		r.Close()
	}
}
