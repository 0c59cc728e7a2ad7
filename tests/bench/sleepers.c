/* Start N threads that sleep until killed; touch FILE once all are asleep. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static void *sleeper(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_attr_t attr;
	pthread_t t;
	FILE *f;
	int i, n;

	if (argc != 3) {
		fprintf(stderr, "usage: sleepers N READY-FILE\n");
		return 2;
	}
	n = atoi(argv[1]);
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	for (i = 0; i < n; i++) {
		if (pthread_create(&t, &attr, sleeper, NULL)) {
			fprintf(stderr, "sleepers: thread %d: cannot create\n", i);
			return 1;
		}
	}
	f = fopen(argv[2], "w");
	if (!f)
		return 1;
	fprintf(f, "%d\n", n);
	fclose(f);
	for (;;)
		pause();
}
