package bundle

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/lagtrace/lagtrace/internal/input"
)

// extracted sums the bytes under dir.
func extracted(t *testing.T, dir string) int64 {
	t.Helper()
	var n int64
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if info, err := d.Info(); err == nil {
				n += info.Size()
			}
		}
		return nil
	})
	return n
}

// A 5 KB archive whose var/log/messages is a 4 GiB sparse file (GNU tar
// --sparse, PAX and old GNU formats): the hole is never expanded, the
// member and the archive's links are listed as left out, and the rest is
// read.
func TestExpandSparseAndLinks(t *testing.T) {
	for _, f := range []string{"sosreport-vm-sparse-pax.tar.gz", "sosreport-vm-sparse-gnu.tar.gz"} {
		t.Run(f, func(t *testing.T) {
			tmp := withTmp(t)
			arg := td + "/sosreport/" + f
			b, err := Expand(context.Background(), arg, nil, Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer b.Close()
			if n := extracted(t, tmp); n > 1<<20 {
				t.Errorf("%d bytes extracted for a 5 KB archive", n)
			}
			want := []got{{Name: arg + ":proc/8369/stack", PID: 8369, Kind: Stack, Size: 185, From: "procstack/8369.stack"}}
			if diff := cmp.Diff(want, view(t, b, fixtures)); diff != "" {
				t.Errorf("Sources (-want +got):\n%s", diff)
			}
			wantSkips := prefixedSkips(arg+":", []Skip{
				{Name: "sos_commands/kernel/uname_-a", Reason: reasonUnknown},
				{Name: "var/log/kern.log", Reason: reasonSymlink},
				{Name: "var/log/messages", Reason: reasonSparse},
				{Name: "var/log/syslog", Reason: reasonHardlink},
			})
			if diff := cmp.Diff(wantSkips, b.Skipped); diff != "" {
				t.Errorf("Skipped (-want +got):\n%s", diff)
			}
		})
	}
}

// newlines is an archive member of n bytes of "\n", generated as it is
// read.
type newlines struct{ n int64 }

func (r *newlines) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, io.EOF
	}
	k := int(min(int64(len(p)), r.n))
	for i := range p[:k] {
		p[i] = '\n'
	}
	r.n -= int64(k)
	return k, nil
}

// streamTar writes a sosreport tarball with one big var/log/messages to a
// pipe, so that no test input is ever on disk.
func streamTar(t *testing.T, size int64) io.Reader {
	pr, pw := io.Pipe()
	go func() {
		tw := tar.NewWriter(pw)
		tw.WriteHeader(&tar.Header{Name: "sosreport-x/sos_commands/", Typeflag: tar.TypeDir, Mode: 0o755})
		tw.WriteHeader(&tar.Header{Name: "sosreport-x/var/log/messages", Typeflag: tar.TypeReg, Mode: 0o644, Size: size})
		if _, err := io.Copy(tw, &newlines{size}); err != nil {
			pw.CloseWithError(err)
			return
		}
		pw.CloseWithError(tw.Close())
	}()
	return pr
}

// An archive holding more than MaxExtract bytes of logs stops with an
// error once the limit is reached, and leaves nothing behind.
func TestExpandMaxExtract(t *testing.T) {
	withTmp(t)
	r := streamTar(t, 64<<20)
	_, err := Expand(context.Background(), "-", r, Options{MaxExtract: 8 << 20})
	if !errors.Is(err, ErrTooBig) || !strings.Contains(err.Error(), "var/log/messages") || !strings.Contains(err.Error(), "8MiB") {
		t.Errorf("err = %v; want ErrTooBig naming the member and the limit", err)
	}
	io.Copy(io.Discard, r)
	// Within the limit it is read.
	b, err := Expand(context.Background(), "-", streamTar(t, 4<<20), Options{MaxExtract: 8 << 20})
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Sources) != 1 || b.Sources[0].Size != 4<<20 {
		t.Errorf("Sources = %+v; want var/log/messages of 4 MiB", b.Sources)
	}
	b.Close()
}

// cancelAfter cancels a context once n bytes have been read through it.
type cancelAfter struct {
	r      io.Reader
	n      int64
	cancel func()
}

func (c *cancelAfter) Read(p []byte) (int, error) {
	k, err := c.r.Read(p)
	if c.n -= int64(k); c.n <= 0 {
		c.cancel()
	}
	return k, err
}

// An interrupt during extraction stops the read and removes the
// temporary directory.
func TestExpandCancelled(t *testing.T) {
	withTmp(t)
	ctx, cancel := context.WithCancel(context.Background())
	r := streamTar(t, 64<<20)
	_, err := Expand(ctx, "-", &cancelAfter{r: r, n: 4 << 20, cancel: cancel}, Options{})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v; want context.Canceled", err)
	}
	io.Copy(io.Discard, r)
}

// The PID of a stack comes from its member path, whatever the archive's
// top directory; a thread's stack is its TID's.
func TestExpandStackPIDs(t *testing.T) {
	withTmp(t)
	data := tarOf(t, "sosreport-x/sos_commands/kernel/uname_-a", "sosreport-x/proc/101/stack",
		"sosreport-x/proc/202/stack", "sosreport-x/proc/303/task/304/stack", "proc/404/stack")
	b, err := Expand(context.Background(), writeFile(t, "s.tar", data), nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	var pids []int
	for _, s := range b.Sources {
		pids = append(pids, s.PID)
	}
	if diff := cmp.Diff([]int{101, 202, 304, 404}, pids); diff != "" {
		t.Errorf("PIDs (-want +got):\n%s", diff)
	}
}

// Thousands of files left out for one reason are summarised: a few are
// named, the rest counted.
func TestExpandSummarisesLeftOut(t *testing.T) {
	withTmp(t)
	members := []string{"sosreport-x/sos_commands/kernel/uname_-a", "sosreport-x/proc/1/stack"}
	for i := range 5000 {
		members = append(members, fmt.Sprintf("sosreport-x/sos_commands/process/ps_%d", i))
	}
	b, err := Expand(context.Background(), writeFile(t, "s.tar", tarOf(t, members...)), nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if len(b.Skipped) != listed(reasonUnknown) || b.Skipped[len(b.Skipped)-1].More != 5001-listed(reasonUnknown) {
		t.Errorf("Skipped = %+v; want %d named and %d more", b.Skipped, listed(reasonUnknown), 5001-listed(reasonUnknown))
	}
	total := 0
	for _, s := range b.Skipped {
		total += 1 + s.More
	}
	if total != 5001 {
		t.Errorf("Skipped accounts for %d files, want 5001", total)
	}
}

// BenchmarkExpandMembers expands tarballs of 2,000 and 8,000 stack files:
// the ns/member of the two, in one run, must be alike.
func BenchmarkExpandMembers(b *testing.B) {
	for _, n := range []int{2000, 8000} {
		members := []string{"sosreport-x/sos_commands/kernel/uname_-a"}
		for i := range n {
			members = append(members, fmt.Sprintf("sosreport-x/proc/%d/stack", 100+i))
		}
		data := tarOf(b, members...)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			for b.Loop() {
				bd, err := Expand(context.Background(), "-", bytes.NewReader(data), Options{})
				if err != nil {
					b.Fatal(err)
				}
				bd.Close()
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/member")
		})
	}
}

// FuzzExpand feeds arbitrary bytes as a tarball on standard input: Expand
// must not panic, must fail or give Sources that can be read, and must
// leave nothing in the temporary directory once closed. xz input is left
// to its decoder's own tests: every block of a mutated stream makes it
// allocate and clear a dictionary of 8 MiB or more, which makes the
// fuzzer crawl without testing lagtrace (the first block's dictionary is
// bounded by input.MaxWindow).
func FuzzExpand(f *testing.F) {
	for _, p := range []string{td + "/sosreport/sosreport-vm-sparse-pax.tar.gz", td + "/sosreport/sosreport-vm-sparse-gnu.tar.gz"} {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add(tarDir(f, sosDir, "sosreport-x"))
	f.Add(tarOf(f, "sosreport-x/sos_commands/kernel/dmesg", "sosreport-x/proc/1/stack", "../evil", "sosreport-x/var/log/messages"))
	tmp := f.TempDir()
	f.Setenv("TMPDIR", tmp)
	f.Fuzz(func(t *testing.T, data []byte) {
		if input.Magic(data) == input.XZ {
			t.Skip()
		}
		b, err := Expand(context.Background(), "-", bytes.NewReader(data), Options{MaxExtract: 1 << 20})
		if err == nil {
			for _, s := range b.Sources {
				rc, err := s.Open()
				if err != nil {
					continue // a member that is not valid gzip, say
				}
				io.Copy(io.Discard, io.LimitReader(rc, 1<<22))
				rc.Close()
			}
			b.Close()
		}
		if ents, _ := os.ReadDir(tmp); len(ents) > 0 {
			t.Fatalf("left in the temp dir: %v (err %v)", ents, err)
		}
	})
}
