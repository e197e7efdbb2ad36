/* error.h: the library's one error channel.
 *
 * A failing function records a one-line message with err_set() and returns
 * the negative status it passed in, so call sites read
 *     if (bad) return err_set(CONNC_ERR_FORMAT, "%s:%zu: field 'size': ...", path, line);
 * The message is thread-local and read back with connc_errmsg().
 */
#ifndef CONNC_ERROR_H
#define CONNC_ERROR_H

#include "connc.h"

#if defined(__GNUC__)
#define CONNC_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define CONNC_PRINTF(a, b)
#endif

/* Records the message and returns status (a negative connc_status). */
int err_set(int status, const char *fmt, ...) CONNC_PRINTF(2, 3);
/* Prefixes the current message with "context: " and returns status. */
int err_wrap(int status, const char *fmt, ...) CONNC_PRINTF(2, 3);
void err_clear(void);

/* Evaluates expr once; returns its status from the enclosing function on failure. */
#define TRY(expr) do { int try_rc_ = (expr); if (try_rc_ < 0) return try_rc_; } while (0)
/* Same, but jumps to the function's cleanup label `fail` with rc set. */
#define CHECK(expr) do { rc = (expr); if (rc < 0) goto fail; } while (0)

#endif
