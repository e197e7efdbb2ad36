/* error.c: thread-local last-error message (see error.h). */
#define _POSIX_C_SOURCE 200809L
#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static _Thread_local char last_msg[1024];

int err_set(int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_msg, sizeof last_msg, fmt, ap);
    va_end(ap);
    return status;
}

int err_wrap(int status, const char *fmt, ...)
{
    char prefix[512], old[sizeof last_msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, last_msg, sizeof old);
    size_t n = strlen(prefix);
    memcpy(last_msg, prefix, n);
    last_msg[n] = ':';
    last_msg[n + 1] = ' ';
    size_t room = sizeof last_msg - n - 3;
    size_t m = strnlen(old, room);
    memcpy(last_msg + n + 2, old, m);
    last_msg[n + 2 + m] = '\0';
    return status;
}

void err_clear(void) { last_msg[0] = '\0'; }

const char *connc_errmsg(void) { return last_msg; }

const char *connc_strstatus(int status)
{
    switch (status) {
    case CONNC_OK: return "ok";
    case CONNC_ERR_USAGE: return "usage error";
    case CONNC_ERR_IO: return "I/O error";
    case CONNC_ERR_FORMAT: return "format error";
    case CONNC_ERR_CORRUPT: return "corrupt file";
    case CONNC_ERR_VERSION: return "unsupported version";
    case CONNC_ERR_NOMEM: return "out of memory";
    case CONNC_ERR_LIMIT: return "limit exceeded";
    case CONNC_ERR_UNSUPPORTED: return "not supported";
    case CONNC_ERR_NETWORK: return "network error";
    case CONNC_ERR_NOTFOUND: return "not found";
    default: return "unknown error";
    }
}
