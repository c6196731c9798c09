package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/lagtrace/lagtrace/correlate"
	"github.com/lagtrace/lagtrace/internal/detect"
)

// Stacks of the 6.18 capture's shapes: a FUSE create holding a directory
// lock, and a lookup waiting to read it.
const (
	fuseHolder = "[<0>] request_wait_answer+0x112/0x210\n[<0>] __fuse_simple_request+0x120/0x330\n[<0>] fuse_lookup+0x75/0x1b0\n[<0>] fuse_atomic_open+0x124/0x190\n[<0>] path_openat+0xba6/0x12d0\n"
	readWaiter = "[<0>] rwsem_down_read_slowpath+0x1c5/0x4a0\n[<0>] down_read+0x4b/0xb0\n[<0>] walk_component+0xe2/0x1a0\n[<0>] path_lookupat+0x68/0x1a0\n"
)

// stackTarball writes a sosreport tarball of n proc/PID/stack members.
func stackTarball(tb testing.TB, n int) string {
	tb.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	add := func(name string, data []byte) {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(data)), Typeflag: tar.TypeReg}); err != nil {
			tb.Fatal(err)
		}
		tw.Write(data)
	}
	tw.WriteHeader(&tar.Header{Name: "sosreport-x/sos_commands/", Mode: 0o755, Typeflag: tar.TypeDir})
	add("sosreport-x/sos_commands/kernel/uname_-a", []byte("Linux x 6.18\n"))
	for i := range n {
		st := []byte(readWaiter)
		if i == 0 {
			st = []byte(fuseHolder)
		}
		add(fmt.Sprintf("sosreport-x/proc/%d/stack", 101+i), st)
	}
	if err := tw.Close(); err != nil {
		tb.Fatal(err)
	}
	zw.Close()
	path := filepath.Join(tb.TempDir(), fmt.Sprintf("sos-%d.tar.gz", n))
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		tb.Fatal(err)
	}
	return path
}

// BenchmarkBundleMembers reads tarballs of 2,000 and 8,000 stack files
// into one host (expansion, extraction, detection and parsing; not the
// lock inference): the time per member must not grow with the number of
// members. Compare the ns/member of the two sizes in one run.
func BenchmarkBundleMembers(b *testing.B) {
	for _, n := range []int{2000, 8000} {
		path := stackTarball(b, n)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			e := newEnv(nil, io.Discard, io.Discard)
			e.maxLine, e.maxExtract = 64<<20, 1<<30
			for b.Loop() {
				h := correlate.HostInput{}
				if err := e.readLockFile(context.Background(), path, detect.Unknown, false, &h); err != nil {
					b.Fatal(err)
				}
				if len(h.Seen) != n {
					b.Fatalf("%d tasks, want %d", len(h.Seen), n)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/member")
		})
	}
}
