/* runstat: where a command's wall time went, for the benchmarks.
 *   runstat FILE command [arg...]
 * Runs the command and writes to FILE one line: its CPU seconds, the
 * seconds it waited for a processor (run queue) and the seconds it was
 * blocked (the rest of its wall time: in the kernel, for the disk, an
 * fsync(2), a lock), from /proc/PID/schedstat of its main thread, read when
 * it has exited and is not yet reaped; nothing where Linux gives no
 * schedstat. Exits as the command did. Its own standard output is closed
 * once the command runs: a reader of the command's output sees its end
 * when the command closes it. */
#define _GNU_SOURCE
#include <sys/resource.h>
#include <sys/wait.h>

#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static double
now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int
main(int argc, char *argv[])
{
	unsigned long long cpu, runq;
	double t0, wall;
	siginfo_t si;
	char path[64];
	FILE *f, *out;
	pid_t pid;
	int status;

	if (argc < 3) {
		fprintf(stderr, "usage: runstat file command [arg...]\n");
		return 2;
	}
	if ((out = fopen(argv[1], "w")) == NULL) {
		perror(argv[1]);
		return 2;
	}
	t0 = now();
	if ((pid = fork()) == -1) {
		perror("fork");
		return 2;
	}
	if (pid == 0) {
		execvp(argv[2], argv + 2);
		perror(argv[2]);
		_exit(127);
	}
	close(STDOUT_FILENO);
	if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT) != 0) {
		perror("waitid");
		return 2;
	}
	wall = now() - t0;
	snprintf(path, sizeof path, "/proc/%ld/schedstat", (long)pid);
	if ((f = fopen(path, "r")) != NULL) {
		if (fscanf(f, "%llu %llu", &cpu, &runq) == 2)
			fprintf(out, "cpu %.4f s, run queue %.4f s, blocked %.4f s\n", cpu / 1e9,
			    runq / 1e9, wall - cpu / 1e9 - runq / 1e9);
		fclose(f);
	}
	fclose(out);
	if (waitpid(pid, &status, 0) != pid)
		return 2;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
