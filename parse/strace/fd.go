package strace

// fdTable maps one process's descriptors to the paths they were opened on.
// Entries keep their buffers when freed, so reuse does not allocate.
type fdTable struct {
	paths [][]byte
	known []bool
}

func (t *fdTable) reset() {
	clear(t.known)
}

func (r *Reader) table(pid int, create bool) *fdTable {
	t, ok := r.fds[pid]
	if !ok && create {
		if len(r.fds) >= maxTables {
			r.dropped.FdTables++
			return nil
		}
		if n := len(r.fdPool); n > 0 {
			t = r.fdPool[n-1]
			r.fdPool = r.fdPool[:n-1]
		} else {
			t = new(fdTable)
		}
		r.fds[pid] = t
	}
	return t
}

// setFd records path for fd and returns the stored copy.
func (r *Reader) setFd(pid, fd int, path []byte) []byte {
	if fd < 0 || fd >= maxFd || path == nil {
		return path
	}
	t := r.table(pid, true)
	if t == nil {
		return path
	}
	for len(t.paths) <= fd {
		t.paths = append(t.paths, nil)
		t.known = append(t.known, false)
	}
	t.paths[fd] = append(t.paths[fd][:0], path...)
	t.known[fd] = true
	return t.paths[fd]
}

func (r *Reader) fdPath(pid, fd int) []byte {
	t := r.table(pid, false)
	if t == nil || fd < 0 || fd >= len(t.known) || !t.known[fd] {
		return nil
	}
	return t.paths[fd]
}

func (r *Reader) closeFd(pid, fd int) {
	t := r.table(pid, false)
	if t != nil && fd >= 0 && fd < len(t.known) {
		t.known[fd] = false
	}
}

// forkTable gives a new child a copy of its parent's table (a thread shares
// the table in the kernel; a copy is as good until one of them changes it).
func (r *Reader) forkTable(parent, child int) {
	p := r.table(parent, true)
	c := r.table(child, true)
	if p == nil || c == nil {
		return
	}
	c.reset()
	for fd, ok := range p.known {
		if ok {
			r.setFd(child, fd, p.paths[fd])
		}
	}
}
