/* cave_json.h: JSON checks for CAVE responses that are not read through cJSON.
 *
 * Query responses hold root ids above 2^53, so they are read by the table
 * reader (table.h) and never by cJSON (PROTOCOL.md §8).  Before a response is
 * accepted (and cached) its syntax is checked here: a body cut short by a
 * proxy or a reset connection is then retried instead of being read as a
 * shorter table.
 */
#ifndef CONNC_CAVE_JSON_H
#define CONNC_CAVE_JSON_H

#include <stddef.h>

/* 1 if s[0..n) is exactly one JSON value (RFC 8259) with optional white
 * space around it, else 0.  Nesting deeper than 64 levels counts as invalid. */
int json_is_valid(const char *s, size_t n);

#endif
