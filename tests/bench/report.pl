#!/usr/bin/perl
# Turn the key=value results of tests/bench/run into results.json (the one
# writer of that file; figures.pl is its reader).  Every figure measured
# more than once has min/median/max; the keys stay stable across runs.
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

# Numbers, not the strings they were read as: JSON keeps the difference.
sub median {
	my @s = sort { $a <=> $b } map { $_ + 0 } @_;
	return undef unless @s;
	return @s % 2 ? $s[$#s / 2] : ($s[@s / 2 - 1] + $s[@s / 2]) / 2;
}
sub max { my $m; for (@_) { $m = $_ + 0 if !defined $m || $_ > $m } $m }
sub min { my $m; for (@_) { $m = $_ + 0 if !defined $m || $_ < $m } $m }
# {min, median, max, runs} of numbers, with UNIT appended to each key name.
sub stats {
	my ($unit, @x) = @_;
	@x = grep { defined && /^-?[\d.]+$/ } @x;
	return { "min_$unit" => min(@x), "median_$unit" => median(@x),
		 "max_$unit" => max(@x), runs => scalar @x };
}
sub col { my ($k, $i) = @_; map { (split ' ', $_)[$i] } @{$v{$k} || []} }

my %r;
$r{kernel} = ($v{kernel} || [''])->[0];
create_figures();
pause_figures();
match_figures();
call_figures();
latency_figures();

open(my $jf, '>', $json_out) or die "report.pl: $json_out: $!\n";
print $jf JSON::PP->new->canonical->pretty->encode(\%r);
close $jf;

sub create_figures {
	my $c = $r{create} = {};
	$c->{cold_s} = median(@{$v{create_cold} || []});
	$c->{warm_s} = median(@{$v{create_warm} || []});
	$c->{runs} = scalar @{$v{create_cold} || []};
	$c->{cold} = stats('s', @{$v{create_cold} || []});
	$c->{warm} = stats('s', @{$v{create_warm} || []});
	$c->{cold_over_warm} = $c->{cold_s} / $c->{warm_s} if $c->{warm_s};
	for my $kind (qw(cold warm)) {
		my %steps;
		for (@{$v{"create_step_$kind"} || []}) {
			my ($step, $s) = split ' ';
			push @{$steps{$step}}, $s;
		}
		$c->{steps}{$kind}{$_} = stats('s', @{$steps{$_}}) for keys %steps;
		# What the tool adds to the two compiles it cannot avoid.
		my $compiles = 0;
		$compiles += $c->{steps}{$kind}{$_}{median_s} // 0
			for grep { /^building_(pre|post)_objects$/ } keys %steps;
		$c->{"${kind}_compiles_s"} = $compiles;
		$c->{"${kind}_overhead_s"} = $c->{"${kind}_s"} - $compiles if defined $c->{"${kind}_s"};
	}
	my @sample = @{$v{sample_compile} || []};
	my $nobj = ($v{vmlinux_objects} || [0])->[0];
	return unless @sample;
	my $mean = 0;
	$mean += $_ for @sample;
	$mean /= @sample;
	$c->{vmlinux_objects} = $nobj + 0;
	$c->{sample_objects} = scalar @sample;
	$c->{sample_mean_s} = $mean;
	$c->{full_build_estimate_s} = $mean * $nobj;
}

sub pause_figures {
	for my $n (100, 1000, 10000) {
		my @stop = col("apply_$n", 0);
		my @cb = col("apply_$n", 1);
		my $empty = median(col("empty_stop_$n", 0));
		$r{pause}{$n} = {
			threads_seen => (($v{"threads_$n"} || [undef])->[0] // 0) + 0,
			stop_median_ns => median(@stop), stop_max_ns => max(@stop),
			stop_min_ns => min(@stop),
			callback_median_ns => median(@cb), callback_min_ns => min(@cb),
			callback_max_ns => max(@cb),
			empty_stop_median_ns => $empty,
			empty_stop_max_ns => median(col("empty_stop_$n", 1)),
			ratio => ($empty && @stop) ? median(@stop) / $empty : undef,
		};
	}
}

sub match_figures {
	my @match = map { grep { /^\d+$/ } col("apply_$_", 2) } (100, 1000, 10000);
	$r{match}{ns} = \@match;
	$r{match}{median_ns} = median(@match);
	$r{match}{min_ns} = min(@match);
	$r{match}{max_ns} = max(@match);
	for (@{$v{corpus_match} || []}) {
		my ($case, $ns) = split ' ';
		$r{match}{corpus}{$case} = $ns + 0;
	}
}

sub call_figures {
	for my $k (qw(unpatched ksplice undone livepatch after_livepatch)) {
		my @ps = col("call_$k", 0);
		my @sum = col("call_$k", 1);
		$r{call}{$k} = { ns_per_call => defined median(@ps) ? median(@ps) / 1000 : undef,
				 min_ns_per_call => defined min(@ps) ? min(@ps) / 1000 : undef,
				 max_ns_per_call => defined max(@ps) ? max(@ps) / 1000 : undef,
				 checksum => $sum[0] };
	}
	my ($u, $k, $l) = map { $r{call}{$_}{ns_per_call} } qw(unpatched ksplice livepatch);
	$r{call}{ksplice_minus_unpatched_ns} = (defined $u && defined $k) ? $k - $u : undef;
	$r{call}{livepatch_minus_unpatched_ns} = (defined $u && defined $l) ? $l - $u : undef;
	# The first loops of a boot run slower than the same code later on:
	# the baseline is every loop with no update in place (before, after
	# ksplice's undo, after livepatch's removal), not the first ones only.
	my @none = map { col("call_$_", 0) } qw(unpatched undone after_livepatch);
	my $b = defined median(@none) ? median(@none) / 1000 : undef;
	$r{call}{baseline_ns_per_call} = $b;
	$r{call}{ksplice_minus_baseline_ns} = (defined $b && defined $k) ? $k - $b : undef;
	$r{call}{livepatch_minus_baseline_ns} = (defined $b && defined $l) ? $l - $b : undef;
	$r{call}{livepatch_overhead_over_ksplice_overhead} =
		(defined $u && defined $k && defined $l && $k - $u > 0) ? ($l - $u) / ($k - $u) : undef;
}

sub latency_figures {
	for my $tool (qw(ksplice livepatch)) {
		for my $case (qw(idle sleeper)) {
			my $key = "latency_${tool}_$case";
			my $s = stats('us', col($key, 0));
			my @tries = grep { defined } col($key, 1);
			$s->{attempts_max} = max(@tries) + 0 if @tries;
			$r{latency}{$tool}{$case} = $s;
		}
	}
}
