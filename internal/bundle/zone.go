package bundle

import (
	"bufio"
	"bytes"
	"io"
	"strings"
	"time"
)

// Zone is the time zone a sosreport states for its host, for the logs that
// print local time without one (dmesg -T, syslog): what etc/localtime
// names (a link into zoneinfo, or a copy of the zone file), else the
// "Time zone:" line of sos_commands/systemd/timedatectl.
type Zone struct {
	Loc *time.Location
	// From is the member that said it: "etc/localtime".
	From string
}

// The members a zone is read from, best first.
const (
	localtimeMember   = "etc/localtime"
	timedatectlMember = "sos_commands/systemd/timedatectl"
	// maxZoneFile bounds what is read of either (a zone file is ~3 KB).
	maxZoneFile = 64 << 10
)

// zoneFromLink reads a zone from where etc/localtime links to
// ("../usr/share/zoneinfo/America/New_York").
func zoneFromLink(target string) *time.Location {
	_, name, ok := strings.Cut(target, "zoneinfo/")
	if !ok {
		return nil
	}
	loc, err := time.LoadLocation(strings.TrimPrefix(name, "posix/"))
	if err != nil {
		return nil
	}
	return loc
}

// zoneFromFile reads a copy of a zone file (TZif), or, for timedatectl's
// output, its "Time zone: America/New_York (EST, -0500)" line.
func zoneFromFile(member string, r io.Reader) *time.Location {
	data, err := io.ReadAll(io.LimitReader(r, maxZoneFile))
	if err != nil {
		return nil
	}
	if member == localtimeMember {
		loc, err := time.LoadLocationFromTZData("", data)
		if err != nil {
			return nil
		}
		return loc
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		if _, rest, ok := strings.Cut(sc.Text(), "Time zone:"); ok {
			if f := strings.Fields(rest); len(f) > 0 {
				if loc, err := time.LoadLocation(f[0]); err == nil {
					return loc
				}
			}
		}
	}
	return nil
}

// offer keeps the zone a member gives, etc/localtime first.
func (z *Zone) offer(member string, loc *time.Location) {
	if loc == nil || z.Loc != nil && z.From == localtimeMember {
		return
	}
	z.Loc, z.From = loc, member
}
