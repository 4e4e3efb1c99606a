/*
 * package.c - `ivsvc package`: not written yet (this stub keeps the command table whole).
 */
#include "cli.h"

int cmd_package(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	cli_error("package: not implemented yet");
	return EXIT_FAILED;
}
