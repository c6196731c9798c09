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
	// Color enables ANSI styling in the text format; the CLI sets it only
	// when stdout is a terminal and NO_COLOR is unset.
	Color bool
}
