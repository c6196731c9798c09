// Package bundle turns one command-line argument into the inputs behind it.
//
// Support engineers are handed more than single files. An argument may be
//
//	B.strace, B.strace.gz, -         a file or standard input: one Source
//	out/                             a directory written by strace -ff -o out/trace:
//	  trace.10283 trace.10284 ...    one Source per process, PID from the
//	                                 name, in PID order (members may be compressed)
//	out/trace                        the -o prefix itself, when no such file exists
//	sosreport-host-2026-11-25/       a sosreport directory (it has sos_commands/ or
//	                                 sos_reports/): its kernel logs and stacks
//	sosreport-host.tar.xz            the same as a tarball, recognised by the ustar
//	                                 magic after decompression, not by its name
//
// In a sosreport the kernel logs are where sos's kernel and logs plugins
// put them:
//
//	sos_commands/kernel/dmesg               output of "dmesg" (preferred ring buffer)
//	sos_commands/kernel/dmesg_-T            output of "dmesg -T" (same ring buffer)
//	var/log/dmesg*                          the boot-time ring buffer some distributions save
//	var/log/messages*                       syslog, rotated as messages-20240411 or messages.1.gz
//	var/log/kern.log*, var/log/syslog*      the Debian names; syslog only without kern.log
//	sos_commands/logs/journalctl_--no-pager the journal, only when no syslog file was collected
//	sos_strings/<plugin>/<name>.tailed      the tail sos kept of a file over its size
//	                                        limit, read in place of that file
//	proc/<pid>/stack, *.stack               /proc/PID/stack snapshots (process plugin)
//
// Command outputs are named by sos's mangling of the command line
// (non-word characters become "_"), which is why "dmesg -T" is
// "dmesg_-T". Rotated logs are returned oldest first. Sources that say the
// same thing twice (dmesg_-T beside dmesg, syslog beside kern.log, the
// journal beside messages) are left out and listed in Bundle.Skipped, so
// the user can be told exactly which files were read. The ring buffer and
// the syslog files still overlap in time: the same report may appear in
// both.
//
// A tarball is read once, as a stream; the members chosen are copied to a
// private directory under os.TempDir() (named by number, never by the
// member's path, so a name like ../../etc/passwd cannot write outside it),
// which Bundle.Close removes. Symbolic links, in a directory or a tarball,
// are not followed: sos links a file it tailed to its sos_strings copy,
// which is read directly.
package bundle
