/*
 * creds_process.c - the credential_process step of the chain: run the
 * profile's command under /bin/sh, read its JSON from stdout.
 *
 * Owns: the child process until it is reaped (a timeout or too much output
 * kills its whole process group), and the output buffer, cleansed before it
 * is freed. The output is never shown: it holds the secret.
 */
#include "creds_source.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "creds.h"

#define PROCESS_MAX_OUTPUT (64 * 1024)
#define PROCESS_TIMEOUT_S 60

/* One run: what came out and how it ended. */
struct process_run {
	pid_t pid;
	char *data;                /* PROCESS_MAX_OUTPUT + 1 bytes */
	size_t n;
	long long deadline_ms;
	int status;                /* from waitpid */
	int too_big, timed_out;
};

static long process_timeout(void)
{
	const char *v = getenv("IVSVC_CREDENTIAL_PROCESS_TIMEOUT");
	char *end;
	long t = v && *v ? strtol(v, &end, 10) : 0;
	return t > 0 && t < 3600 && v && *end == '\0' ? t : PROCESS_TIMEOUT_S;
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Starts cmd with stdout on a pipe, stdin and stderr on /dev/null. Returns
 * the read end, or -1 with err filled. */
static int spawn_shell(const char *cmd, const char *what, pid_t *pid, struct ivs_error *err)
{
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) < 0)
		return ivs_error_set(err, "CredentialProcess", "%s: cannot make a pipe: %s", what,
				     strerror(errno));
	*pid = fork();
	if (*pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return ivs_error_set(err, "CredentialProcess", "%s: cannot start it: %s", what,
				     strerror(errno));
	}
	if (*pid == 0) {
		/* Its own process group, so a timeout can stop everything it started. */
		setpgid(0, 0);
		int nul = open("/dev/null", O_RDWR);
		if (nul >= 0) {
			dup2(nul, 0);
			dup2(nul, 2);
		}
		dup2(fds[1], 1);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	return fds[0];
}

/* Reads stdout until it closes, fills the buffer, or the deadline passes. */
static void collect_output(int fd, struct process_run *run)
{
	for (;;) {
		long long left = run->deadline_ms - now_ms();
		if (left <= 0) {
			run->timed_out = 1;
			break;
		}
		struct pollfd p = { fd, POLLIN, 0 };
		int r = poll(&p, 1, (int)(left > 1000 ? 1000 : left));
		if (r <= 0)
			continue;  /* EINTR, or a second gone: check the deadline */
		ssize_t got = read(fd, run->data + run->n, PROCESS_MAX_OUTPUT - run->n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		run->n += (size_t)got;
		if (run->n == PROCESS_MAX_OUTPUT) {
			run->too_big = 1;
			break;
		}
	}
	close(fd);
}

/* Reaps the child: output ended, so it gets the rest of the time to exit;
 * after a timeout or too much output it is killed, group and all. */
static void reap(struct process_run *run)
{
	while (!run->timed_out && !run->too_big) {
		pid_t w = waitpid(run->pid, &run->status, WNOHANG);
		if (w == run->pid)
			return;
		if (w < 0 && errno != EINTR) {
			run->status = 0;
			return;
		}
		if (now_ms() >= run->deadline_ms)
			run->timed_out = 1;
		else
			usleep(10000);
	}
	kill(-run->pid, SIGKILL);
	kill(run->pid, SIGKILL);
	while (waitpid(run->pid, &run->status, 0) < 0 && errno == EINTR)
		;
}

/* 0 when the run can be used, else -1 with err saying why not. */
static int judge(const struct process_run *run, const char *what, long timeout_s,
		 struct ivs_error *err)
{
	if (run->timed_out)
		return ivs_error_set(err, "CredentialProcess",
				     "%s did not finish within %ld s and was stopped "
				     "(IVSVC_CREDENTIAL_PROCESS_TIMEOUT sets the limit)", what, timeout_s);
	if (run->too_big)
		return ivs_error_set(err, "CredentialProcess",
				     "%s printed more than %d bytes and was stopped", what,
				     PROCESS_MAX_OUTPUT);
	if (WIFSIGNALED(run->status))
		return ivs_error_set(err, "CredentialProcess",
				     "%s failed: killed by signal %d (its output is not shown; run "
				     "the command yourself to see why)", what, WTERMSIG(run->status));
	if (WIFEXITED(run->status) && WEXITSTATUS(run->status) != 0)
		return ivs_error_set(err, "CredentialProcess",
				     "%s failed with exit status %d (its output is not shown; run "
				     "the command yourself to see why)", what, WEXITSTATUS(run->status));
	return 0;
}

static void output_free(char *data)
{
	OPENSSL_cleanse(data, PROCESS_MAX_OUTPUT + 1);
	free(data);
}

/* Runs `cmd`, collecting stdout into one fixed buffer. `what` names it for
 * errors ("credential_process in <path> [x]"). Returns 0 with *out (free it
 * with output_free) or -1. */
static int run_process(const char *cmd, const char *what, char **out, size_t *outlen,
		       struct ivs_error *err)
{
	*out = NULL;
	*outlen = 0;
	struct process_run run;
	memset(&run, 0, sizeof(run));
	int fd = spawn_shell(cmd, what, &run.pid, err);
	if (fd < 0)
		return -1;
	long timeout_s = process_timeout();
	run.deadline_ms = now_ms() + timeout_s * 1000;
	run.data = xmalloc(PROCESS_MAX_OUTPUT + 1);
	collect_output(fd, &run);
	reap(&run);
	run.data[run.n] = '\0';
	if (judge(&run, what, timeout_s, err) < 0) {
		output_free(run.data);
		return -1;
	}
	*out = run.data;
	*outlen = run.n;
	return 0;
}

int creds_from_process(const char *cmd, const char *path, const char *label,
		       struct aws_creds *out, struct ivs_error *err)
{
	char what[600];
	snprintf(what, sizeof(what), "credential_process in %s %s", path, label);
	char *data;
	size_t n;
	if (run_process(cmd, what, &data, &n, err) < 0)
		return -1;
	char why[128];
	int rc = creds_from_json(data, n, "SessionToken", 1, out, why, sizeof(why));
	output_free(data);
	if (rc < 0)
		return ivs_error_set(err, "CredentialProcess",
				     "%s printed unusable credentials: %s (expected JSON with "
				     "Version 1, AccessKeyId, SecretAccessKey)", what, why);
	creds_set_source(out, "credential_process");
	return 1;
}
