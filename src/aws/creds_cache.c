/*
 * creds_cache.c - the AWS CLI's cache of role sessions (~/.aws/cli/cache),
 * read and written in its format so either tool reuses the other's session
 * (and an MFA code is asked once): the file is <key>.json, the key the sha1
 * of json.dumps(args, sort_keys=True) over the AssumeRole arguments
 * (botocore's AssumeRoleCredentialFetcher._create_cache_key), the content
 * {"Credentials": {"AccessKeyId", "SecretAccessKey", "SessionToken",
 * "Expiration"}}, the expiration written as botocore's JSONFileCache writes a
 * datetime ("2026-01-01T00:00:00UTC").
 *
 * Owns: the cache files it writes (0600, in a 0700 directory, replaced by
 * rename so a reader never sees half a file), and the two file helpers the
 * SSO token cache shares (creds_file_json, creds_file_replace). Every failure to read or write
 * the cache is silent: the cache only saves a call.
 */
#include "creds_source.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "creds.h"

/* botocore's DEFAULT_EXPIRY_WINDOW_SECONDS: a session this close to its end
 * is assumed again. */
#define CACHE_EXPIRY_WINDOW_S (15 * 60)
#define CACHE_FILE_MAX (64 * 1024)

/* A JSON string as Python's json.dumps writes it (ensure_ascii). */
static void py_json_string(struct buf *b, const char *s)
{
	buf_putc(b, '"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		unsigned cp = *p;
		int extra = cp >= 0xf0 ? 3 : cp >= 0xe0 ? 2 : cp >= 0xc0 ? 1 : 0;
		if (extra) {
			cp &= 0x3fu >> extra;
			for (int i = 0; i < extra && (p[1] & 0xc0) == 0x80; i++)
				cp = (cp << 6) | (*++p & 0x3fu);
		}
		if (cp == '"' || cp == '\\')
			buf_printf(b, "\\%c", (char)cp);
		else if (cp == '\n')
			buf_puts(b, "\\n");
		else if (cp == '\r')
			buf_puts(b, "\\r");
		else if (cp == '\t')
			buf_puts(b, "\\t");
		else if (cp < 0x20 || (cp >= 0x7f && cp < 0x10000))
			buf_printf(b, "\\u%04x", cp);
		else if (cp >= 0x10000)
			buf_printf(b, "\\u%04x\\u%04x", 0xd800 + ((cp - 0x10000) >> 10),
				   0xdc00 + ((cp - 0x10000) & 0x3ff));
		else
			buf_putc(b, (char)cp);
	}
	buf_putc(b, '"');
}

void creds_cache_key(const struct creds_cache_args *a, char out[41])
{
	/* Keys in sorted order; a generated session name is not part of it. */
	struct buf b = BUF_INIT;
	const char *sep = "{";
	if (a->duration_s > 0) {
		buf_printf(&b, "%s\"DurationSeconds\": %ld", sep, a->duration_s);
		sep = ", ";
	}
	const char *names[] = { "ExternalId", "RoleArn", "RoleSessionName", "SerialNumber" };
	const char *vals[] = { a->external_id, a->role_arn, a->session_name, a->serial };
	for (size_t i = 0; i < 4; i++) {
		if (!vals[i])
			continue;
		buf_printf(&b, "%s\"%s\": ", sep, names[i]);
		py_json_string(&b, vals[i]);
		sep = ", ";
	}
	buf_puts(&b, b.len ? "}" : "{}");
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	EVP_Digest(b.data, b.len, md, &n, EVP_sha1(), NULL);
	for (unsigned int i = 0; i < n && i < 20; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	out[40] = '\0';
	buf_free(&b);
}

static char *cache_path(const char *key)
{
	const char *home = getenv("HOME");
	if (!home || !*home)
		return NULL;
	return key ? xasprintf("%s/.aws/cli/cache/%s.json", home, key)
		   : xasprintf("%s/.aws/cli/cache", home);
}

/* botocore writes "...UTC"; other writers "Z" or "+00:00". */
static int cache_time(const char *s, time_t *out)
{
	char t[64];
	size_t n = strlen(s);
	if (n >= sizeof(t))
		return -1;
	memcpy(t, s, n + 1);
	if (n > 3 && strcmp(t + n - 3, "UTC") == 0)
		strcpy(t + n - 3, "Z");
	return creds_parse_time(t, out);
}

cJSON *creds_file_json(const char *path)
{
	int fd = path ? open(path, O_RDONLY | O_CLOEXEC) : -1;
	if (fd < 0)
		return NULL;
	char *text = xmalloc(CACHE_FILE_MAX + 1);
	ssize_t r = read(fd, text, CACHE_FILE_MAX);
	close(fd);
	text[r > 0 ? r : 0] = '\0';
	cJSON *j = r > 0 ? cJSON_Parse(text) : NULL;
	OPENSSL_cleanse(text, CACHE_FILE_MAX + 1);
	free(text);
	return j;
}

void creds_file_replace(const char *path, const cJSON *j)
{
	char *text = cJSON_Print(j);
	char *tmp = xasprintf("%s.ivsvc-XXXXXX", path);
	int fd = mkstemp(tmp);   /* 0600 */
	size_t len = text ? strlen(text) : 0;
	int ok = fd >= 0 && text && write(fd, text, len) == (ssize_t)len && fsync(fd) == 0;
	if (fd >= 0 && close(fd) == 0 && ok && rename(tmp, path) == 0)
		ok = 2;
	if (fd >= 0 && ok != 2)
		unlink(tmp);
	free(tmp);
	if (text) {
		OPENSSL_cleanse(text, len);
		free(text);
	}
}

int creds_cache_load(const char *key, struct aws_creds *out)
{
	char *path = cache_path(key);
	cJSON *j = creds_file_json(path);
	free(path);
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(j, "Credentials");
	const char *id = creds_json_str(c, "AccessKeyId");
	const char *secret = creds_json_str(c, "SecretAccessKey");
	const char *exp = creds_json_str(c, "Expiration");
	time_t when = 0;
	int ok = id && secret && exp && cache_time(exp, &when) == 0 &&
		 (long long)when - (long long)time(NULL) >= CACHE_EXPIRY_WINDOW_S;
	if (ok) {
		out->access_key_id = xstrdup(id);
		out->secret_access_key = xstrdup(secret);
		out->session_token = xstrdup(creds_json_str(c, "SessionToken"));
		out->expiration = when;
	}
	if (j)
		creds_json_delete_secret(j);
	return ok;
}

void creds_cache_store(const char *key, const struct aws_creds *c)
{
	char *dir = cache_path(NULL), *path = cache_path(key);
	if (!dir || !path || !c->expiration)
		goto done;
	/* ~/.aws/cli/cache, each level the owner's only when we create it. */
	char *cut = dir + strlen(dir) - strlen("/cli/cache");
	*cut = '\0';
	mkdir(dir, 0700);
	*cut = '/';
	cut[4] = '\0';
	mkdir(dir, 0700);
	cut[4] = '/';
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		goto done;
	char when[32];
	struct tm tm;
	gmtime_r(&c->expiration, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SUTC", &tm);
	cJSON *j = cJSON_CreateObject();
	cJSON *cr = cJSON_AddObjectToObject(j, "Credentials");
	cJSON_AddStringToObject(cr, "AccessKeyId", c->access_key_id);
	cJSON_AddStringToObject(cr, "SecretAccessKey", c->secret_access_key);
	if (c->session_token)
		cJSON_AddStringToObject(cr, "SessionToken", c->session_token);
	cJSON_AddStringToObject(cr, "Expiration", when);
	creds_file_replace(path, j);
	creds_json_delete_secret(j);
done:
	free(dir);
	free(path);
}
