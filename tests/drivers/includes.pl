#!/usr/bin/perl
# Host tests of KspliceIncludes (the textual include graph ksplice-create uses
# for a header change on an unbuilt tree), on a tiny fake kernel tree: direct
# and indirect dependents, quoted includes relative to the including file,
# the standard include paths, -I flags of a Makefile, unresolved includes,
# forced includes, and which directories kbuild descends into.
# Output: TAP lines (numbered from $ARGV[0] + 1) and the count on the last line.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../..";
use File::Temp qw(tempdir);
use File::Path qw(make_path);
use File::Basename qw(dirname);
use KspliceIncludes;

my $n = $ARGV[0] // 0;
my $fail = 0;
sub ok {
	my ($cond, $what, $got) = @_;
	$n++;
	print(($cond ? 'ok' : 'not ok') . " $n - $what\n");
	print "#   got: $got\n" if !$cond && defined $got;
	$fail++ unless $cond;
}

my $t = tempdir('ksplice-inc-XXXXXX', TMPDIR => 1, CLEANUP => 1);
my %files = (
	'Kbuild'                          => "obj-y += fs/ drivers/\nobj-\$(CONFIG_SAMPLES) += samples/\n",
	'include/linux/foo.h'             => "#ifndef FOO\n#include <linux/types.h>\n#endif\n",
	'include/linux/types.h'           => "/* nothing */\n",
	'include/linux/bar.h'             => "  #  include <linux/foo.h>\n",
	'include/linux/kconfig.h'         => "#include <generated/autoconf.h>\n",
	'include/generated/autoconf.h'    => "#define CONFIG_X 1\n",
	'include/uapi/linux/ufoo.h'       => "#define UFOO 1\n",
	'arch/x86/include/asm/thing.h'    => "#include <linux/bar.h>\n",
	'arch/arm/include/asm/thing.h'    => "#include <linux/foo.h>\n",
	'fs/Makefile'                     => "obj-y += a.o proc/\nobj-\$(CONFIG_OFF) += off.o\n",
	'fs/a.c'                          => "#include <linux/bar.h>\n#include \"local.h\"\n",
	'fs/local.h'                      => "#include <linux/ufoo.h>\n",
	'fs/off.c'                        => "#include <asm/thing.h>\n",
	'fs/proc/Makefile'                => "obj-y += b.o\n",
	'fs/proc/b.c'                     => "#include \"../local.h\"\n#include \"inc.c\"\n",
	'fs/proc/inc.c'                   => "#include \"priv.h\"\n",
	'fs/proc/priv.h'                  => "int x;\n",
	'drivers/Makefile'                => "obj-\$(CONFIG_DISABLED) += gone/\nobj-y += dev/\n",
	'drivers/gone/Makefile'           => "obj-y += g.o\n",
	'drivers/gone/g.c'                => "#include <linux/foo.h>\n",
	'drivers/dev/Makefile'            => "ccflags-y += -I\$(srctree)/\$(src)/hdr -I \$(srctree)/drivers/shared\nobj-m += d.o\n",
	'drivers/dev/hdr/dev.h'           => "#include <linux/foo.h>\n",
	'drivers/dev/d.c'                 => "#include <dev.h>\n#include <shared.h>\n#include \"sub/zz.h\"\n",
	'drivers/shared/shared.h'         => "/* shared */\n",
	'drivers/other/x.c'               => "#include \"sub/zz.h\"\n",
	'drivers/dev/sub/zz.h'            => "/* reached by an include that resolves */\n",
	'samples/s.c'                     => "#include <linux/foo.h>\n",
	'tools/t.c'                       => "#include <linux/foo.h>\n",
);
for my $f (sort keys %files) {
	make_path(dirname("$t/$f"));
	open(my $fh, '>', "$t/$f") or die "$t/$f: $!";
	print $fh $files{$f};
	close $fh;
}

my $g = KspliceIncludes::scan($t);
ok($g->{nfiles} == 19, "scan counts the .c/.h/.S files (other arches, tools/, samples/ skipped)", $g->{nfiles});
ok(!grep({ m{^(arch/arm|tools|samples)/} } @{ $g->{files} }), "other arches, tools/ and samples/ are not scanned");

# The dependents of FILEs, FILEs left out, as one string; and the "every object" flag.
sub deps {
	my %start = map { $_ => 1 } @_;
	my ($d, $all) = KspliceIncludes::dependents($g, @_);
	return (join(' ', grep { !$start{$_} } @$d), $all);
}

my ($d) = deps('include/linux/types.h');
ok($d eq 'arch/x86/include/asm/thing.h drivers/dev/d.c drivers/dev/hdr/dev.h drivers/gone/g.c fs/a.c fs/off.c include/linux/bar.h include/linux/foo.h',
	"a header reached through other headers (foo.h <- bar.h <- thing.h), spaces in '  #  include'", $d);
($d) = deps('fs/local.h');
ok($d eq 'fs/a.c fs/proc/b.c', "quoted include: the including file's directory first, ../ resolved", $d);
($d) = deps('include/uapi/linux/ufoo.h');
ok($d eq 'fs/a.c fs/local.h fs/proc/b.c', "angle include found on the standard path (include/uapi)", $d);
($d) = deps('fs/proc/priv.h');
ok($d eq 'fs/proc/b.c fs/proc/inc.c', "a .c #included by another .c is followed to its includer", $d);
($d) = deps('drivers/dev/hdr/dev.h');
ok($d eq 'drivers/dev/d.c', "-I\$(srctree)/\$(src)/hdr of the directory's Makefile honoured", $d);
($d) = deps('drivers/shared/shared.h');
ok($d eq 'drivers/dev/d.c', "-I \$(srctree)/drivers/shared (with a space) honoured", $d);
($d) = deps('drivers/dev/sub/zz.h');
ok($d eq 'drivers/dev/d.c drivers/other/x.c', "an include that resolves nowhere (\"sub/zz.h\" from drivers/other) counts for every header with that name tail", $d);
my $all;
($d, $all) = deps('include/linux/foo.h');
ok(!$all, "foo.h: no forced include reached");
(undef, $all) = deps('include/generated/autoconf.h');
ok($all, "autoconf.h reaches kconfig.h, forced on every compile: every object depends on it");

my $kc = { CONFIG_SAMPLES => '', CONFIG_DISABLED => 'n' };
my %memo;
ok(KspliceIncludes::dir_built($t, 'fs/proc', $kc, \%memo), "fs/proc is built (obj-y += proc/ in fs/Makefile)");
ok(!KspliceIncludes::dir_built($t, 'drivers/gone', $kc, \%memo), "drivers/gone is not built (obj-\$(CONFIG_DISABLED) += gone/)");
ok(KspliceIncludes::dir_built($t, 'drivers/dev', $kc, \%memo), "drivers/dev is built");
ok(!KspliceIncludes::dir_built($t, 'samples', $kc, \%memo), "samples/ is never a dependent");
ok(!KspliceIncludes::dir_built($t, 'arch/arm/kernel', $kc, \%memo), "other architectures are not built");
ok(!KspliceIncludes::dir_built($t, 'arch/x86/boot', $kc, \%memo), "arch/x86/boot is not part of vmlinux");

print "# $n $fail\n";
exit($fail ? 1 : 0);
