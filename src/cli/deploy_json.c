/*
 * deploy_json.c - deploy for scripts (see deploy.h): the JSON-lines stream
 * (--json) kept apart from the human lines, and the outputs file in
 * `cdk deploy --outputs-file`'s shape, replaced atomically.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "deploy.h"
#include "output.h"

FILE *deploy_json_begin(void)
{
	fflush(stdout);
	int fd = dup(STDOUT_FILENO);
	FILE *json = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!json) {
		if (fd >= 0)
			close(fd);
		return stdout; /* cannot split: the JSON shares stdout */
	}
	dup2(STDERR_FILENO, STDOUT_FILENO);
	return json;
}

void deploy_json_end(FILE *json)
{
	if (!json || json == stdout)
		return;
	fflush(stdout);
	fflush(json);
	dup2(fileno(json), STDOUT_FILENO);
	fclose(json);
}

void deploy_json_line(FILE *json, cJSON *doc)
{
	if (json)
		out_json_print(doc, json, 1);
	cJSON_Delete(doc);
}

cJSON *deploy_outputs_json(const struct cfn_stack *s)
{
	cJSON *o = cJSON_CreateObject();
	for (size_t i = 0; s && i < s->n_outputs; i++)
		cJSON_AddStringToObject(o, s->outputs[i].key, s->outputs[i].value);
	return o;
}

/* A JSON string literal, escaped as JSON.stringify does. */
static void put_string(struct buf *b, const char *s)
{
	cJSON *str = cJSON_CreateString(s ? s : "");
	char *text = cJSON_PrintUnformatted(str);
	buf_puts(b, text ? text : "\"\"");
	free(text);
	cJSON_Delete(str);
}

/* JSON.stringify(doc, null, 2) + "\n", as cdk (fs-extra writeJson) writes it. */
static char *outputs_text(const char *stack, const struct cfn_stack *s)
{
	struct buf b = BUF_INIT;
	buf_puts(&b, "{\n  ");
	put_string(&b, stack);
	buf_puts(&b, ": {");
	for (size_t i = 0; s && i < s->n_outputs; i++) {
		buf_puts(&b, i ? ",\n    " : "\n    ");
		put_string(&b, s->outputs[i].key);
		buf_puts(&b, ": ");
		put_string(&b, s->outputs[i].value);
	}
	buf_puts(&b, s && s->n_outputs ? "\n  }\n}\n" : "}\n}\n");
	return buf_detach(&b);
}

/* In a run over several regions every region's child would write the same
 * file, the last one winning: each writes its own, the region before the
 * extension (out.json -> out.us-east-1.json). */
static char *region_path(const char *path)
{
	const char *region = getenv("IVSVC_REGION_CHILD");
	if (!region || !*region)
		return xstrdup(path);
	const char *base = strrchr(path, '/');
	const char *dot = strrchr(base ? base + 1 : path, '.');
	if (!dot || dot == (base ? base + 1 : path))
		return xasprintf("%s.%s", path, region);
	return xasprintf("%.*s.%s%s", (int)(dot - path), path, region, dot);
}

int deploy_write_outputs(const char *user_path, const char *stack, const struct cfn_stack *s,
			 struct ivs_error *err)
{
	char *path = region_path(user_path);
	char *text = outputs_text(stack, s);
	char *tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
	FILE *f = fopen(tmp, "w");
	int ok = f && fputs(text, f) >= 0;
	ok = f && fflush(f) == 0 && fsync(fileno(f)) == 0 && ok;
	if (f && fclose(f) != 0)
		ok = 0;
	if (ok && rename(tmp, path) == 0) {
		free(tmp);
		free(text);
		free(path);
		return 0;
	}
	int why = errno;
	unlink(tmp);
	free(tmp);
	free(text);
	ivs_error_set_kind(err, IVS_ERR_BAD_INPUT, "OutputsFile",
			   "could not write the outputs file %s: %s", path, strerror(why));
	free(path);
	return -1;
}
