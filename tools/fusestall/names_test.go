package main

import (
	"strings"
	"testing"
)

func TestNames(t *testing.T) {
	a, b := Names(1, 5000), Names(1, 5000)
	if len(a) != 5000 {
		t.Fatalf("Names(1, 5000) returned %d names", len(a))
	}
	seen := make(map[string]bool, len(a))
	for i, n := range a {
		if n != b[i] {
			t.Fatalf("name %d differs between two calls with one seed: %q, %q", i, n, b[i])
		}
		if len(n) != nameLen || strings.Trim(n, alphabet) != "" {
			t.Errorf("name %d = %q: want %d characters of [A-Za-z0-9]", i, n, nameLen)
		}
		if strings.HasPrefix(n, "stall") {
			t.Errorf("name %d = %q would stall", i, n)
		}
		if seen[n] {
			t.Errorf("name %d = %q repeats", i, n)
		}
		seen[n] = true
	}
	if c := Names(2, 1); c[0] == a[0] {
		t.Errorf("seeds 1 and 2 both start with %q", c[0])
	}
	// A shorter list is a prefix of a longer one, so fixtures made with
	// different -files still share their first names.
	if s := Names(1, 10); s[9] != a[9] {
		t.Errorf("Names(1, 10)[9] = %q, want %q", s[9], a[9])
	}
}
