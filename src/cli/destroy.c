/*
 * destroy.c - `ivsvc destroy`: not written yet (this stub keeps the command table whole).
 */
#include "cli.h"

int cmd_destroy(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	cli_error("destroy: not implemented yet");
	return EXIT_FAILED;
}
