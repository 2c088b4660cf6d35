/* A burst of parallel opens, for tests/integration/50-agent-robust.sh:
 *   build/tools/open-burst N FILE...
 * forks N processes that wait on one pipe, releases them at once, and has
 * process i open, read and close FILE[i % count].  Prints the elapsed
 * milliseconds; exits 1 if any open or read failed. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int gate[2], n, failed = 0, status;
	struct timespec t0, t1;

	if (argc < 3 || (n = atoi(argv[1])) <= 0)
		return 2;
	if (pipe(gate) < 0)
		return 2;
	for (int i = 0; i < n; i++) {
		pid_t pid = fork();

		if (pid < 0) {
			perror("fork");
			return 2;
		}
		if (pid == 0) {
			char c, buf[4096];
			int fd;

			close(gate[1]);
			(void)!read(gate[0], &c, 1); /* EOF when the parent lets go */
			fd = open(argv[2 + i % (argc - 2)], O_RDONLY);
			if (fd < 0 || read(fd, buf, sizeof(buf)) < 0)
				_exit(1);
			_exit(0);
		}
	}
	close(gate[0]);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	close(gate[1]);
	while (wait(&status) > 0)
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			failed++;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("%ld\n",
	       (long)((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000));
	return failed ? 1 : 0;
}
