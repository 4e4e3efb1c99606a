/*
 * profile.c - the shared config files (see profile.h): their INI dialect,
 * the profile name, the region.
 *
 * Owns: nothing between calls. The dialect is the one the AWS SDKs agree on:
 * `#` and `;` comments (inline only after whitespace, so a value may contain
 * them), `key = value` with case-insensitive keys, an indented block under an
 * empty-valued key as a sub-section, other indented lines as continuations.
 * A malformed line anywhere in the file fails the whole file with path:line,
 * as botocore does, rather than silently using half of it.
 */
#include "profile.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "region.h"

/* Larger than any real config file; bounds what a wrong path can cost. */
#define PROFILE_MAX_FILE (4u << 20)

const char *profile_name(const char *explicit_profile)
{
	if (explicit_profile && *explicit_profile)
		return explicit_profile;
	const char *env = getenv("AWS_PROFILE");
	if (env && *env)
		return env;
	return "default";
}

static const char *home_dir(void)
{
	const char *h = getenv("HOME");
	if (h && *h)
		return h;
	struct passwd *pw = getpwuid(getuid());
	return pw && pw->pw_dir && *pw->pw_dir ? pw->pw_dir : NULL;
}

/* The variable's value (with a leading "~/" expanded), or ~/.aws/<name>. */
static char *shared_path(const char *var, const char *name)
{
	const char *v = getenv(var);
	const char *home = home_dir();
	if (v && *v) {
		if (v[0] == '~' && (v[1] == '/' || v[1] == '\0')) {
			if (!home)
				return NULL;
			return xasprintf("%s%s", home, v + 1);
		}
		return xstrdup(v);
	}
	return home ? xasprintf("%s/.aws/%s", home, name) : NULL;
}

char *profile_config_path(void)
{
	return shared_path("AWS_CONFIG_FILE", "config");
}

char *profile_credentials_path(void)
{
	return shared_path("AWS_SHARED_CREDENTIALS_FILE", "credentials");
}

/* ---- sections ---- */

static void section_init(struct profile_section *s)
{
	memset(s, 0, sizeof(*s));
}

const char *profile_section_get(const struct profile_section *s, const char *key)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcasecmp(s->v[i].key, key) == 0)
			return s->v[i].value;
	return NULL;
}

static struct profile_kv *section_find(struct profile_section *s, const char *key)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcasecmp(s->v[i].key, key) == 0)
			return &s->v[i];
	return NULL;
}

/* Takes ownership of key and value. A repeated key replaces the earlier one,
 * as when the SDKs merge repeated sections. */
static void section_put(struct profile_section *s, char *key, char *value)
{
	for (char *p = key; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	struct profile_kv *kv = section_find(s, key);
	if (kv) {
		free(key);
		free_secret(kv->value);
		kv->value = value;
		return;
	}
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 8;
		/* Grown by hand, not realloc'd: the old array holds only pointers,
		 * but keep the habit of not leaving copies of anything behind. */
		struct profile_kv *v = xcalloc(cap, sizeof(*v));
		if (s->n)
			memcpy(v, s->v, s->n * sizeof(*v));
		free(s->v);
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n].key = key;
	s->v[s->n].value = value;
	s->n++;
}

void profile_section_free(struct profile_section *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++) {
		free(s->v[i].key);
		free_secret(s->v[i].value);
	}
	free(s->v);
	section_init(s);
}

/* ---- the file ---- */

/* Reads the whole file into one exact allocation (never realloc'd, so no
 * stale copy of a secret is left in freed memory). Returns 1 and fills
 * *out and *len, 0 when the file does not exist, -1 on error. */
static int read_small_file(const char *path, char **out, size_t *len, struct ivs_error *err)
{
	*out = NULL;
	*len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 0;
		return ivs_error_set(err, "BadConfigFile", "cannot read %s: %s", path, strerror(errno));
	}
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return ivs_error_set(err, "BadConfigFile", "%s is not a regular file", path);
	}
	if ((unsigned long long)st.st_size > PROFILE_MAX_FILE) {
		close(fd);
		return ivs_error_set(err, "BadConfigFile", "%s is larger than %u bytes", path,
				     PROFILE_MAX_FILE);
	}
	size_t cap = (size_t)st.st_size;
	char *data = xmalloc(cap + 1);
	size_t n = 0;
	while (n < cap) {
		ssize_t r = read(fd, data + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;
			close(fd);
			OPENSSL_cleanse(data, cap + 1);
			free(data);
			return ivs_error_set(err, "BadConfigFile", "cannot read %s: %s", path,
					     strerror(e));
		}
		if (r == 0)
			break; /* shrank while reading: use what is there */
		n += (size_t)r;
	}
	close(fd);
	data[n] = '\0';
	*out = data;
	*len = n;
	return 1;
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Trims [*b, *e) in place. */
static void trim(const char **b, const char **e)
{
	while (*b < *e && isspace((unsigned char)**b))
		(*b)++;
	while (*e > *b && isspace((unsigned char)(*e)[-1]))
		(*e)--;
}

/* End of a value once an inline comment (`#` or `;` after whitespace) is
 * cut. [b, e) is the raw text after '=', before trimming. */
static const char *value_end(const char *b, const char *e)
{
	for (const char *p = b + 1; p < e; p++)
		if ((*p == '#' || *p == ';') && is_blank(p[-1]))
			return p;
	return e;
}

/* The value after '=' at eq, up to e: comment cut, trimmed. */
static void value_span(const char *eq, const char *e, const char **vb, const char **ve)
{
	*vb = eq + 1;
	*ve = value_end(eq + 1, e);
	trim(vb, ve);
}

static int name_is(const char *b, const char *e, const char *name)
{
	size_t n = (size_t)(e - b);
	return strlen(name) == n && memcmp(b, name, n) == 0;
}

/* Which section the header body [b, e) is, for what we are looking for:
 * 2 exact, 1 the fallback ("[default]" when "[profile default]" may follow),
 * 0 another section. */
static int header_rank(const char *b, const char *e, enum profile_ini_kind kind, const char *name)
{
	const char *word = kind == PROFILE_INI_SERVICES ? "services"
			   : kind == PROFILE_INI_SSO_SESSION ? "sso-session" : "profile";
	size_t wl = strlen(word);
	switch (kind) {
	case PROFILE_INI_CREDENTIALS:
		return name_is(b, e, name) ? 2 : 0;
	case PROFILE_INI_CONFIG:
		if (strcmp(name, "default") == 0 && name_is(b, e, "default"))
			return 1;
		/* fall through */
	case PROFILE_INI_SERVICES:
	case PROFILE_INI_SSO_SESSION:
		if ((size_t)(e - b) > wl && memcmp(b, word, wl) == 0 && is_blank(b[wl])) {
			const char *nb = b + wl;
			trim(&nb, &e);
			return name_is(nb, e, name) ? 2 : 0;
		}
		return 0;
	}
	return 0;
}

static void make_label(struct profile_section *s, enum profile_ini_kind kind, const char *name)
{
	if (kind == PROFILE_INI_CREDENTIALS)
		snprintf(s->label, sizeof(s->label), "[%s]", name);
	else if (kind == PROFILE_INI_SERVICES)
		snprintf(s->label, sizeof(s->label), "[services %s]", name);
	else if (kind == PROFILE_INI_SSO_SESSION)
		snprintf(s->label, sizeof(s->label), "[sso-session %s]", name);
	else if (strcmp(name, "default") == 0)
		snprintf(s->label, sizeof(s->label), "[default]");
	else
		snprintf(s->label, sizeof(s->label), "[profile %s]", name);
}

/* One pass over a file's text, looking for one section (and its fallback). */
struct ini_parser {
	const char *path;
	enum profile_ini_kind kind;
	const char *name;
	struct profile_section *exact, *fallback;
	struct ivs_error *err;
	int line;
	int in_section;
	struct profile_section *cur;  /* where this section's keys go; NULL: skipped */
	char *parent;                 /* key of the last property, when in a section */
	int parent_empty;             /* it had no value: indented lines are its block */
};

static int parse_error(struct ini_parser *ps, const char *what)
{
	/* The line itself is never quoted: it may hold a secret key. */
	return ivs_error_set(ps->err, "BadConfigFile", "%s:%d: %s", ps->path, ps->line, what);
}

/* Splits the trimmed line [b, e) at its '=' into a trimmed key and value
 * (inline comment cut). 0, or -1 with the error (no_eq when there is no '='). */
static int split_property(struct ini_parser *ps, const char *b, const char *e,
			  const char *no_eq, const char **kb, const char **ke, const char **vb,
			  const char **ve)
{
	const char *eq = memchr(b, '=', (size_t)(e - b));
	if (!eq)
		return parse_error(ps, no_eq);
	*kb = b;
	*ke = eq;
	trim(kb, ke);
	value_span(eq, e, vb, ve);
	if (*kb == *ke)
		return parse_error(ps, "missing key before `=`");
	return 0;
}

/* An indented line: a `key = value` of the block under an empty-valued key,
 * or a continuation of the last value. */
static int parse_indented(struct ini_parser *ps, const char *b, const char *e)
{
	if (!ps->in_section || !ps->parent)
		return parse_error(ps, "indented line with no `key =` above it");
	if (ps->parent_empty) {
		const char *kb, *ke, *vb, *ve;
		if (split_property(ps, b, e, "expected `key = value` in the indented block", &kb,
				   &ke, &vb, &ve) < 0)
			return -1;
		if (ps->cur)
			section_put(ps->cur, xasprintf("%s.%.*s", ps->parent, (int)(ke - kb), kb),
				    xstrndup(vb, (size_t)(ve - vb)));
		return 0;
	}
	struct profile_kv *kv = ps->cur ? section_find(ps->cur, ps->parent) : NULL;
	if (kv) {
		const char *ve = value_end(b, e);
		trim(&b, &ve);
		char *joined = xasprintf("%s\n%.*s", kv->value, (int)(ve - b), b);
		free_secret(kv->value);
		kv->value = joined;
	}
	return 0;
}

/* A "[...]" line: is it the section we want? */
static int parse_header(struct ini_parser *ps, const char *b, const char *e)
{
	const char *close = memchr(b, ']', (size_t)(e - b));
	if (!close)
		return parse_error(ps, "section header without `]`");
	const char *rest = close + 1, *re = e;
	trim(&rest, &re);
	if (rest < re && *rest != '#' && *rest != ';')
		return parse_error(ps, "text after a section header's `]`");
	const char *nb = b + 1, *ne = close;
	trim(&nb, &ne);
	if (nb == ne)
		return parse_error(ps, "empty section name `[]`");
	ps->in_section = 1;
	int rank = header_rank(nb, ne, ps->kind, ps->name);
	ps->cur = rank == 2 ? ps->exact : rank == 1 ? ps->fallback : NULL;
	if (ps->cur)
		ps->cur->found = 1;
	return 0;
}

/* A `key = value` line at the left margin. */
static int parse_property(struct ini_parser *ps, const char *b, const char *e)
{
	if (!ps->in_section)
		return parse_error(ps, "a setting before any [section]");
	const char *kb, *ke, *vb, *ve;
	if (split_property(ps, b, e, "expected `key = value` or `[section]`", &kb, &ke, &vb,
			   &ve) < 0)
		return -1;
	ps->parent = xstrndup(kb, (size_t)(ke - kb));
	for (char *q = ps->parent; *q; q++)
		*q = (char)tolower((unsigned char)*q);
	ps->parent_empty = vb == ve;
	if (ps->cur)
		section_put(ps->cur, xstrdup(ps->parent), xstrndup(vb, (size_t)(ve - vb)));
	return 0;
}

static int parse(struct ini_parser *ps, const char *text)
{
	const char *p = text;
	int rc = 0;
	if (strncmp(p, "\xEF\xBB\xBF", 3) == 0)
		p += 3;
	while (*p && rc == 0) {
		const char *b = p, *e = strchr(p, '\n');
		if (!e)
			e = p + strlen(p);
		p = *e ? e + 1 : e;
		ps->line++;
		int indented = is_blank(*b);
		trim(&b, &e);
		if (b == e || *b == '#' || *b == ';')
			continue;
		if (indented) {
			rc = parse_indented(ps, b, e);
			continue;
		}
		free(ps->parent);
		ps->parent = NULL;
		rc = *b == '[' ? parse_header(ps, b, e) : parse_property(ps, b, e);
	}
	free(ps->parent);
	ps->parent = NULL;
	return rc;
}

int profile_ini_load(const char *path, enum profile_ini_kind kind, const char *name,
		     struct profile_section *out, struct ivs_error *err)
{
	section_init(out);
	make_label(out, kind, name);
	if (!path)
		return 0;
	char *text;
	size_t len;
	int r = read_small_file(path, &text, &len, err);
	if (r <= 0)
		return r;
	int rc = profile_ini_parse(path, text, kind, name, out, err);
	OPENSSL_cleanse(text, len);
	free(text);
	return rc;
}

int profile_ini_parse(const char *origin, const char *text, enum profile_ini_kind kind,
		      const char *name, struct profile_section *out, struct ivs_error *err)
{
	section_init(out);
	make_label(out, kind, name);
	out->file_exists = 1;

	struct profile_section fallback;
	section_init(&fallback);
	struct ini_parser ps = { origin, kind, name, out, &fallback, err, 0, 0, NULL, NULL, 0 };
	int rc = parse(&ps, text);
	if (rc < 0) {
		profile_section_free(&fallback);
		profile_section_free(out);
		make_label(out, kind, name);
		out->file_exists = 1;
		return -1;
	}
	/* "[profile default]" wins over "[default]" when a config file has both. */
	if (out->found) {
		if (kind == PROFILE_INI_CONFIG && strcmp(name, "default") == 0)
			snprintf(out->label, sizeof(out->label), "[profile default]");
		profile_section_free(&fallback);
	} else if (fallback.found) {
		char label[sizeof(out->label)];
		memcpy(label, out->label, sizeof(label));
		*out = fallback;
		memcpy(out->label, label, sizeof(label));
		out->file_exists = 1;
	}
	return 0;
}

char *profile_ini_get(const char *path, int file_is_config, const char *profile,
		      const char *key, struct ivs_error *err)
{
	struct profile_section s;
	if (profile_ini_load(path, file_is_config ? PROFILE_INI_CONFIG : PROFILE_INI_CREDENTIALS,
			     profile, &s, err) < 0)
		return NULL;
	char *v = xstrdup(profile_section_get(&s, key));
	profile_section_free(&s);
	return v;
}

/* ---- region ---- */

static int take_region(const char *value, const char *origin, char *out, size_t n,
		       struct ivs_error *err)
{
	if (!region_valid(value)) {
		char shown[64];
		size_t i = 0;
		for (const char *p = value; *p && i + 1 < sizeof(shown); p++)
			shown[i++] = isprint((unsigned char)*p) ? *p : '?';
		shown[i] = '\0';
		return ivs_error_set(err, "InvalidRegion",
				     "%s is \"%s\", which is not a region name (lower-case letters, "
				     "digits and '-', e.g. us-east-1)", origin, shown);
	}
	if (strlen(value) >= n)
		return ivs_error_set(err, "InvalidRegion", "%s is too long for a region", origin);
	snprintf(out, n, "%s", value);
	return 0;
}

int region_resolve(const char *flag_region, const char *profile, char *out, size_t n,
		   struct ivs_error *err)
{
	if (n)
		out[0] = '\0';
	if (flag_region && *flag_region)
		return take_region(flag_region, "--region", out, n, err);
	const char *vars[] = { "AWS_REGION", "AWS_DEFAULT_REGION" };
	for (size_t i = 0; i < 2; i++) {
		const char *v = getenv(vars[i]);
		if (v && *v)
			return take_region(v, vars[i], out, n, err);
	}

	const char *name = profile_name(profile);
	char *cfg = profile_config_path();
	char *cred = profile_credentials_path();
	struct {
		char *path;
		enum profile_ini_kind kind;
	} files[] = { { cred, PROFILE_INI_CREDENTIALS }, { cfg, PROFILE_INI_CONFIG } };
	int rc = 1;
	for (size_t i = 0; i < 2 && rc == 1; i++) {
		struct profile_section s;
		if (profile_ini_load(files[i].path, files[i].kind, name, &s, err) < 0) {
			rc = -1;
			break;
		}
		const char *v = profile_section_get(&s, "region");
		if (v && *v) {
			char origin[700];
			snprintf(origin, sizeof(origin), "region in %s of %s", s.label, files[i].path);
			rc = take_region(v, origin, out, n, err);
		}
		profile_section_free(&s);
	}
	if (rc == 1) {
		char label[160];
		if (strcmp(name, "default") == 0)
			snprintf(label, sizeof(label), "[default]");
		else
			snprintf(label, sizeof(label), "[profile %s]", name);
		rc = ivs_error_set(err, "NoRegion",
				   "no AWS region: pass --region, set AWS_REGION, or add "
				   "`region = ...` to %s in %s", label, cfg ? cfg : "~/.aws/config");
	}
	free(cfg);
	free(cred);
	return rc;
}

int profile_ca_bundle(const char *profile, char **out, struct ivs_error *err)
{
	*out = NULL;
	const char *env = getenv("AWS_CA_BUNDLE");
	char *v = NULL, *path = NULL, origin[600];
	if (env && *env) {
		v = xstrdup(env);
		snprintf(origin, sizeof(origin), "AWS_CA_BUNDLE");
	} else if ((path = profile_config_path()) != NULL) {
		ivs_error_clear(err);
		v = profile_ini_get(path, 1, profile_name(profile), "ca_bundle", err);
		if (!v && err->code[0]) {
			free(path);
			return -1;
		}
		snprintf(origin, sizeof(origin), "ca_bundle of profile %s in %s",
			 profile_name(profile), path);
	}
	free(path);
	if (v && !*v) {
		free(v);
		v = NULL;
	}
	if (v && access(v, R_OK) != 0) {
		int rc = ivs_error_set(err, "BadCaBundle", "%s names %s, which cannot be read: %s",
				       origin, v, strerror(errno));
		free(v);
		return rc;
	}
	*out = v;
	return 0;
}
