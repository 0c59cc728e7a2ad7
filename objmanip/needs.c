// SPDX-License-Identifier: GPL-2.0
/*
 * What the running kernel has, as far as the build host can tell: its
 * System.map (every vmlinux symbol, local ones included) and its
 * Module.symvers (every export).  ksplice-create passes them in the
 * environment (KSPLICE_CHECK_MAP, KSPLICE_CHECK_SYMVERS, with
 * KSPLICE_CHECK_RELEASE for messages and KSPLICE_CHECK_TARGET, the
 * object's target); without them nothing is decided here.
 *
 * A name the new code needs that the kernel cannot resolve at apply time
 * is refused now, naming it, instead of an abort with failed_to_find on
 * the target machine.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "objmanip.h"
#include "needs.h"

struct kernel_syms {
	struct hash *map, *symvers;
	char *map_buf, *symvers_buf;
	const char *release, *target;
};

static struct kernel_syms ks;
static bool ks_loaded;

static char *slurp(const char *path)
{
	FILE *fp = fopen(path, "r");
	size_t len = 0, cap = 0, n;
	char *buf = NULL;

	if (!fp)
		die("%s: cannot open: %m", path);
	do {
		if (len + 65536 > cap) {
			cap = cap * 2 + 131072;
			buf = xrealloc(buf, cap);
		}
		n = fread(buf + len, 1, cap - len - 1, fp);
		len += n;
	} while (n);
	fclose(fp);
	buf[len] = 0;
	return buf;
}

/* System.map: "ADDR TYPE NAME"; the hash keeps each line's address. */
static void read_map(const char *path)
{
	char *line, *next;

	ks.map_buf = slurp(path);
	ks.map = hash_new();
	for (line = ks.map_buf; *line; line = next) {
		char *name;

		next = strchr(line, '\n');
		next = next ? next + 1 : line + strlen(line);
		if (next > line && next[-1] == '\n')
			next[-1] = 0;
		name = strchr(line, ' ');
		if (!name || !name[1] || name[2] != ' ')
			continue;
		name += 3;
		hash_add(ks.map, name, line);
	}
}

/* Module.symvers: "CRC \t NAME \t MODULE \t EXPORT [\t NS]" */
static void read_symvers(const char *path)
{
	char *line, *next;

	ks.symvers_buf = slurp(path);
	ks.symvers = hash_new();
	for (line = ks.symvers_buf; *line; line = next) {
		char *name, *end;

		next = strchr(line, '\n');
		next = next ? next + 1 : line + strlen(line);
		name = strchr(line, '\t');
		if (!name || name >= next)
			continue;
		end = strchr(++name, '\t');
		if (!end || end >= next)
			continue;
		*end = 0;
		hash_add(ks.symvers, name, name);
	}
}

static bool loaded(void)
{
	const char *map = getenv("KSPLICE_CHECK_MAP");
	const char *symvers = getenv("KSPLICE_CHECK_SYMVERS");

	if (ks_loaded)
		return ks.map != NULL;
	ks_loaded = true;
	ks.target = getenv("KSPLICE_CHECK_TARGET");
	if (!map || !*map || !ks.target || !*ks.target)
		return false;
	ks.release = getenv("KSPLICE_CHECK_RELEASE");
	if (!ks.release || !*ks.release)
		ks.release = "the target";
	read_map(map);
	if (symvers && *symvers)
		read_symvers(symvers);
	return true;
}

/* Module names compare with '-' and ',' as '_'. */
static bool same_modname(const char *a, size_t alen, const char *b)
{
	size_t i;

	for (i = 0; i < alen && b[i]; i++) {
		char x = a[i] == '-' || a[i] == ',' ? '_' : a[i];
		char y = b[i] == '-' || b[i] == ',' ? '_' : b[i];

		if (x != y)
			return false;
	}
	return i == alen && !b[i];
}

/*
 * Are all of the target's own symbols in sight?  vmlinux: System.map.  A
 * module built from this one object (kbuild cannot name a composite
 * module after one of its parts): the object itself.  A composite module's
 * other objects are not built here, so its globals are unknown.
 */
static bool target_known(const char *path)
{
	const char *base = strrchr(path, '/');
	size_t len;

	if (!strcmp(ks.target, "vmlinux"))
		return true;
	base = base ? base + 1 : path;
	len = strlen(base);
	if (len < 3 || strcmp(base + len - 2, ".o"))
		return false;
	return same_modname(base, len - 2, ks.target);
}

/* Defined by what loads any module, or provided by the engine. */
static bool always_there(const char *name)
{
	return !strcmp(name, "__this_module") ||
		has_prefix(name, "ksplice_shadow_");
}

void needs_check_global(const char *path, const char *who, const char *name)
{
	if (!loaded() || always_there(name) || hash_get(ks.map, name) ||
	    (ks.symvers && hash_get(ks.symvers, name)) || !target_known(path))
		return;
	refuse("%s: refusing: the new code of %s needs %s, which kernel %s does not have (not in its System.map or Module.symvers)",
	       path, who, name, ks.release);
}

/*
 * Distinct addresses of local @name in vmlinux (aliases count once, as
 * the engine counts candidates), or -1 when that cannot be told here.
 */
int needs_local_count(const char *path, const char *name)
{
	const char *line, *first = NULL;
	int n = 0;

	(void)path;
	if (!loaded() || strcmp(ks.target, "vmlinux"))
		return -1;
	for (line = hash_get(ks.map, name); line;
	     line = hash_next(ks.map, name, (void *)line)) {
		if (first && !strncmp(first, line, strcspn(line, " ")))
			continue;
		if (!first)
			first = line;
		n++;
	}
	return n;
}

const char *needs_release(void)
{
	return loaded() ? ks.release : NULL;
}
