/*
 * status.c - `ivsvc status`: not written yet (this stub keeps the command table whole).
 */
#include "cli.h"

int cmd_status(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	cli_error("status: not implemented yet");
	return EXIT_FAILED;
}
