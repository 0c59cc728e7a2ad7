// SPDX-License-Identifier: GPL-2.0
/*
 * Shadow data: extra fields for live structures that an update cannot grow,
 * kept beside them in a table keyed on (object pointer, id).  Replacement
 * code reaches these functions through ksplice-patch.h; the engine resolves
 * its references to them (see engine_syms in ksplice-reloc.c).
 */
#include <linux/hashtable.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include "ksplice.h"

struct ksplice_shadow {
	struct hlist_node node;
	const void *obj;
	unsigned long id;
	struct rcu_head rcu;
	char data[] __aligned(sizeof(u64));
};

static DEFINE_HASHTABLE(shadows, 8);
static DEFINE_SPINLOCK(shadow_lock);

static unsigned long shadow_key(const void *obj, unsigned long id)
{
	return (unsigned long)obj ^ (id * 0x9e3779b97f4a7c15UL);
}

static struct ksplice_shadow *shadow_find(const void *obj, unsigned long id)
{
	struct ksplice_shadow *s;

	hash_for_each_possible_rcu(shadows, s, node, shadow_key(obj, id))
		if (s->obj == obj && s->id == id)
			return s;
	return NULL;
}

/* The shadow data of (@obj, @id), or NULL. */
void *ksplice_shadow_get(const void *obj, unsigned long id)
{
	struct ksplice_shadow *s;

	rcu_read_lock();
	s = shadow_find(obj, id);
	rcu_read_unlock();
	return s ? s->data : NULL;
}

/*
 * Zeroed shadow data of @size bytes for (@obj, @id); existing data wins.
 * NULL when there is no memory or @size is more than kmalloc can give:
 * struct_size() saturates on overflow, so a huge @size cannot wrap into a
 * small allocation, and it is refused before kmalloc would warn about it.
 */
void *ksplice_shadow_alloc(const void *obj, unsigned long id, size_t size,
			   gfp_t gfp)
{
	struct ksplice_shadow *s, *n;
	unsigned long flags;
	size_t bytes = struct_size(n, data, size);
	void *data;

	data = ksplice_shadow_get(obj, id);
	if (data)
		return data;
	if (bytes > KMALLOC_MAX_SIZE)
		return NULL;
	n = kzalloc(bytes, gfp);
	if (!n)
		return NULL;
	n->obj = obj;
	n->id = id;
	spin_lock_irqsave(&shadow_lock, flags);
	s = shadow_find(obj, id);	/* lost a race? keep the first */
	if (!s)
		hash_add_rcu(shadows, &n->node, shadow_key(obj, id));
	spin_unlock_irqrestore(&shadow_lock, flags);
	if (s) {
		kfree(n);
		return s->data;
	}
	return n->data;
}

void ksplice_shadow_free(const void *obj, unsigned long id)
{
	struct ksplice_shadow *s;
	unsigned long flags;

	spin_lock_irqsave(&shadow_lock, flags);
	s = shadow_find(obj, id);
	if (s)
		hash_del_rcu(&s->node);
	spin_unlock_irqrestore(&shadow_lock, flags);
	if (s)
		kfree_rcu(s, rcu);
}

void ksplice_shadow_free_all(void)
{
	struct ksplice_shadow *s;
	struct hlist_node *n;
	unsigned long flags;
	int bkt;

	spin_lock_irqsave(&shadow_lock, flags);
	hash_for_each_safe(shadows, bkt, n, s, node) {
		hash_del_rcu(&s->node);
		kfree_rcu(s, rcu);
	}
	spin_unlock_irqrestore(&shadow_lock, flags);
}
