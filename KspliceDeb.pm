package KspliceDeb;
# An update as a Debian package (ksplice-create --deb):
# ksplice-update-ID_N_all.deb installs the update tarball as
# /var/lib/ksplice/updates/ksplice-ID.tar.gz; its postinst applies it when
# the running kernel is the one it was built for (ksplice-apply --installed
# ID says plainly, without failing, when it is not), its prerm undoes it
# (ksplice-undo ID, whose refusal keeps the package installed).  The package
# depends on ksplice and records the target kernel in its control fields
# (Ksplice-Kernel-Release, Ksplice-Kernel-Version) and its description.
#
# Built with dpkg-deb from a staging tree (no debhelper needed on the build
# host); the files are owned by root (--root-owner-group).

use strict;
use warnings;
use Digest::MD5;
use File::Basename qw(basename dirname);
use File::Path qw(make_path remove_tree);
use File::Temp qw(tempdir);
use POSIX qw(strftime);
use Ksplice qw(fatal);

use constant UPDATES_PATH => 'var/lib/ksplice/updates';

sub package_name { return "ksplice-update-$_[0]" }

# A package version N: digits first, then what Debian versions allow, no
# revision (the package is native).
sub valid_version { return defined $_[0] && $_[0] =~ /^[0-9][A-Za-z0-9.+~]{0,63}$/ }

sub deb_file_name { my ($id, $n) = @_; return package_name($id) . "_${n}_all.deb" }

# dpkg-deb is on every Debian system (package dpkg); say so clearly elsewhere.
sub check_tools {
	for my $d (split /:/, $ENV{PATH} // '') {
		return 1 if length $d && -x "$d/dpkg-deb";
	}
	fatal("--deb needs dpkg-deb (package dpkg), which is not on PATH");
}

# The CVE ids that TEXT names, upper case, each once, in order.
sub cve_ids {
	my (@texts) = @_;
	my (@ids, %seen);
	for my $t (@texts) {
		for my $c (($t // '') =~ /\b(CVE-[0-9]{4}-[0-9]{4,})\b/gi) {
			my $u = uc $c;
			push @ids, $u unless $seen{$u}++;
		}
	}
	return @ids;
}

# The header of a patch: what comes before its first file (the commit
# message of a git format-patch mail, a quilt header...).
sub patch_header {
	my ($patch) = @_;
	my @h;
	for (split /\n/, $patch // '') {
		last if /^(?:--- |\+\+\+ |diff |Index: )/;
		push @h, $_;
	}
	return join "\n", @h;
}

# One line of text fit for a control field: printable, spaces squeezed.
sub clean_line {
	my ($s) = @_;
	$s =~ s/[^\x20-\x7e]+/ /g;
	$s =~ s/\s+/ /g;
	$s =~ s/^ | $//g;
	return $s;
}

sub shell_quote { my ($s) = @_; $s =~ s/'/'\\''/g; return "'$s'" }

# The Description field of update U: a synopsis line and the extended
# description (each line starting with a space, " ." for an empty line).
sub description_field {
	my ($u) = @_;
	my @desc = grep { length } map { clean_line($_) } split /\n/, $u->{description} // '';
	my $first = @desc ? shift @desc : 'no description';
	my $syn = "ksplice hot update $u->{id}: $first";
	$syn = substr($syn, 0, 76) . '...' if length $syn > 79;
	my @cves = cve_ids($u->{description}, patch_header($u->{patch}));
	my @long;
	push @long, @desc, '' if @desc;
	push @long, 'Fixes: ' . join(', ', @cves), '' if @cves;
	my $uts = $u->{utsname};
	push @long, "Target kernel: $uts->{Release} ($uts->{Version}) $uts->{Machine}";
	my $ch = $u->{changed} // {};
	for my $t (sort keys %$ch) {
		push @long, "Changed in $t: " . join(' ', @{ $ch->{$t}{changed} }) if @{ $ch->{$t}{changed} };
		push @long, "New in $t: " . join(' ', @{ $ch->{$t}{new} }) if @{ $ch->{$t}{new} };
	}
	push @long, "Effective kernel version: $u->{effective_version}" if defined $u->{effective_version};
	push @long, '', "Installing this package applies the update to the running kernel when it is " .
		"the kernel above; on another kernel it stays installed and is not loaded. " .
		"ksplice.service applies it again at each boot of that kernel. Removing the " .
		"package undoes the update.";
	my @wrapped;
	for my $l (@long) {
		if (!length $l) { push @wrapped, ' .'; next }
		my $line = '';
		for my $w (split / /, $l) {
			if (length $line && length($line) + 1 + length($w) > 78) { push @wrapped, " $line"; $line = $w }
			else { $line = length $line ? "$line $w" : $w }
		}
		push @wrapped, " $line";
	}
	return join "\n", "Description: $syn", @wrapped;
}

sub maintainer {
	my $name = clean_line($ENV{DEBFULLNAME} // $ENV{NAME} // '');
	my $mail = clean_line($ENV{DEBEMAIL} // $ENV{EMAIL} // '');
	if ($mail =~ /^(.*?)\s*<([^<>]+)>$/) { $name = $1 if !length $name && length $1; $mail = $2 }
	my $user = getpwuid($<) // 'root';
	if (!length $mail) {
		my $host = `hostname -f 2>/dev/null` || `hostname 2>/dev/null` || 'localhost';
		chomp $host;
		$mail = "$user\@$host";
	}
	$name = "$user (ksplice-create)" unless length $name;
	return "$name <$mail>";
}

# The maintainer scripts.  They name the update by its id only; the tools
# find it in KSPLICE_UPDATES_DIR (default /var/lib/ksplice/updates).
sub postinst {
	my ($id) = @_;
	my $pkg = package_name($id);
	return <<"EOF";
#!/bin/sh
# postinst of $pkg (written by ksplice-create --deb, ksplice $Ksplice::VERSION).
# Applies update $id to the running kernel when it is the kernel the update
# was built for; on another kernel, says so and leaves it installed:
# ksplice.service (ksplice-apply --installed) applies it at boot.
set -e
id=$id
if [ -n "\${DPKG_ROOT:-}" ]; then
	echo "$pkg: installed in \$DPKG_ROOT, not applied: the running kernel is not that system's (ksplice.service applies it when that system boots)"
	exit 0
fi
: "\${KSPLICE_UPDATES_DIR:=/var/lib/ksplice/updates}"
export KSPLICE_UPDATES_DIR
case "\$1" in
configure)
	# The install order of ksplice-apply --installed: when it was configured.
	touch "\$KSPLICE_UPDATES_DIR/ksplice-\$id.tar.gz"
	ksplice-apply --installed --partial "\$id"
	;;
abort-upgrade|abort-remove|abort-deconfigure)
	ksplice-apply --installed --partial "\$id"
	;;
esac
exit 0
EOF
}

sub prerm {
	my ($id) = @_;
	my $pkg = package_name($id);
	return <<"EOF";
#!/bin/sh
# prerm of $pkg (written by ksplice-create --deb, ksplice $Ksplice::VERSION).
# Undoes update $id when the kernel holds it; when ksplice-undo refuses (a
# later update depends on it), the package stays installed.
set -e
id=$id
[ -z "\${DPKG_ROOT:-}" ] || exit 0
case "\$1" in
remove|upgrade|deconfigure)
	if ! command -v ksplice-view >/dev/null 2>&1; then
		echo "$pkg: ksplice-view not found: cannot tell whether update \$id is applied" >&2
		exit 0
	fi
	stage=\$(ksplice-view --id="\$id" -q 2>/dev/null) || stage=
	case "\$stage" in
	''|'not loaded') ;;
	*)	if ! ksplice-undo "\$id"; then
			echo "$pkg: update \$id stays applied, so the package stays installed" >&2
			exit 1
		fi
		;;
	esac
	;;
esac
exit 0
EOF
}

sub copyright {
	my ($id) = @_;
	my $year = strftime('%Y', gmtime);
	return <<"EOF";
Ksplice update $id, built by ksplice-create from a Linux kernel source tree
and a patch.

Copyright (C) $year the authors of the Linux kernel, of the patch of this
update and of ksplice.

License: GPL-2

  The kernel modules of this update are built from the Linux kernel source,
  the patch held in /var/lib/ksplice/updates/ksplice-$id.tar.gz and the
  ksplice kernel engine, all under the GNU General Public License version 2.

On Debian systems, the complete text of the GNU General Public License
version 2 can be found in `/usr/share/common-licenses/GPL-2'.
EOF
}

# The Debian changelog of the package (native: changelog.gz).
sub changelog {
	my ($u, $n, $maint) = @_;
	my $d = clean_line((split /\n/, $u->{description} // '')[0] // '');
	my $text = "Ksplice update $u->{id} for Linux $u->{utsname}{Release}" . (length $d ? ": $d" : '');
	my @w = ('');
	for my $word (split / /, clean_line($text)) {
		if (length $w[-1] && length($w[-1]) + 1 + length($word) > 72) { push @w, $word }
		else { $w[-1] = length $w[-1] ? "$w[-1] $word" : $word }
	}
	my $date = strftime('%a, %d %b %Y %H:%M:%S +0000', gmtime);
	return "ksplice-update-$u->{id} ($n) unstable; urgency=medium\n\n  * " . join("\n    ", @w) .
		"\n\n -- $maint  $date\n";
}

# What lintian would say of every update package, and why it is so.
sub lintian_overrides {
	my ($pkg, @fields) = @_;
	return "# The Ksplice-* control fields record the update and the kernel it was\n" .
		"# built for (ksplice-create(8), --deb): dpkg keeps them, lintian knows them not.\n" .
		join('', map { "$pkg: unknown-field $_\n" } @fields);
}

sub write_mode {
	my ($path, $text, $mode) = @_;
	make_path(dirname($path)) unless -d dirname($path);
	Ksplice::write_file($path, $text);
	chmod($mode, $path) or fatal("cannot chmod $path: $!");
}

# Write the package of the update tarball TARBALL into DIR: returns its
# path.  %o: version (N, default 1).  The tarball is checked as ksplice-apply
# checks it (members, module digests) before it is packed.
sub write_update_deb {
	my ($tarball, %o) = @_;
	my $n = $o{version} // 1;
	fatal("bad package version '$n' (digits first, then letters, digits, '.', '+', '~')") unless valid_version($n);
	my $dir = $o{dir} // '.';
	fatal("$tarball: an update package is made from an update tarball (ksplice-ID.tar.gz)") unless -f $tarball;
	check_tools();
	my $tmp = tempdir('ksplice-deb-XXXXXX', TMPDIR => 1, CLEANUP => 0);
	my $out;
	my $ok = eval {
		chmod 0700, $tmp;
		mkdir "$tmp/open" or fatal("cannot create $tmp/open: $!");
		my $u = Ksplice::open_update($tarball, "$tmp/open");
		Ksplice::check_digests($u, $tarball);
		my $id = $u->{id};
		my $pkg = package_name($id);
		my $root = "$tmp/root";
		make_path("$root/DEBIAN", "$root/" . UPDATES_PATH, "$root/usr/share/doc/$pkg");
		# Whatever the umask: directories 0755, files 0644, scripts 0755.
		for my $d ($root, "$root/DEBIAN", "$root/usr", "$root/usr/share", "$root/usr/share/doc", "$root/usr/share/doc/$pkg",
			"$root/var", "$root/var/lib", "$root/var/lib/ksplice", "$root/" . UPDATES_PATH) {
			chmod(0755, $d) or fatal("cannot chmod $d: $!");
		}
		my $inst = UPDATES_PATH . "/ksplice-$id.tar.gz";
		Ksplice::copy_preserve($tarball, "$root/$inst");
		chmod 0644, "$root/$inst";
		write_mode("$root/usr/share/doc/$pkg/copyright", copyright($id), 0644);
		my $maint = maintainer();
		write_mode("$root/usr/share/doc/$pkg/changelog", changelog($u, $n, $maint), 0644);
		my ($grc, $glog) = Ksplice::capture('gzip', '-9n', "$root/usr/share/doc/$pkg/changelog");
		fatal("gzip failed: " . Ksplice::first_line($glog)) if $grc;
		my @fields = ('Ksplice-Id', 'Ksplice-Kernel-Release', 'Ksplice-Kernel-Version',
			defined $u->{effective_version} ? ('Ksplice-Effective-Version') : ());
		make_path("$root/usr/share/lintian/overrides");
		chmod(0755, "$root/usr/share/lintian", "$root/usr/share/lintian/overrides") or fatal("cannot chmod: $!");
		write_mode("$root/usr/share/lintian/overrides/$pkg", lintian_overrides($pkg, @fields), 0644);
		my @files = ($inst, "usr/share/doc/$pkg/copyright", "usr/share/doc/$pkg/changelog.gz", "usr/share/lintian/overrides/$pkg");
		my ($kib, $md5) = (0, '');
		for my $f (@files) {
			$kib += int(((-s "$root/$f") + 1023) / 1024);
			open(my $fh, '<:raw', "$root/$f") or fatal("cannot read $root/$f: $!");
			$md5 .= Digest::MD5->new->addfile($fh)->hexdigest . "  $f\n";
		}
		my $uts = $u->{utsname};
		my $control = join '', map { "$_\n" }
			"Package: $pkg",
			"Version: $n",
			"Architecture: all",
			"Maintainer: $maint",
			"Installed-Size: $kib",
			"Depends: ksplice",
			"Section: kernel",
			"Priority: optional",
			"Ksplice-Id: $id",
			"Ksplice-Kernel-Release: " . clean_line($uts->{Release} // ''),
			"Ksplice-Kernel-Version: " . clean_line($uts->{Version} // ''),
			(defined $u->{effective_version} ? "Ksplice-Effective-Version: $u->{effective_version}" : ()),
			description_field($u);
		write_mode("$root/DEBIAN/control", $control, 0644);
		write_mode("$root/DEBIAN/md5sums", $md5, 0644);
		write_mode("$root/DEBIAN/postinst", postinst($id), 0755);
		write_mode("$root/DEBIAN/prerm", prerm($id), 0755);
		my $name = deb_file_name($id, $n);
		my $partial = "$dir/.$name.partial";
		my ($rc, $log) = Ksplice::capture('dpkg-deb', '--root-owner-group', '--build', $root, $partial);
		if ($rc) { unlink $partial; fatal("dpkg-deb failed: " . Ksplice::first_line($log)) }
		rename($partial, "$dir/$name") or fatal("cannot rename $partial to $dir/$name: $!");
		$out = "$dir/$name";
		1;
	};
	my $err = $@;
	remove_tree($tmp);
	die $err unless $ok;
	return $out;
}

1;
