/*
 * test_client.c - what the client answers for its endpoints: the client's
 * own profile (not AWS_PROFILE) decides the endpoint; and s3_secure_bucket
 * against a loopback stand-in reached over plain http, where the TLS-only
 * policy must not be put; and the kinds the client sets on transport
 * failures, timeouts and deadlines.
 */
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "src/aws/client.h"
#include "src/aws/s3.h"

static char tmpdir[] = "/tmp/ivs-test-client-XXXXXX";
static char config_path[256];

static void write_config(const char *text)
{
	FILE *f = fopen(config_path, "w");
	if (!f) {
		perror(config_path);
		exit(1);
	}
	fputs(text, f);
	fclose(f);
}

static struct aws_client *client_with(const char *profile, long timeout_ms, int attempts)
{
	struct aws_creds creds = { 0 };
	creds.access_key_id = "AKIDEXAMPLE";
	creds.secret_access_key = "secret";
	struct aws_client_options o = { 0 };
	o.profile = profile;
	o.region = "eu-west-1";
	o.creds = &creds;
	o.max_attempts = attempts;
	o.timeout_ms = timeout_ms;
	o.backoff_no_jitter = 1; /* a retry waits 1 s: past any deadline below */
	struct aws_client *c = NULL;
	struct ivs_error err;
	if (aws_client_new(&o, &c, &err) < 0) {
		fprintf(stderr, "aws_client_new: %s\n", err.message);
		exit(1);
	}
	return c;
}

static struct aws_client *client_for(const char *profile)
{
	return client_with(profile, 0, 1);
}

static void test_endpoint_uses_client_profile(void)
{
	write_config("[default]\nregion = eu-west-1\n"
		     "[profile local]\nendpoint_url = http://127.0.0.1:7000/\n");
	struct ivs_error err;
	struct aws_endpoint ep;

	/* --profile local, AWS_PROFILE unset: the profile's endpoint_url. */
	struct aws_client *c = client_for("local");
	CHECK_INTEQ(aws_client_endpoint(c, &AWS_SVC_S3, &ep, &err), 0);
	CHECK_STREQ(ep.url, "http://127.0.0.1:7000");
	CHECK_STREQ(ep.signing_region, "eu-west-1");
	aws_client_free(c);

	/* The default profile has none: the region's https endpoint. */
	c = client_for(NULL);
	CHECK_INTEQ(aws_client_endpoint(c, &AWS_SVC_S3, &ep, &err), 0);
	CHECK(strncmp(ep.url, "https://", 8) == 0);
	CHECK(strstr(ep.url, "eu-west-1.amazonaws.com") != NULL);
	aws_client_free(c);

	/* A variable wins over the profile. */
	setenv("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:7100", 1);
	c = client_for("local");
	CHECK_INTEQ(aws_client_endpoint(c, &AWS_SVC_S3, &ep, &err), 0);
	CHECK_STREQ(ep.url, "http://127.0.0.1:7100");
	CHECK(ep.overridden);
	aws_client_free(c);
	unsetenv("AWS_ENDPOINT_URL_S3");
}

/* A stand-in that answers 200 with an empty body to every request on
 * every connection, and writes each request line to fd out. */
static void serve(int lfd, int out)
{
	for (;;) {
		int fd = accept(lfd, NULL, NULL);
		if (fd < 0)
			continue;
		char buf[65536];
		size_t have = 0;
		for (;;) {
			char *end = have ? memmem(buf, have, "\r\n\r\n", 4) : NULL;
			if (end) {
				size_t head = (size_t)(end - buf) + 4;
				const char *cl = strcasestr(buf, "content-length:");
				size_t blen = cl && cl < end ? strtoul(cl + 15, NULL, 10) : 0;
				if (have < head + blen)
					goto more;
				char *eol = memchr(buf, '\r', head);
				if (write(out, buf, (size_t)(eol - buf)) < 0 || write(out, "\n", 1) < 0)
					_exit(1);
				static const char ok[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
				if (write(fd, ok, sizeof(ok) - 1) < 0)
					break;
				memmove(buf, buf + head + blen, have - head - blen);
				have -= head + blen;
				continue;
			}
more:
			if (have == sizeof(buf) - 1)
				break;
			ssize_t n = read(fd, buf + have, sizeof(buf) - 1 - have);
			if (n <= 0)
				break;
			have += (size_t)n;
			buf[have] = '\0';
		}
		close(fd);
	}
}

static void test_secure_bucket_plain_http(void)
{
	int lfd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { 0 };
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t alen = sizeof(a);
	int p[2];
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(lfd, 8) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&a, &alen) < 0 || pipe(p) < 0) {
		perror("loopback server");
		exit(1);
	}
	pid_t pid = fork();
	if (pid == 0) {
		close(p[0]);
		serve(lfd, p[1]);
		_exit(0);
	}
	close(lfd);
	close(p[1]);

	char cfg[256];
	snprintf(cfg, sizeof(cfg), "[profile local]\nendpoint_url = http://127.0.0.1:%d\n",
		 ntohs(a.sin_port));
	write_config(cfg);
	struct aws_client *c = client_for("local");
	struct ivs_error err;
	int tls_only = -1;
	CHECK_INTEQ(s3_secure_bucket(c, "assets", &tls_only, &err), 0);
	CHECK_INTEQ(tls_only, 0);
	aws_client_free(c);
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);

	char got[1024];
	ssize_t n = read(p[0], got, sizeof(got) - 1);
	close(p[0]);
	got[n > 0 ? n : 0] = '\0';
	CHECK_STREQ(got, "PUT /assets?encryption HTTP/1.1\n"
			 "PUT /assets?publicAccessBlock HTTP/1.1\n");
}

/* A socket that listens and never answers: connects succeed, replies never come. */
static int silent_listener(int *port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { 0 };
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t alen = sizeof(a);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 8) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &alen) < 0) {
		perror("listener");
		exit(1);
	}
	*port = ntohs(a.sin_port);
	return fd;
}

/* The client sets the kind where it knows the fact. */
static void test_transport_kinds(void)
{
	int port;
	int lfd = silent_listener(&port);
	char cfg[256];
	snprintf(cfg, sizeof(cfg), "[profile silent]\nendpoint_url = http://127.0.0.1:%d\n"
		 "[profile closed]\nendpoint_url = http://127.0.0.1:1\n", port);
	write_config(cfg);
	struct ivs_error err;

	struct aws_client *c = client_for("closed");
	struct aws_op op;
	aws_op_init(&op, &AWS_SVC_STS, "GetCallerIdentity", "POST");
	CHECK_INTEQ(aws_op_send(c, &op, &err), -1);
	CHECK_INTEQ(err.kind, IVS_ERR_NETWORK);
	CHECK_STREQ(err.code, "NetworkError");
	aws_op_free(&op);
	aws_client_free(c);

	c = client_with("silent", 300, 1);
	aws_op_init(&op, &AWS_SVC_STS, "GetCallerIdentity", "POST");
	CHECK_INTEQ(aws_op_send(c, &op, &err), -1);
	CHECK_INTEQ(err.kind, IVS_ERR_TIMEOUT);
	CHECK_STREQ(err.code, "NetworkError");
	aws_op_free(&op);

	/* Cut at the deadline, with a retry left that would pass it. */
	aws_client_free(c);
	c = client_with("silent", 5000, 3);
	struct aws_op *ops[1] = { &op };
	aws_op_init(&op, &AWS_SVC_STS, "GetCallerIdentity", "POST");
	struct aws_send_options so = { 0 };
	so.deadline_ms = aws_client_now_ms(NULL) + 150;
	CHECK_INTEQ(aws_ops_send(c, ops, 1, &so), 1);
	CHECK_STREQ(op.err.code, "DeadlineExceeded");
	CHECK_INTEQ(op.err.kind, IVS_ERR_TIMEOUT);
	aws_op_free(&op);
	aws_client_free(c);
	close(lfd);
}

int main(void)
{
	static const char *const vars[] = { "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_REGION",
					    "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL",
					    "AWS_ENDPOINT_URL_S3",
					    "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
					    "AWS_SHARED_CREDENTIALS_FILE", "HTTP_PROXY",
					    "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY",
					    "all_proxy" };
	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		unsetenv(vars[i]);
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(config_path, sizeof(config_path), "%s/config", tmpdir);
	setenv("AWS_CONFIG_FILE", config_path, 1);
	signal(SIGPIPE, SIG_IGN);

	test_endpoint_uses_client_profile();
	test_secure_bucket_plain_http();
	test_transport_kinds();

	unlink(config_path);
	rmdir(tmpdir);
	return CHECK_DONE();
}
