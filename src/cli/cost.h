/*
 * cost.h - the monthly estimate as deploy and diff show it before asking:
 * the stack as it runs now (its parameters) against the settings ivsvc.yaml
 * would deploy, and the change. `ivsvc cost` (cmd_cost) prints the full table.
 *
 * Owns: nothing beyond the call.
 */
#ifndef IVS_CLI_COST_H
#define IVS_CLI_COST_H

#include <cjson/cJSON.h>

#include "cli.h"

/* Reads the stack (its parameters and last hour of REPORT lines) and IVS's
 * channels, prices both settings, then: into non-NULL gets a "cost" object
 * ({"region", "pricesKnown", "now", "new", "changeUsd", "unverified", ...});
 * else with x->o.json one line {"cost": {...}} on stdout; else a few text
 * lines on stdout. Failures to read become notes, never an error. */
void cost_print_change(const struct cli_ctx *x, cJSON *into);

#endif
