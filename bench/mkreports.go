//go:build ignore

// Mkreports writes a kernel log of repeated hung-task reports, the shape of
// a log the detector filled for days: the real report rounds of a stall
// captured on this project's 6.18 VM (testdata/locks-incidents/dmesg.txt,
// run C: stat:4288 and stat:4312 blocked on a directory lock owned by
// ln:4250, with the blocker lines and the owner's dump), repeated -rounds
// times, every line's stamp moved on by 10 s a round, as the detector's
// checks are. With -distinct every round is other tasks (the PIDs shifted),
// a pile-up of many tasks instead of one long stall.
//
//	go run bench/mkreports.go -rounds 50000 >/tmp/reports.log
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"log"
	"os"
	"strconv"
)

func main() {
	rounds := flag.Int("rounds", 10000, "report rounds to write")
	distinct := flag.Bool("distinct", false, "give every round other PIDs")
	in := flag.String("in", "testdata/locks-incidents/dmesg.txt", "the captured log")
	flag.Parse()
	data, err := os.ReadFile(*in)
	if err != nil {
		log.Fatal(err)
	}
	round := lastRound(data)
	if len(round) == 0 {
		log.Fatalf("%s: no report round of ln:4250 found", *in)
	}
	w := bufio.NewWriterSize(os.Stdout, 1<<20)
	defer w.Flush()
	for r := range *rounds {
		shift := float64(r) * 10
		for _, l := range round {
			t, rest, ok := stamp(l)
			if !ok {
				continue
			}
			if *distinct {
				for _, pid := range []string{"4250", "4288", "4312"} {
					n, _ := strconv.Atoi(pid)
					rest = bytes.ReplaceAll(rest, []byte(pid), []byte(strconv.Itoa(n+10*(r+1))))
				}
			}
			fmt.Fprintf(w, "[%12.6f]%s\n", t+shift, rest)
		}
	}
}

// lastRound is the last round of reports of the run: the lines from the
// last "INFO: task stat:4288 blocked" to the end of the log.
func lastRound(data []byte) [][]byte {
	lines := bytes.Split(bytes.TrimRight(data, "\n"), []byte("\n"))
	start := -1
	for i, l := range lines {
		if bytes.Contains(l, []byte("INFO: task stat:4288 blocked for more than")) {
			start = i
		}
	}
	if start < 0 {
		return nil
	}
	return lines[start:]
}

// stamp splits "[ 4103.853814] msg" into the seconds and "] msg"'s rest.
func stamp(l []byte) (float64, []byte, bool) {
	if len(l) == 0 || l[0] != '[' {
		return 0, nil, false
	}
	e := bytes.IndexByte(l, ']')
	if e < 0 {
		return 0, nil, false
	}
	t, err := strconv.ParseFloat(string(bytes.TrimSpace(l[1:e])), 64)
	if err != nil {
		return 0, nil, false
	}
	return t, l[e+1:], true
}
