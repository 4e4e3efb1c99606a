/*
 * diff.c - `ivsvc diff`: not written yet (this stub keeps the command table whole).
 */
#include "cli.h"

int cmd_diff(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	cli_error("diff: not implemented yet");
	return EXIT_FAILED;
}
