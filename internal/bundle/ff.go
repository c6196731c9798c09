package bundle

import (
	"cmp"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// compressExts are the suffixes a rotated or shipped file may gain; the
// content, not the suffix, decides how it is read.
var compressExts = []string{".gz", ".xz", ".zst", ".bz2"}

func trimCompressExt(name string) string {
	for _, ext := range compressExts {
		if s, ok := strings.CutSuffix(name, ext); ok {
			return s
		}
	}
	return name
}

// splitPID splits "trace.1234" or "trace.1234.gz", as strace -ff -o trace
// names its files (strace's outf option appends ".%d"), into its prefix
// and PID.
func splitPID(name string) (prefix string, pid int, ok bool) {
	name = trimCompressExt(name)
	i := strings.LastIndexByte(name, '.')
	if i <= 0 || i == len(name)-1 || len(name)-i-1 > 10 {
		return "", 0, false
	}
	for _, c := range []byte(name[i+1:]) {
		if c < '0' || c > '9' {
			return "", 0, false
		}
	}
	pid, err := strconv.Atoi(name[i+1:])
	if err != nil || pid <= 0 {
		return "", 0, false
	}
	return name[:i], pid, true
}

// expandTraceFiles makes one Source per PREFIX.PID file in dir, in PID
// order. All names must share one prefix (want, if not empty).
func expandTraceFiles(dir string, names []string, want string) (*Bundle, error) {
	type file struct {
		name string
		pid  int
	}
	var files []file
	for _, n := range names {
		p, pid, ok := splitPID(n)
		if !ok {
			return nil, fmt.Errorf("%q is not named PREFIX.PID", n)
		}
		if want == "" {
			want = p
		}
		if p != want {
			return nil, fmt.Errorf("files of two traces, %q and %q: name one by its prefix, as in %s", want+".*", p+".*", filepath.Join(dir, p))
		}
		files = append(files, file{n, pid})
	}
	slices.SortStableFunc(files, func(a, b file) int { return cmp.Compare(a.pid, b.pid) })
	b := &Bundle{Form: TraceDir}
	for _, f := range files {
		path := filepath.Join(dir, f.name)
		var size int64 = -1
		if st, err := os.Stat(path); err == nil {
			size = sizeIfPlain(path, st.Size())
		}
		b.Sources = append(b.Sources, Source{Name: path, PID: f.pid, Kind: Strace, Open: openPath(path), Size: size})
	}
	return b, nil
}
