package main

import (
	"encoding/json"
	"html"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/lagtrace/lagtrace/render"
)

// The hostile corpus (testdata/hostile, made by its capture.sh): real
// straces of a listing whose directory, file names, command and
// environment hold what must not leave the customer, and kernel captures
// with hostile command names.
const hostile = "../../testdata/hostile/"

// secrets are the strings of the hostile corpus that --redact must
// remove from every output, whatever their length or spelling.
var secrets = []string{
	// host labels and input files
	"web01", "db-02", "testdata/hostile", "slow.strace", "healthy.strace", "dmesg.txt", "stacks.txt", "crash.txt",
	// the listed directory and the paths of the trace
	"/var/tmp/lagtrace-hostile", "Q&A plan", "John's dir", "/usr/bin/sh", "/dev/null",
	// file names used as markers
	"Q&A_plan|v2", "John's", "del\x7fx", "zq", "qx",
	// what execve and write carried
	"s3cret", "PGPASSWORD", "AKIA1234SECRET", "token=",
	// command names: the lister (also derived from its execve path), the
	// kernel's tasks, crash's tasks, and short ones
	"l&s|'q", "t|o&'ch\x7f", "rs&y|nc", "ls", "sh",
}

// spellings are the ways a sink may write s: raw, terminal-escaped,
// Markdown-escaped (in a cell and in a code span), XML-escaped (SVG),
// JSON-escaped (with and without HTML escaping), Go-quoted, and as strace
// prints it (DEL as \177).
func spellings(s string) []string {
	t := render.Terminal(s)
	js, _ := json.Marshal(s)
	out := []string{s, t, render.MarkdownCell(s), strings.ReplaceAll(t, "|", `\|`), html.EscapeString(t),
		strings.ReplaceAll(html.EscapeString(t), "&#39;", "&#x27;"), strings.Trim(string(js), `"`), jsonNoHTML(s),
		strings.Trim(strconv.Quote(s), `"`), strings.ReplaceAll(s, "\x7f", `\177`)}
	return out
}

func jsonNoHTML(s string) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(s)
	return strings.Trim(strings.TrimSpace(b.String()), `"`)
}

// found reports where s, in any spelling, is in out. Strings shorter than
// four bytes count only as whole words, or "ls" would be found in "calls".
func found(out, s string) (string, bool) {
	for _, sp := range spellings(s) {
		if len(sp) >= 4 {
			if i := strings.Index(out, sp); i >= 0 {
				return out[max(0, i-30):min(len(out), i+len(sp)+30)], true
			}
			continue
		}
		re := regexp.MustCompile(`(^|[^A-Za-z0-9_])` + regexp.QuoteMeta(sp) + `($|[^A-Za-z0-9_])`)
		if loc := re.FindStringIndex(out); loc != nil {
			return out[max(0, loc[0]-30):min(len(out), loc[1]+30)], true
		}
	}
	return "", false
}

// redactRuns are every command with --redact, in every format; report
// and compare also write their SVG plots.
func redactRuns(t *testing.T, redact bool) map[string]string {
	t.Helper()
	h := func(f string) string { return hostile + f }
	markers := []string{"--marker", "Q&A_plan|v2", "--marker", "John's", "--marker", "del\x7fx", "--marker", "zq", "--marker", "qx"}
	cmds := map[string][]string{
		"compare": append(append([]string{"compare", "--baseline", "db-02"}, markers...), "web01="+h("slow.strace"), "db-02="+h("healthy.strace")),
		"locks":   {"locks", h("dmesg.txt"), h("stacks.txt"), h("crash.txt")},
		"report": append(append([]string{"report", "--baseline", "db-02"}, markers...), "web01="+h("slow.strace"), "web01="+h("dmesg.txt"),
			"web01="+h("stacks.txt"), "web01="+h("crash.txt"), "db-02="+h("healthy.strace")),
	}
	outs := map[string]string{}
	for name, args := range cmds {
		for _, f := range []string{"text", "markdown", "json"} {
			a := append([]string{args[0], "-f", f}, args[1:]...)
			if redact {
				a = append([]string{a[0], "--redact"}, a[1:]...)
			}
			svg := ""
			if name == "report" || name == "compare" {
				svg = filepath.Join(t.TempDir(), "plot.svg")
				a = append([]string{a[0], "--plot", svg}, a[1:]...)
			}
			out, stderr, code := runCLI(t, "", a...)
			if code != exitOK {
				t.Fatalf("%s: exit %d: %s", strings.Join(a, " "), code, stderr)
			}
			outs[name+"/"+f] = out
			if svg != "" {
				b, err := os.ReadFile(svg)
				if err != nil {
					t.Fatal(err)
				}
				outs[name+"/"+f+"/svg"] = string(b)
			}
		}
	}
	return outs
}

// --redact leaves none of the corpus's strings in any output of any
// command, in any spelling; and the same runs without --redact show every
// one of them somewhere, so the test can fail.
func TestRedactLeavesNothing(t *testing.T) {
	plain := redactRuns(t, false)
	for _, s := range secrets {
		seen := false
		for _, out := range plain {
			if _, ok := found(out, s); ok {
				seen = true
				break
			}
		}
		if !seen {
			t.Errorf("%q is in no output even without --redact: the corpus no longer tests it", s)
		}
	}
	for name, out := range redactRuns(t, true) {
		for _, s := range secrets {
			if ctx, ok := found(out, s); ok {
				t.Errorf("%s --redact shows %q: ...%s...", name, s, ctx)
			}
		}
	}
}

// What --redact keeps: the findings, with placeholders where names were.
func TestRedactKeepsFindings(t *testing.T) {
	outs := redactRuns(t, true)
	for name, want := range map[string][]string{
		"compare/text": {"host1 listed path", "slower than host2", "name1"},
		"locks/text":   {"12742", "holds the dir i_rwsem", "comm", "input1:"},
		"report/json":  {`"label": "host1"`, "12742", `"name": "execve"`, `[...]`},
	} {
		for _, w := range want {
			if !strings.Contains(outs[name], w) {
				t.Errorf("%s --redact lacks %q:\n%s", name, w, outs[name])
			}
		}
	}
	// Every marker row is a placeholder, those the user named and those
	// sampled from the listing alike.
	var doc struct {
		Compare struct {
			Rows []struct{ Name string } `json:"markers"`
		} `json:"compare"`
	}
	if err := json.Unmarshal([]byte(outs["report/json"]), &doc); err != nil {
		t.Fatal(err)
	}
	for _, r := range doc.Compare.Rows {
		if !regexp.MustCompile(`^(name|comm|str|path|host|input)\d+$`).MatchString(r.Name) {
			t.Errorf("marker row %q is not a placeholder", r.Name)
		}
	}
	if len(doc.Compare.Rows) == 0 {
		t.Error("no marker rows in the redacted report")
	}
}
