/* cave_auth.h: where the CAVE token comes from (PROTOCOL.md §3.2).
 *
 * Sources, first hit wins:
 *   1. --token-file FILE  (caveclient's JSON {"token": "..."} or the bare token)
 *   2. the CAVE_TOKEN environment variable (a connc addition; caveclient reads none)
 *   3. ~/.cloudvolume/secrets/<global server host>-cave-secret.json
 *   4. ~/.cloudvolume/secrets/cave-secret.json
 * The token is a secret: no message, log line or file written by connc ever
 * contains it (errors name only the source), and its memory is wiped on free.
 */
#ifndef CONNC_CAVE_AUTH_H
#define CONNC_CAVE_AUTH_H

#include <stddef.h>

typedef struct {
    char *token;        /* NULL when no source has one */
    char source[512];   /* where it came from, for -v ("--token-file x", "CAVE_TOKEN", a path) */
} cave_token;

/* token_file may be NULL; global_host is the host of the global server (for
 * source 3).  No token anywhere is not an error (public data need none). */
int cave_token_load(const char *token_file, const char *global_host, cave_token *out);
void cave_token_free(cave_token *t);

/* Extracts the token from file text: a JSON object's "token" string, or the
 * whole text trimmed.  It must be 1-4096 characters of [A-Za-z0-9._~+/=-]
 * (it goes into an HTTP header).  `where` names the source in errors. */
int cave_token_parse(const char *text, size_t n, const char *where, char **out);

/* Overwrites n bytes in a way the compiler may not drop. */
void cave_wipe(void *p, size_t n);

#endif
