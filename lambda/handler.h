/*
 * handler.h - the function's life: init (settings, the AWS client, once),
 * then the Runtime API loop running one tick per invocation.
 *
 * Owns: the runtime and the aws_client for the process's life.
 */
#ifndef IVS_LAMBDA_HANDLER_H
#define IVS_LAMBDA_HANDLER_H

/* Time kept back from Lambda's deadline for answering the invocation. */
#define HANDLER_DEADLINE_MARGIN_MS 1500

/* The deadline (ms, in the same clock as now_ms) by which the tick stops
 * starting work: Lambda's deadline less the margin, or less a fifth of
 * what is left when that is shorter. 0 when Lambda gave none. */
long long handler_work_deadline(long long lambda_deadline_ms, long long now_ms);

/* Runs until the Runtime API goes away. Returns the process exit status:
 * 1 after an init error (reported to /init/error) or when the Runtime API
 * cannot be reached. */
int handler_main(void);

#endif
