/*
 * sts.c - STS GetCallerIdentity (see sts.h).
 */
#include "sts.h"

#include <stdlib.h>
#include <string.h>

#include "query.h"

int sts_get_caller_identity(struct aws_client *c, struct sts_identity *out,
			    struct ivs_error *err)
{
	memset(out, 0, sizeof(*out));
	xmlDocPtr doc = NULL;
	if (query_call(c, &AWS_SVC_STS, "GetCallerIdentity", "2011-06-15", NULL, &doc, err) < 0)
		return -1;
	xmlNodePtr root = xml_root(doc);
	out->account = xml_text(root, "GetCallerIdentityResult/Account");
	out->arn = xml_text(root, "GetCallerIdentityResult/Arn");
	out->user_id = xml_text(root, "GetCallerIdentityResult/UserId");
	xmlFreeDoc(doc);
	/* An empty account would name the asset bucket "ivsvc-assets--<region>". */
	if (!out->account || !*out->account || !out->arn || !*out->arn) {
		sts_identity_free(out);
		return ivs_error_set(err, "BadResponse",
				     "STS GetCallerIdentity answered without Account/Arn");
	}
	if (!out->user_id)
		out->user_id = xstrdup("");
	return 0;
}

void sts_identity_free(struct sts_identity *id)
{
	free(id->account);
	free(id->arn);
	free(id->user_id);
	memset(id, 0, sizeof(*id));
}
