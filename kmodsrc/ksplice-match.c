// SPDX-License-Identifier: GPL-2.0
/*
 * Run-pre matching: prove that the running code of a target is what the pre
 * object says, and learn the run address of every symbol the pre code refers
 * to (static ones included) from the relocation fields of the running bytes.
 *
 * Bytes must be equal except inside relocation fields and inside the windows
 * objmanip copied from the object's special sections (.ksplice_specials),
 * which the running kernel rewrites: the __fentry__ site, return thunks,
 * retpolines, alternatives, jump labels, static calls, paravirt sites.
 */
#include <linux/jhash.h>
#include <linux/kallsyms.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/elf.h>
#include "ksplice-compat.h"
#include "ksplice.h"

static const u8 nop5[KSPLICE_FENTRY_LEN] = { 0x0f, 0x1f, 0x44, 0x00, 0x00 };
const u8 ksplice_endbr64[KSPLICE_ENDBR_LEN] = { 0xf3, 0x0f, 0x1e, 0xfa };
const u8 ksplice_endbr_sealed[KSPLICE_ENDBR_LEN] = { 0x66, 0x0f, 0x1f, 0x00 };

const char *ksplice_sym_name(const struct ksplice_symbol *sym)
{
	return sym && sym->name ? (const char *)(unsigned long)sym->name : "";
}

const char *ksplice_sym_label(const struct ksplice_symbol *sym)
{
	if (sym && sym->label)
		return (const char *)(unsigned long)sym->label;
	return ksplice_sym_name(sym);
}

/* ---- the label table ---- */

static u32 label_hash(const char *name)
{
	return jhash(name, strlen(name), 0);
}

/* A committed label, or one bound earlier in the trial @tentative. */
struct ksplice_label *ksplice_label_find(const char *name,
					 struct list_head *tentative)
{
	struct ksplice_label *l;

	hash_for_each_possible(ksplice_update.labels, l, node, label_hash(name))
		if (!strcmp(l->name, name))
			return l;
	if (tentative)
		list_for_each_entry(l, tentative, tentative)
			if (!strcmp(l->name, name))
				return l;
	return NULL;
}

/* 0 bound (or already bound to @addr), 1 bound elsewhere, -ENOMEM. */
static int label_bind(const char *name, unsigned long addr,
		      struct list_head *tentative)
{
	struct ksplice_label *l = ksplice_label_find(name, tentative);

	if (l) {
		if (l->addr == addr)
			return 0;
		ksplice_debug("  label %s: %lx here, bound to %lx before\n",
			      name, addr, l->addr);
		return 1;
	}
	l = kmalloc(struct_size(l, name, strlen(name) + 1), GFP_KERNEL);
	if (!l)
		return -ENOMEM;
	strcpy(l->name, name);
	l->addr = addr;
	INIT_HLIST_NODE(&l->node);
	list_add_tail(&l->tentative, tentative);
	return 0;
}

static void labels_commit(struct list_head *tentative)
{
	struct ksplice_label *l, *n;

	list_for_each_entry_safe(l, n, tentative, tentative) {
		list_del_init(&l->tentative);
		hash_add(ksplice_update.labels, &l->node, label_hash(l->name));
	}
}

static void labels_discard(struct list_head *tentative)
{
	struct ksplice_label *l, *n;

	list_for_each_entry_safe(l, n, tentative, tentative) {
		list_del(&l->tentative);
		kfree(l);
	}
}

void ksplice_labels_free(void)
{
	struct ksplice_label *l;
	struct hlist_node *n;
	int bkt;

	hash_for_each_safe(ksplice_update.labels, bkt, n, l, node) {
		hash_del(&l->node);
		kfree(l);
	}
}

/* ---- comparing one section with one candidate ---- */

enum { MASK_CMP, MASK_RELOC, MASK_SPECIAL, MASK_CALL };

static const char *special_name(u32 kind)
{
	static const char *const names[] = {
		[KSPLICE_SPECIAL_ALT] = "alternative",
		[KSPLICE_SPECIAL_JUMP_LABEL] = "jump label",
		[KSPLICE_SPECIAL_STATIC_CALL] = "static call",
		[KSPLICE_SPECIAL_RETPOLINE] = "retpoline",
		[KSPLICE_SPECIAL_RETURN] = "return thunk",
		[KSPLICE_SPECIAL_PARAVIRT] = "paravirt",
		[KSPLICE_SPECIAL_MCOUNT] = "__fentry__",
		[KSPLICE_SPECIAL_SMP_LOCK] = "lock prefix",
		[KSPLICE_SPECIAL_CALL] = "call site",
		[KSPLICE_SPECIAL_ENDBR] = "endbr",
		[KSPLICE_SPECIAL_CONST] = "runtime constant",
	};

	return kind < ARRAY_SIZE(names) && names[kind] ? names[kind] : "?";
}

/*
 * Does @part record an __fentry__ site at @offset of section @sect?  The
 * call to __fentry__ is a call site too (call-depth tracking lists it):
 * there ftrace's rules apply, which include its NOP.
 */
static bool fentry_site_at(const struct ksplice_mod_change_part *part,
			   u64 sect, u32 offset)
{
	const struct ksplice_special *sp;

	for_each_table(sp, part->specials, part->specials_end)
		if (sp->kind == KSPLICE_SPECIAL_MCOUNT &&
		    sp->sect == sect && sp->offset == offset)
			return true;
	return false;
}

/*
 * Windows whose running contents we can check, not merely tolerate: the
 * __fentry__ site is a 5-byte NOP or a call (tracing on), a return thunk
 * site a jmp (to whichever thunk the CPU needs) or ret; int3 padding; an
 * endbr64 stays or is sealed; a call stays a call (call-depth tracking may
 * point it into the callee's padding).
 */
static bool special_ok(const struct ksplice_special *sp, const u8 *run)
{
	u32 i;

	switch (sp->kind) {
	case KSPLICE_SPECIAL_MCOUNT:
		if (sp->len != KSPLICE_FENTRY_LEN)
			return true;
		return !memcmp(run, nop5, sizeof(nop5)) || run[0] == 0xe8;
	case KSPLICE_SPECIAL_ENDBR:
		if (sp->len != KSPLICE_ENDBR_LEN)
			return false;
		return !memcmp(run, ksplice_endbr64, KSPLICE_ENDBR_LEN) ||
			!memcmp(run, ksplice_endbr_sealed, KSPLICE_ENDBR_LEN);
	case KSPLICE_SPECIAL_CALL:
		return sp->len == KSPLICE_JMP_LEN && run[0] == 0xe8;
	case KSPLICE_SPECIAL_RETURN:
		if (run[0] == 0xe9)
			return true;
		if (run[0] != 0xc3)
			return false;
		for (i = 1; i < sp->len; i++)
			if (run[i] != 0xcc)
				return false;
		return true;
	default:
		return true;
	}
}

/* Decode the symbol a relocation field points at from the running bytes. */
static bool reloc_target(const struct ksplice_reloc *r, const u8 *field,
			 unsigned long P, unsigned long *S)
{
	s64 v;

	if (r->flags & KSPLICE_RELOC_VALUE)
		return false;	/* new code only: old code has no such field */
	switch (r->size) {
	case 4:
		if (r->type == R_X86_64_32)
			v = get_unaligned((const u32 *)field);
		else
			v = get_unaligned((const s32 *)field);
		break;
	case 8:
		v = get_unaligned((const s64 *)field);
		break;
	default:
		return false;
	}
	if (r->flags & KSPLICE_RELOC_PCREL)
		*S = v + P - r->addend;
	else
		*S = v - r->addend;
	return true;
}

/*
 * A string literal is matched by content at the address the code uses, a
 * piece at a time: the literal's length comes from the update.
 */
static const char *string_differs(const char *want, unsigned long S)
{
	size_t len = strlen(want) + 1, n;
	char buf[64];

	for (; len; len -= n, want += n, S += n) {
		n = min(len, sizeof(buf));
		if (copy_from_kernel_nofault(buf, (void *)S, n))
			return "cannot be read";
		if (memcmp(buf, want, n))
			return "differs";
	}
	return NULL;
}

/*
 * Call-depth tracking (retbleed=stuff) points calls at an accounting thunk
 * that it writes into the callee's padding, which the kernel names
 * __pfx_<callee>, and which falls through into the callee: the call still
 * means the callee.
 */
static unsigned long call_dest(unsigned long S)
{
	char buf[KSYM_SYMBOL_LEN];
	unsigned long off, size;
	const char *plus;

	sprint_symbol(buf, S);		/* "__pfx_f+0x6/0x10 [mod]" */
	if (strncmp(buf, "__pfx_", 6))
		return S;
	plus = strrchr(buf, '+');
	if (!plus || sscanf(plus, "+%lx/%lx", &off, &size) != 2 ||
	    off >= size)
		return S;
	return S - off + size;
}

/*
 * A call with no relocation (to a function of the same section, e.g.
 * .sched.text) is compared as bytes; call-depth tracking may still have
 * sent it to the callee's accounting thunk.
 */
static bool same_callee(const u8 *run, const u8 *pre, size_t off,
			unsigned long code)
{
	unsigned long next = code + off + KSPLICE_JMP_LEN;
	s32 r = get_unaligned((const s32 *)(run + off + 1));
	s32 p = get_unaligned((const s32 *)(pre + off + 1));

	return r == p || call_dest(next + r) == next + p;
}

/* Why the last candidate did not match, for the abort's detail. */
static char match_note[128];

#define RELOC_IN(r, s) ((r)->blank_addr >= (s)->address && \
			(r)->blank_addr < (s)->address + (s)->size)

/* One section of the old code compared with the running bytes at @code. */
struct site_cmp {
	const struct ksplice_mod_change_part *old;
	const struct ksplice_section *s;
	const char *name;
	const u8 *pre;
	u8 *run, *mask;
	size_t size;
	unsigned long code;
};

/*
 * Boot-time rewrite windows: checked by kind, then left out of the byte
 * comparison; a call site's target still binds its label (the callee may
 * be a local the new code needs), through call_dest().
 */
static bool mask_specials(struct site_cmp *m)
{
	const struct ksplice_special *sp;

	/* ksplice_check_part() proved that each window fits its section. */
	for_each_table(sp, m->old->specials, m->old->specials_end) {
		if (sp->sect != m->s->address)
			continue;
		if (sp->kind == KSPLICE_SPECIAL_CALL &&
		    fentry_site_at(m->old, sp->sect, sp->offset))
			continue;
		if (!special_ok(sp, m->run + sp->offset)) {
			ksplice_debug("%s @%lx: bad %s site at offset 0x%x\n",
				      m->name, m->code, special_name(sp->kind),
				      sp->offset);
			ksplice_debug_hex("run", m->run + sp->offset, sp->len);
			scnprintf(match_note, sizeof(match_note),
				  "bad %s site at offset 0x%x",
				  special_name(sp->kind), sp->offset);
			return false;
		}
		if (sp->kind == KSPLICE_SPECIAL_CALL) {
			m->mask[sp->offset] = MASK_CALL;
			continue;
		}
		memset(m->mask + sp->offset, MASK_SPECIAL, sp->len);
	}
	return true;
}

/* Relocation fields are not compared as bytes: bind_relocs() decodes them. */
static bool mask_relocs(struct site_cmp *m)
{
	const struct ksplice_reloc *r;
	size_t i;

	for_each_table(r, m->old->relocs, m->old->relocs_end) {
		size_t off = r->blank_addr - m->s->address;

		if (!RELOC_IN(r, m->s))
			continue;
		if (off + r->size > m->size)
			return false;
		for (i = off; i < off + r->size; i++)
			if (m->mask[i] == MASK_CMP)
				m->mask[i] = MASK_RELOC;
	}
	return true;
}

/* Call sites without a relocation: the same callee, thunk or not. */
static void mask_same_callees(struct site_cmp *m)
{
	const struct ksplice_special *sp;

	for_each_table(sp, m->old->specials, m->old->specials_end) {
		size_t o = sp->offset;

		if (sp->sect != m->s->address ||
		    sp->kind != KSPLICE_SPECIAL_CALL ||
		    m->mask[o] != MASK_CALL || o + KSPLICE_JMP_LEN > m->size ||
		    m->mask[o + 1] != MASK_CMP || m->mask[o + 4] != MASK_CMP)
			continue;
		if (same_callee(m->run, m->pre, o, m->code))
			memset(m->mask + o + 1, MASK_SPECIAL, KSPLICE_JMP_LEN - 1);
	}
}

static bool bytes_match(const struct site_cmp *m)
{
	size_t i, row;

	for (i = 0; i < m->size; i++) {
		if (m->mask[i] != MASK_CMP || m->run[i] == m->pre[i])
			continue;
		row = i & ~15UL;
		ksplice_debug("%s @%lx: mismatch in section %s at offset 0x%zx: run %02x pre %02x\n",
			      m->name, m->code,
			      ksplice_sym_label((void *)(unsigned long)m->s->symbol),
			      i, m->run[i], m->pre[i]);
		ksplice_debug_hex("run", m->run + row, min_t(size_t, 32, m->size - row));
		ksplice_debug_hex("pre", m->pre + row, min_t(size_t, 32, m->size - row));
		scnprintf(match_note, sizeof(match_note),
			  "differs at offset 0x%zx (running %02x, expected %02x)",
			  i, m->run[i], m->pre[i]);
		return false;
	}
	return true;
}

/*
 * What each relocation field of the running code points at binds its
 * label (to @tent), or must agree with the binding so far; a string must
 * hold the same text.  1: all agree, 0: one does not, <0: error.
 */
static int bind_relocs(const struct site_cmp *m, struct list_head *tent)
{
	const struct ksplice_reloc *r;

	for_each_table(r, m->old->relocs, m->old->relocs_end) {
		const struct ksplice_symbol *sym = (void *)(unsigned long)r->symbol;
		size_t off = r->blank_addr - m->s->address;
		unsigned long S;
		int err;

		if (!RELOC_IN(r, m->s) || m->mask[off] == MASK_SPECIAL ||
		    m->mask[off + r->size - 1] == MASK_SPECIAL)
			continue;	/* e.g. call __fentry__, jmp thunk */
		if (!sym || !reloc_target(r, m->run + off, m->code + off, &S)) {
			ksplice_debug("%s: unusable reloc at offset 0x%zx\n",
				      m->name, off);
			scnprintf(match_note, sizeof(match_note),
				  "unusable relocation at offset 0x%zx", off);
			return 0;
		}
		if (off && m->mask[off - 1] == MASK_CALL)
			S = call_dest(S);
		if (sym->flags & KSPLICE_SYM_STRING) {
			const char *why = string_differs(ksplice_sym_name(sym), S);

			if (!why)
				continue;
			ksplice_debug("%s @%lx: string at offset 0x%zx %s (%lx)\n",
				      m->name, m->code, off, why, S);
			scnprintf(match_note, sizeof(match_note),
				  "the string referred to at offset 0x%zx %s",
				  off, why);
			return 0;
		}
		err = label_bind(ksplice_sym_label(sym), S, tent);
		if (err < 0)
			return err;
		if (err) {
			ksplice_debug("%s @%lx: reloc at offset 0x%zx disagrees\n",
				      m->name, m->code, off);
			scnprintf(match_note, sizeof(match_note),
				  "the symbol %s referred to at offset 0x%zx is elsewhere",
				  ksplice_sym_name(sym), off);
			return 0;
		}
	}
	return 1;
}

/*
 * Compare section @s of the old code with the running bytes at @code.
 * Labels learnt go to @tent.  1: match, 0: no match, <0: error.
 */
static int match_at(struct ksplice_change *c, const struct ksplice_section *s,
		    unsigned long code, struct list_head *tent)
{
	struct site_cmp m = {
		.old = c->old,
		.s = s,
		.name = ksplice_sym_name((void *)(unsigned long)s->symbol),
		.pre = (const u8 *)(unsigned long)s->address,
		.size = s->size,
		.code = code,
	};
	int ret = 0;

	match_note[0] = '\0';
	m.run = kvmalloc(m.size, GFP_KERNEL);
	m.mask = kvzalloc(m.size, GFP_KERNEL);
	if (!m.run || !m.mask) {
		ret = -ENOMEM;
		goto out;
	}
	if (copy_from_kernel_nofault(m.run, (void *)code, m.size)) {
		ksplice_debug("%s @%lx: cannot read %zu bytes\n", m.name, code,
			      m.size);
		scnprintf(match_note, sizeof(match_note),
			  "its %zu bytes cannot be read", m.size);
		goto out;
	}
	if (!mask_specials(&m) || !mask_relocs(&m))
		goto out;
	mask_same_callees(&m);
	if (bytes_match(&m))
		ret = bind_relocs(&m, tent);
out:
	kvfree(m.run);
	kvfree(m.mask);
	return ret;
}

/* ---- a candidate: the function itself, or an earlier update's replacement ---- */

/*
 * Where the jump goes in a function: after its endbr64 (indirect calls
 * land there with IBT) and its __fentry__ site (ftrace and kprobes keep
 * using it), as objmanip recorded the entry.
 */
static unsigned long sect_jump_offset(const struct ksplice_change *c,
				      const struct ksplice_section *s)
{
	unsigned long off = s->flags & KSPLICE_SECT_ENDBR ? KSPLICE_ENDBR_LEN : 0;

	if ((s->flags & KSPLICE_SECT_FENTRY) ||
	    fentry_site_at(c->old, s->address, off))
		return off + KSPLICE_FENTRY_LEN;
	return off;
}

/*
 * If an earlier update replaced the function at @run, its jump site holds a
 * jmp into a ksplice_* module: the code to compare is that replacement.
 */
static unsigned long stacked_code(const struct ksplice_change *c,
				  const struct ksplice_section *s,
				  unsigned long run)
{
	unsigned long site = run + sect_jump_offset(c, s);
	char modname[MODULE_NAME_LEN];
	u8 insn[KSPLICE_JMP_LEN];
	unsigned long dest;

	if (!(s->flags & KSPLICE_SECT_TEXT) ||
	    copy_from_kernel_nofault(insn, (void *)site, sizeof(insn)) ||
	    insn[0] != 0xe9)
		return run;
	dest = site + KSPLICE_JMP_LEN + get_unaligned((s32 *)(insn + 1));
	if (!ksplice_module_address(dest, modname, sizeof(modname)) ||
	    strncmp(modname, "ksplice_", 8))
		return run;
	ksplice_debug("%s @%lx: replaced by %s at %lx: matching that\n",
		      ksplice_sym_name((void *)(unsigned long)s->symbol), run,
		      modname, dest);
	return dest;
}

/* Which sections are compared: code and read-only data. */
static bool sect_comparable(const struct ksplice_section *s)
{
	if (s->flags & KSPLICE_SECT_STRING)
		return false;	/* strings are checked by content via relocs */
	return s->flags & (KSPLICE_SECT_TEXT | KSPLICE_SECT_RODATA);
}

enum { SECT_PENDING, SECT_DONE };

/*
 * Try every candidate of one section.  Returns the number that matched (the
 * first match's labels are kept in @keep), or <0 on error.
 */
static int try_candidates(struct ksplice_change *c,
			  const struct ksplice_section *s,
			  const unsigned long *cand, int nr,
			  struct list_head *keep, unsigned long *run_out,
			  unsigned long *code_out)
{
	int i, ret, found = 0;

	for (i = 0; i < nr; i++) {
		unsigned long code = stacked_code(c, s, cand[i]);
		LIST_HEAD(tent);

		ret = match_at(c, s, code, &tent);
		if (ret < 0) {
			labels_discard(&tent);
			return ret;
		}
		if (ret == 0) {
			labels_discard(&tent);
			continue;
		}
		ksplice_debug("%s: candidate %lx matches\n",
			      ksplice_sym_name((void *)(unsigned long)s->symbol),
			      cand[i]);
		if (found++ == 0) {
			list_splice_init(&tent, keep);
			*run_out = cand[i];
			*code_out = code;
		} else {
			labels_discard(&tent);
		}
	}
	return found;
}

/* Each comparable section's candidates, by name, in the target: one walk. */
static int find_all_candidates(struct ksplice_change *c,
			       struct ksplice_cands *cands, u8 *state, int n)
{
	const struct ksplice_section *s;
	const char **names;
	int i, ret;

	names = kvcalloc(n, sizeof(*names), GFP_KERNEL);
	if (!names)
		return KSPLICE_OUT_OF_MEMORY;
	for (i = 0; i < n; i++) {
		s = c->old->sections + i;
		if (!sect_comparable(s) || !s->size)
			state[i] = SECT_DONE;
		else
			names[i] = ksplice_sym_name((void *)(unsigned long)s->symbol);
	}
	ret = ksplice_find_candidates_all(names, n, c->target, cands);
	kvfree(names);
	return ret < 0 ? KSPLICE_OUT_OF_MEMORY : KSPLICE_OK;
}

/*
 * Try section @s: its bound label, else its candidates.  Sets *@done when
 * exactly one address matched (recorded in @c); leaves it for a later
 * round when several or none could be told apart yet.
 */
static int match_section(struct ksplice_change *c,
			 const struct ksplice_section *s,
			 const struct ksplice_cands *cands, bool *done)
{
	const struct ksplice_symbol *sym = (void *)(unsigned long)s->symbol;
	struct ksplice_label *l = ksplice_label_find(ksplice_sym_label(sym), NULL);
	unsigned long run = 0, code = 0;
	int tried = l ? 1 : cands->nr, found, ret;
	LIST_HEAD(keep);

	*done = false;
	found = l ? try_candidates(c, s, &l->addr, 1, &keep, &run, &code) :
		try_candidates(c, s, cands->addr, cands->nr, &keep, &run, &code);
	if (found < 0) {
		labels_discard(&keep);
		return KSPLICE_OUT_OF_MEMORY;
	}
	if (found == 0 && tried) {
		labels_discard(&keep);
		ksplice_debug("%s (%s): no candidate of %d matches\n",
			      ksplice_sym_name(sym), ksplice_sym_label(sym), tried);
		ret = KSPLICE_NO_MATCH;
		ksplice_abort_detail(ret, "section %s of %s: %s%s",
				     ksplice_sym_label(sym), c->target,
				     tried > 1 ? "no candidate matches; the last " :
				     "the running code ",
				     match_note[0] ? match_note : "does not match");
		return ret;
	}
	if (found != 1) {
		labels_discard(&keep);
		return KSPLICE_OK;	/* ambiguous or unknown: later */
	}
	if (label_bind(ksplice_sym_label(sym), run, &keep)) {
		labels_discard(&keep);
		ret = KSPLICE_NO_MATCH;
		ksplice_abort_detail(ret, "section %s of %s: other matched code refers to it at another address",
				     ksplice_sym_label(sym), c->target);
		return ret;
	}
	labels_commit(&keep);
	c->matches[c->nr_matches].sect = s;
	c->matches[c->nr_matches].run = run;
	c->matches[c->nr_matches].code = code;
	c->nr_matches++;
	*done = true;
	ksplice_debug("%s (%s): matched at %lx (%zu bytes)\n",
		      ksplice_sym_name(sym), ksplice_sym_label(sym), run,
		      (size_t)s->size);
	return KSPLICE_OK;
}

/* Sections no round decided: replaced code must be found, helpers may not. */
static int report_unmatched(struct ksplice_change *c,
			    const struct ksplice_cands *cands, const u8 *state,
			    int n)
{
	const struct ksplice_section *s;
	int i, ret = KSPLICE_OK;

	for (i = 0; i < n; i++) {
		const struct ksplice_symbol *sym;

		if (state[i] == SECT_DONE)
			continue;
		s = c->old->sections + i;
		sym = (void *)(unsigned long)s->symbol;
		ksplice_debug("%s (%s): %s\n", ksplice_sym_name(sym),
			      ksplice_sym_label(sym),
			      cands[i].nr ? "ambiguous: several candidates match"
					  : "no such symbol in the target");
		if (s->flags & KSPLICE_SECT_MATCH || cands[i].nr) {
			ret = KSPLICE_NO_MATCH;
			ksplice_abort_detail(ret, "section %s of %s: %s",
					     ksplice_sym_label(sym), c->target,
					     cands[i].nr ? "several candidates match" :
					     "no such symbol in the target");
		}
	}
	return ret;
}

int ksplice_match_change(struct ksplice_change *c)
{
	const struct ksplice_section *first = c->old->sections;
	int n = c->old->sections_end - first, i, ret = KSPLICE_OK;
	struct ksplice_cands *cands;
	bool progress, done;
	u8 *state;

	if (!first || n <= 0)
		return KSPLICE_OK;
	/* As many as the old code module holds records: kv, not k. */
	cands = kvcalloc(n, sizeof(*cands), GFP_KERNEL);
	state = kvcalloc(n, sizeof(*state), GFP_KERNEL);
	kvfree(c->matches);
	c->nr_matches = 0;
	c->matches = kvcalloc(n, sizeof(*c->matches), GFP_KERNEL);
	if (!cands || !state || !c->matches) {
		ret = KSPLICE_OUT_OF_MEMORY;
		goto out;
	}
	ret = find_all_candidates(c, cands, state, n);
	if (ret != KSPLICE_OK)
		goto out;

	/*
	 * Sections matched so far bind labels, which pin down the candidates
	 * of others (a static helper called from a matched function): repeat
	 * until nothing more can be decided.
	 */
	do {
		progress = false;
		for (i = 0; i < n; i++) {
			if (state[i] == SECT_DONE)
				continue;
			ret = match_section(c, first + i, &cands[i], &done);
			if (ret != KSPLICE_OK)
				goto out;
			if (done) {
				state[i] = SECT_DONE;
				progress = true;
			}
		}
	} while (progress);
	ret = report_unmatched(c, cands, state, n);
out:
	if (cands)
		for (i = 0; i < n; i++)
			ksplice_cands_free(&cands[i]);
	kvfree(cands);
	kvfree(state);
	return ret;
}

/* The match record of the old section whose symbol carries @label. */
const struct ksplice_match *ksplice_find_match(const struct ksplice_change *c,
					       const char *label)
{
	int i;

	for (i = 0; i < c->nr_matches; i++)
		if (!strcmp(ksplice_sym_label((void *)(unsigned long)c->matches[i].sect->symbol),
			    label))
			return &c->matches[i];
	return NULL;
}

unsigned long ksplice_match_jump_offset(const struct ksplice_change *c,
					const struct ksplice_match *m)
{
	return sect_jump_offset(c, m->sect);
}
