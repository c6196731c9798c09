package bundle

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
)

const tarBlock = 512

// isTar looks for the ustar magic of POSIX ("ustar\x00") and GNU
// ("ustar  \x00") headers at offset 257 of the first block. Version 7
// archives, which have none, are not recognised.
func isTar(head []byte) bool {
	return len(head) >= 263 && string(head[257:262]) == "ustar"
}

// counter counts the bytes archive/tar takes, to tell an archive that
// ends cleanly from one cut at a member boundary: archive/tar reports
// io.EOF for both.
type counter struct {
	r io.Reader
	n int64
}

func (c *counter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// readTar streams a sosreport tarball once, copying the members worth
// reading to a new temporary directory. name prefixes member names in
// messages ("sos.tar.xz:var/log/messages").
func readTar(arg, name string, r io.Reader) (b *Bundle, err error) {
	tmp, err := os.MkdirTemp("", "lagtrace-bundle-")
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	b = &Bundle{Arg: arg, Form: SosTarball, tmp: tmp}
	defer func() {
		if err != nil {
			os.RemoveAll(tmp)
			b = nil
		}
	}()
	c := &counter{r: r}
	tr := tar.NewReader(c)
	var (
		ms      []member
		sos     bool
		last    string
		dataEnd int64 // where the last member's padded data ends
		unsafe  []string
	)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			// A complete archive ends with two zero blocks.
			if c.n < dataEnd+2*tarBlock {
				return nil, fmt.Errorf("%s: archive ends after %q without its end marker: cut short?", name, last)
			}
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: after %q: %w", name, last, truncated(err))
		}
		last = hdr.Name
		dataEnd = c.n + (hdr.Size+tarBlock-1)/tarBlock*tarBlock
		rel, ok := innerPath(hdr.Name)
		if !ok {
			unsafe = append(unsafe, hdr.Name)
			continue
		}
		if isSosMarker(rel) {
			sos = true
		}
		if hdr.Typeflag != tar.TypeReg && hdr.Typeflag != tar.TypeRegA {
			continue // links are not followed; see the package doc
		}
		m, ok := classify(rel)
		if !ok {
			continue
		}
		// Named by number: the member's own name never touches the disk.
		m.file = filepath.Join(tmp, strconv.Itoa(len(ms)))
		m.size, err = extract(m.file, tr)
		if err != nil {
			return nil, fmt.Errorf("%s:%s: %w", name, rel, truncated(err))
		}
		ms = append(ms, m)
	}
	if !sos {
		return nil, fmt.Errorf("%s: a tar archive, but not a sosreport (no sos_commands/ or sos_reports/ inside)", name)
	}
	used, skipped := choose(ms)
	if len(used) == 0 {
		return nil, fmt.Errorf("%s: sosreport has no kernel log (sos_commands/kernel/dmesg, var/log/messages, ...) and no proc/*/stack", name)
	}
	keep := map[string]bool{}
	for _, m := range used {
		keep[m.file] = true
		src := name + ":" + m.rel
		b.Sources = append(b.Sources, Source{Name: src, PID: m.pid, Kind: m.kind(), Open: openAs(m.file, src), Size: m.size})
	}
	for _, m := range ms {
		if !keep[m.file] {
			os.Remove(m.file) // free the space now rather than at Close
		}
	}
	for _, s := range skipped {
		b.Skipped = append(b.Skipped, Skip{Name: name + ":" + s.Name, Reason: s.Reason})
	}
	for _, u := range unsafe {
		b.Skipped = append(b.Skipped, Skip{Name: name + ":" + u, Reason: "unsafe path: absolute or outside the archive"})
	}
	return b, nil
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

// extract copies the current member to file.
func extract(file string, r io.Reader) (int64, error) {
	f, err := os.OpenFile(file, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return 0, err
	}
	n, err := io.Copy(f, r)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return n, err
	}
	return sizeIfPlain(file, n), nil
}
