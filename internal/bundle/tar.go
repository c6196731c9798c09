package bundle

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/lagtrace/lagtrace/internal/input"
	"github.com/lagtrace/lagtrace/internal/lines"
)

const tarBlock = 512

// The reasons a tarball's member is left out without being read.
const (
	reasonUnsafe     = "unsafe path: absolute or outside the archive"
	reasonSymlink    = "symbolic link, not followed"
	reasonHardlink   = "hard link, not followed"
	reasonSparse     = "sparse file: its holes are not expanded"
	reasonNotRegular = "not a regular file"
	reasonUnknown    = "not recognised as a kernel log or a stack"
)

// ErrTooBig is wrapped when the members to read from one archive hold more
// than Options.MaxExtract bytes.
var ErrTooBig = errors.New("over the --max-extract limit")

// isTar looks for the ustar magic of POSIX ("ustar\x00") and GNU
// ("ustar  \x00") headers at offset 257 of the first block. Version 7
// archives, which have none, are not recognised.
func isTar(head []byte) bool {
	return len(head) >= 263 && string(head[257:262]) == "ustar"
}

// counter counts the bytes archive/tar takes and keeps the last two
// blocks of them, to tell an archive that ends cleanly (two zero blocks)
// from one cut at a member boundary: archive/tar reports io.EOF for both.
type counter struct {
	r    io.Reader
	n    int64
	tail [2 * tarBlock]byte
}

func (c *counter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if n >= len(c.tail) {
		copy(c.tail[:], p[n-len(c.tail):n])
	} else if n > 0 {
		copy(c.tail[:], c.tail[n:])
		copy(c.tail[len(c.tail)-n:], p[:n])
	}
	return n, err
}

// endedCleanly reports whether the last bytes read were the end marker.
func (c *counter) endedCleanly() bool {
	if c.n < int64(len(c.tail)) {
		return false
	}
	for _, b := range c.tail {
		if b != 0 {
			return false
		}
	}
	return true
}

// readTar streams a sosreport tarball once. Members are classified by
// their names as their headers pass; only those that may be read are
// copied to a new temporary directory, at most o.MaxExtract bytes in all,
// and the rest are listed as left out. name prefixes member names in
// messages ("sos.tar.xz:var/log/messages").
func readTar(ctx context.Context, arg, name string, r io.Reader, o Options) (_ *Bundle, err error) {
	tmp, err := os.MkdirTemp("", "lagtrace-bundle-")
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	// An interrupt removes the directory at once, even while a read is
	// blocked on a pipe; Close or a failure removes it otherwise.
	stop := context.AfterFunc(ctx, func() { os.RemoveAll(tmp) })
	b := &Bundle{Arg: arg, Form: SosTarball, tmp: tmp, onClose: []func(){func() { stop() }}}
	defer func() {
		if err != nil {
			b.Close()
		}
	}()
	c := &counter{r: input.WithContext(ctx, r)}
	t := tarScan{name: name, tmp: tmp, budget: o.maxExtract(), limit: o.maxExtract(), seen: map[group]int{}}
	tr := tar.NewReader(c)
	var last string
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			if !c.endedCleanly() {
				return nil, fmt.Errorf("%s: archive ends after %q without its end marker: cut short?", name, last)
			}
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: after %q: %w", name, last, truncated(err))
		}
		last = hdr.Name
		if err := t.member(hdr, tr); err != nil {
			return nil, err
		}
	}
	if !t.sos {
		return nil, fmt.Errorf("%s: a tar archive, but not a sosreport (no sos_commands/ or sos_reports/ inside)", name)
	}
	used, skipped := choose(t.ms)
	if len(used) == 0 {
		return nil, errNoLogs(name, t.skips.list)
	}
	b.Zone = t.zone
	keep := map[string]bool{}
	for _, m := range used {
		if !m.kept {
			return nil, fmt.Errorf("%s:%s: chosen but not extracted (a bug in lagtrace)", name, m.rel)
		}
		src := name + ":" + m.rel
		open := openAs(m.file, src)
		if m.file == "" {
			open = openData(m.data, src)
		} else {
			keep[m.file] = true
		}
		b.Sources = append(b.Sources, Source{Name: src, PID: m.pid, Kind: m.kind(), Open: open, Size: m.size})
	}
	for _, m := range t.ms {
		if m.file != "" && !keep[m.file] {
			os.Remove(m.file) // free the space now rather than at Close
		}
	}
	for _, s := range skipped {
		b.Skipped = append(b.Skipped, Skip{Name: name + ":" + s.Name, Reason: s.Reason})
	}
	for _, s := range t.skips.list {
		s.Name = name + ":" + s.Name
		b.Skipped = append(b.Skipped, s)
	}
	return b, nil
}

// tarScan is the state of one pass over an archive.
type tarScan struct {
	name, tmp string
	budget    int64 // bytes that may still be extracted
	limit     int64
	inMemory  int64 // bytes of small members held in memory
	ms        []member
	seen      map[group]int // lowest rank seen per group, for dominated
	sos       bool
	skips     skipList
	buf       []byte
	zone      Zone
}

// member handles one header: left out, or extracted.
func (t *tarScan) member(hdr *tar.Header, tr io.Reader) error {
	rel, ok := innerPath(hdr.Name)
	if !ok {
		t.skips.add(hdr.Name, reasonUnsafe)
		return nil
	}
	if isSosMarker(rel) {
		t.sos = true
	}
	if rel == localtimeMember || rel == timedatectlMember {
		switch hdr.Typeflag {
		case tar.TypeSymlink:
			if rel == localtimeMember {
				t.zone.offer(rel, zoneFromLink(hdr.Linkname))
			}
		case tar.TypeReg, tar.TypeRegA:
			t.zone.offer(rel, zoneFromFile(rel, tr))
			t.skips.add(rel, reasonUnknown)
			return nil
		}
	}
	switch {
	case hdr.Typeflag == tar.TypeDir || rel == "":
		return nil
	case hdr.Typeflag == tar.TypeSymlink:
		t.skips.add(rel, reasonSymlink)
		return nil
	case hdr.Typeflag == tar.TypeLink:
		t.skips.add(rel, reasonHardlink)
		return nil
	case isSparse(hdr):
		t.skips.add(rel, reasonSparse)
		return nil
	case hdr.Typeflag != tar.TypeReg && hdr.Typeflag != tar.TypeRegA:
		t.skips.add(rel, reasonNotRegular)
		return nil
	}
	m, ok := classify(rel)
	if !ok {
		t.skips.add(rel, reasonUnknown)
		return nil
	}
	if !t.dominated(m) {
		if err := t.keep(&m, hdr.Size, tr); err != nil {
			return fmt.Errorf("%s:%s: %w", t.name, rel, truncated(err))
		}
	}
	if r, ok := t.seen[m.group]; !ok || m.rank < r {
		t.seen[m.group] = m.rank
	}
	t.ms = append(t.ms, m)
	return nil
}

// dominated reports whether choose will leave m out whatever comes later,
// given the members seen so far: then it need not be extracted. (The rules
// are choose's; members that come before the one dominating them are
// extracted and removed after the pass.)
func (t *tarScan) dominated(m member) bool {
	has := func(g group) bool { _, ok := t.seen[g]; return ok }
	switch m.group {
	case gRingbuf:
		r, ok := t.seen[gRingbuf]
		return ok && r < m.rank
	case gBootlog:
		return has(gRingbuf)
	case gSyslog:
		return has(gKern)
	case gJournal:
		r, ok := t.seen[gJournal]
		return has(gMessages) || has(gKern) || has(gSyslog) || ok && r == 0 && m.rank > 0
	}
	return false
}

// isSparse recognises GNU sparse members, old (type 'S') and PAX
// (GNU.sparse.* records): archive/tar would expand their holes, and a
// 5 KB archive can hold a 4 GB hole.
func isSparse(hdr *tar.Header) bool {
	if hdr.Typeflag == tar.TypeGNUSparse {
		return true
	}
	for k := range hdr.PAXRecords {
		if strings.HasPrefix(k, "GNU.sparse.") {
			return true
		}
	}
	return false
}

// Small members (a /proc/PID/stack file is a few hundred bytes) are kept in
// memory, up to maxInMemory bytes in all, so that a bundle of 100k stacks
// costs no file system calls per member; larger ones go to the disk.
const (
	smallMember = 64 << 10
	maxInMemory = 64 << 20
)

// keep extracts the current member of the given size into m: in memory
// or to a file of the temporary directory.
func (t *tarScan) keep(m *member, size int64, r io.Reader) error {
	m.kept = true
	if size <= smallMember && t.inMemory+size <= maxInMemory && size <= t.budget {
		data, err := io.ReadAll(io.LimitReader(r, size))
		if err != nil {
			return err
		}
		t.budget -= int64(len(data))
		t.inMemory += int64(len(data))
		m.data, m.size = data, int64(len(data))
		if input.Magic(data) != input.None {
			m.size = -1
		}
		return nil
	}
	// Named by number: the member's own name never touches the disk.
	m.file = filepath.Join(t.tmp, strconv.Itoa(len(t.ms)))
	n, err := t.extract(m.file, r)
	m.size = n
	return err
}

// extract copies the current member to file, within the budget, and
// returns its size if it is uncompressed (progress counts decompressed
// bytes, which the size on disk does not bound), else -1.
func (t *tarScan) extract(file string, r io.Reader) (int64, error) {
	f, err := os.OpenFile(file, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return 0, err
	}
	if t.buf == nil {
		t.buf = make([]byte, 64<<10)
	}
	// One buffer for every member, and no ReaderFrom: a bundle may hold
	// 100k small members.
	w := &headWriter{w: f}
	n, err := io.CopyBuffer(w, io.LimitReader(r, t.budget+1), t.buf)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return n, err
	}
	if n > t.budget {
		return n, fmt.Errorf("the members to read hold more than %s: %w", lines.Size(t.limit), ErrTooBig)
	}
	t.budget -= n
	if input.Magic(w.head[:w.n]) != input.None {
		return -1, nil
	}
	return n, nil
}

// headWriter keeps the first bytes written through it, for their magic.
// It also hides an *os.File's ReadFrom, which would allocate its own copy
// buffer on every call.
type headWriter struct {
	w    io.Writer
	head [8]byte
	n    int
}

func (h *headWriter) Write(p []byte) (int, error) {
	h.n += copy(h.head[h.n:], p)
	return h.w.Write(p)
}

// truncated names the usual cause of an unexpected EOF.
func truncated(err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("cut short: %w", err)
	}
	return err
}

// innerPath turns a member name into a path relative to the sosreport
// root, dropping the "sosreport-host-date/" directory sos puts everything
// under. Absolute names and names climbing out with ".." are refused.
func innerPath(name string) (string, bool) {
	name = strings.TrimPrefix(name, "./")
	if name == "" || path.IsAbs(name) || strings.HasPrefix(name, "/") {
		return "", false
	}
	for _, part := range strings.Split(strings.TrimSuffix(name, "/"), "/") {
		if part == ".." {
			return "", false
		}
	}
	name = path.Clean(name)
	first, rest, ok := strings.Cut(name, "/")
	if !ok {
		if first == "version.txt" {
			return first, true
		}
		return "", true // the top directory itself
	}
	switch first {
	case "sos_commands", "sos_reports", "sos_strings", "sos_logs", "var", "proc":
		return name, true // archived without a top directory
	}
	return rest, true
}
