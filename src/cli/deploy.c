/*
 * deploy.c - `ivsvc deploy`: not written yet (this stub keeps the command table whole).
 */
#include "cli.h"

int cmd_deploy(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	cli_error("deploy: not implemented yet");
	return EXIT_FAILED;
}
