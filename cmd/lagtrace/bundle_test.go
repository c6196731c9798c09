package main

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

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
