/*
 * A load process of the torture test: read FILE in a loop until STOP-FILE
 * exists, each read compared with OLD and NEW (the file's two expected
 * contents, given as files).  Prints "reads OLD-COUNT NEW-COUNT BAD-COUNT"
 * and, for the first bad read, what it got.  Exit 0 when no read was bad.
 *   reader FILE OLD NEW STOP-FILE
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define MAX 8192

static ssize_t slurp(const char *path, char *buf)
{
	ssize_t n, len = 0;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return -1;
	while ((n = read(fd, buf + len, MAX - len)) > 0)
		len += n;
	close(fd);
	return n < 0 ? -1 : len;
}

int main(int argc, char **argv)
{
	static char old[MAX], new[MAX], got[MAX];
	ssize_t nold, nnew, n;
	unsigned long reads[3] = { 0, 0, 0 }, i;

	if (argc != 5) {
		fprintf(stderr, "usage: reader FILE OLD NEW STOP-FILE\n");
		return 2;
	}
	nold = slurp(argv[2], old);
	nnew = slurp(argv[3], new);
	if (nold < 0 || nnew < 0) {
		perror("reader: expected contents");
		return 2;
	}
	for (i = 0;; i++) {
		if (i % 256 == 0 && access(argv[4], F_OK) == 0)
			break;
		n = slurp(argv[1], got);
		if (n == nold && !memcmp(got, old, n)) {
			reads[0]++;
		} else if (n == nnew && !memcmp(got, new, n)) {
			reads[1]++;
		} else {
			if (!reads[2])
				fprintf(stderr, "reader: bad read (%zd bytes): %.*s\n",
					n, (int)(n > 0 ? n : 0), got);
			reads[2]++;
		}
	}
	printf("reads %lu %lu %lu\n", reads[0], reads[1], reads[2]);
	return reads[2] ? 1 : 0;
}
