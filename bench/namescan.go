//go:build ignore

// Namescan is the floor bench/compare.sh measures lagtrace compare
// against: the least a program can do and still answer from the same
// traces. It reads each file (one goroutine per file, as compare reads one
// host per core), finds the getdents64 lines, takes every d_name="..."
// and hashes it (it knows only names are quoted in a dirent array), and prints how many names it saw and a checksum (of this
// run only: the hash seed is random). It
// knows nothing of other layouts, unfinished calls, escapes or time.
//
//	go build -o bench/out/namescan bench/namescan.go
//	bench/out/namescan B.strace E.strace
package main

import (
	"bufio"
	"bytes"
	"fmt"
	"hash/maphash"
	"os"
	"sync"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: namescan FILE...")
		os.Exit(2)
	}
	files := os.Args[1:]
	names := make([]int, len(files))
	sums := make([]uint64, len(files))
	errs := make([]error, len(files))
	var wg sync.WaitGroup
	for i, f := range files {
		wg.Go(func() { names[i], sums[i], errs[i] = scan(f) })
	}
	wg.Wait()
	for i, f := range files {
		if errs[i] != nil {
			fmt.Fprintln(os.Stderr, "namescan:", errs[i])
			os.Exit(1)
		}
		fmt.Printf("%s: %d names, checksum %016x\n", f, names[i], sums[i])
	}
}

func scan(path string) (int, uint64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 1<<20)
	var long []byte
	n, sum := 0, uint64(0)
	key := []byte(`d_name="`)
	for {
		line, err := br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			long = append(long[:0], line...)
			for err == bufio.ErrBufferFull {
				line, err = br.ReadSlice('\n')
				long = append(long, line...)
			}
			line = long
		}
		if bytes.Contains(line[:min(len(line), 64)], []byte("getdents64(")) {
			// Only names are quoted in a dirent array: after the first
			// d_name=", quotes alternate between the ends of names.
			if i := bytes.Index(line, key); i >= 0 {
				line = line[i+len(key):]
				for {
					j := bytes.IndexByte(line, '"')
					if j < 0 {
						break
					}
					sum += hash(line[:j])
					n++
					line = line[j+1:]
					k := bytes.IndexByte(line, '"')
					if k < 0 {
						break
					}
					line = line[k+1:]
				}
			}
		}
		if err != nil {
			break
		}
	}
	return n, sum, nil
}

// seed makes hash deterministic within a run; the checksum only shows
// that every name was read, it is not compared across runs.
var seed = maphash.MakeSeed()

// hash is the standard library's fastest: the floor hashes each name
// once, as lagtrace does.
func hash(b []byte) uint64 { return maphash.Bytes(seed, b) }
