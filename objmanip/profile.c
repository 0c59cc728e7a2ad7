// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel profile: what differs between kernel generations, read as data
 * from profiles/NAME/ (see profiles/README).  objmanip knows no generation
 * itself: the special sections and the function entry come from here.
 *
 * The profile directory is $KSPLICE_PROFILE; without it, the default
 * profile next to the executable (source tree or installed layout).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "objmanip.h"
#include "../kmodsrc/ksplice-meta.h"

struct kernel_profile profile;

/* @len: the site's fixed window, where the kind does not decode it. */
static const struct {
	const char *name;
	int kind;
	unsigned int len;
} kinds[] = {
	{ "none", 0, 0 },
	{ "alt", KSPLICE_SPECIAL_ALT, 0 },
	{ "jump_label", KSPLICE_SPECIAL_JUMP_LABEL, 0 },
	{ "static_call", KSPLICE_SPECIAL_STATIC_CALL, 0 },
	{ "retpoline", KSPLICE_SPECIAL_RETPOLINE, 0 },
	{ "return", KSPLICE_SPECIAL_RETURN, 0 },
	{ "paravirt", KSPLICE_SPECIAL_PARAVIRT, 0 },
	{ "mcount", KSPLICE_SPECIAL_MCOUNT, 0 },
	{ "smp_lock", KSPLICE_SPECIAL_SMP_LOCK, 0 },
	{ "call", KSPLICE_SPECIAL_CALL, 0 },
	{ "endbr", KSPLICE_SPECIAL_ENDBR, 0 },
	{ "const_ptr", KSPLICE_SPECIAL_CONST, 8 },	/* movabs imm64 */
	{ "const_shift", KSPLICE_SPECIAL_CONST, 1 },	/* shift imm8 */
};

static int kind_by_name(const char *file, int line, const char *name,
			unsigned int *len)
{
	size_t i;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (!strcmp(kinds[i].name, name)) {
			*len = kinds[i].len;
			return kinds[i].kind;
		}
	}
	die("%s:%d: unknown special-section kind %s", file, line, name);
}

static unsigned int number(const char *file, int line, const char *s,
			   unsigned int max)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || *end || end == s || v > max)
		die("%s:%d: bad number %s", file, line, s);
	return v;
}

/* One line: name entsize anchor kind compare ignore-off ignore-len len-off parallel parallel-entsize */
static void parse_section_line(const char *file, int line, char *buf)
{
	char *f[10];
	int n = 0;
	struct special *sp;
	char *tok, *save = NULL;

	for (tok = strtok_r(buf, " \t\n", &save); tok && n < 10;
	     tok = strtok_r(NULL, " \t\n", &save))
		f[n++] = tok;
	if (!n || f[0][0] == '#')
		return;
	if (n != 10 || strtok_r(NULL, " \t\n", &save))
		die("%s:%d: expected 10 fields", file, line);
	profile.specials = xrealloc(profile.specials,
				    (profile.nspecials + 1) * sizeof(*sp));
	sp = &profile.specials[profile.nspecials++];
	memset(sp, 0, sizeof(*sp));
	sp->name = xstrdup(f[0]);
	sp->entsize = number(file, line, f[1], 4096);
	if (!sp->entsize)
		die("%s:%d: entry size of %s is 0", file, line, f[0]);
	sp->anchor = number(file, line, f[2], sp->entsize - 1);
	sp->kind = kind_by_name(file, line, f[3], &sp->fixed_len);
	sp->compare = number(file, line, f[4], 1);
	sp->ignore_off = number(file, line, f[5], sp->entsize);
	sp->ignore_len = number(file, line, f[6], sp->entsize - sp->ignore_off);
	sp->len_off = strcmp(f[7], "-") ?
		(int)number(file, line, f[7], sp->entsize - 1) : -1;
	sp->parallel = strcmp(f[8], "-") ? xstrdup(f[8]) : NULL;
	sp->parallel_entsize = number(file, line, f[9], 4096);
	if (sp->parallel && !sp->parallel_entsize)
		die("%s:%d: parallel table %s needs an entry size", file, line, f[8]);
}

static FILE *open_in(const char *dir, const char *name, char *path,
		     size_t len)
{
	FILE *fp;

	if ((size_t)snprintf(path, len, "%s/%s", dir, name) >= len)
		die("kernel profile %s: path too long", dir);
	fp = fopen(path, "r");
	if (!fp)
		die("kernel profile %s: cannot read %s: %s", dir, path,
		    strerror(errno));
	return fp;
}

static void load_sections(const char *dir)
{
	char path[PATH_MAX], buf[512];
	int line = 0;
	FILE *fp = open_in(dir, "sections", path, sizeof(path));

	while (fgets(buf, sizeof(buf), fp))
		parse_section_line(path, ++line, buf);
	fclose(fp);
}

/* KEY=VALUE lines of kernel.conf; only the keys objmanip needs. */
static void load_kernel_conf(const char *dir)
{
	char path[PATH_MAX], buf[512];
	int line = 0;
	FILE *fp = open_in(dir, "kernel.conf", path, sizeof(path));

	while (fgets(buf, sizeof(buf), fp)) {
		char *v = strchr(buf, '=');

		line++;
		if (buf[0] == '#' || !v)
			continue;
		*v++ = 0;
		v[strcspn(v, "\n")] = 0;
		if (!strcmp(buf, "FUNCTION_PADDING"))
			profile.padding = number(path, line, v, 64);
		else if (!strcmp(buf, "IBT"))
			profile.ibt = number(path, line, v, 1);
		else if (!strcmp(buf, "GENERATION"))
			snprintf(profile.generation, sizeof(profile.generation),
				 "%s", v);
	}
	fclose(fp);
}

/* profiles/default next to the executable: source tree or installed. */
static const char *default_dir(char *out, size_t len)
{
	static const char *const rel[] = {
		"../profiles", "../../share/ksplice/profiles",
	};
	char exe[PATH_MAX], name[128], path[PATH_MAX + 64];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	size_t i;
	FILE *fp;

	if (n <= 0)
		return NULL;
	exe[n] = 0;
	*strrchr(exe, '/') = 0;
	for (i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s/default", exe, rel[i]);
		fp = fopen(path, "r");
		if (!fp)
			continue;
		if (!fgets(name, sizeof(name), fp))
			name[0] = 0;
		fclose(fp);
		name[strcspn(name, "\n")] = 0;
		if ((size_t)snprintf(out, len, "%s/%s/%s", exe, rel[i], name) >= len)
			return NULL;
		return out;
	}
	return NULL;
}

void profile_load(void)
{
	char buf[PATH_MAX];
	const char *dir = getenv("KSPLICE_PROFILE");

	if (!dir || !*dir)
		dir = default_dir(buf, sizeof(buf));
	if (!dir)
		die("no kernel profile: set KSPLICE_PROFILE to a profiles/NAME directory");
	if (strlen(dir) >= sizeof(profile.dir))
		die("kernel profile %s: path too long", dir);
	strcpy(profile.dir, dir);
	load_kernel_conf(dir);
	load_sections(dir);
}
