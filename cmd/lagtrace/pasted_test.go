package main

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/lagtrace/lagtrace/render"
)

// What a reader removed of a pasted trace, and an strace -c table read
// for what it is, are said on stderr by every command that reads strace.
func TestPastedStraceSaid(t *testing.T) {
	const quoted = "../../testdata/real/strace/507-fsdevel-fuse-readdir-double-quoted-two-listings.txt"
	const summary = "../../testdata/real/strace/521-github-dotnet-nfs-strace-c-comma-decimals.txt"
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"compare says the quoting of each host", []string{"compare", "B=" + quoted, "E=" + quoted},
			[]string{"507-fsdevel-fuse-readdir-double-quoted-two-listings.txt: read as pasted text: mail quoting ('>') removed from 27 lines"}},
		{"report says the quoting", []string{"report", "B=" + quoted},
			[]string{"read as pasted text: mail quoting ('>') removed from 27 lines"}},
		{"report says an strace -c table is no trace", []string{"report", "B=" + summary},
			[]string{"lagtrace: an strace -c summary table (14 rows, the first at ../../testdata/real/strace/521-github-dotnet-nfs-strace-c-comma-decimals.txt:13): counts and times per syscall, not calls"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, stderr, _ := runCLI(t, "", tt.args...)
			for _, w := range tt.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr does not say %q:\n%s", w, stderr)
				}
			}
		})
	}
}

// A pasted strace -c table is shown as strace counted it (strace/521, a
// dotnet issue: stat and lstat on NFS, decimal commas), never as calls.
func TestStraceCTable(t *testing.T) {
	const summary = "../../testdata/real/strace/521-github-dotnet-nfs-strace-c-comma-decimals.txt"
	doc := reportDoc(t, "B="+summary)
	h := doc.Hosts[0]
	if len(h.Tables) != 14 || h.TablesMore != 0 {
		t.Fatalf("%d rows (%d more), want 14", len(h.Tables), h.TablesMore)
	}
	want := render.ReportTableRow{Name: "stat", Calls: 52799, Errors: 77, Seconds: 2.963972, Source: summary + ":15"}
	if diff := cmp.Diff(want, h.Tables[0]); diff != "" {
		t.Errorf("first row (-want +got):\n%s", diff)
	}
	if h.Calls != 0 || len(h.Syscalls) != 0 {
		t.Errorf("the table's rows were counted as %d calls: %+v", h.Calls, h.Syscalls)
	}
	out, _, _ := runCLI(t, "", "report", "B="+summary)
	if !strings.Contains(out, "strace -c tables, as strace counted") || !strings.Contains(out, "52799") {
		t.Errorf("the text report does not show the table:\n%s", out)
	}
}

// Two hosts' strace -c tables are set side by side by strace's time a
// call: strace/521 (stat-heavy dotnet on NFS) against a local ls -l
// captured here (testdata/strace/c).
func TestStraceCTablesSideBySide(t *testing.T) {
	doc := reportDoc(t, "B=../../testdata/real/strace/521-github-dotnet-nfs-strace-c-comma-decimals.txt", "E=../../testdata/strace/c/ls-l-usr-lib.strace-c")
	var got *render.ReportSyscallCompare
	for i, s := range doc.Syscalls {
		if s.Name == "getdents64" {
			got = &doc.Syscalls[i]
		}
	}
	if got == nil {
		t.Fatalf("getdents64 not compared: %+v", doc.Syscalls)
	}
	ratio := 6.1782 // 2.323 ms / 4 calls against 0.188 ms / 2 calls
	want := render.ReportSyscallCompare{Name: "getdents64", From: "strace -c", Reference: "E", Hosts: []render.ReportSyscallSide{
		{Host: "E", Count: 2, Timed: 2, PerCallS: 0.000094, Ratio: ptr(1.0)},
		{Host: "B", Count: 4, Timed: 4, PerCallS: 0.00058075, Ratio: &ratio},
	}}
	if diff := cmp.Diff(want, *got); diff != "" {
		t.Errorf("getdents64 (-want +got):\n%s", diff)
	}
}

func ptr[T any](v T) *T { return &v }

// demo --redact hides what report --redact hides: the sample's paths,
// marker names and commands.
func TestDemoRedact(t *testing.T) {
	for _, format := range []string{"text", "markdown", "json"} {
		out, stderr, code := runCLI(t, "", "demo", "--redact", "-f", format)
		if code != exitOK {
			t.Fatalf("%s: exit %d: %s", format, code, stderr)
		}
		for _, secret := range []string{"/var/tmp/lagtrace-dirs", "seed-B", "nU2BlPA3xoSfYaPLVs1DqiZU4ANOtV", "rsync:"} {
			if strings.Contains(out, secret) {
				t.Errorf("%s output shows %q", format, secret)
			}
		}
	}
}
