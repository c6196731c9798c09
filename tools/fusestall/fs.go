package main

import (
	"math/rand/v2"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/hanwen/go-fuse/v2/fuse"
)

const (
	rootIno = 1
	dirIno  = 2
	// firstFileIno is the inode of Names()[0]; created files follow the
	// generated ones.
	firstFileIno = 3

	nameLen  = 30
	alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

	// The kernel may cache positive entries; what must never be cached is
	// the negative lookup of a new name, or a waiter would not queue.
	entryTTL = time.Second
)

// Names returns n distinct file names of nameLen characters from alphabet,
// the same for the same seed.
func Names(seed uint64, n int) []string {
	r := rand.New(rand.NewPCG(seed, 0x66757365)) // "fuse"
	seen := make(map[string]bool, n)
	names := make([]string, 0, n)
	var b [nameLen]byte
	for len(names) < n {
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
		s := string(b[:])
		// A generated name must never trigger the stall by accident.
		if seen[s] || strings.HasPrefix(s, "stall") {
			continue
		}
		seen[s] = true
		names = append(names, s)
	}
	return names
}

// fs serves / (holding dir and the release trigger) and /dir.
type fs struct {
	fuse.RawFileSystem

	readdirDelay time.Duration
	stallTimeout time.Duration
	start        time.Time

	mu        sync.Mutex
	names     []string          // index i is inode firstFileIno+i
	byName    map[string]uint64 // name in dir -> inode
	mtime     map[uint64]time.Time
	releaseCh chan struct{} // closed and replaced to wake every stall
}

func newFS(names []string, readdirDelay, stallTimeout time.Duration) *fs {
	f := &fs{
		RawFileSystem: fuse.NewDefaultRawFileSystem(),
		readdirDelay:  readdirDelay,
		stallTimeout:  stallTimeout,
		start:         time.Now(),
		names:         names,
		byName:        make(map[string]uint64, len(names)),
		mtime:         make(map[uint64]time.Time),
		releaseCh:     make(chan struct{}),
	}
	for i, n := range names {
		f.byName[n] = firstFileIno + uint64(i)
	}
	return f
}

func (f *fs) String() string { return "fusestall" }

// release wakes every lookup stalled so far; later stalls wait anew.
func (f *fs) release() {
	f.mu.Lock()
	close(f.releaseCh)
	f.releaseCh = make(chan struct{})
	f.mu.Unlock()
}

// stall blocks until release, the kernel interrupts the request, or the
// timeout, so a forgotten run can never wedge the host for good.
func (f *fs) stall(cancel <-chan struct{}) {
	f.mu.Lock()
	ch := f.releaseCh
	f.mu.Unlock()
	t := time.NewTimer(f.stallTimeout)
	defer t.Stop()
	select {
	case <-ch:
	case <-cancel:
	case <-t.C:
	}
}

func (f *fs) attr(ino uint64, a *fuse.Attr) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	mt, ok := f.mtime[ino]
	if !ok {
		mt = f.start
	}
	switch {
	case ino == rootIno || ino == dirIno:
		a.Mode = syscall.S_IFDIR | 0o755
		a.Nlink = 2
	case ino >= firstFileIno && ino < firstFileIno+uint64(len(f.names)):
		a.Mode = syscall.S_IFREG | 0o644
		a.Nlink = 1
	default:
		return false
	}
	a.Ino = ino
	a.Blksize = 4096
	sec, nsec := uint64(mt.Unix()), uint32(mt.Nanosecond())
	a.Atime, a.Mtime, a.Ctime = sec, sec, sec
	a.Atimensec, a.Mtimensec, a.Ctimensec = nsec, nsec, nsec
	return true
}

func (f *fs) entry(ino uint64, out *fuse.EntryOut) fuse.Status {
	if !f.attr(ino, &out.Attr) {
		return fuse.ENOENT
	}
	out.NodeId = ino
	out.SetEntryTimeout(entryTTL)
	out.SetAttrTimeout(entryTTL)
	return fuse.OK
}

func (f *fs) Lookup(cancel <-chan struct{}, h *fuse.InHeader, name string, out *fuse.EntryOut) fuse.Status {
	switch h.NodeId {
	case rootIno:
		switch name {
		case "dir":
			return f.entry(dirIno, out)
		case "release":
			f.release()
		}
		return fuse.ENOENT
	case dirIno:
		f.mu.Lock()
		ino, ok := f.byName[name]
		f.mu.Unlock()
		if ok {
			return f.entry(ino, out)
		}
		if strings.HasPrefix(name, "stall") {
			f.stall(cancel)
		}
		return fuse.ENOENT
	}
	return fuse.ENOENT
}

func (f *fs) Forget(nodeid, nlookup uint64) {}

func (f *fs) GetAttr(cancel <-chan struct{}, in *fuse.GetAttrIn, out *fuse.AttrOut) fuse.Status {
	if !f.attr(in.NodeId, &out.Attr) {
		return fuse.ENOENT
	}
	out.SetTimeout(entryTTL)
	return fuse.OK
}

// SetAttr only records times: touch(1) sets them after CREATE.
func (f *fs) SetAttr(cancel <-chan struct{}, in *fuse.SetAttrIn, out *fuse.AttrOut) fuse.Status {
	if in.Valid&(fuse.FATTR_MTIME|fuse.FATTR_MTIME_NOW) != 0 {
		mt := time.Now()
		if in.Valid&fuse.FATTR_MTIME_NOW == 0 {
			mt = time.Unix(int64(in.Mtime), int64(in.Mtimensec))
		}
		f.mu.Lock()
		f.mtime[in.NodeId] = mt
		f.mu.Unlock()
	}
	return f.GetAttr(cancel, &fuse.GetAttrIn{InHeader: in.InHeader}, out)
}

func (f *fs) Create(cancel <-chan struct{}, in *fuse.CreateIn, name string, out *fuse.CreateOut) fuse.Status {
	if in.NodeId != dirIno {
		return fuse.EACCES
	}
	f.mu.Lock()
	ino, ok := f.byName[name]
	if !ok {
		ino = firstFileIno + uint64(len(f.names))
		f.names = append(f.names, name)
		f.byName[name] = ino
	}
	f.mu.Unlock()
	return f.entry(ino, &out.EntryOut)
}

func (f *fs) Open(cancel <-chan struct{}, in *fuse.OpenIn, out *fuse.OpenOut) fuse.Status {
	return fuse.OK
}

func (f *fs) Read(cancel <-chan struct{}, in *fuse.ReadIn, buf []byte) (fuse.ReadResult, fuse.Status) {
	return fuse.ReadResultData(nil), fuse.OK
}

func (f *fs) Flush(cancel <-chan struct{}, in *fuse.FlushIn) fuse.Status { return fuse.OK }

func (f *fs) Release(cancel <-chan struct{}, in *fuse.ReleaseIn) {}

func (f *fs) OpenDir(cancel <-chan struct{}, in *fuse.OpenIn, out *fuse.OpenOut) fuse.Status {
	if in.NodeId != rootIno && in.NodeId != dirIno {
		return fuse.ENOTDIR
	}
	return fuse.OK
}

func (f *fs) ReleaseDir(in *fuse.ReleaseIn) {}

func (f *fs) ReadDir(cancel <-chan struct{}, in *fuse.ReadIn, out *fuse.DirEntryList) fuse.Status {
	return f.readDir(cancel, in, out, false)
}

func (f *fs) ReadDirPlus(cancel <-chan struct{}, in *fuse.ReadIn, out *fuse.DirEntryList) fuse.Status {
	return f.readDir(cancel, in, out, true)
}

// readDir lists entry k at offset k (0 "." and 1 ".."), so a reply ends
// with the offset the kernel passes back for the next one.
func (f *fs) readDir(cancel <-chan struct{}, in *fuse.ReadIn, out *fuse.DirEntryList, plus bool) fuse.Status {
	// Like an NFS RPC, the slow reply ignores interrupts: an EINTR here
	// would end the caller's getdents64 with an error, not just slow it.
	time.Sleep(f.readdirDelay)
	f.mu.Lock()
	var names []string
	if in.NodeId == dirIno {
		names = f.names[:len(f.names):len(f.names)]
	}
	f.mu.Unlock()
	self, parent := uint64(in.NodeId), uint64(rootIno)
	if in.NodeId == rootIno {
		names = []string{"dir"}
	}
	for off := in.Offset; off < uint64(len(names))+2; off++ {
		e := fuse.DirEntry{Off: off + 1}
		switch off {
		case 0:
			e.Name, e.Ino, e.Mode = ".", self, syscall.S_IFDIR
		case 1:
			e.Name, e.Ino, e.Mode = "..", parent, syscall.S_IFDIR
		default:
			e.Name = names[off-2]
			e.Ino, e.Mode = firstFileIno+off-2, syscall.S_IFREG
			if in.NodeId == rootIno {
				e.Ino, e.Mode = dirIno, syscall.S_IFDIR
			}
		}
		if !plus {
			if !out.AddDirEntry(e) {
				break
			}
			continue
		}
		eo := out.AddDirLookupEntry(e)
		if eo == nil {
			break
		}
		// The kernel takes a lookup reference for every entry with
		// a node id, so "." and ".." are sent without one.
		if off >= 2 {
			f.entry(e.Ino, eo)
		}
	}
	return fuse.OK
}
