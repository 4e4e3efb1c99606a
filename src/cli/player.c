/*
 * player.c - `ivsvc player`: not written yet (this stub keeps the command table whole).
 */
#include "cli.h"

int cmd_player(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	cli_error("player: not implemented yet");
	return EXIT_FAILED;
}
