package render

import "fmt"

// Format is an output format the CLI offers.
type Format string

// The output formats.
const (
	Text     Format = "text"
	Markdown Format = "markdown"
	JSON     Format = "json"
)

// ParseFormat accepts the --format values, with "md" for Markdown.
func ParseFormat(s string) (Format, error) {
	switch s {
	case "text", "":
		return Text, nil
	case "markdown", "md":
		return Markdown, nil
	case "json":
		return JSON, nil
	}
	return "", fmt.Errorf("unknown format %q (want text, markdown or json)", s)
}

// Options are shared by every renderer.
type Options struct {
	// Color enables ANSI styling in the text format; the CLI decides it
	// from --color, the terminal and NO_COLOR, CLICOLOR_FORCE and TERM.
	Color bool
	// Width is the text format's line width in terminal columns: tables
	// are fitted to it and prose wraps at it, up to MaxProseWidth. Zero
	// means DefaultWidth.
	Width int
	// Wide shows tables whole, as wide as their cells make them, with
	// full source paths and every column.
	Wide bool
	// Sources are the names of the inputs the output quotes (file names,
	// "sos.tar.xz:var/log/messages"): a table too wide for Width shows
	// them without their common directory, as the shortest trailing part
	// that still tells them apart.
	Sources []string
	// PlotScale is the time axis of the terminal chart, as of the SVG.
	PlotScale Scale
	// PlotLink is the path of the SVG plot, linked from Markdown.
	PlotLink string
}

// DefaultWidth is the text width when the output is no terminal.
const DefaultWidth = 100

// MaxProseWidth caps where paragraphs wrap however wide the terminal:
// longer lines are hard to read.
const MaxProseWidth = 120

// MinWidth is the narrowest layout drawn; a narrower terminal wraps it.
const MinWidth = 40

func (o Options) width() int {
	switch {
	case o.Width <= 0:
		return DefaultWidth
	case o.Width < MinWidth:
		return MinWidth
	}
	return o.Width
}

func (o Options) proseWidth() int { return min(o.width(), MaxProseWidth) }
