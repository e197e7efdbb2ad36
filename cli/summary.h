/* summary.h: human-readable summary of a .cir / .cnet metadata block. */
#ifndef CONNC_SUMMARY_H
#define CONNC_SUMMARY_H

#include <stdio.h>

/* kind: "ir", "network" or "checkpoint". */
void summary_print(FILE *out, const char *meta_json, const char *kind);

#endif
