/*
 * main.c - ivsvc's entry point. The command table and the runner are in
 * command.c (part of the ivscli library, so tests can drive them); each
 * command's work lives in its own file.
 */
#include <sys/resource.h>

#include "cli.h"

int main(int argc, char **argv)
{
	/* Secrets are wiped after use, but a crash mid-call could still dump
	 * them to a core file: this tool never writes one. */
	struct rlimit no_core = { 0, 0 };
	setrlimit(RLIMIT_CORE, &no_core);
	return cli_main(argc, argv);
}
