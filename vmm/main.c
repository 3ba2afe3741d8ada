// SPDX-License-Identifier: MIT
/* ferry's entry point: parse the command line, run the machine. */
#include <stdio.h>
#include "exitcode.h"
#include "log.h"
#include "machine.h"
#include "opts.h"
#include "version.h"

int main(int argc, char *argv[])
{
	struct run_opts opts;
	char why[256];

	switch (opts_parse(argc, argv, &opts, why, sizeof(why))) {
	case OPTS_HELP:
		fputs(opts_help_text, stdout);
		return FERRY_EXIT_OK;
	case OPTS_VERSION:
		printf("ferry %s\n", FERRY_VERSION);
		return FERRY_EXIT_OK;
	case OPTS_ERROR:
		err("%s", why);
		return FERRY_EXIT_USAGE;
	case OPTS_RUN:
		break;
	}
	if (opts.verbosity < 0)
		log_max_level = LOG_ERR;
	else if (opts.verbosity == 1)
		log_max_level = LOG_INFO;
	else if (opts.verbosity > 1)
		log_max_level = LOG_DEBUG;
	return machine_run(&opts);
}
