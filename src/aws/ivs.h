/*
 * ivs.h - the Amazon IVS calls we use (REST-JSON): ListChannels and
 * ListStreams with full pagination, GetChannel, PutMetadata.
 *
 * Owns: the arrays it returns (ivs_channels_free, ivs_streams_free).
 */
#ifndef IVS_IVS_H
#define IVS_IVS_H

#include <stddef.h>

#include "client.h"

struct ivs_channel {
	char *arn;
	char *name;
	char *playback_url;   /* GetChannel only; NULL from ListChannels */
};

struct ivs_stream {
	char *channel_arn;
	char *state;          /* "LIVE" or "OFFLINE" */
	long long viewer_count; /* -1: IVS did not give one (its count timed out) */
};

/* Every channel, following nextToken to the end. */
int ivs_list_channels(struct aws_client *c, struct ivs_channel **out, size_t *n,
		      struct ivs_error *err);
/* Every live stream, following nextToken to the end. */
int ivs_list_streams(struct aws_client *c, struct ivs_stream **out, size_t *n,
		     struct ivs_error *err);
/* What a listing cost: pages taken, requests sent (every attempt), retries. */
struct ivs_list_stats {
	size_t pages;
	size_t requests;
	size_t retries;
};
/* Both listings at once, their pages fetched in lockstep (two requests in
 * flight), so the wait is the longer list's, not the sum; paced at 4 pages a
 * second per operation (IVS allows 5), so it provokes no throttling even
 * beside an `ivsvc status`. stats may be NULL.
 * deadline_ms (epoch ms, local clock, as aws_send_options; 0: none): a page
 * not answered by then fails the listing with code "DeadlineExceeded". */
int ivs_list_channels_and_streams(struct aws_client *c, struct ivs_channel **ch, size_t *nch,
				  struct ivs_stream **st, size_t *nst, struct ivs_list_stats *stats,
				  long long deadline_ms, struct ivs_error *err);
/* One channel by ARN (playback URL included). */
int ivs_get_channel(struct aws_client *c, const char *arn, struct ivs_channel *out,
		    struct ivs_error *err);
/* Builds (does not send) a PutMetadata op, for aws_ops_send fan-out. */
void ivs_put_metadata_op(struct aws_op *op, const char *channel_arn, const char *metadata);

void ivs_channel_free(struct ivs_channel *ch);
void ivs_channels_free(struct ivs_channel *v, size_t n);
void ivs_streams_free(struct ivs_stream *v, size_t n);

#endif
