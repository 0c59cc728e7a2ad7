package KspliceProfile;
# Kernel profiles (profiles/NAME, see profiles/README): which generation a
# kernel belongs to, and what the tools must know about it.  The one reader
# of kernel.conf for the Perl side.
use strict;
use warnings;
use Ksplice qw(fatal);

sub root { return Ksplice::datadir() . '/profiles' }

# KEY=VALUE lines of NAME/kernel.conf (quotes stripped, no expansion).
sub read_conf {
	my ($dir) = @_;
	my $s = Ksplice::read_file("$dir/kernel.conf") // fatal("cannot read $dir/kernel.conf");
	my %c;
	for (split /\n/, $s) {
		next if /^\s*(#|$)/;
		my ($k, $v) = /^([A-Z_][A-Z0-9_]*)=(.*)$/ or next;
		$v =~ s/^'(.*)'$/$1/ or $v =~ s/^"(.*)"$/$1/;
		$c{$k} = $v;
	}
	return \%c;
}

sub all {
	my $root = root();
	opendir(my $dh, $root) or fatal("no kernel profiles in $root: $!");
	my @p = map { { name => $_, dir => "$root/$_", conf => read_conf("$root/$_") } }
		sort grep { !/^\./ && -f "$root/$_/kernel.conf" } readdir $dh;
	closedir $dh;
	return @p;
}

# The profile of the kernel whose `uname -r` is $release; refused in one
# line when no profile covers it.
sub for_release {
	my ($release) = @_;
	my @all = all();
	for my $p (@all) {
		my $re = $p->{conf}{RELEASE_MATCH} // next;
		return $p if $release =~ /$re/;
	}
	fatal(sprintf("no kernel profile for kernel %s (profiles: %s); adding a kernel generation: profiles/README",
		$release, join(', ', map { "$_->{name} ($_->{conf}{GENERATION})" } @all)));
}

1;
