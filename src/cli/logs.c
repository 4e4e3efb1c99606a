/*
 * logs.c - `ivsvc logs`: not written yet (this stub keeps the command table whole).
 */
#include "cli.h"

int cmd_logs(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	cli_error("logs: not implemented yet");
	return EXIT_FAILED;
}
