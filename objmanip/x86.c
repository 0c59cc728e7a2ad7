// SPDX-License-Identifier: GPL-2.0
/*
 * What objmanip knows about x86-64 code: relocation field widths, the
 * __fentry__ call at function entry, and how many bytes the kernel may
 * rewrite at each kind of special site.
 */
#include <string.h>
#include "objmanip.h"
#include "../kmodsrc/ksplice-meta.h"

int reloc_size(unsigned int type)
{
	switch (type) {
	case R_X86_64_64:
	case R_X86_64_PC64:
		return 8;
	case R_X86_64_PC32:
	case R_X86_64_PLT32:
	case R_X86_64_32:
	case R_X86_64_32S:
		return 4;
	default:
		return -1;
	}
}

bool reloc_pcrel(unsigned int type)
{
	return type == R_X86_64_PC32 || type == R_X86_64_PLT32 ||
		type == R_X86_64_PC64;
}

const char *reloc_type_name(unsigned int type)
{
	switch (type) {
	case R_X86_64_64:
		return "R_X86_64_64";
	case R_X86_64_PC64:
		return "R_X86_64_PC64";
	case R_X86_64_PC32:
		return "R_X86_64_PC32";
	case R_X86_64_PLT32:
		return "R_X86_64_PLT32";
	case R_X86_64_32:
		return "R_X86_64_32";
	case R_X86_64_32S:
		return "R_X86_64_32S";
	default:
		return "?";
	}
}

static const unsigned char *unit_bytes(const struct unit *u)
{
	return u->sec->data ? u->sec->data + u->start : NULL;
}

static const unsigned char endbr64[ENDBR_LEN] = { 0xf3, 0x0f, 0x1e, 0xfa };

/* endbr64 as the first instruction, as -fcf-protection=branch emits. */
bool starts_with_endbr(const struct unit *u)
{
	const unsigned char *b = unit_bytes(u);

	return b && u->size >= ENDBR_LEN && !memcmp(b, endbr64, ENDBR_LEN);
}

/*
 * call __fentry__ (e8 rel32) as the first instruction after any endbr64,
 * as -mfentry emits.
 */
bool starts_with_fentry(const struct unit *u)
{
	const unsigned char *b = unit_bytes(u);
	GElf_Addr at = starts_with_endbr(u) ? ENDBR_LEN : 0;
	size_t i;

	if (!b || u->size < at + 5 || b[at] != 0xe8)
		return false;
	for (i = u->first_rel; i < u->first_rel + u->nrel; i++) {
		const struct reloc *r = &u->sec->relocs[i];

		if (r->offset == u->start + at + 1)
			return !strcmp(r->sym->name, "__fentry__");
	}
	return false;
}

/* A call or jmp to a thunk, maybe behind a cs prefix: e8/e9, or jcc rel32. */
static unsigned int branch_len(const unsigned char *b, size_t room)
{
	unsigned int p = 0;

	while (p < room && p < 4 && b[p] == 0x2e)
		p++;
	if (p < room && (b[p] == 0xe8 || b[p] == 0xe9))
		return p + 5;
	if (p + 1 < room && b[p] == 0x0f && (b[p + 1] & 0xf0) == 0x80)
		return p + 6;
	return 5;
}

/* A jump label site: jmp rel8 / nop2 or jmp rel32 / nop5. */
static unsigned int jump_label_len(const unsigned char *b, size_t room)
{
	if (room >= 1 && b[0] == 0xeb)
		return 2;
	if (room >= 2 && b[0] == 0x66 && b[1] == 0x90)
		return 2;
	return 5;
}

/*
 * Bytes at the entry's site that the running kernel may hold differently
 * from the object; 0 when the kernel leaves the code alone.
 */
unsigned int special_window(const struct sp_entry *e, const struct unit *u)
{
	const unsigned char *ent = e->sec->data + e->off;
	const unsigned char *b = unit_bytes(u);
	size_t room = u->size - e->anchor_off;
	unsigned int len;

	if (!b || e->anchor_off >= u->size)
		return 0;
	b += e->anchor_off;
	switch (e->sec->special->kind) {
	case KSPLICE_SPECIAL_ALT:
	case KSPLICE_SPECIAL_PARAVIRT:
		len = e->sec->special->len_off >= 0 ?
			ent[e->sec->special->len_off] : 0;
		break;
	case KSPLICE_SPECIAL_JUMP_LABEL:
		len = jump_label_len(b, room);
		break;
	case KSPLICE_SPECIAL_RETPOLINE:
		len = branch_len(b, room);
		break;
	case KSPLICE_SPECIAL_SMP_LOCK:
		len = 1;
		break;
	case KSPLICE_SPECIAL_MCOUNT:
	case KSPLICE_SPECIAL_RETURN:
	case KSPLICE_SPECIAL_STATIC_CALL:
	case KSPLICE_SPECIAL_CALL:
		len = 5;
		break;
	case KSPLICE_SPECIAL_ENDBR:
		len = ENDBR_LEN;
		break;
	case KSPLICE_SPECIAL_CONST:
		len = e->sec->special->fixed_len;
		break;
	default:
		return 0;
	}
	return len > room ? room : len;
}
