// SPDX-License-Identifier: GPL-2.0
/*
 * Sealed ENDBRs that new code needs back (IBT kernels).  The kernel seals,
 * at boot and as it loads a module, the endbr64 of every function whose
 * address objtool saw nobody take: it becomes a 4-byte NOP, and an
 * indirect call there faults on a CPU that enforces IBT.  New code may
 * take the address of such a function (a callback it registers, a pointer
 * it stores).  objmanip replaces one of the patched object itself (its
 * replacement keeps its endbr64); one of another object is reached by a
 * ksplice relocation, resolved here, and gets its endbr64 back before the
 * new code can run.  Other CPUs may be running the function meanwhile, so
 * the four bytes are written with the int3 protocol (ksplice-poke.c).  The
 * endbr64 stays after undo: a pointer the new code stored may outlive the
 * update, and an endbr64 is what the function had before the kernel
 * sealed it.
 */
#include <linux/kallsyms.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include "ksplice.h"

#ifdef CONFIG_X86_KERNEL_IBT
/* A rel32 after a call, jmp or jcc opcode branches; any other field is an address. */
static bool takes_address(const struct ksplice_reloc *r)
{
	const u8 *f = (const u8 *)(unsigned long)r->blank_addr;

	if (r->flags & KSPLICE_RELOC_VALUE)
		return false;
	if (!(r->flags & KSPLICE_RELOC_PCREL) || r->blank_offset < 1)
		return true;
	if (f[-1] == 0xe8 || f[-1] == 0xe9)
		return false;
	return !(r->blank_offset >= 2 && f[-2] == 0x0f &&
		 (f[-1] & 0xf0) == 0x80);
}

/* Is @addr the entry of a function whose endbr64 the kernel sealed? */
static bool sealed_entry(unsigned long addr)
{
	char buf[KSYM_SYMBOL_LEN];
	u8 now[KSPLICE_ENDBR_LEN];

	if (!ksplice_kernel_text_address(addr) ||
	    copy_from_kernel_nofault(now, (void *)addr, sizeof(now)) ||
	    memcmp(now, ksplice_endbr_sealed, sizeof(now)))
		return false;
	sprint_symbol(buf, addr);
	return strstr(buf, "+0x0/") != NULL;
}

/* Note @S if the field of @r takes the address of a sealed function. */
void ksplice_seals_note(struct ksplice_seals *s, const struct ksplice_reloc *r,
			unsigned long S)
{
	int i;

	if (!takes_address(r) || !sealed_entry(S))
		return;
	for (i = 0; i < s->nr; i++)
		if (s->addr[i] == S)
			return;
	if (s->nr < s->max)
		s->addr[s->nr++] = S;
}

/* Write endbr64 back at every noted entry; text_mutex held. */
int ksplice_seals_open(const struct ksplice_seals *s)
{
	struct ksplice_jump *j;
	struct ksplice_poke pk;
	int i, n, ret;

	if (!s->nr)
		return KSPLICE_OK;
	j = kvcalloc(s->nr, sizeof(*j), GFP_KERNEL);
	if (!j)
		return KSPLICE_OUT_OF_MEMORY;
	for (i = 0, n = 0; i < s->nr; i++) {
		u8 now[KSPLICE_ENDBR_LEN];

		/* as noted, unless written meanwhile (text_mutex was free) */
		if (copy_from_kernel_nofault(now, (void *)s->addr[i], sizeof(now)) ||
		    memcmp(now, ksplice_endbr_sealed, sizeof(now)))
			continue;
		j[n].site = s->addr[i];
		j[n].repl = s->addr[i] + KSPLICE_ENDBR_LEN;	/* a NOP either way */
		memcpy(j[n].saved, ksplice_endbr_sealed, KSPLICE_ENDBR_LEN);
		memcpy(j[n].jmp, ksplice_endbr64, KSPLICE_ENDBR_LEN);
		n++;
	}
	ret = n ? ksplice_poke_begin(&pk, j, n) : 0;
	if (ret) {
		kvfree(j);
		return KSPLICE_OUT_OF_MEMORY;
	}
	if (n) {
		ksplice_poke_write_live(&pk, KSPLICE_ENDBR_LEN);
		ksplice_poke_end(&pk);
	}
	for (i = 0; i < n; i++)
		pr_info("ksplice: update %s takes the address of %pS, whose endbr64 the kernel had sealed: restored (IBT)\n",
			ksplice_id, (void *)j[i].site);
	kvfree(j);
	return KSPLICE_OK;
}
#else
void ksplice_seals_note(struct ksplice_seals *s, const struct ksplice_reloc *r,
			unsigned long S)
{
}

int ksplice_seals_open(const struct ksplice_seals *s)
{
	return KSPLICE_OK;
}
#endif
