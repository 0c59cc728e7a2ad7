# ksplice: hot patches for a running Linux kernel from a source patch.
#   make            host tools (objmanip) and man pages
#   make check      installs what is needed (scripts/setup.sh), then every test
#   make check-real the corpus of real Debian fixes (tests/real), torture and fault
#                   injection (tests/stress): too long for check
#   make demo       a real hot patch of the stock Debian kernel in a VM
#   make bench      benchmarks (figures, not pass/fail)
#   make install PREFIX=/usr/local DESTDIR=
#   make deb        the Debian package build/deb/ksplice_VERSION_amd64.deb (DEBDIR=)

PREFIX ?= /usr/local
DESTDIR ?=
BINDIR = $(DESTDIR)$(PREFIX)/bin
SBINDIR = $(DESTDIR)$(PREFIX)/sbin
LIBEXECDIR = $(DESTDIR)$(PREFIX)/libexec/ksplice
DATADIR = $(DESTDIR)$(PREFIX)/share/ksplice
MANDIR = $(DESTDIR)$(PREFIX)/share/man/man8
# systemd finds units in PREFIX/lib/systemd/system for /usr and /usr/local;
# the Debian package puts it in /lib/systemd/system (debian/rules).
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
DEBDIR ?= build/deb

USER_DRIVERS = ksplice-create ksplice-prepare
ROOT_DRIVERS = ksplice-apply ksplice-undo ksplice-view
DRIVERS = $(USER_DRIVERS) $(ROOT_DRIVERS)
MANPAGES = $(patsubst %,man/%.8,$(DRIVERS))
VERSION = $(shell cat VERSION 2>/dev/null || echo 0.1)

all: objmanip/objmanip $(MANPAGES)

objmanip/objmanip: FORCE
	$(MAKE) -C objmanip

man/%.8: %
	@mkdir -p man
	pod2man --section=8 --center="ksplice" --release="$(VERSION)" $< $@

setup:
	scripts/setup.sh

lab: setup
	scripts/lab.sh >/dev/null

check: setup all lab
	tests/run-all

# The real-fix corpus: Debian's fixes between two kernel versions, applied
# to the stock kernel they fixed (tests/real/corpus.conf), and 6.1.192-3's
# fix to the default kernel.  Its own setup step installs the corpus
# kernel's image (pinned); not part of check (time budget).
check-real: setup all lab
	tests/real/setup
	tests/real/run
	tests/run-all --real

# The demo runs on every kernel profile, one after the other.
demo: setup all lab
	for k in $$(ls -d profiles/*/ | xargs -n1 basename); do \
		KSPLICE_KERNEL=$$k tests/demo || exit 1; \
	done

bench: setup all lab
	tests/bench/run

# The README's figures table, from the last make bench's results.json.
bench-readme:
	tests/bench/figures.pl --readme README.md $(or $(KSPLICE_BUILD),build)/bench/results.json

install: all
	install -d $(BINDIR) $(SBINDIR) $(LIBEXECDIR) $(DATADIR) $(DATADIR)/kmodsrc $(MANDIR)
	install -m 755 $(USER_DRIVERS) $(BINDIR)/
	install -m 755 $(ROOT_DRIVERS) $(SBINDIR)/
	install -m 755 objmanip/objmanip $(LIBEXECDIR)/
	install -m 644 Ksplice.pm KspliceIncludes.pm KspliceProfile.pm KspliceDeb.pm Makefile.ksplice $(DATADIR)/
	install -m 644 doc/ksplice-view.schema.json $(DATADIR)/
	for p in profiles/*/; do install -d $(DATADIR)/$$p && install -m 644 $$(find $$p -maxdepth 1 -type f) $(DATADIR)/$$p; done
	install -m 644 profiles/default profiles/README $(DATADIR)/profiles/
	install -m 755 ksplice-obj.pl $(DATADIR)/
	install -m 644 $(wildcard kmodsrc/*.c kmodsrc/*.h kmodsrc/*.lds kmodsrc/Makefile kmodsrc/Kbuild) $(DATADIR)/kmodsrc/
	install -m 644 $(MANPAGES) $(MANDIR)/
	install -d $(DESTDIR)$(SYSTEMDUNITDIR)
	sed 's|/usr/sbin/ksplice-apply|$(PREFIX)/sbin/ksplice-apply|' ksplice.service > $(DESTDIR)$(SYSTEMDUNITDIR)/ksplice.service
	chmod 644 $(DESTDIR)$(SYSTEMDUNITDIR)/ksplice.service

# The Debian package, built with dpkg-buildpackage (debian/) in a copy of the
# tree under DEBDIR (the build writes beside its source directory and cleans
# it, which the checkout must not see).  The files are those git knows
# (tracked or not ignored), else the tree without build/ and .git.
deb:
	@v=$$(dpkg-parsechangelog -l debian/changelog -S Version) && [ "$$v" = "$(VERSION)" ] || \
		{ echo "make deb: debian/changelog is at version $$v, VERSION says $(VERSION)" >&2; exit 1; }
	rm -rf $(DEBDIR)/ksplice-$(VERSION) $(DEBDIR)/ksplice_$(VERSION)_*
	mkdir -p $(DEBDIR)/ksplice-$(VERSION)
	if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then \
		git ls-files -z -c -o --exclude-standard | rsync -a --from0 --ignore-missing-args --files-from=- ./ $(DEBDIR)/ksplice-$(VERSION)/; \
	else \
		rsync -a --exclude=/build/ --exclude=/.git/ ./ $(DEBDIR)/ksplice-$(VERSION)/; \
	fi
	cd $(DEBDIR)/ksplice-$(VERSION) && dpkg-buildpackage -b -us -uc
	rm -rf $(DEBDIR)/ksplice-$(VERSION)
	@echo "make deb: $(DEBDIR)/ksplice_$(VERSION)_amd64.deb"

clean:
	$(MAKE) -C objmanip clean
	rm -rf man

.PHONY: all setup lab check check-real demo bench bench-readme install deb clean FORCE
