/*
 * synth.c - `ivsvc synth`: not written yet (this stub keeps the command table whole).
 */
#include "cli.h"

int cmd_synth(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	cli_error("synth: not implemented yet");
	return EXIT_FAILED;
}
