/* cave_auth.c: token sources (see cave_auth.h). */
#define _POSIX_C_SOURCE 200809L
#include "cave_auth.h"
#include "error.h"
#include "infile.h"

#include <cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_TOKEN_FILE (1u << 20)
#define MAX_TOKEN 4096

void cave_wipe(void *p, size_t n)
{
    volatile unsigned char *v = p;
    while (n--) *v++ = 0;
}

static int token_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c && strchr("._~+/=-", c));
}

/* The message names the source, never the text (which may be the secret). */
static int check_token(const char *tok, size_t n, const char *where)
{
    if (n == 0) return err_set(CONNC_ERR_FORMAT, "%s: the token is empty", where);
    if (n > MAX_TOKEN) return err_set(CONNC_ERR_FORMAT, "%s: the token is longer than %d characters", where, MAX_TOKEN);
    for (size_t i = 0; i < n; i++)
        if (!token_char(tok[i]))
            return err_set(CONNC_ERR_FORMAT, "%s: the token has a character that cannot go in an HTTP header "
                           "(position %zu); expected letters, digits and ._~+/=-", where, i + 1);
    return CONNC_OK;
}

static int dup_token(const char *tok, size_t n, const char *where, char **out)
{
    TRY(check_token(tok, n, where));
    char *t = malloc(n + 1);
    if (!t) return err_set(CONNC_ERR_NOMEM, "out of memory");
    memcpy(t, tok, n);
    t[n] = '\0';
    *out = t;
    return CONNC_OK;
}

int cave_token_parse(const char *text, size_t n, const char *where, char **out)
{
    *out = NULL;
    size_t a = 0, b = n;
    while (a < b && strchr(" \t\r\n", text[a])) a++;
    while (b > a && strchr(" \t\r\n", text[b - 1])) b--;
    if (a < b && text[a] == '{') {
        cJSON *j = cJSON_ParseWithLength(text + a, b - a);
        if (!j) return err_set(CONNC_ERR_FORMAT, "%s: not valid JSON (expected {\"token\": \"...\"})", where);
        cJSON *t = cJSON_GetObjectItemCaseSensitive(j, "token");
        int rc = cJSON_IsString(t) ? dup_token(t->valuestring, strlen(t->valuestring), where, out)
                                   : err_set(CONNC_ERR_FORMAT, "%s: no string \"token\" key", where);
        if (cJSON_IsString(t)) cave_wipe(t->valuestring, strlen(t->valuestring));
        cJSON_Delete(j);
        return rc;
    }
    return dup_token(text + a, b - a, where, out);
}

static int read_token_file(const char *path, const char *where, char **out)
{
    char *text = NULL;
    size_t len = 0;
    TRY(infile_read(path, MAX_TOKEN_FILE, &text, &len));
    int rc = cave_token_parse(text, len, where, out);
    cave_wipe(text, len);
    free(text);
    return rc;
}

static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int cave_token_load(const char *token_file, const char *global_host, cave_token *out)
{
    memset(out, 0, sizeof *out);
    if (token_file) {
        snprintf(out->source, sizeof out->source, "--token-file %.480s", token_file);
        return read_token_file(token_file, token_file, &out->token);
    }
    const char *env = getenv("CAVE_TOKEN");
    if (env && *env) {
        snprintf(out->source, sizeof out->source, "the CAVE_TOKEN variable");
        return dup_token(env, strlen(env), "CAVE_TOKEN", &out->token);
    }
    const char *home = getenv("HOME");
    if (!home || !*home) return CONNC_OK;
    char path[4096];
    if (global_host && *global_host) {
        snprintf(path, sizeof path, "%.2000s/.cloudvolume/secrets/%.255s-cave-secret.json", home, global_host);
        if (exists(path)) {
            snprintf(out->source, sizeof out->source, "%.500s", path);
            return read_token_file(path, path, &out->token);
        }
    }
    snprintf(path, sizeof path, "%.2000s/.cloudvolume/secrets/cave-secret.json", home);
    if (!exists(path)) return CONNC_OK;
    snprintf(out->source, sizeof out->source, "%.500s", path);
    return read_token_file(path, path, &out->token);
}

void cave_token_free(cave_token *t)
{
    if (t->token) {
        cave_wipe(t->token, strlen(t->token));
        free(t->token);
    }
    memset(t, 0, sizeof *t);
}
