#!/usr/bin/perl
# Turn the key=value results of tests/bench/run into a markdown table (stdout)
# and a JSON file.
#   report.pl HOST.results GUEST.results OUT.json
use strict;
use warnings;
use JSON::PP;

my ($host, $guest, $json_out) = @ARGV;
my %v;
for my $f ($host, $guest) {
	open(my $fh, '<', $f) or die "report.pl: $f: $!\n";
	while (<$fh>) {
		chomp;
		my ($k, $val) = /^([^=]+)=(.*)$/ or next;
		push @{$v{$k}}, $val;
	}
}

sub median {
	my @s = sort { $a <=> $b } @_;
	return undef unless @s;
	return @s % 2 ? $s[$#s / 2] : ($s[@s / 2 - 1] + $s[@s / 2]) / 2;
}
sub max { my $m; for (@_) { $m = $_ if !defined $m || $_ > $m } $m }
sub col { my ($k, $i) = @_; map { (split ' ', $_)[$i] } @{$v{$k} || []} }
sub fmt { defined $_[0] ? sprintf($_[1] // '%.1f', $_[0]) : 'n/a' }

my %r;
$r{create}{cold_s} = median(@{$v{create_cold} || []});
$r{create}{warm_s} = median(@{$v{create_warm} || []});
$r{create}{runs} = scalar @{$v{create_cold} || []};
my @sample = @{$v{sample_compile} || []};
my $nobj = ($v{vmlinux_objects} || [0])->[0];
if (@sample) {
	my $mean = 0;
	$mean += $_ for @sample;
	$mean /= @sample;
	$r{create}{vmlinux_objects} = $nobj + 0;
	$r{create}{sample_objects} = scalar @sample;
	$r{create}{sample_mean_s} = $mean;
	$r{create}{full_build_estimate_s} = $mean * $nobj;
}

for my $n (100, 1000, 10000) {
	my @stop = col("apply_$n", 0);
	my @cb = col("apply_$n", 1);
	my @match = grep { /^\d+$/ } col("apply_$n", 2);
	my $empty = median(col("empty_stop_$n", 0));
	$r{pause}{$n} = {
		threads_seen => (($v{"threads_$n"} || [undef])->[0] // 0) + 0,
		stop_median_ns => median(@stop), stop_max_ns => max(@stop),
		callback_median_ns => median(@cb),
		empty_stop_median_ns => $empty,
		empty_stop_max_ns => median(col("empty_stop_$n", 1)),
		ratio => ($empty && @stop) ? median(@stop) / $empty : undef,
	};
	push @{$r{match}{ns}}, @match;
}
$r{match}{median_ns} = median(@{$r{match}{ns} || []});
for (@{$v{corpus_match} || []}) {
	my ($case, $ns) = split ' ';
	$r{match}{corpus}{$case} = $ns + 0;
}

for my $k (qw(unpatched ksplice undone livepatch after_livepatch)) {
	my @ps = col("call_$k", 0);
	my @sum = col("call_$k", 1);
	$r{call}{$k} = { ns_per_call => defined median(@ps) ? median(@ps) / 1000 : undef,
			 checksum => $sum[0] };
}
my ($u, $k, $l) = map { $r{call}{$_}{ns_per_call} } qw(unpatched ksplice livepatch);
$r{call}{ksplice_minus_unpatched_ns} = (defined $u && defined $k) ? $k - $u : undef;
$r{call}{livepatch_overhead_over_ksplice_overhead} =
	(defined $u && defined $k && defined $l && $k - $u > 0) ? ($l - $u) / ($k - $u) : undef;
$r{kernel} = ($v{kernel} || [''])->[0];

open(my $jf, '>', $json_out) or die "report.pl: $json_out: $!\n";
print $jf JSON::PP->new->canonical->pretty->encode(\%r);
close $jf;

my $c = $r{create};
print "## Benchmarks ($r{kernel}, QEMU TCG guest, 2 host cores)\n\n";
print "| create | median |\n|---|---|\n";
print "| ksplice-create, one-function .c patch, cold (pre object not built) | ", fmt($c->{cold_s}), " s |\n";
print "| ksplice-create, second patch to the same file (warm) | ", fmt($c->{warm_s}), " s |\n";
print "| compile of vmlinux's objects it did not build (estimate) | ",
	fmt(($c->{full_build_estimate_s} // 0) / 60, '%.0f'), " min: $nobj objects x ",
	fmt($c->{sample_mean_s}, '%.2f'), " s mean of ", scalar(@sample), " sampled objects |\n\n";
print "| pause (CPUs stopped) | sleeping threads seen | apply: stop_machine median | max | callback median | empty stop_machine median | ratio |\n";
print "|---|---|---|---|---|---|---|\n";
for my $n (100, 1000, 10000) {
	my $p = $r{pause}{$n};
	printf "| %d threads | %d | %s us | %s us | %s us | %s us | %s |\n", $n, $p->{threads_seen},
		fmt(defined $p->{stop_median_ns} ? $p->{stop_median_ns} / 1000 : undef),
		fmt(defined $p->{stop_max_ns} ? $p->{stop_max_ns} / 1000 : undef),
		fmt(defined $p->{callback_median_ns} ? $p->{callback_median_ns} / 1000 : undef),
		fmt(defined $p->{empty_stop_median_ns} ? $p->{empty_stop_median_ns} / 1000 : undef),
		fmt($p->{ratio}, '%.2f');
}
print "\n| call cost of ip_vs_proto_name(IPPROTO_TCP) | ns per call | returns |\n|---|---|---|\n";
for my $k (qw(unpatched ksplice undone livepatch after_livepatch)) {
	printf "| %s | %s | %s |\n", $k, fmt($r{call}{$k}{ns_per_call}, '%.2f'), $r{call}{$k}{checksum} // '';
}
printf "\nksplice adds %s ns per call; livepatch's overhead is %sx ksplice's.\n",
	fmt($r{call}{ksplice_minus_unpatched_ns}, '%.2f'),
	fmt($r{call}{livepatch_overhead_over_ksplice_overhead}, '%.1f');
printf "Run-pre matching of the ip_vs_proto_name update: median %s us.\n",
	fmt(defined $r{match}{median_ns} ? $r{match}{median_ns} / 1000 : undef);
if (my $c = $r{match}{corpus}) {
	print "\n| run-pre matching, e2e corpus update | us |\n|---|---|\n";
	printf "| %s | %s |\n", $_, fmt($c->{$_} / 1000) for sort keys %$c;
}
