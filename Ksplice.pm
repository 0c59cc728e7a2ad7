package Ksplice;
# Shared code of the ksplice drivers (ksplice-create, ksplice-apply, ksplice-view,
# ksplice-undo) and of ksplice-obj.pl: locating the installed pieces, messages,
# running processes (with signal-safe cleanup), the config dir, the source tree
# backups, the update tarball (member checks, digests), the sysfs interface of
# the engine and the saved state (lock, records).
#
# Lookup of the other pieces: this file sits either at the top of the source
# tree (beside objmanip/ and kmodsrc/) or in PREFIX/share/ksplice (beside
# kmodsrc/, Makefile.ksplice and ksplice-obj.pl, with objmanip in
# PREFIX/libexec/ksplice).  Every path is derived from where this file is, so
# nothing has to be substituted at install time; KSPLICE_OBJMANIP,
# KSPLICE_KMODSRC override for tests.

use strict;
use warnings;
use Exporter 'import';
use Cwd qw(abs_path getcwd);
use Digest::SHA;
use Errno qw(EINTR ELOOP);
use Fcntl qw(:flock :mode O_RDONLY O_WRONLY O_RDWR O_CREAT O_EXCL O_TRUNC O_NOFOLLOW O_NONBLOCK O_DIRECTORY F_SETFD);
use File::Basename qw(dirname basename);
use File::Copy qw(copy);
use File::Find qw(find);
use File::Path qw(make_path remove_tree);
use File::Temp qw(tempdir);
use IO::Handle;
use POSIX qw(WNOHANG setpgid _exit);
use Time::HiRes qw(time sleep);

our $VERSION = '0.1';         # = VERSION and debian/changelog (tests/ops checks)
our @EXPORT_OK = qw(fatal info verbose warning);

our $PROG = basename($0);
our $VERBOSE = 0;       # -v
our $QUIET = 0;         # -q

# ---------------------------------------------------------------- locations

my $HERE = dirname(abs_path(__FILE__));

sub datadir { return $HERE }

sub objmanip_path {
	return $ENV{KSPLICE_OBJMANIP} if defined $ENV{KSPLICE_OBJMANIP} && length $ENV{KSPLICE_OBJMANIP};
	for my $p ("$HERE/objmanip/objmanip", "$HERE/../../libexec/ksplice/objmanip") {
		return abs_path($p) if -f $p && -x _;
	}
	return undef;
}

sub kmodsrc_path {
	return $ENV{KSPLICE_KMODSRC} if defined $ENV{KSPLICE_KMODSRC};
	return "$HERE/kmodsrc";
}

sub makefile_path { return "$HERE/Makefile.ksplice" }
sub objpl_path    { return "$HERE/ksplice-obj.pl" }

sub api_version {
	my $meta = kmodsrc_path() . "/ksplice-meta.h";
	open(my $fh, '<', $meta) or return undef;
	while (<$fh>) {
		return $1 if /^\s*#\s*define\s+KSPLICE_API_VERSION\s+(\d+)/;
	}
	return undef;
}

sub state_dir  { return $ENV{KSPLICE_STATE_DIR} // '/var/run/ksplice' }
# Installed updates (update packages, ksplice-apply --installed).
sub updates_dir { return $ENV{KSPLICE_UPDATES_DIR} // '/var/lib/ksplice/updates' }
sub sysfs_root { return $ENV{KSPLICE_SYSFS} // '/sys' }

# ---------------------------------------------------------------- messages

# A failure that ends the driver: message and exit code.
package Ksplice::Error {
	sub new { my ($c, $msg, $code, %o) = @_; return bless { msg => $msg, code => $code // 1, %o }, $c }
	sub msg  { $_[0]{msg} }
	sub code { $_[0]{code} }
}

sub fatal { my ($msg, $code, %o) = @_; die Ksplice::Error->new($msg, $code, %o) }

sub info    { print STDOUT @_, "\n" unless $QUIET }
sub verbose { print STDOUT @_, "\n" if $VERBOSE && !$QUIET }
sub warning { print STDERR "$PROG: warning: ", @_, "\n" }
sub error   { print STDERR "$PROG: ", @_, "\n" }

# Run the body of a driver; turn errors into messages and exit codes.
# The cleanup runs in every case (errors, signals) before the message.
sub main_wrapper {
	my ($body, $cleanup) = @_;
	my $ok = eval { $body->(); 1 };
	my $err = $@;
	if ($cleanup) {
		local $SIG{INT} = 'IGNORE';
		local $SIG{TERM} = 'IGNORE';
		local $SIG{HUP} = 'IGNORE';
		my $cok = eval { $cleanup->(!$ok); 1 };
		if (!$cok) {
			error("cleanup failed: ", (ref $@ ? $@->msg : $@));
			$ok = 0;
			$err ||= Ksplice::Error->new("cleanup failed", 1);
		}
	}
	return 0 if $ok;
	if (ref $err && $err->isa('Ksplice::Error')) {
		my $m = $err->msg;
		if (defined $m && length $m) {
			if ($err->{plain}) { print STDERR $m, ($m =~ /\n\z/ ? '' : "\n") }
			else { error($m) }
		}
		return $err->code;
	}
	chomp $err;
	error("internal error: $err");
	return 1;
}

# ---------------------------------------------------------------- processes

our %CHILDREN;          # pid => 1: children in their own process group
our $INTERRUPTED;       # signal name once one arrived

# Signals end the driver through die, so that the cleanup of main_wrapper
# restores everything; the running children (each leads its own process
# group: make, gcc, objmanip...) are stopped first.
sub install_signal_handlers {
	for my $sig (qw(INT TERM HUP)) {
		$SIG{$sig} = sub {
			return if $INTERRUPTED;
			$INTERRUPTED = $sig;
			kill_children();
			die Ksplice::Error->new("Interrupted (SIG$sig)", signal_exit_code($sig));
		};
	}
}

# Run BODY with SIGINT, SIGTERM and SIGHUP held back: one that arrives
# meanwhile is remembered and BODY goes on to the end (so that what the
# drivers record matches what the kernel did).  Returns the name of the first
# signal held back, or undef; an error of BODY passes through.
sub signals_deferred {
	my ($body) = @_;
	my $got;
	local $SIG{INT} = sub { $got //= 'INT' };
	local $SIG{TERM} = sub { $got //= 'TERM' };
	local $SIG{HUP} = sub { $got //= 'HUP' };
	$body->();
	return $got;
}

sub signal_exit_code { my %c = (INT => 130, TERM => 143, HUP => 129); return $c{ $_[0] } // 1 }

sub kill_children {
	my @pids = keys %CHILDREN;
	return unless @pids;
	kill 'TERM', -$_ for @pids;
	my $deadline = time + 10;
	while (%CHILDREN && time < $deadline) {
		for my $pid (keys %CHILDREN) {
			my $r = waitpid($pid, WNOHANG);
			delete $CHILDREN{$pid} if $r == $pid || $r == -1;
		}
		sleep 0.05 if %CHILDREN;
	}
	for my $pid (keys %CHILDREN) {
		kill 'KILL', -$pid;
		waitpid($pid, 0);
		delete $CHILDREN{$pid};
	}
	# Stragglers of the process groups (gcc under make) are gone with TERM;
	# give them a moment to let go of the files.
	for my $pid (@pids) {
		for (1 .. 40) { last unless kill 0, -$pid; sleep 0.05 }
		kill 'KILL', -$pid;
	}
}

# run(cmd => [...], dir => D, stdin => F, stdout => F, stderr => F,
#     lines => sub {...} (stdout+stderr merged, one call per line), env => {...})
# Returns the exit status (128+N for a signal).
sub run {
	my %o = @_;
	my @cmd = @{ $o{cmd} };
	verbose("+ ", join(' ', map { /[^\w\/.,=+:@%-]/ ? "'$_'" : $_ } @cmd)) if $VERBOSE > 1;
	my ($rd, $wr);
	if ($o{lines}) { pipe($rd, $wr) or fatal("pipe: $!") }
	my $pid = fork;
	fatal("fork: $!") unless defined $pid;
	if ($pid == 0) {
		setpgid(0, 0);
		$SIG{$_} = 'DEFAULT' for qw(INT TERM HUP);
		eval {
			chdir $o{dir} or die "chdir $o{dir}: $!\n" if defined $o{dir};
			my $in = $o{stdin} // '/dev/null';
			open(STDIN, '<', $in) or die "$in: $!\n";
			if ($o{lines}) {
				close $rd;
				open(STDOUT, '>&', $wr) or die "dup: $!\n";
				open(STDERR, '>&', $wr) or die "dup: $!\n";
			} else {
				if (defined $o{stdout}) { open(STDOUT, '>', $o{stdout}) or die "$o{stdout}: $!\n" }
				if (defined $o{stderr}) {
					if ($o{stderr} eq '&1') { open(STDERR, '>&', \*STDOUT) or die "dup: $!\n" }
					else { open(STDERR, '>', $o{stderr}) or die "$o{stderr}: $!\n" }
				}
			}
			if ($o{env}) { $ENV{$_} = $o{env}{$_} for keys %{ $o{env} } }
			exec { $cmd[0] } @cmd or die "cannot run $cmd[0]: $!\n";
		};
		print STDERR $@;
		_exit(127);
	}
	setpgid($pid, $pid);    # both sides, to win the race
	$CHILDREN{$pid} = 1;
	if ($o{lines}) {
		close $wr;
		while (1) {
			my $line = <$rd>;
			if (!defined $line) {
				next if $! == EINTR;
				last;
			}
			chomp $line;
			$o{lines}->($line);
		}
		close $rd;
	}
	my $r;
	do { $r = waitpid($pid, 0) } while ($r == -1 && $! == EINTR && exists $CHILDREN{$pid});
	my $st = $?;
	delete $CHILDREN{$pid};
	return 127 if $r != $pid;
	return 128 + ($st & 127) if $st & 127;
	return $st >> 8;
}

# Run and capture stdout (stderr merged) as a string.
sub capture {
	my @cmd = @_;
	my $out = '';
	my $rc = run(cmd => \@cmd, lines => sub { $out .= "$_[0]\n" });
	return wantarray ? ($rc, $out) : $out;
}

# Run and capture stdout and stderr apart.
sub capture_split {
	my @cmd = @_;
	my $d = tempdir('ksplice-cap-XXXXXX', TMPDIR => 1, CLEANUP => 0);
	my $rc = run(cmd => \@cmd, stdout => "$d/out", stderr => "$d/err");
	my ($o, $e) = (read_file("$d/out") // '', read_file("$d/err") // '');
	remove_tree($d);
	return ($rc, $o, $e);
}

# ---------------------------------------------------------------- small file helpers

sub read_file {
	my ($f) = @_;
	open(my $fh, '<', $f) or return undef;
	local $/;
	my $s = <$fh>;
	return $s // '';
}

sub write_file {
	my ($f, $s) = @_;
	open(my $fh, '>', $f) or fatal("cannot write $f: $!");
	print $fh $s;
	close $fh or fatal("cannot write $f: $!");
}

sub same_contents {
	my ($a, $b) = @_;
	return 0 unless -f $a && -f $b && -s $a == -s $b;
	my ($sa, $sb) = (read_file($a), read_file($b));
	return defined $sa && defined $sb && $sa eq $sb;
}

# Copy preserving mode and times (the kbuild decisions depend on mtimes).
sub copy_preserve {
	my ($from, $to) = @_;
	fatal("cannot copy $from: no such file") unless -e $from;
	# cp -p keeps the nanoseconds of the times, which Perl's utime rounds.
	my $rc = run(cmd => ['cp', '-p', '--', $from, "$to.ksplice-tmp"], stdout => '/dev/null', stderr => '/dev/null');
	fatal("cannot copy $from to $to") if $rc;
	rename("$to.ksplice-tmp", $to) or fatal("cannot rename to $to: $!");
}

# Copy the times of a file or directory exactly (to a reference file and back).
sub copy_times {
	my ($from, $to) = @_;
	return !run(cmd => ['touch', '-c', '-r', $from, '--', $to], stdout => '/dev/null', stderr => '/dev/null');
}

sub mkdir_p { my ($d) = @_; make_path($d) unless -d $d; -d $d or fatal("cannot create $d") }

# Seconds for people: "1.2 s", or with DIGITS decimals.
sub fmt_time { return sprintf("%.*f s", $_[1] // 1, $_[0]) }

# The CPUs this process may run on (nproc(1) honours affinity and cgroup
# limits), the default number of make jobs; 1 if it cannot tell.
sub cpu_count {
	open(my $fh, '-|', 'nproc') or return 1;
	my $n = <$fh> // '';
	close($fh);
	return $n =~ /^(\d+)$/ && $1 > 0 ? $1 : 1;
}

# ---------------------------------------------------------------- ids and names

sub random_id {
	my @c = ('a' .. 'z', '0' .. '9');
	my $s = '';
	if (open(my $fh, '<', '/dev/urandom')) {
		read($fh, my $b, 8);
		$s .= $c[ord($_) % @c] for split //, $b;
	} else {
		$s .= $c[int rand @c] for 1 .. 8;
	}
	return $s;
}

sub valid_id { return defined $_[0] && $_[0] =~ /^[a-z0-9]+$/ && length($_[0]) <= 32 }

sub target_tag { my ($t) = @_; (my $x = $t) =~ tr/-,/__/; return $x }

sub module_names {
	my ($id, $target) = @_;
	my $t = target_tag($target);
	return {
		core      => "ksplice_$id",
		core_file => "ksplice-$id.ko",
		new       => "ksplice_${id}_${t}_new",
		new_file  => "ksplice-${id}_${t}-new.ko",
		old       => "ksplice_${id}_${t}_old",
		old_file  => "ksplice-${id}_${t}-old.ko",
	};
}

# objmanip's exit codes (objmanip.h): it refused the change, or found none.
use constant { EXIT_REFUSED => 2, EXIT_NOCHANGE => 66 };

use constant MODULE_NAME_MAX => 55;    # MODULE_NAME_LEN (64 - 8) - 1

# ---------------------------------------------------------------- abort codes

our %ABORT = (
	ok                      => 'The update succeeded.',
	no_match                => 'Aborted: the pre code of the update does not match the code running in the kernel (the source or the compiler differs from the running kernel\'s).',
	code_busy               => 'Aborted: a function to be changed was in use by a thread each time the update was tried (see the conflicts below).',
	module_busy             => 'Aborted: a module of the update is in use and cannot be unloaded.',
	out_of_memory           => 'Aborted: the kernel ran out of memory.',
	failed_to_find          => 'Aborted: a symbol that the update needs was not found in the running kernel.',
	unexpected              => 'Aborted: an unexpected error occurred (see the kernel log).',
	target_not_loaded       => 'Aborted: a module that the update changes is not loaded (use --partial to patch it when it is loaded).',
	call_failed             => 'Aborted: a hook of the update (pre/check/apply) failed.',
);

sub abort_message {
	my ($code) = @_;
	return $ABORT{$code} // "Aborted with unknown code '$code'.";
}

# ---------------------------------------------------------------- config dir

sub parse_kconfig {
	my ($file) = @_;
	my %c;
	open(my $fh, '<', $file) or return undef;
	while (<$fh>) {
		next unless /^(CONFIG_\w+)=(.*)$/;
		my ($k, $v) = ($1, $2);
		$v =~ s/^"(.*)"$/$1/;
		$c{$k} = $v;
	}
	return \%c;
}

sub kconfig_lines {
	my ($file) = @_;
	open(my $fh, '<', $file) or return undef;
	return join '', grep { /^CONFIG_/ } <$fh>;
}

# Read a config dir: System.map, .config, build, optional flags and utsname.
# Returns a hash; refuses a missing or inconsistent dir with a message that
# names the file.
sub check_config_dir {
	my ($dir) = @_;
	fatal("config dir $dir does not exist") unless -d $dir;
	my $map = "$dir/System.map";
	my $cfg = "$dir/.config";
	my $build = "$dir/build";
	fatal("config dir $dir has no System.map ($map missing)") unless -f $map;
	fatal("config dir $dir has no .config ($cfg missing)") unless -f $cfg;
	fatal("config dir $dir has no build link ($build missing: link it to the kernel's headers/build directory)")
		unless -d $build;

	my $kc = parse_kconfig($cfg) or fatal("cannot read $cfg");
	my $cc_text = $kc->{CONFIG_CC_VERSION_TEXT}
		or fatal("$cfg names no compiler (CONFIG_CC_VERSION_TEXT missing)");
	my ($cc) = split ' ', $cc_text;

	my $bcfg = "$build/.config";
	if (-f $bcfg) {
		my ($a, $b) = (kconfig_lines($cfg), kconfig_lines($bcfg));
		fatal("$cfg does not match $bcfg: the config dir mixes two kernels") if $a ne $b;
	}

	# System.map: the real one (Debian ships an 83-byte placeholder in
	# /boot), and the one of this kernel: its exported-symbol table equals
	# the set of vmlinux exports in the build dir's Module.symvers.
	my (%ksymtab, $nsyms, $has_text);
	open(my $fh, '<', $map) or fatal("cannot read $map: $!");
	while (<$fh>) {
		my ($addr, $type, $name) = split;
		next unless defined $name && $addr =~ /^[0-9a-f]+$/i;
		$nsyms++;
		$has_text = 1 if $name eq '_text';
		$ksymtab{$1} = 1 if $name =~ /^__ksymtab_(.+)$/;
	}
	close $fh;
	fatal("$map is not a System.map (no _text symbol; Debian's /boot/System.map is a placeholder: the real one is in the linux-image-*-dbg package)")
		unless $has_text && $nsyms > 1000;
	my $symvers = "$build/Module.symvers";
	if (-f $symvers) {
		my %exp;
		open(my $sf, '<', $symvers) or fatal("cannot read $symvers: $!");
		while (<$sf>) {
			my @f = split /\t/;
			$exp{$f[1]} = 1 if @f >= 3 && $f[2] eq 'vmlinux';
		}
		close $sf;
		my @missing = grep { !$ksymtab{$_} } sort keys %exp;
		my @extra = grep { !$exp{$_} } sort keys %ksymtab;
		if (@missing || @extra) {
			my $ex = $missing[0] // $extra[0];
			fatal(sprintf("%s does not belong to the kernel of %s: %d exported symbols differ from %s (e.g. %s)",
				$map, $cfg, @missing + @extra, $symvers, $ex));
		}
	} else {
		warning("$symvers missing: cannot check that $map belongs to $cfg");
	}

	my $flags = '';
	if (-f "$dir/flags") {
		$flags = read_file("$dir/flags") // fatal("cannot read $dir/flags");
		$flags =~ s/#.*//mg;
		$flags =~ s/\s+/ /g;
		$flags =~ s/^ | $//g;
	}
	my @flags = length $flags ? split(/ /, $flags) : ();

	my $uts = config_utsname($dir, $build);
	return {
		dir => abs_path($dir), map => $map, config => $cfg, build => abs_path($build),
		kconfig => $kc, cc => $cc, cc_text => $cc_text, flags => \@flags,
		utsname => $uts, symvers => $symvers,
	};
}

# Release, Version, Machine of the kernel the config dir describes: an
# optional `utsname` file in the config dir (as written on the target:
# "Release: `uname -r`" ...) wins; else the build dir's generated headers.
sub config_utsname {
	my ($dir, $build) = @_;
	my %u;
	my $s = read_file("$build/include/generated/utsrelease.h");
	$u{Release} = $1 if defined $s && $s =~ /UTS_RELEASE\s+"([^"]*)"/;
	if (!defined $u{Release}) {
		my $r = read_file("$build/include/config/kernel.release");
		if (defined $r) { chomp $r; $u{Release} = $r }
	}
	for my $h ("$build/include/generated/utsversion.h", "$build/include/generated/compile.h") {
		$s = read_file($h);
		next unless defined $s;
		$u{Version} //= $1 if $s =~ /UTS_VERSION\s+"([^"]*)"/;
		$u{Machine} //= $1 if $s =~ /UTS_MACHINE\s+"([^"]*)"/;
	}
	if (-f "$dir/utsname") {
		my $f = parse_utsname(read_file("$dir/utsname"));
		$u{$_} = $f->{$_} for keys %$f;
	}
	fatal("cannot find the kernel release of $build (include/generated/utsrelease.h)") unless defined $u{Release};
	$u{Machine} //= 'x86_64';
	$u{Version} //= '';
	return \%u;
}

sub parse_utsname {
	my ($s) = @_;
	my %u;
	for (split /\n/, $s // '') {
		$u{$1} = $2 if /^(Release|Version|Machine):\s?(.*)$/;
	}
	return \%u;
}

sub format_utsname {
	my ($u) = @_;
	return join '', map { "$_: $u->{$_}\n" } qw(Release Version Machine);
}

sub running_utsname {
	my %u;
	$u{Release} = $ENV{KSPLICE_UNAME_RELEASE} // do { my $x = `uname -r`; chomp $x; $x };
	$u{Version} = $ENV{KSPLICE_UNAME_VERSION} // do { my $x = `uname -v`; chomp $x; $x };
	$u{Machine} = $ENV{KSPLICE_UNAME_MACHINE} // do { my $x = `uname -m`; chomp $x; $x };
	return \%u;
}

# ---------------------------------------------------------------- source tree

# Exclusive lock on the source tree: flock of the tree's directory itself (no
# file is written into the shared tree).  `flock KSRC make ...` takes the same
# lock from a shell.
sub lock_tree {
	my ($ksrc) = @_;
	sysopen(my $fh, $ksrc, O_RDONLY | O_DIRECTORY) or fatal("cannot open $ksrc: $!");
	if (!flock($fh, LOCK_EX | LOCK_NB)) {
		info("Waiting for the lock on $ksrc (another ksplice-create is using it)");
		flock($fh, LOCK_EX) or fatal("cannot lock $ksrc: $!");
	}
	# The children inherit the lock: a make orphaned by a SIGKILL of the
	# driver keeps the tree locked until it is done.
	fcntl($fh, F_SETFD, 0);
	return $fh;
}

# The journal of a run that changes a kernel tree: every backup it may
# make (a patched source's *.KSPLICE_presrc, a pre object's *.KSPLICE_pre),
# written before the first one exists and removed once the tree is back.
# A run killed meanwhile (SIGKILL, power loss) leaves it, and the next one
# restores what it lists without walking the tree.  Lines: "src PATH" or
# "obj PATH", relative to the source tree and to the object tree.
sub journal_file { return "$_[0]/.ksplice-create.journal" }

sub journal_write {
	my ($ksrc, $objtree, @backups) = @_;
	my $text = '';
	for my $b (@backups) {
		my ($root, $kind) = $b =~ m{^\Q$objtree\E/} && $objtree ne $ksrc ? ($objtree, 'obj') : ($ksrc, 'src');
		fatal("journal: $b is outside $root") unless $b =~ s{^\Q$root\E/}{};
		$text .= "$kind $b\n";
	}
	my $f = journal_file($ksrc);
	write_file("$f.tmp", $text);
	rename("$f.tmp", $f) or fatal("cannot write $f: $!");
}

# The backups an interrupted run's journal lists that are still there.
sub journal_leftovers {
	my ($ksrc, $objtree) = @_;
	my $f = journal_file($ksrc);
	return () unless -e $f;
	my @l;
	for my $line (split /\n/, read_file($f)) {
		my ($kind, $rel) = $line =~ /^(src|obj) (.+)$/ or fatal("$f: not a journal line: '$line'");
		fatal("$f: '$rel' is not a backup inside the tree")
			if $rel =~ m{(^|/)\.\.(/|$)} || $rel =~ m{^/} || $rel !~ /\.KSPLICE_(presrc|pre)$/;
		my $p = ($kind eq 'obj' ? $objtree : $ksrc) . "/$rel";
		push @l, $p if -e $p || -l $p;
	}
	return sort @l;
}

sub journal_remove {
	my ($ksrc) = @_;
	my $f = journal_file($ksrc);
	unlink($f) or fatal("cannot remove $f: $!") if -e $f;
}

# Undo an earlier run from its backups: source backups go back over the
# patched files (an empty backup marks a file the patch created), pre
# objects over post ones; with ACCEPT the backups are dropped instead.
sub restore_leftovers {
	my ($accept, @l) = @_;
	for my $b (@l) {
		(my $f = $b) =~ s/\.KSPLICE_(presrc|pre)$//;
		if ($accept) {
			unlink $b;
		} elsif ($b =~ /\.KSPLICE_presrc$/ && -z $b) {
			unlink $f, $b;
		} else {
			rename($b, $f) or fatal("cannot restore $f from $b: $!");
		}
	}
	return scalar @l;
}

# A record of files that a run may change; restore() puts back the exact
# bytes, modes and times, and removes the ones that did not exist.
package Ksplice::Snapshot {
	use File::Copy qw(copy);
	sub new {
		my ($c, $dir) = @_;
		return bless { dir => $dir, files => {}, n => 0, order => [], dirs => {} }, $c;
	}
	sub protect {
		my ($s, $path, %o) = @_;
		return if exists $s->{files}{$path};
		# The directory's times change when files come and go: keep them too.
		my $d = File::Basename::dirname($path);
		if (!$s->{dirs}{$d} && -d $d) {
			my $ref = "$s->{dir}/d" . $s->{n}++;
			Ksplice::write_file($ref, '');
			$s->{dirs}{$d} = $ref if Ksplice::copy_times($d, $ref);
		}
		my $e = { keep_new => $o{keep_new} };
		if (-l $path || -e $path) {
			my $save = "$s->{dir}/" . $s->{n}++;
			Ksplice::copy_preserve($path, $save);
			$e->{save} = $save;
		}
		$s->{files}{$path} = $e;
		push @{ $s->{order} }, $path;
	}
	sub restore {
		my ($s) = @_;
		my @err;
		for my $path (reverse @{ $s->{order} }) {
			my $e = $s->{files}{$path};
			if ($e->{save}) {
				next if Ksplice::same_contents($e->{save}, $path) && Ksplice::copy_times($e->{save}, $path);
				eval { Ksplice::copy_preserve($e->{save}, $path); 1 } or push @err, $path;
			} elsif (!$e->{keep_new}) {
				unlink $path if -e $path;
			}
		}
		Ksplice::copy_times($s->{dirs}{$_}, $_) for keys %{ $s->{dirs} };
		return @err;
	}
}

sub parse_cmd_file {
	my ($cmdfile) = @_;
	my $s = read_file($cmdfile);
	return undef unless defined $s;
	# 6.1 names the line cmd_<target>, 6.12 savedcmd_<target>
	my ($cmd) = $s =~ /^(?:saved)?cmd_\S+\s*:=\s*(.*)$/m;
	$cmd //= '';
	my %r = (cmd => $cmd);
	($r{modname}) = $cmd =~ /-DKBUILD_MODNAME=['"]*([\w-]+)/;
	($r{modfile}) = $cmd =~ /-DKBUILD_MODFILE=['"]*([\w\/.,-]+?)['"]*(?:\s|$)/;
	$r{module} = $cmd =~ /(?:^|\s)-DMODULE(?:\s|$)/ ? 1 : 0;
	($r{source}) = $s =~ /^source_\S+\s*:=\s*(\S+)/m;
	$r{target} = $r{module} && $r{modname} ? $r{modname} : 'vmlinux';
	return \%r;
}

sub cmd_file_of {
	my ($obj) = @_;
	return dirname($obj) . '/.' . basename($obj) . '.cmd';
}

# Objects of a built tree whose dependency list names one of the headers.
sub objects_depending_on {
	my ($objtree, @headers) = @_;
	my %want = map { $_ => 1 } @headers;
	my %objs;
	find({ no_chdir => 1, wanted => sub {
		my $n = $File::Find::name;
		if (-d $_) {
			$File::Find::prune = 1 if $n =~ m{/(\.git|scripts|tools|Documentation|usr|\.tmp_[^/]*)$} && $n ne $objtree;
			return;
		}
		return unless basename($n) =~ /^\.(.+\.o)\.cmd$/;
		my $obj = $1;
		return if $obj =~ /\.mod\.o$/;
		open(my $fh, '<', $n) or return;
		my $in_deps = 0;
		while (my $l = <$fh>) {
			if ($l =~ /^deps_/) { $in_deps = 1; next }
			next unless $in_deps;
			last if $l =~ /^\S/ && $l !~ /^deps_/;
			$l =~ s/^\s+|\s*\\?\s*$//g;
			if ($want{$l}) {
				my $rel = substr(dirname($n), length($objtree) + 1);
				$objs{ ($rel eq '' ? '' : "$rel/") . $obj } = 1;
				last;
			}
		}
	} }, $objtree);
	return sort keys %objs;
}

# ---------------------------------------------------------------- modules

# Build the update's kernel modules with kbuild against BUILD, by the one
# recipe kmodsrc/Makefile holds (the tests build their fixtures with it too):
#   core  ksplice-ID.ko            the engine sources of kmodsrc/ (-DKSPLICE_ID=ID)
#   new   ksplice-ID_t-new.ko      new_code_loader.c + the finalized new code of t
#   old   ksplice-ID_t-old.ko      old_code_loader.c + the finalized old code of t
# %a: id, build, dir (empty temp dir), targets => [{target, new, old}], jobs,
# lines (callback for make's output).  Returns { file => path } of the .ko.
sub build_modules {
	my (%a) = @_;
	my $src = kmodsrc_path();
	my $dir = $a{dir};
	my $id = $a{id};
	fatal("kernel module sources not found ($src)") unless -d $src;
	opendir(my $dh, $src) or fatal("cannot read $src: $!");
	my @files = grep { -f "$src/$_" && !/^\./ && !/\.(o|ko|mod|mod\.c|cmd|order|symvers)$/ } readdir $dh;
	closedir $dh;
	for my $need (qw(Makefile new_code_loader.c old_code_loader.c)) {
		fatal("$src/$need missing") unless grep { $_ eq $need } @files;
	}
	copy("$src/$_", "$dir/$_") or fatal("cannot copy $src/$_: $!") for @files;

	my %out = ("ksplice-$id.ko" => "$dir/ksplice-$id.ko");
	for my $t (@{ $a{targets} }) {
		my $n = module_names($id, $t->{target});
		my $tag = target_tag($t->{target});
		# kmodsrc/Makefile: the target's name, where it is not the tag
		write_file("$dir/$tag.target", "$t->{target}\n");
		for my $kind (qw(new old)) {
			copy($t->{$kind}, "$dir/${tag}_$kind.o_shipped") or fatal("cannot copy $t->{$kind}: $!");
			$out{ $n->{"${kind}_file"} } = "$dir/ksplice-${id}_${tag}-$kind.ko";
		}
	}
	my $kept = engine_kept($src, $a{build});
	copy($kept, "$dir/engine.o_shipped") or fatal("cannot copy $kept: $!") if $kept;
	my @cmd = ('make', '-C', $a{build}, "M=$dir", "KSPLICE_ID=$id", "-j" . ($a{jobs} || 1), 'modules');
	my $rc = run(cmd => \@cmd, lines => $a{lines});
	fatal("Building modules failed (make exited with $rc)", 1, log => 1) if $rc;
	for my $k (sort keys %out) {
		fatal("Building modules failed: $out{$k} was not produced") unless -f $out{$k};
	}
	engine_keep($src, $a{build}, $dir) unless $kept;
	return \%out;
}

# The engine's objects (kmodsrc/Makefile's KSPLICE_ENGINE_OBJS) are the same
# for every update of one kernel build: once compiled they are kept, linked
# into one object, under KSPLICE_CACHE_DIR (default ~/.cache/ksplice),
# named by a digest of the engine's sources and of the kernel build
# (KSPLICE_CACHE_DIR empty: nothing kept).  The next update links it.
sub engine_cache_file {
	my ($src, $build) = @_;
	my $base = $ENV{KSPLICE_CACHE_DIR} // (($ENV{XDG_CACHE_HOME} // (($ENV{HOME} // return undef) . '/.cache')) . '/ksplice');
	return undef if $base eq '';
	my $sha = Digest::SHA->new(256);
	opendir(my $dh, $src) or return undef;
	for my $f (sort grep { -f "$src/$_" && !/^\./ } readdir $dh) {
		$sha->add("$f\0");
		$sha->addfile("$src/$f");
	}
	closedir $dh;
	my $real = abs_path($build) // return undef;
	$sha->add("build $real\0");
	$sha->add("kept without debug info\0");
	for my $f (qw(.config include/config/kernel.release Module.symvers)) {
		return undef unless -f "$real/$f";
		$sha->add("$f\0");
		$sha->addfile("$real/$f");
	}
	return "$base/engine/" . substr($sha->hexdigest, 0, 24) . ".o";
}

# The kept engine object for this engine and kernel build, or undef.
sub engine_kept {
	my $f = engine_cache_file(@_);
	return defined $f && -f $f && !-l $f ? $f : undef;
}

# Keep the engine objects of a successful build in DIR (best effort: a
# cache that cannot be written only costs the next build its compiles).
sub engine_keep {
	my ($src, $build, $dir) = @_;
	my $f = engine_cache_file($src, $build) // return;
	my @objs;
	{
		local $ENV{MAKEFLAGS} = '';
		open(my $mk, '-|', 'make', '-s', '--no-print-directory', '-C', $dir, 'engine-objs') or return;
		@objs = map { "$dir/$_" } split ' ', join('', <$mk>);
		close($mk) or return;
	}
	return unless @objs && !grep { !-f } @objs;
	eval { make_path(dirname($f)) };
	return unless -d dirname($f);
	my $tmp = "$f.tmp.$$";
	# Without its DWARF (-S), as Debian ships its modules: the core module
	# shrinks from ~2.9 MB to ~0.3 MB, so do the tarball and each insmod.
	if (system('ld', '-r', '-S', '-o', $tmp, @objs) == 0) {
		rename($tmp, $f) or unlink($tmp);
	} else {
		unlink($tmp);
	}
}

# ---------------------------------------------------------------- module signatures

use constant MODULE_SIG_MAGIC => "~Module signature appended~\n";

# Whether FILE ends with a module signature (the kernel's appended marker).
sub module_signed {
	my ($file) = @_;
	my $m = MODULE_SIG_MAGIC;
	open(my $fh, '<:raw', $file) or return 0;
	my $size = -s $fh // 0;
	return 0 if $size < length $m;
	seek($fh, -length($m), 2) or return 0;
	my $n = read($fh, my $tail, length $m);
	return defined $n && $tail eq $m;
}

# The signing tool and hash for the kernel of a config dir's build dir and
# .config (see check_config_dir): scripts/sign-file of the build dir, and
# CONFIG_MODULE_SIG_HASH.  Refuses a kernel that checks no signatures.
sub signing_setup {
	my ($ctx) = @_;
	my $kc = $ctx->{kconfig} // {};
	fatal("--sign-key: the kernel of $ctx->{config} does not check module signatures (CONFIG_MODULE_SIG is not set)")
		unless ($kc->{CONFIG_MODULE_SIG} // '') eq 'y';
	my $hash = $kc->{CONFIG_MODULE_SIG_HASH}
		or fatal("--sign-key: $ctx->{config} names no signature hash (CONFIG_MODULE_SIG_HASH missing)");
	fatal("--sign-key: bad CONFIG_MODULE_SIG_HASH '$hash' in $ctx->{config}") unless $hash =~ /^[\w-]+$/;
	my $tool = "$ctx->{build}/scripts/sign-file";
	fatal("--sign-key: $tool not found: the kernel's build dir provides the signing tool (scripts/sign-file)")
		unless -f $tool && -x _;
	return { tool => $tool, hash => $hash };
}

# Sign each module of FILES in place with KEY and CERT (sign-file's
# arguments: a PEM private key or PKCS#11 URI, a PEM or DER X.509
# certificate); one line naming the module when it fails.
sub sign_modules {
	my ($setup, $key, $cert, @files) = @_;
	for my $f (@files) {
		my ($rc, $out) = capture($setup->{tool}, $setup->{hash}, $key, $cert, $f);
		fatal("signing " . basename($f) . " with $setup->{tool} failed: " .
			(first_line($out) || "exit status $rc")) if $rc;
		fatal("signing " . basename($f) . ": $setup->{tool} appended no signature") unless module_signed($f);
	}
}

# Why the kernel refused to load module FILE (ERR: insmod's message), in one
# line, when it is a signature policy: module.sig_enforce, lockdown (which
# Secure Boot turns on), with what to do about it.  Undef for other errors.
sub explain_refused_module {
	my ($file, $err) = @_;
	return undef unless $err =~ /Key was rejected by service|Operation not permitted|Required key not available/i;
	my $sys = sysfs_root();
	my @why;
	my $enforce = read_file("$sys/module/module/parameters/sig_enforce") // '';
	push @why, 'module.sig_enforce=1' if $enforce =~ /^Y/;
	my $lock = read_file("$sys/kernel/security/lockdown") // '';
	push @why, "lockdown=$1" if $lock =~ /\[(integrity|confidentiality)\]/;
	my ($sb) = glob("$sys/firmware/efi/efivars/SecureBoot-*");
	my $sbv = defined $sb ? read_file($sb) : undef;
	push @why, 'Secure Boot on' if defined $sbv && length $sbv && ord(substr($sbv, -1)) == 1;
	return undef unless @why;
	my $what = module_signed($file) ? 'is signed with a key the kernel does not trust' : 'is not signed';
	return sprintf("the kernel refused %s: it %s, and this kernel loads only modules signed with a trusted key (%s): " .
		"build the update with ksplice-create --sign-key=KEY --sign-cert=CERT and enrol the certificate " .
		"(mokutil --import CERT.der, then reboot and confirm it)", basename($file), $what, join(', ', @why));
}

# ---------------------------------------------------------------- tarball

# What an update holds (ksplice-ID/...) and what of it the drivers read:
# the small files, the patch and the module files (ksplice-*.ko) are unpacked
# and read; the rest (debug/ objects, modules/ of --build-modules) stays in
# the tarball for post-mortem work and is never unpacked.  Limits on the
# members (documented in ksplice-apply(8), LIMITS) are checked from the
# tarball's listing, or from lstat of an unpacked directory, before a byte is
# unpacked or read.
use constant {
	LIMIT_META    => 1 << 20,      # each small file (contents, utsname, ..., description, debug/changed)
	LIMIT_PATCH   => 16 << 20,     # patch
	LIMIT_MODULE  => 64 << 20,     # each ksplice-*.ko
	LIMIT_OTHER   => 1 << 30,      # each other member (debug/ objects, modules/): never unpacked
	LIMIT_USED    => 256 << 20,    # all the members that are unpacked
	LIMIT_TOTAL   => 4 << 30,      # all the members
	LIMIT_MEMBERS => 100_000,      # number of members
};
my @META_FILES = qw(contents utsname api-version timestamp sha256sums description effective-version debug/changed);
my %META_FILE = map { $_ => 1 } @META_FILES;

sub fmt_bytes {
	my ($n) = @_;
	return sprintf("%d GiB", $n >> 30) if $n >= 1 << 30 && !($n & ((1 << 30) - 1));
	return sprintf("%d MiB", $n >> 20) if $n >= 1 << 20 && !($n & ((1 << 20) - 1));
	return "$n bytes";
}

# The limit of a member (path below ksplice-ID/) and whether it is unpacked.
sub member_limit {
	my ($rel) = @_;
	return (LIMIT_PATCH, 1) if $rel eq 'patch';
	return (LIMIT_META, 1) if $META_FILE{$rel};
	return (LIMIT_MODULE, 1) if $rel =~ m{^[^/]+\.ko$};
	return (LIMIT_OTHER, 0);
}

# A checker of the members of one update, in order: each call names a member
# (as the tarball lists it, or ksplice-ID/path for a directory), its type
# ('-' regular file, 'd' directory, anything else refused) and its size.
# Refuses (fatal, one line naming the member) a bad name, type or size, and
# the member that takes the update over a total; returns (id, path below
# ksplice-ID/ or '' for the directory itself, unpacked?).
sub member_checker {
	my ($update) = @_;
	my ($count, $total, $used, $id) = (0, 0, 0, undef);
	return sub {
		my ($n, $type, $size) = @_;
		my $refuse = sub { fatal("$update: refusing member '$n': $_[0]") };
		$refuse->("not a regular file or directory") unless $type eq '-' || $type eq 'd';
		$refuse->("absolute path") if $n =~ m{^/};
		$refuse->("unsafe characters in name") unless $n =~ m{^[A-Za-z0-9._/+,=@-]+$};
		my @c = grep { length } split m{/}, $n;
		$refuse->("'..' in path") if grep { $_ eq '..' } @c;
		@c = grep { $_ ne '.' } @c;
		$refuse->("outside ksplice-<id>/") unless @c && $c[0] =~ /^ksplice-([a-z0-9]+)$/;
		$id //= $1;
		$refuse->("outside ksplice-$id/") if $1 ne $id;
		$refuse->("more than " . LIMIT_MEMBERS . " members") if ++$count > LIMIT_MEMBERS;
		my $rel = join '/', @c[1 .. $#c];
		return ($id, $rel, 0) if $type eq 'd';
		$refuse->("the update's own directory is not a directory") if $rel eq '';
		my ($limit, $unpacked) = member_limit($rel);
		$refuse->("too large ($size bytes; the limit is " . fmt_bytes($limit) . ")") if $size > $limit;
		$total += $size;
		$refuse->("the members of the update total more than " . fmt_bytes(LIMIT_TOTAL)) if $total > LIMIT_TOTAL;
		if ($unpacked) {
			$used += $size;
			$refuse->("the members to unpack total more than " . fmt_bytes(LIMIT_USED)) if $used > LIMIT_USED;
		}
		return ($id, $rel, $unpacked);
	};
}

# Run CMD and call LINE for each line of its standard output, as it comes;
# an error (die) in LINE stops CMD (its process group) and is passed on.
# Standard error goes to an anonymous file (nothing is left behind).
# Returns (exit status, standard error).
sub stream_lines {
	my ($cmd, $line) = @_;
	open(my $err, '+>', undef) or fatal("cannot create a temporary file: $!");
	pipe(my $rd, my $wr) or fatal("pipe: $!");
	my $pid = fork;
	fatal("fork: $!") unless defined $pid;
	if ($pid == 0) {
		setpgid(0, 0);
		$SIG{$_} = 'DEFAULT' for qw(INT TERM HUP);
		close $rd;
		open(STDIN, '<', '/dev/null') && open(STDOUT, '>&', $wr) && open(STDERR, '>&', $err)
			&& exec { $cmd->[0] } @$cmd;
		print STDERR "cannot run $cmd->[0]: $!\n";
		_exit(127);
	}
	setpgid($pid, $pid);
	$CHILDREN{$pid} = 1;
	close $wr;
	my $ok = eval {
		while (1) {
			my $l = <$rd>;
			if (!defined $l) {
				next if $! == EINTR;
				last;
			}
			chomp $l;
			$line->($l);
		}
		1;
	};
	my $e = $@;
	kill 'TERM', -$pid unless $ok;
	close $rd;
	my $r;
	do { $r = waitpid($pid, 0) } while ($r == -1 && $! == EINTR && exists $CHILDREN{$pid});
	my $st = $?;
	delete $CHILDREN{$pid};
	die $e unless $ok;
	seek($err, 0, 0);
	my $text = do { local $/; <$err> } // '';
	return ($r != $pid ? 127 : $st & 127 ? 128 + ($st & 127) : $st >> 8, $text);
}

# Check the members of an update tarball from its listing, before anything is
# extracted: only regular files and directories, all below one directory
# ksplice-ID/, no absolute names, no `..`, no links, devices or fifos, and
# within the limits.  The long listing is read as tar produces it, so a
# member over a limit stops tar at its header.  Returns the id and the
# members to unpack (names verbatim).
sub check_tarball {
	my ($file) = @_;
	fatal("$file: no such file") unless -f $file;
	# -P: list the names verbatim (without it tar hides a leading / or ../).
	my @tar = ('tar', '-P', '--quoting-style=escape', '--numeric-owner');
	my $check = member_checker($file);
	my @long;
	my ($rc, $err) = stream_lines([@tar, '-tzvf', $file], sub {
		my ($l) = @_;
		my ($mode, $owner, $size, $date, $time, $name) = split ' ', $l, 6;
		$name //= '';
		my $type = substr($mode // '?', 0, 1);
		$name =~ s/ -> .*// if $type eq 'l';
		$name =~ s/ link to .*// if $type eq 'h';
		fatal("$file is not a valid update tarball (cannot read the listing line '$l')")
			if ($type eq '-' || $type eq 'd') && !($size =~ /^\d+$/ && length $name);
		$check->($name, $type, $size);
		push @long, [$type, $size, $l];
	});
	fatal("$file is not a valid update tarball (tar: " . first_line($err) . ")") if $rc;
	my @names;
	($rc, $err) = stream_lines([@tar, '-tzf', $file], sub {
		fatal("$file is not a valid update tarball (inconsistent listing)") if @names >= @long;
		push @names, $_[0];
	});
	fatal("$file is not a valid update tarball (tar: " . first_line($err) . ")") if $rc;
	fatal("$file is not a valid update tarball (inconsistent listing)") if @names != @long || !@names;
	# Again with the verbatim names: the limit of each member depends on its name.
	$check = member_checker($file);
	my ($id, @unpack);
	for my $i (0 .. $#names) {
		my ($type, $size, $l) = @{ $long[$i] };
		fatal("$file is not a valid update tarball (inconsistent listing)") unless substr($l, -length($names[$i]) - 1) eq " $names[$i]";
		my ($mid, $rel, $unpacked) = $check->($names[$i], $type, $size);
		$id //= $mid;
		push @unpack, $names[$i] if $unpacked;
	}
	return ($id, \@unpack);
}

# The first line of a message that says something (tar may start with an empty one).
sub first_line { my ($s) = @_; $s //= ''; my ($l) = grep { /\S/ } split /\n/, $s; return $l // '' }

# Every member of an unpacked update directory, checked like a tarball's
# (lstat: a symbolic link is refused, never followed).  Returns the id and the
# paths below the directory of the members to unpack.
sub check_update_dir {
	my ($update, $dir) = @_;
	my $top = basename($dir);
	my $check = member_checker($update);
	my ($id, @unpack);
	my $visit;
	$visit = sub {
		my ($rel) = @_;
		my $path = length $rel ? "$dir/$rel" : $dir;
		my @st = lstat $path or fatal("$update: cannot read member '$top/$rel': $!");
		my $type = S_ISREG($st[2]) ? '-' : S_ISDIR($st[2]) ? 'd' : '?';
		my ($mid, $r, $unpacked) = $check->(length $rel ? "$top/$rel" : $top, $type, $st[7]);
		$id //= $mid;
		push @unpack, $rel if $unpacked;
		return unless $type eq 'd';
		opendir(my $dh, $path) or fatal("$update: cannot read member '$top/$rel': $!");
		my @e = sort grep { $_ ne '.' && $_ ne '..' } readdir $dh;
		closedir $dh;
		$visit->(length $rel ? "$rel/$_" : $_) for @e;
	};
	$visit->('');
	undef $visit;
	return ($id, \@unpack);
}

# Copy a member of an update directory into the private temp dir: opened
# without following a symbolic link and without blocking on a fifo, and only
# a regular file within its limit.
sub copy_member {
	my ($update, $from, $to, $name) = @_;
	my ($limit) = member_limit($name =~ s{^[^/]+/}{}r);
	sysopen(my $in, $from, O_RDONLY | O_NOFOLLOW | O_NONBLOCK)
		or fatal("$update: refusing member '$name': " . ($! == ELOOP ? "not a regular file or directory" : "$!"));
	my @st = stat $in;
	fatal("$update: refusing member '$name': not a regular file or directory") unless S_ISREG($st[2]);
	fatal("$update: refusing member '$name': too large ($st[7] bytes; the limit is " . fmt_bytes($limit) . ")") if $st[7] > $limit;
	binmode $in;
	my $data = '';
	while (1) {
		my $r = sysread($in, $data, 1 << 20, length $data);
		fatal("$update: cannot read member '$name': $!") unless defined $r;
		last if $r == 0;
		fatal("$update: refusing member '$name': too large (over " . fmt_bytes($limit) . ")") if length $data > $limit;
	}
	close $in;
	mkdir_p(dirname($to));
	sysopen(my $out, $to, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0600) or fatal("cannot write $to: $!");
	binmode $out;
	print $out $data or fatal("cannot write $to: $!");
	close $out or fatal("cannot write $to: $!");
}

# Open an update (tarball or unpacked directory) into a private temp dir TMP:
# the members the drivers read are unpacked (or, from a directory, copied)
# into TMP/ksplice-ID/ after every member was checked.  Returns
# { id, dir, contents => [...], utsname => {...}, ... }.
sub open_update {
	my ($update, $tmp) = @_;
	my ($id, $unpack);
	my $dir;
	if (-d $update) {
		my $src = abs_path($update);
		fatal("$update: not an update (directory is not named ksplice-<id>)") unless basename($src) =~ /^ksplice-[a-z0-9]+$/;
		($id, $unpack) = check_update_dir($update, $src);
		$dir = "$tmp/ksplice-$id";
		mkdir($dir, 0700) or fatal("cannot create $dir: $!");
		copy_member($update, "$src/$_", "$dir/$_", "ksplice-$id/$_") for @$unpack;
	} else {
		($id, $unpack) = check_tarball($update);
		fatal("$update holds no ksplice-$id/ directory") unless @$unpack;
		my ($rcx, $out) = capture('tar', '-xzf', $update, '-C', $tmp, '--no-same-owner',
			'--no-same-permissions', '--no-overwrite-dir', '--delay-directory-restore', '--no-wildcards', @$unpack);
		fatal("cannot unpack $update: " . first_line($out)) if $rcx;
		$dir = "$tmp/ksplice-$id";
		fatal("$update holds no ksplice-$id/ directory") unless -d $dir && !-l $dir;
		# What was unpacked is what was checked (no link, nothing larger).
		check_update_dir($update, $dir);
	}
	my $u = { id => $id, dir => $dir };
	for my $f (qw(contents utsname api-version)) {
		fatal("$update is not a valid update: $f missing") unless -f "$dir/$f" && !-l "$dir/$f";
	}
	$u->{utsname} = parse_utsname(read_file("$dir/utsname"));
	($u->{api}) = (read_file("$dir/api-version") // '') =~ /(\d+)/;
	$u->{description} = -f "$dir/description" ? read_file("$dir/description") : '';
	chomp $u->{description};
	$u->{patch} = -f "$dir/patch" ? read_file("$dir/patch") : '';
	$u->{effective_version} = read_effective_version($dir, "$update is not a valid update");
	$u->{changed} = -f "$dir/debug/changed" ? parse_changed(read_file("$dir/debug/changed")) : undef;
	($u->{core}, $u->{changes}) = parse_contents(read_file("$dir/contents"), $id, "$update is not a valid update");
	for my $f (module_files($u)) {
		fatal("$update is not a valid update: $f missing") unless -f "$dir/$f" && !-l "$dir/$f";
	}
	return $u;
}

# Module names: a target is vmlinux or a module name.
sub valid_target { return defined $_[0] && $_[0] =~ /^[A-Za-z0-9_,-]+$/ && length($_[0]) <= MODULE_NAME_MAX }

# The writer of the update format (open_update and parse_contents read it):
# DIR/ with contents (the core, then a change record per target, in the
# order given), patch, description, api-version, utsname, timestamp, the
# effective version, the modules (name => built file), their digests and
# debug/changed.
sub write_update {
	my ($out, %u) = @_;
	my $id = $u{id};
	mkdir $out or fatal("mkdir $out: $!");
	my $contents = "core ksplice_$id ksplice-$id.ko\n";
	for my $t (@{ $u{targets} }) {
		my $n = module_names($id, $t);
		$contents .= "change $t $n->{new} $n->{new_file} $n->{old} $n->{old_file}\n";
	}
	write_file("$out/contents", $contents);
	write_file("$out/patch", $u{patch});
	write_file("$out/description", "$u{description}\n") if defined $u{description};
	my $api = api_version() // fatal("cannot read KSPLICE_API_VERSION from " . kmodsrc_path() . "/ksplice-meta.h");
	write_file("$out/api-version", "$api\n");
	write_file("$out/utsname", format_utsname($u{utsname}));
	write_file("$out/timestamp", time() =~ s/\..*//r . "\n");
	write_effective_version($out, $u{effective_version}) if defined $u{effective_version};
	copy_preserve($u{modules}{$_}, "$out/$_") for keys %{ $u{modules} };
	# SHA-256 of each module file (and of the effective version):
	# ksplice-apply checks them before loading.
	write_digests($out, keys %{ $u{modules} }, defined $u{effective_version} ? (EFFECTIVE_VERSION()) : ());
	mkdir_p("$out/debug");
	write_file("$out/debug/changed", $u{changed});
}

# The records of a `contents` file of update ID.  Every module name and file
# name must be exactly the one module_names derives from the id and the
# target: nothing else is ever loaded or unloaded.  WHERE starts the messages.
sub parse_contents {
	my ($text, $id, $where) = @_;
	my (@changes, $core, %tag);
	for my $l (split /\n/, $text // '') {
		my @f = split ' ', $l;
		next unless @f;
		if ($f[0] eq 'core' && @f == 3 && !$core) {
			$core = { name => $f[1], file => $f[2] };
		} elsif ($f[0] eq 'change' && @f == 6) {
			push @changes, { target => $f[1], new => $f[2], new_file => $f[3], old => $f[4], old_file => $f[5] };
		} else {
			fatal("$where: bad contents record '$l'");
		}
	}
	fatal("$where: no core record in contents") unless $core;
	fatal("$where: core module is $core->{name}, expected ksplice_$id") unless $core->{name} eq "ksplice_$id";
	fatal("$where: core module file is $core->{file}, expected ksplice-$id.ko") unless $core->{file} eq "ksplice-$id.ko";
	for my $c (@changes) {
		fatal("$where: bad target name '$c->{target}' in contents") unless valid_target($c->{target});
		my $n = module_names($id, $c->{target});
		fatal("$where: target $c->{target} named twice in contents (as $tag{$n->{new}})") if $tag{ $n->{new} };
		$tag{ $n->{new} } = $c->{target};
		for my $k (qw(new new_file old old_file)) {
			fatal("$where: contents names $c->{$k} for target $c->{target}, expected $n->{$k}") unless $c->{$k} eq $n->{$k};
		}
		fatal("$where: module name $n->{new} is longer than " . MODULE_NAME_MAX . " characters")
			if length($n->{new}) > MODULE_NAME_MAX;
	}
	return ($core, \@changes);
}

# The functions an update changes, from its `debug/changed` (also kept as
# `changed` in its record): lines "TARGET OBJECT changed|new FUNCTION", as
# ksplice-create writes them.  Returns { TARGET => { changed => [...],
# new => [...] } }, functions in the order of the file; other lines are
# ignored.
sub parse_changed {
	my ($text) = @_;
	my %t;
	for (split /\n/, $text // '') {
		my ($target, undef, $kind, $fn) = split ' ';
		next unless defined $fn && ($kind eq 'changed' || $kind eq 'new') && valid_target($target);
		$t{$target} //= { changed => [], new => [] };
		push @{ $t{$target}{$kind} }, $fn unless grep { $_ eq $fn } @{ $t{$target}{$kind} };
	}
	return \%t;
}

sub module_files {
	my ($u) = @_;
	return ($u->{core}{file}, map { ($_->{new_file}, $_->{old_file}) } @{ $u->{changes} });
}

# ---------------------------------------------------------------- effective version

# `effective-version` of an update (ksplice-create --effective-version): the
# kernel version the running kernel is equivalent to once the update is
# applied (e.g. the Debian release whose fix it carries), one line of
# printable characters.  The same file is kept in the update's record
# (STATE/updates/ID/) for ksplice-view --uname and --json.  This writer and
# this reader are the only code that knows the format.
use constant EFFECTIVE_VERSION => 'effective-version';
use constant EFFECTIVE_VERSION_MAX => 200;

sub valid_effective_version {
	my ($v) = @_;
	return defined $v && $v =~ /\A[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?\z/ && length $v <= EFFECTIVE_VERSION_MAX;
}

# The text of the member (or of the record's file) for version V.
sub effective_version_text {
	my ($v) = @_;
	fatal("bad effective version '" . ($v // '') . "': one line of at most " . EFFECTIVE_VERSION_MAX .
		" printable ASCII characters, no leading or trailing space") unless valid_effective_version($v);
	return "$v\n";
}

sub write_effective_version {
	my ($dir, $v) = @_;
	write_file("$dir/" . EFFECTIVE_VERSION, effective_version_text($v));
}

# The effective version in DIR (an update or a record), undef when it has
# none; WHERE starts the message that refuses a malformed one.
sub read_effective_version {
	my ($dir, $where) = @_;
	my $f = "$dir/" . EFFECTIVE_VERSION;
	return undef unless -e $f || -l $f;
	fatal("$where: " . EFFECTIVE_VERSION . " is not a regular file") if -l $f || !-f _;
	my $s = read_file($f) // fatal("cannot read $f: $!");
	my ($v) = $s =~ /\A([^\n]*)\n\z/;
	fatal("$where: bad " . EFFECTIVE_VERSION . " (one line of at most " . EFFECTIVE_VERSION_MAX .
		" printable ASCII characters expected)") unless valid_effective_version($v);
	return $v;
}

# ---------------------------------------------------------------- digests

# `sha256sums` of an update: one line per module file and for the
# `effective-version` member, "HEX  FILE" (the format of sha256sum(1)),
# written by ksplice-create, checked by ksplice-apply before anything is
# loaded.  This writer and this reader are
# the only code that knows the format.
sub sha256_file {
	my ($f) = @_;
	my $d = Digest::SHA->new(256);
	open(my $fh, '<:raw', $f) or return undef;
	$d->addfile($fh);
	return $d->hexdigest;
}

sub write_digests {
	my ($dir, @files) = @_;
	my $s = '';
	for my $f (sort @files) {
		fatal("cannot record the digest of '$f': bad file name") unless $f =~ /^[\w.,+-]+$/;
		my $h = sha256_file("$dir/$f") // fatal("cannot read $dir/$f: $!");
		$s .= "$h  $f\n";
	}
	write_file("$dir/sha256sums", $s);
}

# Every module file of update U (and its effective-version, when it has one)
# must have its digest in sha256sums and match it; every file sha256sums
# names must match too.
sub check_digests {
	my ($u, $update) = @_;
	my $f = "$u->{dir}/sha256sums";
	fatal("$update is not a valid update: sha256sums missing") unless -f $f && !-l $f;
	my %want;
	for my $l (split /\n/, read_file($f) // '') {
		my ($h, $name) = $l =~ /^([0-9a-f]{64})  ([\w.,+-]+)$/
			or fatal("$update is not a valid update: bad sha256sums line '$l'");
		fatal("$update is not a valid update: sha256sums names $name twice") if $want{$name};
		$want{$name} = $h;
	}
	for my $m (module_files($u), grep { -e "$u->{dir}/$_" || -l "$u->{dir}/$_" } EFFECTIVE_VERSION) {
		fatal("$update is not a valid update: no SHA-256 digest of $m in sha256sums") unless $want{$m};
	}
	for my $name (sort keys %want) {
		my $p = "$u->{dir}/$name";
		fatal("$update is not a valid update: sha256sums names $name, which the update does not hold") unless -f $p && !-l $p;
		my $got = sha256_file($p) // fatal("cannot read $p: $!");
		fatal("$update: $name does not match its SHA-256 digest in sha256sums (corrupted or altered)") if $got ne $want{$name};
	}
}

# ---------------------------------------------------------------- sysfs

sub sysfs_dir { my ($id) = @_; return sysfs_root() . "/module/ksplice_$id/ksplice" }
sub module_loaded { my ($name) = @_; (my $n = $name) =~ tr/-/_/; return -d sysfs_root() . "/module/$n" }

# (A signal held back by signals_deferred may interrupt the read: retried.)
sub sysfs_read {
	my ($id, $file) = @_;
	for (1 .. 100) {
		my $s = read_file(sysfs_dir($id) . "/$file");
		if (defined $s) { chomp $s; return $s }
		last unless $! == EINTR;
	}
	return undef;
}

# Only files the engine made: a missing one is an error, never created.
sub sysfs_write {
	my ($id, $file, $val) = @_;
	my $p = sysfs_dir($id) . "/$file";
	sysopen(my $fh, $p, O_WRONLY | O_TRUNC) or return "$p: $!";
	my $ok = print $fh "$val\n";
	my $err = $ok ? undef : "$!";
	close($fh) or $err //= "$!";
	return defined $err ? "$p: $err" : undef;
}

# Apply or reverse (stage 'applied' or 'reversed') in the engine's own
# thread.  While the engine checks every thread's stack, the driver must be
# in no function the update replaces, whatever it replaces (the write path,
# nanosleep, poll...): so it waits in user mode, spinning, until SIGCONT
# from the engine (or, now and then, a stage that no longer reads applying
# or reversing).  An engine without the "async" switch does it in write().
# Returns the write's error, or undef.
sub stage_change {
	my ($id, $want) = @_;
	my $woken = 0;
	local $SIG{CONT} = sub { $woken = 1 };
	my $async = !sysfs_write($id, 'async', 1);
	my $err = sysfs_write($id, 'stage', $want);
	return $err if $err || !$async;
	my ($next, $said) = (0, 0);
	my $start = time;
	while (1) {
		if ($woken || time >= $next) {
			$woken = 0;
			my $s = sysfs_read($id, 'stage') // '';
			return undef unless $s eq 'applying' || $s eq 'reversing';
			$next = time + 1;
			# The engine's retries are bounded; a slow machine only
			# makes them long, and giving up would leave the state on
			# disk unknown: say why we wait, and go on waiting.
			if (!$said && time - $start >= 30) {
				print STDERR "ksplice: $id: the kernel is still $s (its stack checks retry); waiting\n";
				$said = 1;
			}
		}
		for (my $i = 0; $i < 1000 && !$woken; $i++) { }
	}
}

# Updates the kernel knows: core modules with a ksplice/ directory.
sub loaded_updates {
	my $d = sysfs_root() . "/module";
	opendir(my $dh, $d) or return ();
	my @ids = sort grep { defined } map { /^ksplice_([a-z0-9]+)$/ && -d "$d/$_/ksplice" ? $1 : undef } readdir $dh;
	closedir $dh;
	return @ids;
}

sub insmod {
	my ($file, @args) = @_;
	my @cmd = (split(' ', $ENV{KSPLICE_INSMOD} // 'insmod'), $file, @args);
	my ($rc, $out) = capture(@cmd);
	return $rc ? (first_line($out) || "insmod exited with $rc") : undef;
}

sub rmmod {
	my ($name) = @_;
	my @cmd = (split(' ', $ENV{KSPLICE_RMMOD} // 'rmmod'), $name);
	my ($rc, $out) = capture(@cmd);
	return $rc ? (first_line($out) || "rmmod exited with $rc") : undef;
}

# ---------------------------------------------------------------- saved state

# STATE (/var/run/ksplice) holds `lock` and updates/ID/ per applied update;
# every directory is created 0700 and every file 0600, whatever the umask.
# A record is written whole in updates/.ID.new and renamed into place.
sub update_state_dir { my ($id) = @_; return state_dir() . "/updates/$id" }

# A private directory of the state: created 0700, or an existing one checked
# (a real directory, ours) and set to 0700.
sub private_dir {
	my ($d) = @_;
	if (!lstat $d) {
		make_path(dirname($d)) unless -d dirname($d);
		mkdir($d, 0700) or -d $d or fatal("cannot create $d: $!");
	}
	my @st = lstat $d;
	fatal("$d is not a directory") unless @st && S_ISDIR($st[2]);
	fatal("$d belongs to uid $st[4], not to uid $>") if $st[4] != $>;
	chmod(0700, $d) or fatal("cannot chmod $d: $!") if S_IMODE($st[2]) != 0700;
}

# Write FILE (new, 0600) with TEXT.
sub write_private {
	my ($f, $s) = @_;
	sysopen(my $fh, $f, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0600) or fatal("cannot write $f: $!");
	chmod 0600, $fh;
	print $fh $s or fatal("cannot write $f: $!");
	close $fh or fatal("cannot write $f: $!");
}

# Serialise ksplice-apply and ksplice-undo: an exclusive flock(2) of
# STATE/lock, held until the driver exits.  A run that finds the lock taken
# waits up to KSPLICE_LOCK_TIMEOUT seconds (default 30), then gives up.
# Leftovers of a run killed while it recorded an update are then settled.
our $STATE_LOCK;
sub lock_state {
	return $STATE_LOCK if $STATE_LOCK;    # held already (ksplice-apply --installed)
	my $d = state_dir();
	private_dir($d);
	private_dir("$d/updates");
	my $f = "$d/lock";
	sysopen(my $fh, $f, O_RDWR | O_CREAT | O_NOFOLLOW, 0600) or fatal("cannot open the lock file $f: $!");
	chmod 0600, $fh;
	if (!flock($fh, LOCK_EX | LOCK_NB)) {
		my $timeout = $ENV{KSPLICE_LOCK_TIMEOUT} // 30;
		$timeout = 30 unless $timeout =~ /^\d+(\.\d+)?$/;
		info("Waiting for another ksplice-apply or ksplice-undo to finish (lock $f)");
		STDOUT->flush;
		my $deadline = time + $timeout;
		until (flock($fh, LOCK_EX | LOCK_NB)) {
			fatal("another ksplice-apply or ksplice-undo is running (lock $f still held after $timeout s); try again later")
				if time >= $deadline;
			sleep 0.1;
		}
	}
	$STATE_LOCK = $fh;
	reconcile_state();
	return $fh;
}

# updates/.ID.new is a record being written (complete once it holds
# applied-at, written last) and updates/.ID.old one being replaced.  A
# complete one whose update the kernel holds applied, without a record,
# becomes the record; the others go.
sub reconcile_state {
	my $u = state_dir() . "/updates";
	opendir(my $dh, $u) or return;
	my @e = sort grep { /^\.[a-z0-9]+\.(new|old)$/ } readdir $dh;
	closedir $dh;
	for my $e ((grep { /new$/ } @e), (grep { /old$/ } @e)) {
		my ($id, $kind) = $e =~ /^\.([a-z0-9]+)\.(new|old)$/;
		if ($kind eq 'new' && -f "$u/$e/applied-at" && !-e "$u/$id" && (sysfs_read($id, 'stage') // '') eq 'applied') {
			rename("$u/$e", "$u/$id") and next;
		}
		remove_tree("$u/$e");
	}
}

# Write the record of update ID (FILES: name => text) as updates/.ID.new;
# returns its path, for commit_record.
sub prepare_record {
	my ($id, $files) = @_;
	my $p = state_dir() . "/updates/.$id.new";
	remove_tree($p) if -e $p || -l $p;
	mkdir($p, 0700) or fatal("cannot create $p: $!");
	chmod 0700, $p;
	write_private("$p/$_", $files->{$_}) for sort grep { $_ ne 'applied-at' } keys %$files;
	write_private("$p/applied-at", $files->{'applied-at'} // sprintf("%.6f\n", time));
	return $p;
}

# Put a prepared record in place of updates/ID (replacing a stale one).
sub commit_record {
	my ($id, $p) = @_;
	my $d = update_state_dir($id);
	my $old = state_dir() . "/updates/.$id.old";
	if (-e $d || -l $d) {
		remove_tree($old) if -e $old;
		rename($d, $old) or fatal("cannot replace $d: $!");
	}
	rename($p, $d) or fatal("cannot rename $p to $d: $!");
	remove_tree($old) if -e $old;
}

# ---------------------------------------------------------------- installed updates

# The updates installed in updates_dir() (/var/lib/ksplice/updates, where
# the update packages put them): each a tarball ksplice-ID.tar.gz or an
# unpacked directory ksplice-ID/, in install order.  The install order is
# the order of their modification times (the update package's postinst sets
# it to the time it is configured), then of their names; other names
# (dpkg's temporary files among them) are not updates.  Returns
# [{ id, path, name, mtime }].
sub installed_updates {
	my $d = updates_dir();
	opendir(my $dh, $d) or return ();
	my @e;
	for my $n (readdir $dh) {
		my ($id) = $n =~ /^ksplice-([a-z0-9]+)(?:\.tar\.gz)?$/;
		next unless valid_id($id);
		my @st = Time::HiRes::lstat("$d/$n") or next;
		push @e, { id => $id, path => "$d/$n", name => $n, mtime => $st[9] };
	}
	closedir $dh;
	return sort { $a->{mtime} <=> $b->{mtime} || $a->{name} cmp $b->{name} } @e;
}

sub saved_updates {
	my $d = state_dir() . "/updates";
	opendir(my $dh, $d) or return ();
	my @ids = sort grep { valid_id($_) && -d "$d/$_" } readdir $dh;
	closedir $dh;
	return @ids;
}

1;
