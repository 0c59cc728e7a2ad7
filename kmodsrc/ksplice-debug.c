// SPDX-License-Identifier: GPL-2.0
/*
 * The debug log: debugfs file ksplice_<id>, filled while sysfs debug=1.  The
 * buffer is preallocated when debugging is switched on because messages are
 * also written from inside the stop_machine callback, where nothing may
 * allocate or sleep; what does not fit is dropped (and said so).
 */
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/spinlock.h>
#include <linux/sysfs.h>
#include <linux/vmalloc.h>
#include "ksplice.h"

#define KSPLICE_DEBUG_SIZE	(512 * 1024)

static DEFINE_RAW_SPINLOCK(debug_lock);
static char *debug_buf;
static size_t debug_len;
static bool debug_truncated;
static struct dentry *debug_file;

static ssize_t debug_read(struct file *file, char __user *ubuf, size_t count,
			  loff_t *ppos)
{
	ssize_t ret;
	char *copy;
	size_t len;
	unsigned long flags;

	/* Copy out under the lock, then talk to user space without it. */
	raw_spin_lock_irqsave(&debug_lock, flags);
	len = debug_len;
	raw_spin_unlock_irqrestore(&debug_lock, flags);
	if (!len)
		return 0;
	copy = vmalloc(len);
	if (!copy)
		return -ENOMEM;
	raw_spin_lock_irqsave(&debug_lock, flags);
	len = min(len, debug_len);
	if (debug_buf)
		memcpy(copy, debug_buf, len);
	else
		len = 0;
	raw_spin_unlock_irqrestore(&debug_lock, flags);
	ret = simple_read_from_buffer(ubuf, count, ppos, copy, len);
	vfree(copy);
	return ret;
}

static const struct file_operations debug_fops = {
	.owner = THIS_MODULE,
	.read = debug_read,
	.llseek = default_llseek,
};

int ksplice_debug_init(void)
{
	char name[sizeof("ksplice_") + MODULE_NAME_LEN];

	snprintf(name, sizeof(name), "ksplice_%s", ksplice_id);
	debug_buf = vmalloc(KSPLICE_DEBUG_SIZE);
	if (!debug_buf)
		return -ENOMEM;
	debug_file = debugfs_create_file(name, 0400, NULL, NULL, &debug_fops);
	return 0;
}

void ksplice_debug_exit(void)
{
	unsigned long flags;
	char *buf;

	debugfs_remove(debug_file);
	raw_spin_lock_irqsave(&debug_lock, flags);
	buf = debug_buf;
	debug_buf = NULL;
	raw_spin_unlock_irqrestore(&debug_lock, flags);
	vfree(buf);
}

void ksplice_debug(const char *fmt, ...)
{
	unsigned long flags;
	va_list ap;
	size_t room;
	int n;

	if (!ksplice_update.debug)
		return;
	raw_spin_lock_irqsave(&debug_lock, flags);
	if (!debug_buf || debug_truncated)
		goto out;
	/* 32 bytes stay in reserve for the truncation notice. */
	room = KSPLICE_DEBUG_SIZE - 32 - debug_len;
	va_start(ap, fmt);
	n = vsnprintf(debug_buf + debug_len, room, fmt, ap);
	va_end(ap);
	if (n >= room) {
		debug_len += scnprintf(debug_buf + debug_len, room + 32,
				       "[log truncated]\n");
		debug_truncated = true;
	} else {
		debug_len += n;
	}
out:
	raw_spin_unlock_irqrestore(&debug_lock, flags);
}

/*
 * What an abort is about (symbol, section, offset), for the drivers'
 * message: sysfs abort_detail shows it while abort_cause is the code it
 * was written for.  Written under the update's lock, without allocating.
 */
static char detail[256];
static enum ksplice_abort detail_code;

void ksplice_abort_detail(enum ksplice_abort code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vscnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	detail_code = code;
	ksplice_debug("abort detail: %s\n", detail);
}

ssize_t ksplice_abort_detail_show(char *buf)
{
	if (ksplice_update.abort == KSPLICE_OK ||
	    ksplice_update.abort != detail_code || !detail[0])
		return sysfs_emit(buf, "\n");
	return sysfs_emit(buf, "%s\n", detail);
}

void ksplice_debug_hex(const char *what, const u8 *p, size_t len)
{
	ksplice_debug("  %s: %*ph\n", what, (int)min_t(size_t, len, 64), p);
}
