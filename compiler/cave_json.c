/* cave_json.c: a non-allocating JSON syntax check (see cave_json.h). */
#include "cave_json.h"

#include <string.h>

#define MAX_DEPTH 64

typedef struct {
    const char *p, *end;
} cursor;

static void ws(cursor *c)
{
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r')) c->p++;
}

static int is_digit(char ch) { return ch >= '0' && ch <= '9'; }

static int string(cursor *c)
{
    c->p++; /* opening quote */
    while (c->p < c->end) {
        unsigned char ch = (unsigned char)*c->p++;
        if (ch == '"') return 1;
        if (ch < 0x20) return 0;
        if (ch != '\\') continue;
        if (c->p >= c->end) return 0;
        ch = (unsigned char)*c->p++;
        if (ch == 'u') {
            for (int i = 0; i < 4; i++, c->p++)
                if (c->p >= c->end || !strchr("0123456789abcdefABCDEF", *c->p) || !*c->p) return 0;
        } else if (!strchr("\"\\/bfnrt", ch) || !ch) {
            return 0;
        }
    }
    return 0;
}

static int number(cursor *c)
{
    if (c->p < c->end && *c->p == '-') c->p++;
    if (c->p >= c->end || !is_digit(*c->p)) return 0;
    if (*c->p == '0') c->p++;
    else while (c->p < c->end && is_digit(*c->p)) c->p++;
    if (c->p < c->end && *c->p == '.') {
        c->p++;
        if (c->p >= c->end || !is_digit(*c->p)) return 0;
        while (c->p < c->end && is_digit(*c->p)) c->p++;
    }
    if (c->p < c->end && (*c->p == 'e' || *c->p == 'E')) {
        c->p++;
        if (c->p < c->end && (*c->p == '+' || *c->p == '-')) c->p++;
        if (c->p >= c->end || !is_digit(*c->p)) return 0;
        while (c->p < c->end && is_digit(*c->p)) c->p++;
    }
    return 1;
}

static int literal(cursor *c, const char *lit)
{
    size_t n = strlen(lit);
    if ((size_t)(c->end - c->p) < n || memcmp(c->p, lit, n) != 0) return 0;
    c->p += n;
    return 1;
}

static int value(cursor *c, int depth);

/* An array or object: items separated by commas, object items "key": value. */
static int container(cursor *c, int depth, char close, int object)
{
    if (depth >= MAX_DEPTH) return 0;
    c->p++;
    ws(c);
    if (c->p < c->end && *c->p == close) { c->p++; return 1; }
    for (;;) {
        if (object) {
            if (c->p >= c->end || *c->p != '"' || !string(c)) return 0;
            ws(c);
            if (c->p >= c->end || *c->p != ':') return 0;
            c->p++;
        }
        if (!value(c, depth + 1)) return 0;
        ws(c);
        if (c->p >= c->end) return 0;
        if (*c->p == close) { c->p++; return 1; }
        if (*c->p != ',') return 0;
        c->p++;
        ws(c);
    }
}

static int value(cursor *c, int depth)
{
    ws(c);
    if (c->p >= c->end) return 0;
    switch (*c->p) {
    case '{': return container(c, depth, '}', 1);
    case '[': return container(c, depth, ']', 0);
    case '"': return string(c);
    case 't': return literal(c, "true");
    case 'f': return literal(c, "false");
    case 'n': return literal(c, "null");
    default: return number(c);
    }
}

int json_is_valid(const char *s, size_t n)
{
    if (!s) return 0;
    cursor c = {s, s + n};
    if (!value(&c, 0)) return 0;
    ws(&c);
    return c.p == c.end;
}
