// SPDX-License-Identifier: GPL-2.0
/*
 * What the objects' DWARF says (libdw, through libdwfl, which applies the
 * relocations of a relocatable object's debug sections): which functions
 * are inlined into a function, and the layout of the structures and unions
 * that code uses.  An object without debug information gives no answers:
 * the callers then keep to what the code alone tells.
 */
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "objmanip.h"
#include "dwarf.h"

/* Hash keys allocated here, freed with the table. */
struct keys {
	char **k;
	size_t n;
};

static const char *own_key(struct keys *ks, char *key)
{
	ks->k = xrealloc(ks->k, (ks->n + 1) * sizeof(*ks->k));
	ks->k[ks->n++] = key;
	return key;
}

static void free_keys(struct keys *ks)
{
	while (ks->n)
		free(ks->k[--ks->n]);
	free(ks->k);
	ks->k = NULL;
}

struct dwarf {
	Dwfl *dwfl;
	Dwarf *dw;
	struct hash *types;		/* "struct NAME" -> Dwarf_Off (+1) */
	struct keys type_keys;
};

static const Dwfl_Callbacks offline_callbacks = {
	.find_debuginfo = dwfl_standard_find_debuginfo,
	.section_address = dwfl_offline_section_address,
};

struct dwarf *dwarf_open_obj(const char *path)
{
	struct dwarf *d = xcalloc(1, sizeof(*d));
	Dwfl_Module *mod;
	Dwarf_Addr bias;

	d->dwfl = dwfl_begin(&offline_callbacks);
	if (!d->dwfl)
		goto fail;
	mod = dwfl_report_offline(d->dwfl, path, path, -1);
	if (!mod || dwfl_report_end(d->dwfl, NULL, NULL))
		goto fail;
	d->dw = dwfl_module_getdwarf(mod, &bias);
	if (!d->dw)
		goto fail;
	return d;
fail:
	dwarf_close_obj(d);
	return NULL;
}

void dwarf_close_obj(struct dwarf *d)
{
	if (!d)
		return;
	hash_free(d->types);
	free_keys(&d->type_keys);
	if (d->dwfl)
		dwfl_end(d->dwfl);
	free(d);
}

static const char *die_name(Dwarf_Die *die)
{
	Dwarf_Attribute a;

	return dwarf_formstring(dwarf_attr_integrate(die, DW_AT_name, &a));
}

static bool die_type(Dwarf_Die *die, Dwarf_Die *type)
{
	Dwarf_Attribute a;

	return dwarf_formref_die(dwarf_attr_integrate(die, DW_AT_type, &a),
				 type) != NULL;
}

static bool is_concrete(Dwarf_Die *die)
{
	return dwarf_hasattr(die, DW_AT_low_pc) ||
		dwarf_hasattr(die, DW_AT_ranges);
}

/* Calls @fn on every DIE of every CU, depth first; stops when it returns true. */
static bool walk_tree(Dwarf_Die *die, bool (*fn)(Dwarf_Die *, void *),
		      void *arg)
{
	Dwarf_Die child;

	do {
		if (fn(die, arg))
			return true;
		if (dwarf_haschildren(die) && dwarf_child(die, &child) == 0 &&
		    walk_tree(&child, fn, arg))
			return true;
	} while (dwarf_siblingof(die, die) == 0);
	return false;
}

static bool walk_all(struct dwarf *d, bool (*fn)(Dwarf_Die *, void *),
		     void *arg)
{
	Dwarf_Off off = 0, next;
	size_t hsize;
	Dwarf_Die cu;

	while (dwarf_nextcu(d->dw, off, &next, &hsize, NULL, NULL, NULL) == 0) {
		if (dwarf_offdie(d->dw, off + hsize, &cu) && walk_tree(&cu, fn, arg))
			return true;
		off = next;
	}
	return false;
}

/* Walk only @die and what is below it. */
static bool walk_below(Dwarf_Die *die, bool (*fn)(Dwarf_Die *, void *),
		       void *arg)
{
	Dwarf_Die child;

	if (fn(die, arg))
		return true;
	if (dwarf_haschildren(die) && dwarf_child(die, &child) == 0)
		return walk_tree(&child, fn, arg);
	return false;
}

/* ---- inlined functions ---- */

struct inl_search {
	const char *fn;
	bool (*pred)(const char *name, void *arg);
	void *arg;
	const char *found;
};

static bool inlined_match(Dwarf_Die *die, void *arg)
{
	struct inl_search *s = arg;
	const char *name;

	if (dwarf_tag(die) != DW_TAG_inlined_subroutine)
		return false;
	name = die_name(die);
	if (name && s->pred(name, s->arg)) {
		s->found = name;
		return true;
	}
	return false;
}

static bool function_inlines(Dwarf_Die *die, void *arg)
{
	struct inl_search *s = arg;
	const char *name;

	if (dwarf_tag(die) != DW_TAG_subprogram || !is_concrete(die))
		return false;
	name = die_name(die);
	if (!name || strcmp(name, s->fn))
		return false;
	return walk_below(die, inlined_match, s);
}

const char *dwarf_find_inlined(struct dwarf *d, const char *fn,
			       bool (*pred)(const char *name, void *arg),
			       void *arg)
{
	struct inl_search s = { .fn = fn, .pred = pred, .arg = arg };

	if (!d)
		return NULL;
	walk_all(d, function_inlines, &s);
	return s.found;
}

/* ---- structure layouts ---- */

static bool is_aggregate(int tag)
{
	return tag == DW_TAG_structure_type || tag == DW_TAG_union_type;
}

static char *type_key(Dwarf_Die *die)
{
	const char *name = die_name(die);

	if (!name || !is_aggregate(dwarf_tag(die)) ||
	    dwarf_hasattr(die, DW_AT_declaration) ||
	    !dwarf_hasattr(die, DW_AT_byte_size))
		return NULL;
	return xasprintf("%s %s", dwarf_tag(die) == DW_TAG_union_type ?
			 "union" : "struct", name);
}

static bool index_type(Dwarf_Die *die, void *arg)
{
	struct dwarf *d = arg;
	char *key = type_key(die);

	if (key) {
		if (!hash_get(d->types, key))
			hash_add(d->types, own_key(&d->type_keys, key),
				 (void *)(uintptr_t)(dwarf_dieoffset(die) + 1));
		else
			free(key);
	}
	return false;
}

static bool find_type(struct dwarf *d, const char *key, Dwarf_Die *out)
{
	uintptr_t off;

	if (!d->types) {
		d->types = hash_new();
		walk_all(d, index_type, d);
	}
	off = (uintptr_t)hash_get(d->types, key);
	return off && dwarf_offdie(d->dw, off - 1, out);
}

/* Typedefs and qualifiers peeled: the type that has the layout. */
static bool member_type(Dwarf_Die *m, Dwarf_Die *type)
{
	Dwarf_Die t;

	if (!die_type(m, &t))
		return false;
	return dwarf_peel_type(&t, type) == 0;
}

struct member {
	const char *name;
	Dwarf_Word off, bitoff, bitsize, size;
	Dwarf_Die type;
	bool has_type;
};

static Dwarf_Word attr_udata(Dwarf_Die *die, unsigned int at)
{
	Dwarf_Attribute a;
	Dwarf_Word v = 0;

	if (dwarf_attr(die, at, &a))
		dwarf_formudata(&a, &v);
	return v;
}

static size_t members(Dwarf_Die *agg, struct member **out)
{
	struct member *m = NULL;
	size_t n = 0;
	Dwarf_Die c;

	if (dwarf_child(agg, &c) != 0) {
		*out = NULL;
		return 0;
	}
	do {
		struct member *x;

		if (dwarf_tag(&c) != DW_TAG_member)
			continue;
		m = xrealloc(m, (n + 1) * sizeof(*m));
		x = &m[n++];
		memset(x, 0, sizeof(*x));
		x->name = die_name(&c);
		x->off = attr_udata(&c, DW_AT_data_member_location);
		x->bitoff = attr_udata(&c, DW_AT_data_bit_offset);
		x->bitsize = attr_udata(&c, DW_AT_bit_size);
		x->has_type = member_type(&c, &x->type);
		if (!x->has_type || dwarf_aggregate_size(&x->type, &x->size))
			x->size = 0;
	} while (dwarf_siblingof(&c, &c) == 0);
	*out = m;
	return n;
}

static const struct member *member_named(const struct member *m, size_t n,
					 const char *name)
{
	size_t i;

	for (i = 0; name && i < n; i++)
		if (m[i].name && !strcmp(m[i].name, name))
			return &m[i];
	return NULL;
}

static const char *mname(const struct member *m)
{
	return m->name ? m->name : "(anonymous)";
}

/*
 * The first difference between the layouts of @a (pre) and @b (post),
 * described in a new string, or NULL when they are the same.  Anonymous
 * structure and union members are compared inside.
 */
static char *layout_diff(Dwarf_Die *a, Dwarf_Die *b, const char *prefix)
{
	struct member *ma, *mb;
	size_t na = members(a, &ma), nb = members(b, &mb), i;
	Dwarf_Word sa = 0, sb = 0;
	char *res = NULL;

	for (i = 0; i < na && i < nb && !res; i++) {
		struct member *x = &ma[i], *y = &mb[i];

		if ((x->name || y->name) &&
		    (!x->name || !y->name || strcmp(x->name, y->name))) {
			if (!member_named(ma, na, y->name))
				res = xasprintf("member %s%s added at offset %llu",
						prefix, mname(y),
						(unsigned long long)y->off);
			else if (!member_named(mb, nb, x->name))
				res = xasprintf("member %s%s removed", prefix,
						mname(x));
			else
				res = xasprintf("member %s%s moved", prefix,
						mname(y));
		} else if (x->off != y->off || x->bitoff != y->bitoff) {
			res = xasprintf("member %s%s moved from offset %llu to %llu",
					prefix, mname(y),
					(unsigned long long)x->off,
					(unsigned long long)y->off);
		} else if (x->size != y->size || x->bitsize != y->bitsize) {
			res = xasprintf("member %s%s changed size from %llu to %llu",
					prefix, mname(y),
					(unsigned long long)x->size,
					(unsigned long long)y->size);
		} else if (x->has_type && y->has_type &&
			   is_aggregate(dwarf_tag(&y->type)) &&
			   !die_name(&y->type)) {
			char *p = xasprintf("%s%s.", prefix, mname(y));

			res = layout_diff(&x->type, &y->type, p);
			free(p);
		}
	}
	if (!res && nb > na)
		res = xasprintf("member %s%s added at offset %llu", prefix,
				mname(&mb[na]), (unsigned long long)mb[na].off);
	if (!res && na > nb)
		res = xasprintf("member %s%s removed", prefix, mname(&ma[nb]));
	if (!res && !dwarf_aggregate_size(a, &sa) &&
	    !dwarf_aggregate_size(b, &sb) && sa != sb)
		res = xasprintf("size changed from %llu to %llu",
				(unsigned long long)sa, (unsigned long long)sb);
	free(ma);
	free(mb);
	return res;
}

/* Types reachable from the kept functions' DIEs. */
struct reach {
	struct dwarf *post, *pre;
	bool (*is_kept)(const char *name, void *arg);
	void *arg;
	struct hash *seen;
	struct keys seen_keys;
	struct layout_change *changes;
	size_t nchanges;
};

static bool mark_seen(struct reach *r, Dwarf_Die *die)
{
	char key[32];

	snprintf(key, sizeof(key), "%llx",
		 (unsigned long long)dwarf_dieoffset(die));
	if (hash_get(r->seen, key))
		return false;
	hash_add(r->seen, own_key(&r->seen_keys, xstrdup(key)), r);
	return true;
}

static void visit_type(struct reach *r, Dwarf_Die *type);

static bool visit_uses(Dwarf_Die *die, void *arg)
{
	struct reach *r = arg;
	Dwarf_Die t, origin;
	Dwarf_Attribute a;

	if (die_type(die, &t))
		visit_type(r, &t);
	/* an inlined callee's own parameters and locals */
	if (dwarf_tag(die) == DW_TAG_inlined_subroutine &&
	    dwarf_formref_die(dwarf_attr(die, DW_AT_abstract_origin, &a),
			      &origin) && mark_seen(r, &origin))
		walk_below(&origin, visit_uses, r);
	return false;
}

static void check_type(struct reach *r, Dwarf_Die *type)
{
	char *key = type_key(type), *diff;
	struct layout_change *c;
	Dwarf_Die old;

	if (!key)
		return;
	if (!find_type(r->pre, key, &old)) {
		free(key);	/* a new type: nothing runs with it */
		return;
	}
	diff = layout_diff(&old, type, "");
	if (!diff) {
		free(key);
		return;
	}
	r->changes = xrealloc(r->changes, (r->nchanges + 1) * sizeof(*c));
	c = &r->changes[r->nchanges++];
	c->type = key;
	c->what = diff;
}

static void visit_type(struct reach *r, Dwarf_Die *type)
{
	Dwarf_Die t, c;

	if (!mark_seen(r, type))
		return;
	if (is_aggregate(dwarf_tag(type)))
		check_type(r, type);
	if (die_type(type, &t))
		visit_type(r, &t);
	if (dwarf_haschildren(type) && dwarf_child(type, &c) == 0) {
		do {
			if (die_type(&c, &t))
				visit_type(r, &t);
		} while (dwarf_siblingof(&c, &c) == 0);
	}
}

static bool kept_function_die(Dwarf_Die *die, void *arg)
{
	struct reach *r = arg;
	const char *name;

	if (dwarf_tag(die) != DW_TAG_subprogram || !is_concrete(die))
		return false;
	name = die_name(die);
	if (name && r->is_kept(name, r->arg))
		walk_below(die, visit_uses, r);
	return false;
}

size_t dwarf_layout_changes(struct dwarf *pre, struct dwarf *post,
			    bool (*is_kept)(const char *name, void *arg),
			    void *arg, struct layout_change **out)
{
	struct reach r = {
		.post = post, .pre = pre, .is_kept = is_kept, .arg = arg,
	};

	*out = NULL;
	if (!pre || !post)
		return 0;
	r.seen = hash_new();
	walk_all(post, kept_function_die, &r);
	hash_free(r.seen);
	free_keys(&r.seen_keys);
	*out = r.changes;
	return r.nchanges;
}

/* ---- the source text of a function ---- */

struct fn_search {
	const char *fn;
	Dwarf_Die die;
	bool found;
};

static bool function_named(Dwarf_Die *die, void *arg)
{
	struct fn_search *s = arg;
	const char *name;

	if (dwarf_tag(die) != DW_TAG_subprogram ||
	    dwarf_hasattr(die, DW_AT_abstract_origin) ||
	    dwarf_hasattr(die, DW_AT_declaration))
		return false;
	name = die_name(die);
	if (!name || strcmp(name, s->fn))
		return false;
	s->die = *die;
	s->found = true;
	return true;
}

struct next_line {
	const char *file;
	int line, next;
};

/* The first line after @line where another function of @file starts. */
static bool later_function(Dwarf_Die *die, void *arg)
{
	struct next_line *n = arg;
	const char *f;
	int l;

	if (dwarf_tag(die) != DW_TAG_subprogram ||
	    dwarf_hasattr(die, DW_AT_abstract_origin) ||
	    dwarf_decl_line(die, &l) || l <= n->line)
		return false;
	f = dwarf_decl_file(die);
	if (f && !strcmp(f, n->file) && (!n->next || l < n->next))
		n->next = l;
	return false;
}

static char *read_text(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0, cap = 0, n;

	if (!f)
		return NULL;
	do {
		if (len + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 65536;
			buf = xrealloc(buf, cap);
		}
		n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
	} while (n);
	fclose(f);
	buf[len] = '\0';
	return buf;
}

/* Lines [@from, @to) of @text (@to 0: to the end), in a new string. */
static char *text_lines(const char *text, int from, int to)
{
	const char *p = text, *start = NULL;
	int line = 1;

	for (;;) {
		if (line == from)
			start = p;
		if (!*p || (to && line == to))
			break;
		p = strchr(p, '\n');
		if (!p) {
			p = text + strlen(text);
			break;
		}
		p++;
		line++;
	}
	if (!start)
		return xstrdup("");
	return xasprintf("%.*s", (int)(p - start), start);
}

/*
 * The source text of function @fn, from the start of its declaration to
 * where the next function of its file starts, read from the source file its
 * DWARF names (for the pre object, the patch's backup FILE.KSPLICE_presrc
 * when it exists: ksplice-create applies the patch in place).
 */
static char *function_text(struct dwarf *d, const char *fn, bool pre)
{
	struct fn_search s = { .fn = fn };
	struct next_line n = { 0 };
	Dwarf_Attribute a;
	const char *file, *dir;
	char *path, *backup, *text, *res;
	Dwarf_Die cu;

	if (!d || !(walk_all(d, function_named, &s), s.found))
		return NULL;
	file = dwarf_decl_file(&s.die);
	if (!file || dwarf_decl_line(&s.die, &n.line))
		return NULL;
	n.file = file;
	walk_all(d, later_function, &n);
	dir = dwarf_diecu(&s.die, &cu, NULL, NULL) ?
		dwarf_formstring(dwarf_attr(&cu, DW_AT_comp_dir, &a)) : NULL;
	path = file[0] == '/' || !dir ? xstrdup(file) :
		xasprintf("%s/%s", dir, file);
	backup = xasprintf("%s.KSPLICE_presrc", path);
	text = read_text(pre ? backup : path);
	if (!text && pre)
		text = read_text(path);
	free(backup);
	free(path);
	if (!text)
		return NULL;
	res = text_lines(text, n.line, n.next);
	free(text);
	return res;
}

int dwarf_function_changed(struct dwarf *pre, struct dwarf *post,
			   const char *fn)
{
	char *a = function_text(pre, fn, true), *b;
	int ret = -1;

	b = function_text(post, fn, false);
	if (a && b)
		ret = strcmp(a, b) != 0;
	free(a);
	free(b);
	return ret;
}
