/* emit.h: IR -> compiled network description (.cnet) of BIONIC.md §2-3.
 *
 * The description is declarative: an ordered list of operations with their
 * shapes, references to mask / inhibition arrays stored in the same file,
 * the hyperparameters of §3 and one switch per ablation of §4.  Every
 * choice the paper leaves open is a named, overridable hyperparameter.
 */
#ifndef CONNC_EMIT_H
#define CONNC_EMIT_H

#include "ir.h"

#define NET_SCHEMA "connc-net/2"
#define EMIT_MAX_OVERRIDES 64

typedef struct {
    const char *name;
    int on;
} emit_switch;

typedef struct {
    const char *model;                      /* "bionic" */
    const char *set[EMIT_MAX_OVERRIDES];    /* "key=value" hyperparameter overrides */
    size_t nset;
    emit_switch sw[EMIT_MAX_OVERRIDES];     /* switches turned on or off, in command-line order */
    size_t nswitch;
} emit_options;

int emit_network(const ir *x, const emit_options *o, const char *path);
/* Lists hyperparameters and switches with their defaults and meaning. */
void emit_print_catalogue(void);

#endif
