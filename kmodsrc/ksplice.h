/* SPDX-License-Identifier: GPL-2.0 */
/* Engine-internal state of one update (the core module ksplice_<id>). */
#ifndef KSPLICE_H
#define KSPLICE_H

#include <linux/atomic.h>
#include <linux/kernel.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/hashtable.h>
#include <linux/kallsyms.h>
#include "ksplice-loader.h"

#define KSPLICE_JMP_LEN		5	/* e9 rel32 */
#define KSPLICE_FENTRY_LEN	5	/* call __fentry__ / nopl 0x0(%rax,%rax,1) */
#define KSPLICE_ENDBR_LEN	4	/* endbr64 */

/* endbr64, and what the kernel writes over an unused one with IBT on (osp nopl) */
extern const u8 ksplice_endbr64[KSPLICE_ENDBR_LEN];
extern const u8 ksplice_endbr_sealed[KSPLICE_ENDBR_LEN];

enum ksplice_stage {
	STAGE_PREPARING,
	STAGE_APPLIED,
	STAGE_REVERSED,
};

/*
 * The abort codes of DESIGN.md section 6, in its order, without the three
 * classic Ksplice had and this engine never meets: unexpected_running_task
 * (the stack check sees every thread, running ones included: code_busy),
 * cold_update_loaded (no cold update marker to look for) and bad_system_map
 * (no System.map at run time: addresses come from kallsyms and matching).
 */
enum ksplice_abort {
	KSPLICE_OK,
	KSPLICE_NO_MATCH,
	KSPLICE_CODE_BUSY,
	KSPLICE_MODULE_BUSY,
	KSPLICE_OUT_OF_MEMORY,
	KSPLICE_FAILED_TO_FIND,
	KSPLICE_UNEXPECTED,
	KSPLICE_TARGET_NOT_LOADED,
	KSPLICE_CALL_FAILED,
	KSPLICE_NR_ABORTS,
};

/* A label bound to a run address (by matching). */
struct ksplice_label {
	struct hlist_node node;
	struct list_head tentative;	/* on a trial's list until committed */
	unsigned long addr;
	char name[];
};

/* One jump from an old function to its replacement. */
struct ksplice_jump {
	char name[KSYM_NAME_LEN];	/* the old function, for messages */
	unsigned long old_addr;		/* run address of the original function */
	unsigned long old_size;
	unsigned long prev_addr;	/* earlier replacement (stacked), or 0 */
	unsigned long prev_size;
	unsigned long site;		/* where the jmp is written */
	unsigned long repl;		/* replacement in the new code module */
	u8 saved[KSPLICE_JMP_LEN];	/* bytes at @site before apply */
	u8 jmp[KSPLICE_JMP_LEN];	/* what apply writes */
};

/* A matched section of the old code. */
struct ksplice_match {
	const struct ksplice_section *sect;
	unsigned long run;		/* where its symbol lives (the original) */
	unsigned long code;		/* what was compared (== run unless stacked) */
};

/*
 * A piece of running code that no thread may be in when the jumps change,
 * other than the replaced function itself (its jump covers that): the
 * .cold or .part part of a replaced function, as matching bound it.  Kept
 * from apply to undo, after the old code module (and its names) is gone.
 */
struct ksplice_piece {
	unsigned long addr, size;
	unsigned long prev;		/* earlier replacement compared (stacked), or 0 */
	char name[KSYM_NAME_LEN];
};

/* The change to one target: a new and an old part. */
struct ksplice_change {
	struct list_head list;
	char target[MODULE_NAME_LEN];
	struct ksplice_mod_change_part *new, *old;
	struct module *target_mod;	/* NULL for vmlinux; referenced while applied */
	bool skipped;			/* --partial and the target is not loaded */
	bool relocs_done;		/* new code fields written for target_mod */
	bool pending;			/* skipped, waiting for its target to load */
	bool late;			/* applied to a target that may still
					 * fail its init: old code pinned */
	struct ksplice_match *matches;
	int nr_matches;
	struct ksplice_piece *pieces;	/* while planned or applied */
	int nr_pieces;
	struct list_head deps;		/* other updates' code it uses */
	u64 match_ns;			/* its last run-pre matching */
};

struct ksplice_update {
	struct mutex lock;		/* serializes sysfs writes and registration */
	enum ksplice_stage stage;
	enum ksplice_abort abort;
	bool debug;
	bool partial;
	struct list_head changes;
	DECLARE_HASHTABLE(labels, 8);
	struct ksplice_jump *jumps;
	int nr_jumps;
	struct ksplice_change **jump_change;	/* owner of each jump */
	char *conflicts;		/* PAGE_SIZE, preallocated */
	size_t conflicts_len;
	u64 match_ns;			/* run-pre matching of the last apply */
	u64 pause_ns;			/* inside the stop_machine callback */
	u64 stop_ns;			/* around stop_machine() */
	int attempts;
	bool async;			/* stage writes run in the worker */
	bool work_reverse;		/* what the worker does */
	struct task_struct *worker;	/* while it runs (ksplice-worker.c) */
	struct pid *waiter;		/* the writer, told the end by SIGCONT */
};

extern struct ksplice_update ksplice_update;

/* ksplice-symbols.c */
struct ksplice_cands {
	unsigned long *addr;
	int nr, max;
};
int ksplice_symbols_init(void);
unsigned long ksplice_lookup_name(const char *name);
int ksplice_find_candidates(const char *name, const char *target,
			    struct ksplice_cands *cands);
int ksplice_find_candidates_all(const char *const *names, int n,
				const char *target, struct ksplice_cands *cands);
void ksplice_cands_free(struct ksplice_cands *cands);
struct module *ksplice_module_address(unsigned long addr, char *name, size_t len);
struct module *ksplice_get_module(unsigned long addr, char *name, size_t len);
bool ksplice_target_loaded(const char *target);
struct module *ksplice_get_target(const char *target);
extern void *(*ksplice_text_poke)(void *addr, const void *opcode, size_t len);
extern void (*ksplice_text_poke_sync)(void);
extern struct mutex *ksplice_text_mutex;
extern int (*ksplice_kernel_text_address)(unsigned long addr);
/* idle_task(): the idle thread of a CPU, on no thread list. */
extern struct task_struct *(*ksplice_idle_task)(int cpu);
bool ksplice_same_modname(const char *a, const char *b);

/* ksplice-debug.c */
int ksplice_debug_init(void);
void ksplice_debug_exit(void);
__printf(1, 2) void ksplice_debug(const char *fmt, ...);
void ksplice_debug_hex(const char *what, const u8 *p, size_t len);
__printf(2, 3) void ksplice_abort_detail(enum ksplice_abort code,
					 const char *fmt, ...);
ssize_t ksplice_abort_detail_show(char *buf);

/* ksplice-labels (ksplice-match.c) */
struct ksplice_label *ksplice_label_find(const char *name,
					 struct list_head *tentative);
void ksplice_labels_free(void);

/* ksplice-match.c */
int ksplice_match_change(struct ksplice_change *c);
const char *ksplice_sym_name(const struct ksplice_symbol *sym);
const char *ksplice_sym_label(const struct ksplice_symbol *sym);
const struct ksplice_match *ksplice_find_match(const struct ksplice_change *c,
					       const char *label);
unsigned long ksplice_match_jump_offset(const struct ksplice_change *c,
					const struct ksplice_match *m);

/* ksplice-reloc.c */
int ksplice_write_relocs(struct ksplice_change *c);
void ksplice_unwrite_relocs(struct ksplice_change *c);
int ksplice_resolve_symbol(const char *target,
			   const struct ksplice_symbol *sym, unsigned long *val);
bool ksplice_reloc_is_early(const struct module *mod,
			    const struct ksplice_reloc *r);
int ksplice_write_reloc_table(struct module *mod, const char *target,
			      const struct ksplice_reloc *start,
			      const struct ksplice_reloc *end,
			      struct ksplice_change *c);

/* ksplice-ibt.c: sealed ENDBRs new code takes the address of */
struct ksplice_seals {
	unsigned long *addr;
	int nr, max;
};
void ksplice_seals_note(struct ksplice_seals *s, const struct ksplice_reloc *r,
			unsigned long S);
int ksplice_seals_open(const struct ksplice_seals *s);

/* ksplice-check.c */
int ksplice_check_part(const struct ksplice_mod_change_part *part);
int ksplice_check_relocs(const struct ksplice_mod_change_part *part);

/* ksplice-id.c: the update's id, the one thing built per update */
extern const char ksplice_id[];

/* ksplice-core.c: what ksplice_{register,unregister}_<id> call */
int ksplice_core_register(struct ksplice_mod_change_part *part);
void ksplice_core_unregister(struct ksplice_mod_change_part *part);
const char *ksplice_own_module(const char *name);

/* ksplice-deps.c (other updates call it as ksplice_hold_<id>) */
int ksplice_hold(const char *user, const char *sym, bool hold);
bool ksplice_held(void);
int ksplice_depend(struct ksplice_change *c, unsigned long addr,
		   const char *sym);
void ksplice_release_deps(struct ksplice_change *c);
void ksplice_deps_exit(void);

/* ksplice-late.c */
int ksplice_late_init(void);
void ksplice_late_exit(void);
void ksplice_pin_pending(void);
void ksplice_unpin_pending(void);

/* ksplice-early.c */
int ksplice_early_init(void);
void ksplice_early_exit(void);

/* ksplice-apply.c */
int ksplice_prepare_change(struct ksplice_change *c);
int ksplice_match_and_relocate(struct ksplice_change *c);
int ksplice_plan_change_jumps(struct ksplice_change *c);
void ksplice_free_pieces(struct ksplice_change *c);
void ksplice_free_plan(void);
void ksplice_free_matching(void);
int ksplice_apply(void);
int ksplice_reverse(void);
int ksplice_call_hooks(int kind);

/* ksplice-poke.c: writing the jumps inside stop_machine */
/* The longest write of a site: a jump (an ENDBR is shorter). */
#define KSPLICE_POKE_MAX	KSPLICE_JMP_LEN

/* A writable alias of one site, made before stop_machine. */
struct ksplice_poke_map {
	void *area;			/* the vmap, NULL: none */
	u8 *bytes;			/* the site in @area, NULL: text_poke */
};

struct ksplice_poke {
	const struct ksplice_jump *jumps;
	int nr_jumps;
	struct ksplice_poke_map *maps;	/* one per jump, or NULL */
	int followers;			/* CPUs waiting for the steps */
	atomic_t arrived;		/* CPUs in the callback so far */
	atomic_t step;
	atomic_t acks;			/* followers done with the step */
	atomic_t hits;			/* int3s sent to the new code */
};
int ksplice_poke_begin(struct ksplice_poke *pk,
		       const struct ksplice_jump *jumps, int nr_jumps);
void ksplice_poke_end(struct ksplice_poke *pk);
bool ksplice_poke_lead(struct ksplice_poke *pk);
void ksplice_poke_follow(struct ksplice_poke *pk);
void ksplice_poke_write(struct ksplice_poke *pk, bool reverse);
void ksplice_poke_write_live(struct ksplice_poke *pk, size_t len);
void ksplice_poke_release(struct ksplice_poke *pk);

/* ksplice-worker.c */
void ksplice_run_stage(bool reverse);
int ksplice_start_stage(bool reverse);
bool ksplice_is_worker(const struct task_struct *t);

/* ksplice-stacks.c */
struct ksplice_range {
	unsigned long start, end;	/* [start, end] inclusive: see addr_in_ranges() */
	const char *name;		/* NULL: name the function at the address */
};

struct task_struct;
struct tracepoint;

/* One thread of a stack check (ksplice-track.c fills the table). */
struct ksplice_proof {
	struct task_struct *task;	/* referenced; NULL: free slot */
	unsigned long switches;		/* nvcsw + nivcsw before the check */
	bool proven;			/* the check passed: @switches is valid */
	atomic_t marked;		/* on the visit list */
};

/*
 * The threads of one stack check: a table keyed by task pointer, which the
 * sched_switch probe also writes, and the slots to visit with the CPUs
 * stopped (those switched since the probe was registered or not proven).
 */
struct ksplice_threads {
	struct ksplice_proof *slots;	/* 1 << bits, or NULL */
	unsigned int bits;
	int limit;			/* slots that may be used */
	atomic_t used;
	u32 *visit;			/* slot indexes, room for every slot */
	atomic_t nr_visit;
	bool overflow;			/* a thread did not fit */
	struct tracepoint *tp;		/* sched_switch while following it */
};

/* ksplice-track.c */
int ksplice_threads_init(struct ksplice_threads *th, int max);
struct ksplice_proof *ksplice_threads_find(const struct ksplice_threads *th,
					   const struct task_struct *t);
struct ksplice_proof *ksplice_threads_add(struct ksplice_threads *th,
					  struct task_struct *t);
void ksplice_threads_mark(struct ksplice_threads *th, struct ksplice_proof *pf);
int ksplice_threads_track(struct ksplice_threads *th);
void ksplice_threads_untrack(struct ksplice_threads *th);
void ksplice_threads_free(struct ksplice_threads *th);

/* One stack check: a pre-check while running, then the check inside. */
struct ksplice_stack_check {
	const struct ksplice_range *ranges;
	int nr_ranges;
	struct ksplice_threads threads;
	bool tracking;			/* context switches followed */
	int nr_tasks;			/* collected by the pre-check */
	int pre_proven, pre_running, pre_busy, pre_unreliable;
	u64 precheck_ns;
	int skipped, checked, visited;	/* inside stop_machine */
	int idle_checked;		/* of them, idle threads (swapper/N) */
	int unwinds;			/* stacks with a word in a range */
};

void ksplice_stacks_precheck(struct ksplice_stack_check *sc);
bool ksplice_stacks_busy(struct ksplice_stack_check *sc);
void ksplice_stacks_release(struct ksplice_stack_check *sc);

/* ksplice-shadow.c */
void ksplice_shadow_free_all(void);
void *ksplice_shadow_get(const void *obj, unsigned long id);
void *ksplice_shadow_alloc(const void *obj, unsigned long id, size_t size,
			   gfp_t gfp);
void ksplice_shadow_free(const void *obj, unsigned long id);

static inline void ksplice_set_abort(enum ksplice_abort code)
{
	if (ksplice_update.abort == KSPLICE_OK)
		ksplice_update.abort = code;
}

#define for_each_table(p, start, end) \
	for ((p) = (start); (p) && (p) < (end); (p)++)

#endif /* KSPLICE_H */
