package main

import (
	"embed"
	"io/fs"
	"slices"
	"strings"

	"github.com/lagtrace/lagtrace/correlate"
	"github.com/spf13/cobra"
)

// demoFiles are the sample incidents, copies of fixtures under testdata/
// (testdata/README.md says where each was captured).
//
//go:embed demo
var demoFiles embed.FS

// incident is one embedded sample and the report settings that explain it.
type incident struct {
	name                   string
	baseline, time, origin string
	files                  []string // LABEL=FILE, inside demo/
}

var incidents = []incident{
	{
		// The seed's own table is in entry stamps from its first marker.
		name: "seed", baseline: "E", time: "entry", origin: "marker:nU2BlPA3xoSfYaPLVs1DqiZU4ANOtV",
		files: []string{"B=seed/B.strace.gz", "B=seed/crash.txt", "B=seed/dmesg.txt", "E=seed/E.strace.gz"},
	},
	{
		// Captured on kernel 6.18: a FUSE create stalls holding the
		// directory lock while B lists the directory (testdata/bundle).
		name: "fuse", baseline: "E",
		files: []string{"B=fuse/B.strace.gz", "B=fuse/B.dmesg.txt", "B=fuse/B.stacks.txt", "E=fuse/E.strace.gz"},
	},
}

func (e *env) demoCommand() *cobra.Command {
	var o reportOptions
	var name string
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run the full report on an embedded sample incident",
		Long: `demo runs lagtrace report on a sample incident shipped inside the binary,
so it needs no files and no network. The seed incident: rsync tasks hung
in D state on an NFS directory of a million files (kernel 4.19); straces of
a slow host B and a healthy host E, B's crash transcript and its dmesg.
The fuse incident (--incident fuse), captured on kernel 6.18: a stalled
FUSE create holds a directory's lock while B lists it; straces of B and E,
B's dmesg with the kernel's blocker lines and its /proc/PID/stack samples.`,
		Args: cobra.NoArgs,
		RunE: runE(func(cmd *cobra.Command, _ []string) error {
			i := slices.IndexFunc(incidents, func(in incident) bool { return in.name == name })
			if i < 0 {
				var names []string
				for _, in := range incidents {
					names = append(names, in.name)
				}
				return usagef("--incident %q: want one of %s", name, strings.Join(names, ", "))
			}
			in := incidents[i]
			sub, err := fs.Sub(demoFiles, "demo")
			if err != nil {
				return err
			}
			d := *e
			d.files = sub
			o.baseline, o.time, o.origin = in.baseline, in.time, in.origin
			o.rows, o.sample = 10, correlate.DefaultSampleSize
			return d.runReport(cmd.Context(), o, in.files)
		}),
	}
	f := cmd.Flags()
	var names []string
	for _, in := range incidents {
		names = append(names, in.name)
	}
	enumFlag(cmd, f, &name, "incident", "", "seed", names, nil, "which sample incident to report")
	formatFlag(cmd, &o.format)
	f.StringVarP(&o.output, "output", "o", "", "write to `FILE` instead of standard output")
	plotFlags(cmd, &o.plot, &o.plotScale)
	f.BoolVar(&o.redact, "redact", false, "replace host labels, file names, paths, marker and command names with placeholders, as report --redact does")
	return cmd
}
