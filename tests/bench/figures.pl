#!/usr/bin/perl
# The reader of make bench's results.json: its figures as markdown.
#   figures.pl RESULTS.json                 the tables, to stdout (results.md)
#   figures.pl --readme README RESULTS.json the README's figures table, between
#                                           its <!-- bench:begin/end --> lines
use strict;
use warnings;
use JSON::PP;

my $readme;
if (@ARGV && $ARGV[0] eq '--readme') {
	shift;
	$readme = shift;
}
my ($json) = @ARGV;
die "usage: figures.pl [--readme README] RESULTS.json\n" unless defined $json;
open(my $fh, '<', $json) or die "figures.pl: $json: $!\n";
my $r = decode_json(do { local $/; <$fh> });
close $fh;

sub fmt { defined $_[0] ? sprintf($_[1] // '%.1f', $_[0]) : 'n/a' }
sub scaled { defined $_[0] ? $_[0] / $_[1] : undef }
# "min / median / max" of a stats record, divided by DIV.
sub mmm {
	my ($s, $unit, $div, $f) = @_;
	return 'n/a' unless $s && $s->{runs};
	return join(' / ', map { fmt(scaled($s->{"${_}_$unit"}, $div), $f) } qw(min median max));
}

if (defined $readme) {
	splice_readme($readme, summary());
} else {
	print "## Benchmarks ($r->{kernel}, QEMU TCG guest, 2 host cores)\n\n", summary(), "\n", details();
}

# One row per figure: the README's table.
sub summary {
	my $c = $r->{create};
	my $p = $r->{pause};
	my $l = $r->{latency} // {};
	my @rows = (
		["ksplice-create, one-function `.c` patch, cold / warm (min / median / max of $c->{runs})",
		 mmm($c->{cold}, 's', 1) . ' s / ' . mmm($c->{warm}, 's', 1) . ' s'],
		["of which outside the two object compiles, cold / warm (median; goal warm ≤ 2 s)",
		 fmt($c->{cold_overhead_s}) . ' s / ' . fmt($c->{warm_overhead_s}) . ' s; cold is ' .
		 fmt($c->{cold_over_warm}, '%.2f') . 'x warm (goal ≤ 2x)'],
		["compile of the vmlinux objects it did not build (estimate: " .
		 ($c->{vmlinux_objects} // 0) . " objects × mean of " . ($c->{sample_objects} // 0) . " sampled)",
		 '~' . fmt(scaled($c->{full_build_estimate_s}, 60), '%.0f') . ' min'],
		["stop_machine callback, 100 / 1,000 / 10,000 sleeping threads (median; goal ≤ 100 µs)",
		 join(' / ', map { fmt(scaled($p->{$_}{callback_median_ns}, 1000), '%.0f') } (100, 1000, 10000)) . ' µs'],
		["whole stop_machine of an apply vs an empty one, 10,000 threads (median)",
		 fmt(scaled($p->{10000}{stop_median_ns}, 1000), '%.0f') . ' µs vs ' .
		 fmt(scaled($p->{10000}{empty_stop_median_ns}, 1000), '%.0f') . ' µs'],
		["call of a patched function: no update (median of the loops before, after undo, after livepatch) / ksplice / livepatch",
		 join(' / ', map { fmt($_) } $r->{call}{baseline_ns_per_call},
			map { $r->{call}{$_}{ns_per_call} } qw(ksplice livepatch)) .
		 ' ns: ksplice adds ' . fmt($r->{call}{ksplice_minus_baseline_ns}) . ' ns, livepatch ' .
		 fmt($r->{call}{livepatch_minus_baseline_ns}) . ' ns'],
		["run-pre matching of a vmlinux/module update (min / median / max; goal ≤ 5 ms)",
		 mmm({ runs => scalar @{$r->{match}{ns} || []}, %{$r->{match}} }, 'ns', 1e6, '%.2f') . ' ms'],
		["apply latency, no thread in the function: ksplice / livepatch (median)",
		 fmt(scaled($l->{ksplice}{idle}{median_us}, 1e6), '%.2f') . ' s / ' .
		 fmt(scaled($l->{livepatch}{idle}{median_us}, 1e6), '%.2f') . ' s'],
		["apply latency, a thread sleeping 10 s in it: ksplice (retried until applied) / livepatch (median)",
		 fmt(scaled($l->{ksplice}{sleeper}{median_us}, 1e6), '%.2f') . ' s (' .
		 ($l->{ksplice}{sleeper}{attempts_max} // 'n/a') . ' attempts at most) / ' .
		 fmt(scaled($l->{livepatch}{sleeper}{median_us}, 1e6), '%.2f') . ' s'],
	);
	return "| what | figure |\n|---|---|\n" . join('', map { "| $_->[0] | $_->[1] |\n" } @rows);
}

sub details {
	my $c = $r->{create};
	my $out = "| create step | cold s (min / median / max) | warm s |\n|---|---|---|\n";
	my %steps = map { %{$c->{steps}{$_} || {}} } qw(cold warm);
	for my $s (sort keys %steps) {
		$out .= "| $s | " . mmm($c->{steps}{cold}{$s}, 's', 1, '%.2f') . ' | ' .
			mmm($c->{steps}{warm}{$s}, 's', 1, '%.2f') . " |\n";
	}
	$out .= "\n| sleeping threads | seen | stop_machine µs (min / median / max) | callback µs | empty stop_machine µs (median) |\n";
	$out .= "|---|---|---|---|---|\n";
	for my $n (100, 1000, 10000) {
		my $p = $r->{pause}{$n};
		$out .= "| $n | $p->{threads_seen} | " .
			join(' / ', map { fmt(scaled($p->{"stop_${_}_ns"}, 1000), '%.0f') } qw(min median max)) . ' | ' .
			join(' / ', map { fmt(scaled($p->{"callback_${_}_ns"}, 1000), '%.0f') } qw(min median max)) . ' | ' .
			fmt(scaled($p->{empty_stop_median_ns}, 1000), '%.0f') . " |\n";
	}
	$out .= "\n| call of ip_vs_proto_name(IPPROTO_TCP) | ns (min / median / max) | returns |\n|---|---|---|\n";
	for my $k (qw(unpatched ksplice undone livepatch after_livepatch)) {
		my $cl = $r->{call}{$k};
		$out .= "| $k | " . join(' / ', map { fmt($cl->{$_}, '%.2f') }
			qw(min_ns_per_call ns_per_call max_ns_per_call)) . ' | ' . ($cl->{checksum} // '') . " |\n";
	}
	$out .= "\n| apply latency | s (min / median / max) |\n|---|---|\n";
	for my $t (qw(ksplice livepatch)) {
		$out .= "| $t, $_ | " . mmm($r->{latency}{$t}{$_}, 'us', 1e6, '%.2f') . " |\n" for qw(idle sleeper);
	}
	if (my $m = $r->{match}{corpus}) {
		$out .= "\n| run-pre matching, e2e corpus update | µs |\n|---|---|\n";
		$out .= sprintf("| %s | %s |\n", $_, fmt($m->{$_} / 1000)) for sort keys %$m;
	}
	return $out;
}

sub splice_readme {
	my ($file, $table) = @_;
	open(my $in, '<', $file) or die "figures.pl: $file: $!\n";
	my $text = do { local $/; <$in> };
	close $in;
	my $n = ($text =~ s/(<!-- bench:begin[^\n]*-->\n).*?(<!-- bench:end -->)/$1$table$2/s);
	die "figures.pl: $file has no <!-- bench:begin --> ... <!-- bench:end --> block\n" unless $n;
	open(my $out, '>', "$file.new") or die "figures.pl: $file.new: $!\n";
	print $out $text;
	close $out or die "figures.pl: $file.new: $!\n";
	rename("$file.new", $file) or die "figures.pl: $file: $!\n";
}
