/*
 * stubs.c - commands not written yet. Each moves to its own file
 * (src/cli/<name>.c) when it is; delete its stub here then.
 */
#include "cli.h"

#define STUB(name) \
	int cmd_##name(int argc, char **argv) \
	{ \
		(void)argc; (void)argv; \
		cli_error(#name ": not implemented yet"); \
		return EXIT_FAILED; \
	}

STUB(deploy)
STUB(destroy)
STUB(status)
STUB(logs)
STUB(synth)
STUB(diff)
STUB(package)
STUB(player)
