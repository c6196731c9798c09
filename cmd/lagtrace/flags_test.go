package main

import "flag"

// update rewrites golden files: go test ./cmd/lagtrace -update
var update = flag.Bool("update", false, "rewrite golden files under testdata/")
