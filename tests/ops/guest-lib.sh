# Helpers of the ops guest scripts (tests/ops/guest, tests/ops/guest-boot2),
# sourced there: "ok - ..." / "not ok - ..." lines, numbered by the host.
: "${G:?}"
. "$OPS_TOP/tests/lib/guest.sh"
# $JQ FILE PERL-EXPR: the value of EXPR in the JSON document FILE ($d)
cat > "$G/jq.pl" <<'EOF'
use strict; use warnings; use JSON::PP;
open(my $fh, '<', $ARGV[0]) or die "$ARGV[0]: $!\n";
my $d = decode_json(do { local $/; <$fh> });
my $v = eval $ARGV[1]; die $@ if $@;
print ref $v ? JSON::PP->new->canonical->encode($v) : defined $v ? $v : 'null';
EOF
JQ="perl $G/jq.pl"
