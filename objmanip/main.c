// SPDX-License-Identifier: GPL-2.0
/*
 * objmanip: split changed kernel objects into new_code / old_code plus
 * ksplice metadata.  See doc/internals.md for the contract.
 *
 *   objmanip IN OUT keep-new-code PRE ID
 *   objmanip IN OUT keep-old-code
 *   objmanip IN OUT finalize TARGET [SYMVERS]
 *
 * Exit: 0 written, 66 nothing changed, 2 refused, 1 any other error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "objmanip.h"
#include "modes.h"

extern void (*exit_cleanup)(void);

static struct object *objects[4];
static size_t nobjects;
static const char *output;

void track_object(struct object *obj)
{
	if (nobjects < sizeof(objects) / sizeof(objects[0]))
		objects[nobjects++] = obj;
}

/* From here on a failure must not leave a half-written OUT behind. */
void set_output(const char *path)
{
	output = path;
}

static void cleanup(void)
{
	if (output)
		unlink(output);
	output = NULL;
}

static void close_objects(void)
{
	while (nobjects)
		object_close(objects[--nobjects]);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: objmanip IN OUT keep-new-code PRE ID\n"
		"       objmanip IN OUT keep-old-code\n"
		"       objmanip IN OUT finalize TARGET [SYMVERS]\n");
	exit(1);
}

int main(int argc, char **argv)
{
	const char *mode;
	int ret;

	if (argc < 4)
		usage();
	mode = argv[3];
	msg_obj = "objmanip";
	exit_cleanup = cleanup;
	profile_load();
	if (!strcmp(mode, "keep-new-code") && argc == 6)
		ret = keep_new_code(argv[1], argv[2], argv[4], argv[5]);
	else if (!strcmp(mode, "keep-old-code") && argc == 4)
		ret = keep_old_code(argv[1], argv[2]);
	else if (!strcmp(mode, "finalize") && (argc == 5 || argc == 6))
		ret = finalize(argv[1], argv[2], argv[4],
			       argc == 6 ? argv[5] : NULL);
	else
		usage();
	output = NULL;
	close_objects();
	return ret;
}
