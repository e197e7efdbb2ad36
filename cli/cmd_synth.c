#include "cli.h"
/* placeholder while the subcommand is being written (not committed) */
int cmd_synth(int argc, char **argv) { (void)argc; (void)argv; return EXIT_UNSUPPORTED; }
