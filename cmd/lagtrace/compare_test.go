package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/lagtrace/lagtrace/render"
)

const (
	mainB = "../../testdata/strace/main/B.strace.gz"
	mainE = "../../testdata/strace/main/E.strace.gz"
	seedB = "../../testdata/strace/seed/B.strace"
	seedE = "../../testdata/strace/seed/E.strace"
)

func TestCompareGoldens(t *testing.T) {
	tests := []struct {
		name string
		args []string
	}{
		{"compare/main.txt", []string{"compare", "--baseline", "E", "B=" + mainB, "E=" + mainE}},
		{"compare/main.md", []string{"compare", "--format", "markdown", "--baseline", "E", "B=" + mainB, "E=" + mainE}},
		{"compare/main.json", []string{"compare", "--format", "json", "--baseline", "E", "B=" + mainB, "E=" + mainE}},
		{"compare/seed.txt", []string{"compare", "--time", "entry", "--origin", "marker:nU2BlPA3xoSfYaPLVs1DqiZU4ANOtV", "--baseline", "E", "B=" + seedB, "E=" + seedE}},
		{"compare/seed.md", []string{"compare", "-f", "md", "--time", "entry", "--origin", "marker:nU2BlPA3xoSfYaPLVs1DqiZU4ANOtV", "--baseline", "E", "B=" + seedB, "E=" + seedE}},
		{"compare/seed.json", []string{"compare", "-f", "json", "--time", "entry", "--origin", "marker:nU2BlPA3xoSfYaPLVs1DqiZU4ANOtV", "--baseline", "E", "B=" + seedB, "E=" + seedE}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { goldenCLI(t, tt.name, tt.args...) })
	}
}

// The seed incident's table, computed by hand by the engineers, must come
// out of the tool unchanged.
func TestCompareSeedTable(t *testing.T) {
	out, stderr, code := runCLI(t, "", "compare", "-f", "json", "--time", "entry",
		"--origin", "marker:nU2BlPA3xoSfYaPLVs1DqiZU4ANOtV", "--baseline", "E", "B="+seedB, "E="+seedE)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var doc render.CompareDoc
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	type row struct {
		Name     string
		B, E     float64
		RatioFmt string
	}
	var got []row
	for _, m := range doc.Markers {
		got = append(got, row{m.Name, m.ElapsedS["B"], m.ElapsedS["E"], ratio(m.Ratio["B"])})
	}
	want := []row{
		{"nU2BlPA3xoSfYaPLVs1DqiZU4ANOtV", 0, 0, "0.00x"},
		{"Y348qeD3dxaeJOsyiTNON3qCtEE8yn", 86.767988, 1.377476, "62.99x"},
		{"xxwdIL00iCzXviXcoCaNCvrvIyAkeP", 195.267022, 2.736786, "71.35x"},
		{"L8mSFdfuAtzgWAp646sVy73uTMgbaH", 292.817393, 4.291569, "68.23x"},
		{"9wHPHGNObYKMRERIhHuRaKiZW9Jer4", 393.212603, 5.434096, "72.36x"},
		{"Z9Jj6YvkzMCt0lymymEtZhmIAFEDMH", 488.853578, 6.462838, "75.64x"},
		{"VLww0v31UJplVOvh1bYlQ2Wwz4OfiI", 510.579474, 6.577859, "77.62x"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("seed table (-want +got):\n%s", diff)
	}
	if f := doc.Slowdown["B"].Final; f == nil || ratio(*f) != "77.62x" {
		t.Errorf("final slowdown = %v, want 77.62x", doc.Slowdown["B"])
	}
}

// ratio formats as the engineers' table did: two decimals.
func ratio(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) + "x" }

func TestCompareErrors(t *testing.T) {
	dir := t.TempDir()
	notStrace := filepath.Join(dir, "photo.png")
	if err := os.WriteFile(notStrace, []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"one host", []string{"compare", "B=" + mainB}, exitUsage, "requires at least 2 arg"},
		{"bad format", []string{"compare", "-f", "xml", "B=" + mainB, "E=" + mainE}, exitUsage, `"xml" for "-f, --format" flag: want text, markdown or json`},
		{"bad time", []string{"compare", "--time", "exit", "B=" + mainB, "E=" + mainE}, exitUsage, "--time"},
		{"bad origin", []string{"compare", "--origin", "nU2", "B=" + mainB, "E=" + mainE}, exitUsage, "marker:NAME"},
		{"same label", []string{"compare", "B=" + mainB, "B=" + mainE}, exitUsage, `label "B" is given twice`},
		{"unknown baseline", []string{"compare", "--baseline", "X", "B=" + mainB, "E=" + mainE}, exitUsage, `--baseline "X"`},
		{"stdin twice", []string{"compare", "B=-", "E=-"}, exitUsage, "only once"},
		{"missing file", []string{"compare", "B=" + filepath.Join(dir, "nope"), "E=" + mainE}, exitInput, "no such file"},
		{"not strace", []string{"compare", "B=" + notStrace, "E=" + mainE}, exitInput, "photo.png:1: not strace output"},
		{"unknown origin marker", []string{"compare", "--origin", "marker:zzz", "B=" + mainB, "E=" + mainE}, exitInput, `origin marker "zzz"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, stderr, code := runCLI(t, "", tt.args...)
			if code != tt.code || !strings.Contains(stderr, tt.stderr) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", code, stderr, tt.code, tt.stderr)
			}
			if out != "" {
				t.Errorf("stdout = %q, want nothing on error", out)
			}
		})
	}
}

func TestCompareStdinAndOutputFile(t *testing.T) {
	seed, err := os.ReadFile(seedB)
	if err != nil {
		t.Fatal(err)
	}
	outFile := filepath.Join(t.TempDir(), "report.md")
	out, stderr, code := runCLI(t, string(seed), "compare", "-f", "markdown", "-o", outFile, "--baseline", "E", "B=-", "E="+seedE)
	if code != exitOK || out != "" {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, stderr)
	}
	md, err := os.ReadFile(outFile)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(md), "| marker |") {
		t.Errorf("markdown output lacks the marker table:\n%s", md)
	}
}
