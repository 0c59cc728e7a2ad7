package KspliceIncludes;
# Textual include graph of a kernel source tree, for ksplice-create on a tree
# that is configured but not built (no .cmd dependency files yet): which
# source files include a changed header, directly or through other headers.
#
# The graph over-approximates what the compiler sees, never under-: #if
# conditions are ignored, an include that exists under several of the
# directories a file's directory adds with -I counts for each of them, and an
# include we cannot resolve at all (a -I we could not evaluate) is matched by
# name against every header the search reaches.  An object that does not
# really depend on the header just compiles to the same bytes ("no change");
# a dependent we missed would silently leave old code running.
#
# One pass of grep (far faster than reading 45k files in Perl) collects the
# #include lines and the -I flags of the Makefiles; the graph lives in memory
# for the run only, nothing is written into the tree.

use strict;
use warnings;
use File::Basename qw(dirname basename);
use File::Find qw(find);
use File::Temp ();
use Time::HiRes qw(time);
use Ksplice ();

# kbuild's LINUXINCLUDE for x86, in order (the generated ones live in the
# object tree when it is apart, O=).
our @STD_INCLUDE = qw(arch/x86/include arch/x86/include/generated include
	arch/x86/include/uapi arch/x86/include/generated/uapi include/uapi include/generated/uapi);

# Included by every C file (and the first two by every .S) through -include on
# the compiler's command line: reaching one of them means every object.
our @FORCED = qw(include/linux/compiler-version.h include/linux/kconfig.h include/linux/compiler_types.h);

# Top-level directories whose files are never part of the running kernel.
my %SKIP_TOP = map { $_ => 1 } qw(Documentation tools scripts samples usr LICENSES .git);

# Directories of arch/x86 whose objects go into other images (the boot
# image, the real-mode blob, kexec's purgatory) or into another arch (um).
my %NOT_KERNEL_DIR = map { $_ => 1 } qw(arch/x86/um arch/x86/boot arch/x86/realmode/rm arch/x86/purgatory arch/x86/tools);

my $INCLUDE_RE = qr/^[ \t]*#[ \t]*include[ \t]*([<"])([^>"\n]+)[>"]/;

# Collapse a/./b, a/x/../b; undef when it climbs out of the tree.
sub norm_path {
	my ($p) = @_;
	return $p unless $p =~ m{(?:^|/)\.|//|^/|/$};    # the common case, fast
	my @out;
	for my $c (split m{/+}, $p) {
		next if $c eq '' || $c eq '.';
		if ($c eq '..') { return undef unless @out; pop @out; next }
		push @out, $c;
	}
	return join '/', @out;
}

# The directories (relative to the tree) to scan: everything but the
# skipped top directories and the other architectures' arch/<arch>.
sub scan_roots {
	my ($root) = @_;
	opendir(my $dh, $root) or return ();
	my @r;
	for my $e (sort readdir $dh) {
		next if $e =~ /^\./ || $SKIP_TOP{$e} || !-d "$root/$e" || -l "$root/$e";
		push @r, $e eq 'arch' ? (-d "$root/arch/x86" ? 'arch/x86' : ()) : $e;
	}
	closedir $dh;
	return @r;
}

# scan(KSRC, OBJTREE, TMPDIR): the graph {rev => {file => [includers]},
# unres => {name => [includers]}, files => [every scanned .c/.S/.h],
# nfiles, nlines, secs}.  Paths relative to the tree.
sub scan {
	my ($ksrc, $objtree, $tmpdir) = @_;
	$objtree //= $ksrc;
	my $t0 = time;
	my @roots = map { [$ksrc, $_] } scan_roots($ksrc);
	# Generated headers of a separate object tree (O=).
	if ($objtree ne $ksrc) {
		push @roots, map { [$objtree, $_] } grep { -d "$objtree/$_" } qw(include/generated arch/x86/include/generated);
	}
	my @files;
	for my $r (@roots) {
		my ($top, $sub) = @$r;
		find({ no_chdir => 1, wanted => sub {
			my $n = $File::Find::name;
			if (-d $n) { $File::Find::prune = 1 if -l $n || basename($n) eq '.git'; return }
			return unless $n =~ /\.(?:[chS]|inc)$/ || $n =~ m{/(?:Makefile|Kbuild)$};
			push @files, $n;
		} }, "$top/$sub");
	}
	my $g = { rev => {}, unres => {}, files => [], ninc => 0, nfiles => 0 };
	my (%lines, %iflags);
	# One grep over the roots: the #include lines of sources, the -I lines of
	# Makefiles (-r does not follow symbolic links, like the walk above).
	my @cmd = ('env', 'LC_ALL=C', 'grep', '-r', '-s', '-H', '-E',
		'--include=*.[chS]', '--include=*.inc', '--include=Makefile', '--include=Kbuild',
		'^[[:space:]]*#[[:space:]]*include|-I|-iquote|-isystem|-idirafter', map { "$_->[0]/$_->[1]" } @roots);
	# Into a file, read back in one piece: a callback per line costs more
	# than grep itself.
	my ($tfh, $tname) = File::Temp::tempfile('includes-XXXXXX', UNLINK => 1,
		defined $tmpdir ? (DIR => $tmpdir) : (TMPDIR => 1));
	my $rc = Ksplice::run(cmd => \@cmd, stdout => $tname, stderr => '/dev/null');
	my $buf = do { local $/; <$tfh> } // '';
	close $tfh;
	unlink $tname;
	my %plen = ($ksrc => length($ksrc) + 1, $objtree => length($objtree) + 1);
	# Kernel file names hold no ':': the first one ends the name.
	while ($buf =~ /^([^:\n]*):([^\n]*)/mg) {
		my ($path, $text) = ($1, $2);
		my $top = substr($path, 0, length $ksrc) eq $ksrc ? $ksrc : $objtree;
		my $rel = substr($path, $plen{$top});
		if ($rel =~ m{(?:^|/)(?:Makefile|Kbuild)$}) {
			push @{ $iflags{ dirname($rel) } }, $text;
		} elsif ($text =~ $INCLUDE_RE) {
			push @{ $lines{$rel} }, $1, $2;
		}
	}
	undef $buf;
	die "grep over the tree's sources failed (exit $rc)\n" if $rc > 1;
	$g->{files} = [map { m{^(?:\Q$ksrc\E|\Q$objtree\E)/(.*)} ? $1 : () } grep { !m{/(?:Makefile|Kbuild)$} } @files];
	$g->{nfiles} = scalar @{ $g->{files} };
	my %exists = map { $_ => 1 } @{ $g->{files} };
	my $extra = extra_include_dirs(\%iflags, \%exists);
	my %memo;
	my $rev = $g->{rev};
	for my $f (keys %lines) {
		my $dir = dirname($f);
		$dir = '' if $dir eq '.';
		my $dirs = $extra->($dir);
		my $l = $lines{$f};
		for (my $i = 0; $i < @$l; $i += 2) {
			my ($kind, $name) = @$l[$i, $i + 1];
			# Angle includes repeat a lot (<linux/...>): resolve each once per
			# set of extra directories.
			my $key = $kind eq '"' ? "$dir\0$name" : "<$dirs\0$name";
			my $to = $memo{$key} //= [resolve($kind, $name, $dir, $dirs, \%exists)];
			if (@$to) { push @{ $rev->{$_} }, $f for @$to }
			else {
				my $u = norm_path($name =~ s{^(?:\.\./)+}{}r);
				push @{ $g->{unres}{$u} }, $f if defined $u && length $u;
			}
		}
		$g->{ninc} += @$l / 2;
	}
	$g->{secs} = time - $t0;
	return $g;
}

# Where an include line leads: the including file's directory first for
# "quoted" ones, then the first hit of the standard path, plus every hit in
# the extra -I directories of the file's directory (their order against the
# standard ones is not worth modelling: each hit is a possible dependency).
sub resolve {
	my ($kind, $name, $dir, $extra, $exists) = @_;
	if ($kind eq '"') {
		my $p = norm_path(length $dir ? "$dir/$name" : $name);
		return ($p) if defined $p && $exists->{$p};
	}
	my @to;
	for my $d (@STD_INCLUDE) {
		my $p = norm_path("$d/$name");
		if (defined $p && $exists->{$p}) { push @to, $p; last }
	}
	for my $d (@$extra) {
		my $p = norm_path(length $d ? "$d/$name" : $name);
		push @to, $p if defined $p && $exists->{$p} && !grep { $_ eq $p } @to;
	}
	return @to;
}

# -I directories that the Makefiles of a directory and of its parents add
# (ccflags-y, subdir-ccflags-y, CFLAGS_x.o, asflags...): a closure DIR ->
# [dirs].  A parent's flags count for its subdirectories too (subdir-ccflags
# does that; for plain ccflags it is a harmless over-approximation).
sub extra_include_dirs {
	my ($iflags, $exists) = @_;
	my %own;
	for my $dir (keys %$iflags) {
		my $d = $dir eq '.' ? '' : $dir;
		for my $text (@{ $iflags->{$dir} }) {
			while ($text =~ /(?:^|[\s'"(=])-(?:I|iquote|isystem|idirafter)[ \t]*(\S+)/g) {
				my $p = makefile_path($1 =~ s/['"]//gr, $d);
				push @{ $own{$d} }, $p if defined $p;
			}
		}
	}
	my %memo;
	my $get;
	$get = sub {
		my ($d) = @_;
		return $memo{$d} if $memo{$d};
		my @l = @{ $own{$d} // [] };
		if (length $d) {
			my $parent = dirname($d);
			push @l, @{ $get->($parent eq '.' ? '' : $parent) };
		}
		my %seen;
		return $memo{$d} = [grep { !$seen{$_}++ } @l];
	};
	return $get;
}

# A Makefile's -I argument as a tree-relative directory, or undef when it
# names something we cannot evaluate cheaply.
sub makefile_path {
	my ($p, $dir) = @_;
	$p =~ s/\$\((?:srctree|objtree)\)\/\$\((?:src|obj)\)/$dir/g;
	$p =~ s/\$\((?:src|obj)\)/$dir/g;
	$p =~ s/\$\((?:srctree|objtree)\)//g;
	$p =~ s/\$\((?:SRCARCH|ARCH|SUBARCH)\)/x86/g;
	return undef if $p =~ /\$/;
	return norm_path($p) // undef;
}

# dependents(GRAPH, FILE...): every file that includes one of FILEs,
# directly or not (FILEs included), and whether a forced include was reached
# (then every object depends on the change).
sub dependents {
	my ($g, @start) = @_;
	my %seen;
	my @queue = grep { !$seen{$_}++ } map { norm_path($_) } @start;
	while (@queue) {
		my $f = shift @queue;
		my @from = @{ $g->{rev}{$f} // [] };
		# Unresolved includes whose name is a tail of this path.
		my @c = split m{/}, $f;
		for my $i (0 .. $#c) {
			push @from, @{ $g->{unres}{ join '/', @c[$i .. $#c] } // [] };
		}
		for my $x (@from) { push @queue, $x unless $seen{$x}++ }
	}
	my %forced = map { $_ => 1 } @FORCED;
	my $all = grep { $forced{$_} } keys %seen;
	return ([sort keys %seen], $all ? 1 : 0);
}

# ---------------------------------------------------------------- is it built

# Is directory DIR (tree-relative) descended into by kbuild in this
# configuration?  Off only when every mention of it in its parent's
# Makefile/Kbuild (or, for arch/x86's own subdirectories, arch/x86/Makefile's
# core-/drivers-/libs- lists) is conditional on a CONFIG_ option that is not
# set; a directory we find no mention of counts as built (over-approximation).
sub dir_built {
	my ($ksrc, $dir, $kc, $memo) = @_;
	$memo //= {};
	return $memo->{$dir} if exists $memo->{$dir};
	my $r = 1;
	if ($dir =~ m{^([^/]+)} && $SKIP_TOP{$1}) { $r = 0 }
	elsif ($dir =~ m{^arch/(?!x86(?:/|$))} || $NOT_KERNEL_DIR{$dir}) { $r = 0 }
	elsif ($dir =~ m{/}) {
		my $parent = dirname($dir);
		my $name = basename($dir);
		my @mf = ("$ksrc/$parent/Makefile", "$ksrc/$parent/Kbuild");
		push @mf, "$ksrc/arch/x86/Makefile" if $dir =~ m{^arch/x86/};
		my $st = mention_status(\@mf, [qr{(?:^|[\s=])\Q$name\E/(?:\s|$)}, qr{(?:^|[\s=])\Q$dir\E/(?:\s|$)}], $kc);
		$r = 0 if defined $st && $st eq 'off';
		$r &&= dir_built($ksrc, $parent, $kc, $memo);
	} else {
		my $st = mention_status(["$ksrc/Kbuild"], [qr{(?:^|[\s=])\Q$dir\E/(?:\s|$)}], $kc);
		$r = 0 if defined $st && $st eq 'off';
	}
	return $memo->{$dir} = $r;
}

# The one reader of kbuild Makefiles (ksplice-create's makefile_mentions
# uses it too): the lines of MF, continuations joined and comments dropped,
# or undef if there is no such file.  Memoized: a header's dependents ask
# for thousands of files.
my %makefile_memo;
sub makefile_lines {
	my ($mf) = @_;
	return $makefile_memo{$mf} if exists $makefile_memo{$mf};
	my $s = Ksplice::read_file($mf);
	return $makefile_memo{$mf} = undef unless defined $s;
	$s =~ s/\\\n/ /g;
	return $makefile_memo{$mf} = [map { s/#.*//r } split /\n/, $s];
}

# Whether a Makefile line that names something builds it: an
# X-$(CONFIG_Y) assignment when Y is y or m (KC: the parsed .config), any
# other line always.
sub line_on {
	my ($l, $kc) = @_;
	return 1 unless $l =~ /^\s*[\w.-]+-\$\((CONFIG_\w+)\)\s*[:+]?=/;
	my $v = $kc->{$1} // '';
	return $v eq 'y' || $v eq 'm';
}

# 'on', 'off' or undef (no mention) for the lines of the Makefiles matching
# one of the patterns.
sub mention_status {
	my ($files, $pats, $kc) = @_;
	my ($any, $on) = (0, 0);
	for my $mf (@$files) {
		for my $l (@{ makefile_lines($mf) // [] }) {
			next unless grep { $l =~ $_ } @$pats;
			$any = 1;
			$on = 1 if line_on($l, $kc);
		}
	}
	return undef unless $any;
	return $on ? 'on' : 'off';
}

1;
