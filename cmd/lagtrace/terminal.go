package main

import (
	"strconv"
	"strings"

	"github.com/lagtrace/lagtrace/render"
)

// outputFlags are the root's flags on how text output looks.
type outputFlags struct {
	color string // auto, always or never
	width int    // 0: the terminal's, or render.DefaultWidth
	wide  bool
}

// toFile reports whether output goes to a file rather than stdout.
func toFile(output string) bool { return output != "" && output != "-" }

// colorOn decides styling. --color always or never wins; auto styles
// only standard output on a terminal, never with NO_COLOR set (to
// anything, https://no-color.org), always with CLICOLOR_FORCE set and not
// 0, and never on TERM=dumb.
func (e *env) colorOn(output string) bool {
	switch e.out.color {
	case "always":
		return true
	case "never":
		return false
	}
	switch {
	case toFile(output), e.getenv("NO_COLOR") != "":
		return false
	case e.getenv("CLICOLOR_FORCE") != "" && e.getenv("CLICOLOR_FORCE") != "0":
		return true
	case e.getenv("TERM") == "dumb":
		return false
	}
	return e.isTTY()
}

// width is the text width: --width, else the terminal's (its size, then
// COLUMNS) when standard output is one, else render.DefaultWidth. Prose
// is capped at render.MaxProseWidth by the renderer.
func (e *env) width(output string) int {
	switch {
	case e.out.width > 0:
		return e.out.width
	case toFile(output) || !e.isTTY():
		return render.DefaultWidth
	}
	if w := e.termWidth(); w > 0 {
		return w
	}
	if w, err := strconv.Atoi(strings.TrimSpace(e.getenv("COLUMNS"))); err == nil && w > 0 {
		return w
	}
	return render.DefaultWidth
}

// renderOptions are the text format's settings for output to output.
func (e *env) renderOptions(output string) render.Options {
	return render.Options{
		Color:   e.colorOn(output),
		Width:   e.width(output),
		Wide:    e.out.wide,
		Sources: e.sources.list(),
	}
}
