#!/usr/bin/perl
# ksplice-obj.pl - per-object steps of ksplice-create, called by Makefile.ksplice
#
#   ksplice-obj.pl pre      OBJTREE OBJ...             keep the pre object: OBJ -> OBJ.KSPLICE_pre (and its .cmd)
#   ksplice-obj.pl diff     OBJTREE WORK ID OBJ...     compare pre and post, run objmanip on changed objects
#   ksplice-obj.pl finalize WORK TARGET SYMVERS OBJ... ld -r the target's new/old code, objmanip finalize
#   ksplice-obj.pl revert   OBJTREE OBJ...             put the pre objects back
#   ksplice-obj.pl modinst  OBJTREE WORK MODFILE...    collect rebuilt MODFILE.ko for --build-modules
#   ksplice-obj.pl objtool  [--all] OBJTREE WORK FILE...  the objtool pass diff runs (kbuild defers it to the
#                                                      vmlinux.o link) on FILEs, in place; none if not deferred;
#                                                      --all: kbuild's whole objtool pass on FILEs fresh from
#                                                      the compiler, deferred or not (the unit corpus)
#
# diff writes WORK/status/OBJ.status: first line "STATUS TARGET" with STATUS one of
# changed, unchanged, refused, error; the following lines are objmanip's message.
# Changed objects leave WORK/objs/OBJ.new and WORK/objs/OBJ.old.
use strict;
use warnings;
use FindBin;
use lib ("$FindBin::RealBin", "$FindBin::RealBin/../share/ksplice");
use File::Basename qw(dirname basename);
use Ksplice;

$Ksplice::PROG = 'ksplice-obj.pl';
my $step = shift @ARGV // '';
my %steps = (pre => \&keep_pre, diff => \&diff, finalize => \&finalize, revert => \&revert, modinst => \&modinst,
	objtool => \&objtool);
if (!$steps{$step}) {
	print STDERR "usage: ksplice-obj.pl pre|diff|finalize|revert|modinst|objtool ARGS...\n";
	exit 2;
}
exit Ksplice::main_wrapper(sub { $steps{$step}->(@ARGV) });

sub keep_pre {
	my ($objtree, @objs) = @_;
	for my $o (@objs) {
		my $p = "$objtree/$o";
		Ksplice::fatal("$o was not built") unless -f $p;
		Ksplice::copy_preserve($p, "$p.KSPLICE_pre");
		my $cmd = Ksplice::cmd_file_of($p);
		Ksplice::copy_preserve($cmd, "$cmd.KSPLICE_pre") if -f $cmd;
	}
}

sub put_status {
	my ($work, $o, $status, $target, $msg) = @_;
	my $f = "$work/status/$o.status";
	Ksplice::mkdir_p(dirname($f));
	$msg //= '';
	$msg .= "\n" if length $msg && $msg !~ /\n\z/;
	Ksplice::write_file($f, "$status $target\n$msg");
}

# Where kbuild defers objtool to the vmlinux.o link (IBT, clang LTO), the
# objects it leaves lack what the running kernel's code went through:
# __pfx_ padding symbols, return/call/retpoline sites, ORC, jump labels
# turned into NOPs.  The objtool arguments of that link, from the tree's own
# kbuild, or () when kbuild runs objtool on each object itself (unless ALL:
# then those of kbuild's own pass on each object).
sub deferred_objtool_args {
	my ($objtree, $work, $all) = @_;
	my $mk = "$work/objtool-args.mk";
	Ksplice::mkdir_p($work);
	Ksplice::write_file($mk, <<'EOM');
include include/config/auto.conf
srctree := $(KSPLICE_SRCTREE)
objtree := .
src := .
obj := .
include $(srctree)/scripts/Kbuild.include
include $(srctree)/scripts/Makefile.lib
ksplice-objtool-args:
	@echo $(if $(or $(delay-objtool),$(KSPLICE_ALL)),$(objtool-args-y) $(if $(delay-objtool),--link))
EOM
	# an O= object tree links its source tree as `source`
	my $srctree = -f "$objtree/scripts/Makefile.lib" ? $objtree : "$objtree/source";
	my ($rc, $out, $err) = Ksplice::capture_split('make', '-s', '-C', $objtree, '-f', $mk,
		"KSPLICE_SRCTREE=$srctree", 'KSPLICE_ALL=' . ($all ? 1 : ''), 'ksplice-objtool-args');
	return () if $rc;	# an older kbuild without these variables: no deferral
	chomp $out;
	return split ' ', $out;
}

# Objects of single-object modules went through objtool already (they have
# __pfx_ symbols); every other object needs the deferred pass.
sub objtool_done {
	my ($obj) = @_;
	my ($rc, $out) = Ksplice::capture('readelf', '-sW', $obj);
	return $out =~ /\s__pfx_\S+$/m;
}

# Copies of pre and post objects under WORK/objtool, through the deferred
# objtool pass; returns the directory to run objmanip in (same relative names).
sub objtool_copies {
	my ($objtree, $work, $o, $args) = @_;
	my $dir = "$work/objtool";
	for my $f ($o, "$o.KSPLICE_pre") {
		my $copy = "$dir/$f";
		Ksplice::mkdir_p(dirname($copy));
		Ksplice::copy_preserve("$objtree/$f", $copy);
		objtool_run($objtree, $args, $copy, $f);
	}
	return $dir;
}

# The deferred pass on FILE in place (NAME for messages), unless done.
sub objtool_run {
	my ($objtree, $args, $file, $name) = @_;
	my $objtool = "$objtree/tools/objtool/objtool";
	Ksplice::fatal("$objtool missing: the tree has no objtool (run make modules_prepare)") unless -x $objtool;
	return if objtool_done($file);
	my ($rc, $out) = Ksplice::capture($objtool, @$args, $file);
	Ksplice::fatal("objtool failed on $name: $out") if $rc;
}

# The step for objects built outside diff (the engine's test fixtures, the
# objmanip unit corpus).
sub objtool {
	my $all = @_ && $_[0] eq '--all' ? shift : '';
	my ($objtree, $work, @files) = @_;
	my @args = deferred_objtool_args($objtree, $work, $all);
	objtool_run($objtree, \@args, $_, $_) for @args ? @files : ();
}

sub diff {
	my ($objtree, $work, $id, @objs) = @_;
	my $objmanip = Ksplice::objmanip_path();
	my @objtool = deferred_objtool_args($objtree, $work);
	for my $o (@objs) {
		my $post = "$objtree/$o";
		my $pre = "$post.KSPLICE_pre";
		my $info = Ksplice::parse_cmd_file(Ksplice::cmd_file_of($post));
		my $target = $info ? $info->{target} : 'vmlinux';
		if (!-f $post || !-f $pre) {
			put_status($work, $o, 'error', $target, "$o: " . (-f $post ? 'pre' : 'post') . " object missing");
			next;
		}
		my $dbg = "$work/debug/objs/$o";
		Ksplice::mkdir_p(dirname($dbg));
		Ksplice::copy_preserve($pre, "$dbg.pre");
		Ksplice::copy_preserve($post, "$dbg.post");
		if (Ksplice::same_contents($pre, $post)) {
			put_status($work, $o, 'unchanged', $target);
			next;
		}
		if (!defined $objmanip) {
			put_status($work, $o, 'error', $target,
				"$o changed, but objmanip was not found (build it: make -C objmanip, or set KSPLICE_OBJMANIP)");
			next;
		}
		my $out = "$work/objs/$o";
		Ksplice::mkdir_p(dirname($out));
		# kbuild adds --module for objects of a module: without it objtool
		# takes the module's references for vmlinux's and leaves out its
		# return, call and ENDBR site lists.
		my @args = (@objtool, @objtool && $target ne 'vmlinux' ? ('--module') : ());
		my $dir = @args ? objtool_copies($objtree, $work, $o, \@args) : $objtree;
		# objmanip checks what the new code needs against the kernel
		# (ksplice-create passes its System.map): it needs the target.
		my $rc = Ksplice::run(cmd => [$objmanip, $o, "$out.new", 'keep-new-code', "$o.KSPLICE_pre", $id],
			dir => $dir, stdout => "$out.new.log", stderr => "$out.new.err",
			env => { KSPLICE_CHECK_TARGET => $target });
		my $log = Ksplice::read_file("$out.new.log") // '';
		my $err = Ksplice::read_file("$out.new.err") // '';
		print $log;
		if ($rc == Ksplice::EXIT_NOCHANGE) {
			put_status($work, $o, 'unchanged', $target);
			next;
		}
		if ($rc == 0) {
			$rc = Ksplice::run(cmd => [$objmanip, "$o.KSPLICE_pre", "$out.old", 'keep-old-code'],
				dir => $dir, stdout => "$out.old.log", stderr => "$out.old.err");
			$err = Ksplice::read_file("$out.old.err") // '';
		}
		if ($rc == 0) {
			put_status($work, $o, 'changed', $target, $log);
		} else {
			$err = "objmanip exited with $rc" unless length $err;
			put_status($work, $o, $rc == Ksplice::EXIT_REFUSED ? 'refused' : 'error', $target, $err);
		}
	}
	# Every object gets its status; the driver reports the failures.
	return;
}

sub finalize {
	my ($work, $target, $symvers, @objs) = @_;
	my $objmanip = Ksplice::objmanip_path() // Ksplice::fatal("objmanip not found");
	my $tag = Ksplice::target_tag($target);
	my $d = "$work/targets/$tag";
	Ksplice::mkdir_p($d);
	for my $kind (qw(new old)) {
		my @in = map { "$work/objs/$_.$kind" } @objs;
		for (@in) { Ksplice::fatal("$_ missing") unless -f $_ }
		my ($rc, $out) = Ksplice::capture('ld', '-r', '-o', "$d/$kind.o", @in);
		Ksplice::fatal("ld -r for $target ($kind code) failed: $out") if $rc;
		my @sv = -f $symvers ? ($symvers) : ();
		($rc, $out) = Ksplice::capture($objmanip, "$d/$kind.o", "$d/$kind.fin.o", 'finalize', $target, @sv);
		print $out if length $out && $kind eq 'new' && $Ksplice::VERBOSE;
		Ksplice::fatal("objmanip finalize for $target ($kind code) failed (exit $rc): $out", $rc == Ksplice::EXIT_REFUSED ? Ksplice::EXIT_REFUSED : 1) if $rc;
	}
}

sub revert {
	my ($objtree, @objs) = @_;
	for my $o (@objs) {
		my $p = "$objtree/$o";
		for my $f ($p, Ksplice::cmd_file_of($p)) {
			rename("$f.KSPLICE_pre", $f) or Ksplice::fatal("cannot restore $f: $!") if -f "$f.KSPLICE_pre";
		}
	}
}

sub modinst {
	my ($objtree, $work, @mods) = @_;
	for my $m (@mods) {
		my $ko = "$objtree/$m.ko";
		Ksplice::fatal("$m.ko was not built") unless -f $ko;
		my $dst = "$work/modules/$m.ko";
		Ksplice::mkdir_p(dirname($dst));
		Ksplice::copy_preserve($ko, $dst);
	}
}
