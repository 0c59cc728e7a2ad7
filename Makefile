# ksplice: hot patches for a running Linux kernel from a source patch.
#   make            host tools (objmanip) and man pages
#   make check      installs what is needed (scripts/setup.sh), then every test
#   make demo       a real hot patch of the stock Debian kernel in a VM
#   make bench      benchmarks (figures, not pass/fail)
#   make install PREFIX=/usr/local DESTDIR=

PREFIX ?= /usr/local
DESTDIR ?=
BINDIR = $(DESTDIR)$(PREFIX)/bin
SBINDIR = $(DESTDIR)$(PREFIX)/sbin
LIBEXECDIR = $(DESTDIR)$(PREFIX)/libexec/ksplice
DATADIR = $(DESTDIR)$(PREFIX)/share/ksplice
MANDIR = $(DESTDIR)$(PREFIX)/share/man/man8

USER_DRIVERS = ksplice-create
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

# The demo runs on every kernel profile, one after the other.
demo: setup all lab
	for k in $$(ls -d profiles/*/ | xargs -n1 basename); do \
		KSPLICE_KERNEL=$$k tests/demo || exit 1; \
	done

bench: setup all lab
	tests/bench/run

install: all
	install -d $(BINDIR) $(SBINDIR) $(LIBEXECDIR) $(DATADIR) $(DATADIR)/kmodsrc $(MANDIR)
	install -m 755 $(USER_DRIVERS) $(BINDIR)/
	install -m 755 $(ROOT_DRIVERS) $(SBINDIR)/
	install -m 755 objmanip/objmanip $(LIBEXECDIR)/
	install -m 644 Ksplice.pm KspliceIncludes.pm KspliceProfile.pm Makefile.ksplice $(DATADIR)/
	for p in profiles/*/; do install -d $(DATADIR)/$$p && install -m 644 $$p* $(DATADIR)/$$p; done
	install -m 644 profiles/default profiles/README $(DATADIR)/profiles/
	install -m 755 ksplice-obj.pl $(DATADIR)/
	install -m 644 $(wildcard kmodsrc/*.c kmodsrc/*.h kmodsrc/*.lds kmodsrc/Makefile kmodsrc/Kbuild) $(DATADIR)/kmodsrc/
	install -m 644 $(MANPAGES) $(MANDIR)/

clean:
	$(MAKE) -C objmanip clean
	rm -rf man

.PHONY: all setup lab check demo bench install clean FORCE
