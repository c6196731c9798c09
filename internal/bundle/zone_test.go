package bundle

import (
	"archive/tar"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
)

// A sosreport states its host's zone in etc/localtime (a link into
// zoneinfo, as sos copies it) or in timedatectl's output.
func TestSosZone(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "sosreport-h")
	for name, data := range map[string]string{
		"sos_commands/kernel/dmesg":        "[    0.000000] Linux version 6.18.44\n",
		"sos_commands/systemd/timedatectl": "               Local time: Tue 2026-12-01 22:21:55 IST\n                Time zone: Asia/Kolkata (IST, +0530)\n",
	} {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, err := Expand(context.Background(), dir, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	b.Close()
	if b.Zone.Loc == nil || b.Zone.Loc.String() != "Asia/Kolkata" || b.Zone.From != timedatectlMember {
		t.Fatalf("zone from timedatectl = %+v", b.Zone)
	}
	if err := os.MkdirAll(filepath.Join(dir, "etc"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../usr/share/zoneinfo/America/New_York", filepath.Join(dir, "etc", "localtime")); err != nil {
		t.Fatal(err)
	}
	b, err = Expand(context.Background(), dir, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	b.Close()
	if b.Zone.Loc == nil || b.Zone.Loc.String() != "America/New_York" || b.Zone.From != localtimeMember {
		t.Errorf("zone from etc/localtime = %+v; want America/New_York, preferred to timedatectl", b.Zone)
	}

	// The same as a tarball, etc/localtime a symbolic link member.
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	add := func(h *tar.Header, data string) {
		h.Size = int64(len(data))
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(data))
	}
	add(&tar.Header{Name: "sosreport-h/sos_commands/kernel/dmesg", Mode: 0o644, Typeflag: tar.TypeReg}, "[    0.000000] Linux version 6.18.44\n")
	add(&tar.Header{Name: "sosreport-h/etc/localtime", Typeflag: tar.TypeSymlink, Linkname: "/usr/share/zoneinfo/Europe/Paris"}, "")
	tw.Close()
	tarball := filepath.Join(t.TempDir(), "sos.tar")
	if err := os.WriteFile(tarball, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	b, err = Expand(context.Background(), tarball, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if b.Zone.Loc == nil || b.Zone.Loc.String() != "Europe/Paris" {
		t.Errorf("zone of the tarball = %+v; want Europe/Paris", b.Zone)
	}
}
