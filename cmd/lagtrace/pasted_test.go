package main

import (
	"strings"
	"testing"
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
