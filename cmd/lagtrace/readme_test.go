package main

import (
	"bufio"
	"context"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// readmeExample is one ```console block of the README: a "$ lagtrace ..."
// line and the output it prints. A last line "..." means the output goes
// on and only the lines shown are checked.
type readmeExample struct {
	line    int
	args    []string
	want    []string
	partial bool
}

func readmeExamples(t *testing.T) []readmeExample {
	t.Helper()
	f, err := os.Open("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []readmeExample
	var cur *readmeExample
	in := false
	sc := bufio.NewScanner(f) // the README's lines are short
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		switch {
		case !in && line == "```console":
			in = true
		case in && line == "```":
			if cur != nil {
				out = append(out, *cur)
			}
			in, cur = false, nil
		case in && strings.HasPrefix(line, "$ lagtrace "):
			if cur != nil {
				out = append(out, *cur)
			}
			cur = &readmeExample{line: n, args: strings.Fields(strings.TrimPrefix(line, "$ lagtrace "))}
		case in && cur != nil && line == "...":
			cur.partial = true
		case in && cur != nil:
			cur.want = append(cur.want, line)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestReadmeExamples runs every example of the README against the files in
// the repository, so the documentation cannot drift from the tool.
func TestReadmeExamples(t *testing.T) {
	examples := readmeExamples(t)
	if len(examples) < 3 {
		t.Fatalf("found %d console examples in README.md, want at least 3", len(examples))
	}
	for _, ex := range examples {
		t.Run(strings.Join(ex.args[:1], " "), func(t *testing.T) {
			var stdout, stderr strings.Builder
			e := newEnv(strings.NewReader(""), &stdout, &stderr)
			e.isTTY = func() bool { return false }
			e.getenv = func(string) string { return "" }
			e.files = os.DirFS("../..") // README paths are relative to the repository
			if code := e.execute(context.Background(), ex.args); code != exitOK {
				t.Fatalf("README.md:%d: exit %d: %s", ex.line, code, stderr.String())
			}
			got := strings.Split(strings.TrimRight(stdout.String(), "\n"), "\n")
			for i := range got {
				got[i] = strings.TrimRight(got[i], " ")
			}
			if ex.partial && len(got) > len(ex.want) {
				got = got[:len(ex.want)]
			}
			if diff := cmp.Diff(ex.want, got); diff != "" {
				t.Errorf("README.md:%d: output differs (-README +actual):\n%s", ex.line, diff)
			}
		})
	}
}
