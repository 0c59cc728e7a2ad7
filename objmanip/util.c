// SPDX-License-Identifier: GPL-2.0
/*
 * Messages, allocation and a small string hash table.  Every failure ends
 * the process: objmanip is a filter run once per object, and a partial
 * output file would be worse than none (main removes it).
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "objmanip.h"

const char *msg_obj = "objmanip";
void (*exit_cleanup)(void);

static void vmessage(const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: ", msg_obj);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

static void __attribute__((noreturn)) bail(int code)
{
	if (exit_cleanup)
		exit_cleanup();
	exit(code);
}

void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage(fmt, ap);
	va_end(ap);
	bail(1);
}

/* A change objmanip understands but that cannot be hot-patched. */
void refuse(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage(fmt, ap);
	va_end(ap);
	bail(EXIT_REFUSED);
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		die("out of memory");
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		die("out of memory");
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		die("out of memory");
	return p;
}

char *xstrdup(const char *s)
{
	char *p = strdup(s);

	if (!p)
		die("out of memory");
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *p;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&p, fmt, ap);
	va_end(ap);
	if (n < 0)
		die("out of memory");
	return p;
}

bool has_prefix(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

/*
 * module_init()/module_exit() make these global aliases of the module's
 * init and exit functions; every module has its own pair, the update's
 * modules too.
 */
bool is_module_entry_alias(const char *name)
{
	return !strcmp(name, "init_module") || !strcmp(name, "cleanup_module");
}

/*
 * __UNIQUE_ID(prefix) pastes __COUNTER__ after the prefix
 * ("__UNIQUE_ID_ddebug412"): every earlier use in the file moves it.
 * Returns where the counter starts, or NULL.
 */
static const char *unique_id_counter(const char *name)
{
	const char *end, *p;

	if (!has_prefix(name, "__UNIQUE_ID_"))
		return NULL;
	end = strchr(name, '.');
	if (!end)
		end = name + strlen(name);
	for (p = end; p > name && isdigit((unsigned char)p[-1]); p--)
		;
	return p < end ? p : NULL;
}

/*
 * gcc numbers static locals and clones per compilation ("count.3",
 * "foo.isra.0", "__func__.1"), and __UNIQUE_ID() names carry a counter;
 * the numbers move when unrelated code is added, so correlation compares
 * names without them.
 */
char *canon_name(const char *name)
{
	char *out = xstrdup(name), *d = out;
	const char *s = name, *counter = unique_id_counter(name);

	while (*s) {
		if (s == counter) {
			while (isdigit((unsigned char)*s))
				s++;
			continue;
		}
		if (*s == '.' && isdigit((unsigned char)s[1])) {
			const char *e = s + 1;

			while (isdigit((unsigned char)*e))
				e++;
			if (*e == '.' || !*e) {
				s = e;
				continue;
			}
		}
		*d++ = *s++;
	}
	*d = 0;
	return out;
}

struct hent {
	const char *key;
	void *val;
	struct hent *next;
};

struct hash {
	struct hent **b;
	size_t nb, n;
};

static size_t hash_str(const char *s)
{
	size_t h = 5381;

	while (*s)
		h = h * 33 + (unsigned char)*s++;
	return h;
}

struct hash *hash_new(void)
{
	struct hash *h = xcalloc(1, sizeof(*h));

	h->nb = 256;
	h->b = xcalloc(h->nb, sizeof(*h->b));
	return h;
}

void hash_free(struct hash *h)
{
	size_t i;

	if (!h)
		return;
	for (i = 0; i < h->nb; i++) {
		struct hent *e = h->b[i], *n;

		for (; e; e = n) {
			n = e->next;
			free(e);
		}
	}
	free(h->b);
	free(h);
}

static void hash_grow(struct hash *h)
{
	size_t nb = h->nb * 4, i;
	struct hent **b = xcalloc(nb, sizeof(*b));

	for (i = 0; i < h->nb; i++) {
		struct hent *e = h->b[i], *n;

		for (; e; e = n) {
			size_t k = hash_str(e->key) % nb;

			n = e->next;
			e->next = b[k];
			b[k] = e;
		}
	}
	free(h->b);
	h->b = b;
	h->nb = nb;
}

/* Entries with equal keys come back in insertion order. */
void hash_add(struct hash *h, const char *key, void *val)
{
	struct hent *e = xmalloc(sizeof(*e)), **pp;

	if (h->n > h->nb * 2)
		hash_grow(h);
	e->key = key;
	e->val = val;
	e->next = NULL;
	pp = &h->b[hash_str(key) % h->nb];
	while (*pp)
		pp = &(*pp)->next;
	*pp = e;
	h->n++;
}

void *hash_next(struct hash *h, const char *key, void *prev)
{
	struct hent *e = h->b[hash_str(key) % h->nb];
	bool seen = !prev;

	for (; e; e = e->next) {
		if (strcmp(e->key, key))
			continue;
		if (seen)
			return e->val;
		if (e->val == prev)
			seen = true;
	}
	return NULL;
}

void *hash_get(struct hash *h, const char *key)
{
	return hash_next(h, key, NULL);
}
