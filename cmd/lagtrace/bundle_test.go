package main

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/lagtrace/lagtrace/correlate/locks"
	"github.com/lagtrace/lagtrace/render"
)

const (
	sosDir     = "../../testdata/sosreport/sosreport-vm-lagtrace-2026-11-25-vxhufwz"
	sosTarball = "../../testdata/sosreport/sosreport-vm-lagtrace-2026-11-25-debian.tar.xz"
)

// A sosreport, as a directory or as the tarball the customer sends, is
// analysed end to end, and the user is told which files were read.
func TestSosreportEndToEnd(t *testing.T) {
	tests := []struct {
		name       string
		arg        string
		reads      []string // inner paths that must be named as read
		holder     int
		minWaiters int
	}{
		// Assembled from the 6.18 capture: touch 12742 holds, stat 12840
		// and 12842 wait (testdata/README.md, sosreport/).
		{"directory", sosDir, []string{"sos_commands/kernel/dmesg", "var/log/messages", "proc/8367/stack"}, 12742, 2},
		{"tarball", sosTarball, []string{"sos_commands/kernel/dmesg_-T", "var/log/kern.log.1", "proc/8369/stack"}, 0, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, stderr, code := runCLI(t, "", "locks", "-f", "json", tt.arg)
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			for _, r := range tt.reads {
				if !strings.Contains(stderr, r) {
					t.Errorf("stderr does not say %s was read:\n%s", r, stderr)
				}
			}
			var la locks.Analysis
			if err := json.Unmarshal([]byte(out), &la); err != nil {
				t.Fatal(err)
			}
			var all []locks.Lock
			for _, inc := range la.Incidents {
				all = append(all, inc.Locks...)
			}
			if len(all) == 0 {
				t.Fatalf("no lock found in %s", tt.arg)
			}
			l := all[0]
			for _, x := range all {
				if tt.holder != 0 && slices.Contains(x.Holders, tt.holder) {
					l = x
				}
			}
			if tt.holder != 0 && !slices.Contains(l.Holders, tt.holder) {
				t.Errorf("holders = %v, want %d", l.Holders, tt.holder)
			}
			if len(l.Waiters) < tt.minWaiters {
				t.Errorf("waiters = %v, want at least %d", l.Waiters, tt.minWaiters)
			}
		})
	}
}

// A directory of strace -ff files is one trace: the listing is found in
// whichever file holds it, under the PID its file name gives.
func TestStraceFFDirectory(t *testing.T) {
	out, stderr, code := runCLI(t, "", "compare", "-f", "json", "--baseline", "E",
		"E=../../testdata/strace/styles/y.strace", "F=../../testdata/strace/styles/ff")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stderr, "strace -ff output") || !strings.Contains(stderr, "out.10284") {
		t.Errorf("stderr does not say the -ff files were read:\n%s", stderr)
	}
	var doc render.CompareDoc
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	f := doc.Hosts[1]
	if f.Label != "F" || f.PID != 10284 || f.Entries != 3002 || !f.Complete {
		t.Errorf("F = %+v; want pid 10284 (from out.10284), 3002 entries, complete", f)
	}
}

// The PID of a stack in a bundle comes from its path, proc/PID/stack, in
// a tarball and in a sosreport directory read as ".".
func TestBundleStackPIDs(t *testing.T) {
	check := func(t *testing.T, out, stderr string, code int) {
		t.Helper()
		if code != exitOK {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		var la locks.Analysis
		if err := json.Unmarshal([]byte(out), &la); err != nil {
			t.Fatal(err)
		}
		if len(la.Incidents) != 1 || len(la.Incidents[0].Locks) != 1 {
			t.Fatalf("want one incident with one lock:\n%s", out)
		}
		l := la.Incidents[0].Locks[0]
		if diff := cmp.Diff([]int{101}, l.Holders); diff != "" {
			t.Errorf("holders (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]int{102, 103}, l.Waiters); diff != "" {
			t.Errorf("waiters (-want +got):\n%s", diff)
		}
	}
	t.Run("tarball", func(t *testing.T) {
		out, stderr, code := runCLI(t, "", "locks", "-f", "json", stackTarball(t, 3))
		check(t, out, stderr, code)
	})
	t.Run("directory", func(t *testing.T) {
		dir := t.TempDir()
		files := map[string]string{"sos_commands/kernel/uname_-a": "Linux x 6.18\n"}
		for pid, st := range map[int]string{101: fuseHolder, 102: readWaiter, 103: readWaiter} {
			files[fmt.Sprintf("proc/%d/stack", pid)] = st
		}
		for name, data := range files {
			p := filepath.Join(dir, name)
			os.MkdirAll(filepath.Dir(p), 0o755)
			if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		t.Chdir(dir)
		out, stderr, code := runCLI(t, "", "locks", "-f", "json", ".")
		check(t, out, stderr, code)
	})
}

// A bundle of hundreds of stacks is named in a short line, not one
// source per file.
func TestBundleReadingLineIsShort(t *testing.T) {
	_, stderr, code := runCLI(t, "", "locks", stackTarball(t, 500))
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	line, _, _ := strings.Cut(stderr, "\n")
	if !strings.Contains(line, "reading proc/101/stack, ") || !strings.HasSuffix(line, " and 490 more") || len(line) > 400 {
		t.Errorf("reading line %q; want ten names and \"and 490 more\"", line)
	}
}

// SIGINT or SIGTERM during the extraction of a tarball removes the
// temporary directory and exits 128+signal. The real binary is run: the
// tarball comes through a FIFO whose writer stops half-way, so lagtrace
// is inside the extraction when the signal comes.
func TestSignalRemovesTempDir(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "lagtrace")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			tmp := t.TempDir()
			fifo := filepath.Join(t.TempDir(), "sos.tar")
			if err := syscall.Mkfifo(fifo, 0o600); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(bin, "locks", fifo)
			cmd.Env = append(os.Environ(), "TMPDIR="+tmp)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			w, err := os.OpenFile(fifo, os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer w.Close()
			tw := tar.NewWriter(w)
			tw.WriteHeader(&tar.Header{Name: "sosreport-x/sos_commands/", Typeflag: tar.TypeDir, Mode: 0o755})
			tw.WriteHeader(&tar.Header{Name: "sosreport-x/var/log/messages", Typeflag: tar.TypeReg, Mode: 0o644, Size: 1 << 30})
			tw.Write(bytes.Repeat([]byte("Oct 11 06:07:26 h kernel: x\n"), 40000))
			// Wait until the member is being written to the temp dir.
			for extractedBytes(tmp) < 1<<20 {
				time.Sleep(10 * time.Millisecond)
			}
			cmd.Process.Signal(sig)
			err = cmd.Wait()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != 128+int(sig) {
				t.Errorf("exit %v; want %d", err, 128+int(sig))
			}
			if ents, _ := os.ReadDir(tmp); len(ents) > 0 {
				t.Errorf("left in the temp dir after %v: %v", sig, ents)
			}
			if !strings.Contains(stderr.String(), "interrupted") {
				t.Errorf("stderr %q does not say it was interrupted", stderr.String())
			}
		})
	}
}

func extractedBytes(dir string) int64 {
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
