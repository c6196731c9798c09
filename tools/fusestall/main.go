// Command fusestall mounts a tiny FUSE file system built to reproduce a
// directory i_rwsem pile-up on demand, so that lagtrace fixtures can be
// captured from a real kernel instead of being written by hand.
//
// The file system has one directory, dir, holding N empty files whose
// 30-character names are drawn from a seeded generator: two mounts with the
// same -seed and -files list the same names, which is what lets a slow run
// and a healthy run be compared filename by filename.
//
// Two knobs make it slow:
//
//   - Looking up a name that starts with "stall" (as open(O_CREAT) does
//     before CREATE) does not answer until released. The kernel holds the
//     directory's i_rwsem exclusively across that lookup, so every other
//     lookup or readdir of dir queues behind it. Release with SIGUSR1, by
//     looking up the file "release" at the mount root (stat MNT/release),
//     or wait for -stall-timeout.
//   - -readdir-delay sleeps before every READDIR/READDIRPLUS reply.
//
// SIGINT or SIGTERM releases every stall and unmounts. See README.md for
// the capture recipes.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/hanwen/go-fuse/v2/fuse"
)

func main() {
	var (
		files        = flag.Int("files", 10000, "number of files in dir")
		seed         = flag.Uint64("seed", 1, "seed of the file name generator")
		readdirDelay = flag.Duration("readdir-delay", 0, "sleep before each READDIR reply")
		stallTimeout = flag.Duration("stall-timeout", 3*time.Minute, "longest a stalled lookup waits for release")
		list         = flag.Bool("list", false, "print the file names and exit, without mounting")
		debug        = flag.Bool("debug", false, "log every FUSE request")
	)
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: fusestall [flags] MOUNTPOINT\n")
		flag.PrintDefaults()
	}
	flag.Parse()

	names := Names(*seed, *files)
	if *list {
		fmt.Println(strings.Join(names, "\n"))
		return
	}
	if flag.NArg() != 1 || *files < 0 {
		flag.Usage()
		os.Exit(2)
	}

	fsys := newFS(names, *readdirDelay, *stallTimeout)
	srv, err := fuse.NewServer(fsys, flag.Arg(0), &fuse.MountOptions{
		FsName: "fusestall",
		Name:   "fusestall",
		// We run as root and Debian's fuse3 package may be absent:
		// mount(2) directly instead of through fusermount.
		DirectMount: true,
		Debug:       *debug,
	})
	if err != nil {
		log.Fatalf("fusestall: mount %s: %v", flag.Arg(0), err)
	}

	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGUSR1, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		for sig := range sigs {
			fsys.release()
			if sig == syscall.SIGUSR1 {
				log.Printf("fusestall: released stalled lookups")
				continue
			}
			// Unmount fails while a caller still sits in the
			// directory; keep trying so a second signal is not
			// needed.
			for srv.Unmount() != nil {
				time.Sleep(200 * time.Millisecond)
			}
		}
	}()

	log.Printf("fusestall: %d files under %s/dir, readdir delay %v", len(names), flag.Arg(0), *readdirDelay)
	srv.Serve()
}
