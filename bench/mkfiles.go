//go:build ignore

// Mkfiles fills a directory with empty files named by 30 random characters
// from [A-Za-z0-9], the shape of the names in the seed incident
// ("nU2BlPA3xoSfYaPLVs1DqiZU4ANOtV"). The names come from a seeded
// generator, so the same -seed and -n give the same directory on every
// machine, and a healthy and a slowed capture of it share their markers.
//
//	go run bench/mkfiles.go -n 100000 -seed 1 /var/tmp/lagtrace-dirs/d100k
//
// One process creating files is far faster than one touch per file; a
// directory that already holds n entries is left as it is.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
)

const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

func main() {
	n := flag.Int("n", 20000, "number of files")
	seed := flag.Uint64("seed", 1, "name generator seed")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: go run bench/mkfiles.go [-n N] [-seed S] DIR")
		os.Exit(2)
	}
	if err := fill(flag.Arg(0), *n, *seed); err != nil {
		fmt.Fprintln(os.Stderr, "mkfiles:", err)
		os.Exit(1)
	}
}

func fill(dir string, n int, seed uint64) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	have, err := d.Readdirnames(-1)
	d.Close()
	if err != nil {
		return err
	}
	if len(have) == n {
		return nil
	}
	if len(have) != 0 {
		return fmt.Errorf("%s holds %d entries, want 0 or %d", dir, len(have), n)
	}
	rng := rand.New(rand.NewPCG(seed, seed^0x6c61677472616365))
	name := make([]byte, 30)
	for made := 0; made < n; {
		for i := range name {
			name[i] = alphabet[rng.IntN(len(alphabet))]
		}
		f, err := os.OpenFile(filepath.Join(dir, string(name)), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
		if errors.Is(err, fs.ErrExist) {
			continue // a repeated name: draw another
		}
		if err != nil {
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
		made++
	}
	return nil
}
