/* test_cave.c: the CAVE client's pure parts: request bodies with ids above
 * 2^53, the row-cap warning, Retry-After, backoff bounds, error messages,
 * URL rules, tokens, the JSON check and the cache (keys, paths, checksums). */
#define _POSIX_C_SOURCE 200809L
#include "harness.h"
#include "cave_auth.h"
#include "cave_cache.h"
#include "cave_client.h"
#include "cave_http.h"
#include "cave_json.h"
#include "connc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- request bodies */

TEST(cave_query_body_exact_ids)
{
    /* 2^53 + 1 and 2^64 - 1 do not survive a double: they must come out digit for digit */
    static const uint64_t pre[] = {864691135533713769ull, 9007199254740993ull, 18446744073709551615ull};
    static const uint64_t post[] = {864691136968429774ull};
    static const char *const cols[] = {"id", "pre_pt_root_id", "size"};
    cave_filter f[2] = {{CAVE_IN, "synapses_pni_2", "pre_pt_root_id", pre, NULL, 3},
                        {CAVE_IN, "synapses_pni_2", "post_pt_root_id", post, NULL, 1}};
    cave_query q = {0};
    q.table = "synapses_pni_2";
    q.columns = cols;
    q.ncolumns = 3;
    q.filters = f;
    q.nfilters = 2;
    cbuf b = {0};
    EXPECT_EQ_INT(cave_query_body(&q, &b), CONNC_OK);
    const char *want = "{\"filter_in_dict\": {\"synapses_pni_2\": {\"pre_pt_root_id\": [864691135533713769, "
                       "9007199254740993, 18446744073709551615], \"post_pt_root_id\": [864691136968429774]}}, "
                       "\"select_columns\": [\"id\", \"pre_pt_root_id\", \"size\"]}";
    EXPECT(b.p && strcmp(b.p, want) == 0);
    if (b.p && strcmp(b.p, want)) fprintf(stderr, "    got %s\n", b.p);
    EXPECT(json_is_valid(b.p, b.len));
    cbuf u = {0};
    q.count = 1;
    EXPECT_EQ_INT(cave_query_path("minnie65_public", 1718, &q, &u), CONNC_OK);
    EXPECT(strcmp(u.p, "/materialize/api/v3/datastack/minnie65_public/version/1718/table/synapses_pni_2/query?"
                       "return_pyarrow=false&arrow_format=false&split_positions=true&direct_sql_pandas=true&count=true") == 0);
    cbuf_free(&b);
    cbuf_free(&u);
}

TEST(cave_query_body_join_and_filters)
{
    static const uint64_t zero[] = {0}, lo[] = {100}, hi[] = {9007199254740995ull};
    static const char *const types[] = {"23P", "say \"BC\""};
    static const char *const ref[] = {"id", "cell_type"}, *const nuc[] = {"pt_root_id", "pt_position"};
    cave_filter f[4] = {{CAVE_OUT, "nucleus_detection_v0", "pt_root_id", zero, NULL, 1},
                        {CAVE_GE, "t", "id", lo, NULL, 1},
                        {CAVE_LT, "t", "id", hi, NULL, 1},
                        {CAVE_IN, "t", "cell_type", NULL, types, 2}};
    cave_query q = {0};
    q.table = "t";
    q.join_table = "nucleus_detection_v0";
    q.join_column = "target_id";
    q.join_ref_column = "id";
    q.columns = ref;
    q.ncolumns = 2;
    q.join_columns = nuc;
    q.njoin_columns = 2;
    q.filters = f;
    q.nfilters = 4;
    cbuf b = {0};
    EXPECT_EQ_INT(cave_query_body(&q, &b), CONNC_OK);
    const char *want =
        "{\"tables\": [[\"t\", \"target_id\"], [\"nucleus_detection_v0\", \"id\"]], "
        "\"suffix_map\": {\"t\": \"\", \"nucleus_detection_v0\": \"_ref\"}, "
        "\"filter_in_dict\": {\"t\": {\"cell_type\": [\"23P\", \"say \\\"BC\\\"\"]}}, "
        "\"filter_notin_dict\": {\"nucleus_detection_v0\": {\"pt_root_id\": [0]}}, "
        "\"filter_greater_equal_dict\": {\"t\": {\"id\": 100}}, "
        "\"filter_less_dict\": {\"t\": {\"id\": 9007199254740995}}, "
        "\"select_column_map\": {\"t\": [\"id\", \"cell_type\"], \"nucleus_detection_v0\": [\"pt_root_id\", \"pt_position\"]}}";
    EXPECT(b.p && strcmp(b.p, want) == 0);
    if (b.p && strcmp(b.p, want)) fprintf(stderr, "    got %s\n", b.p);
    cbuf u = {0};
    EXPECT_EQ_INT(cave_query_path("ds", 7, &q, &u), CONNC_OK);
    EXPECT(strncmp(u.p, "/materialize/api/v3/datastack/ds/version/7/query?return_pyarrow=false", 69) == 0);
    /* client-side exclusion: ids compared as integers, strings exactly */
    EXPECT(cave_filter_matches(&f[0], "0", 1));
    EXPECT(!cave_filter_matches(&f[0], "990000000000000001", 18));
    EXPECT(cave_filter_matches(&f[3], "23P", 3));
    EXPECT(!cave_filter_matches(&f[3], "23", 2));
    cbuf_free(&b);
    cbuf_free(&u);
}

/* ---- headers and retries */

TEST(cave_warning_header)
{
    uint64_t n = 0;
    EXPECT(cave_warning_limit("201 - \"Limited query to 200000 rows\n", &n));
    EXPECT_EQ_INT(n, 200000);
    n = 0;
    EXPECT(cave_warning_limit("Table Owner Notice on synapses_pni_2: x\n201 - \"Limited query to 1000 rows\n", &n));
    EXPECT_EQ_INT(n, 1000);
    EXPECT(!cave_warning_limit("Table Owner Notice on t: Limited query to 5 rows is not a cap\n", &n));
    EXPECT(!cave_warning_limit("299 - \"Query was executed using streaming via CSV\n", &n));
    EXPECT(!cave_warning_limit("201 - \"Limited query to rows\n", &n));
    EXPECT(!cave_warning_limit(NULL, &n));
    EXPECT(!cave_warning_limit("", &n));
}

TEST(cave_backoff_bounds)
{
    const double base = 0.5, max = 60;
    for (int r = 0; r < 40; r++) {
        double d = base;
        for (int i = 0; i < r && d < max; i++) d *= 2;
        if (d > max) d = max;
        const double us[] = {0, 0.25, 0.5, 0.999999, 1.5, -1};
        for (size_t k = 0; k < sizeof us / sizeof us[0]; k++) {
            double w = cave_backoff_delay(r, base, max, us[k]);
            EXPECT(w >= d / 2 - 1e-12 && w <= d + 1e-12);
            EXPECT(w <= max);
        }
    }
    EXPECT_NEAR(cave_backoff_delay(0, 0.5, 60, 0), 0.25, 1e-12);
    EXPECT_NEAR(cave_backoff_delay(3, 0.5, 60, 0), 2.0, 1e-12);
    EXPECT_NEAR(cave_backoff_delay(1000, 0.5, 60, 0.999999), 60, 1e-3);
}

TEST(cave_retry_after)
{
    EXPECT_NEAR(cave_retry_after("3", 0), 3, 1e-9);
    EXPECT_NEAR(cave_retry_after(" 10 ", 0), 10, 1e-9);
    EXPECT_NEAR(cave_retry_after("Wed, 21 Oct 2015 07:28:10 GMT", 1445412480), 10, 1e-9);
    EXPECT_NEAR(cave_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", 1445412490), 0, 1e-9);
    EXPECT(cave_retry_after("soon", 0) < 0);
    EXPECT(cave_retry_after("3x", 0) < 0);
    EXPECT(cave_retry_after(NULL, 0) < 0);
}

TEST(cave_server_messages)
{
    char m[128];
    const char *a = "{\"error\":\"no_token\",\"message\":\"Unauthorized - No Token Provided\"}";
    cave_server_message(a, strlen(a), m, sizeof m);
    EXPECT(strcmp(m, "Unauthorized - No Token Provided") == 0);
    const char *b = "\"No version found\"";
    cave_server_message(b, strlen(b), m, sizeof m);
    EXPECT(strcmp(m, "No version found") == 0);
    const char *c = "{\"message\": {\"filter_out_dict\": [\"Unknown field.\"]}}";
    cave_server_message(c, strlen(c), m, sizeof m);
    EXPECT(strcmp(m, "{\"filter_out_dict\":[\"Unknown field.\"]}") == 0);
    const char *d = "<html>503\tService\nUnavailable</html>";
    cave_server_message(d, strlen(d), m, sizeof m);
    EXPECT(strcmp(m, "<html>503?Service") == 0);
    cave_server_message("", 0, m, sizeof m);
    EXPECT(m[0] == '\0');
}

TEST(cave_url_rules)
{
    EXPECT_EQ_INT(cave_url_check("https://global.daf-apis.com", 0, "--server"), CONNC_OK);
    EXPECT_ERR(cave_url_check("http://global.daf-apis.com", 0, "--server"), CONNC_ERR_USAGE, "plain http");
    EXPECT_ERR(cave_url_check("https://global.daf-apis.com", 1, "--server"), CONNC_ERR_USAGE, "only for a local emulator");
    EXPECT_EQ_INT(cave_url_check("http://127.0.0.1:8080", 1, "--server"), CONNC_OK);
    EXPECT_EQ_INT(cave_url_check("http://localhost:1/x", 1, "--server"), CONNC_OK);
    EXPECT_EQ_INT(cave_url_check("http://[::1]:99", 1, "--server"), CONNC_OK);
    EXPECT_ERR(cave_url_check("http://127.0.0.1.evil.com", 1, "--server"), CONNC_ERR_USAGE, "only for a local emulator");
    EXPECT_ERR(cave_url_check("https://user:pw@host", 0, "--server"), CONNC_ERR_USAGE, "credentials");
    EXPECT_ERR(cave_url_check("ftp://host", 0, "--server"), CONNC_ERR_USAGE, "not an http");
}

/* ---- tokens */

TEST(cave_token_sources)
{
    char *t = NULL;
    const char *j = " {\"token\": \"0123456789abcdef0123456789abcdef\"}\n";
    EXPECT_EQ_INT(cave_token_parse(j, strlen(j), "f", &t), CONNC_OK);
    EXPECT(t && strcmp(t, "0123456789abcdef0123456789abcdef") == 0);
    free(t);
    EXPECT_EQ_INT(cave_token_parse("abc.DEF-1_2~3+/=\n", 17, "f", &t), CONNC_OK);
    EXPECT(t && strcmp(t, "abc.DEF-1_2~3+/=") == 0);
    free(t);
    /* a token that would break the header is refused, and the message does not echo it */
    const char *bad = "secretpart\r\nX-Evil: 1";
    EXPECT_ERR(cave_token_parse(bad, strlen(bad), "tok.json", &t), CONNC_ERR_FORMAT, "tok.json");
    EXPECT(!strstr(connc_errmsg(), "secretpart"));
    EXPECT_ERR(cave_token_parse("{\"tok\": 1}", 10, "tok.json", &t), CONNC_ERR_FORMAT, "no string \"token\"");
    EXPECT_ERR(cave_token_parse("  ", 2, "tok.json", &t), CONNC_ERR_FORMAT, "empty");
    /* the file sources, through HOME */
    char home[512];
    snprintf(home, sizeof home, "%s", tmp_path("home"));
    char dir[600];
    snprintf(dir, sizeof dir, "%s/.cloudvolume/secrets", home);
    EXPECT(mkdir(home, 0700) == 0);
    snprintf(dir, sizeof dir, "%s/.cloudvolume", home);
    EXPECT(mkdir(dir, 0700) == 0);
    snprintf(dir, sizeof dir, "%s/.cloudvolume/secrets", home);
    EXPECT(mkdir(dir, 0700) == 0);
    char path[700];
    snprintf(path, sizeof path, "%s/cave-secret.json", dir);
    FILE *f = fopen(path, "w");
    if (f) { fputs("{\"token\": \"generic\"}", f); fclose(f); }
    snprintf(path, sizeof path, "%s/example.org-cave-secret.json", dir);
    f = fopen(path, "w");
    if (f) { fputs("{\"token\": \"serverspecific\"}", f); fclose(f); }
    char *old_home = getenv("HOME") ? strdup(getenv("HOME")) : NULL;
    char *old_env = getenv("CAVE_TOKEN") ? strdup(getenv("CAVE_TOKEN")) : NULL;
    setenv("HOME", home, 1);
    unsetenv("CAVE_TOKEN");
    cave_token k;
    EXPECT_EQ_INT(cave_token_load(NULL, "example.org", &k), CONNC_OK);
    EXPECT(k.token && strcmp(k.token, "serverspecific") == 0);
    cave_token_free(&k);
    EXPECT_EQ_INT(cave_token_load(NULL, "other.org", &k), CONNC_OK);
    EXPECT(k.token && strcmp(k.token, "generic") == 0);
    EXPECT(!strstr(k.source, "generic"));
    cave_token_free(&k);
    setenv("CAVE_TOKEN", "fromenv", 1);
    EXPECT_EQ_INT(cave_token_load(NULL, "example.org", &k), CONNC_OK);
    EXPECT(k.token && strcmp(k.token, "fromenv") == 0);
    cave_token_free(&k);
    EXPECT(k.token == NULL);
    if (old_home) setenv("HOME", old_home, 1);
    if (old_env) setenv("CAVE_TOKEN", old_env, 1);
    else unsetenv("CAVE_TOKEN");
    free(old_home);
    free(old_env);
}

/* ---- JSON check */

TEST(cave_json_check)
{
    const char *good[] = {"[]", " [ {\"a\": 1, \"b\": [1.5e3, -0, null, true, false]} ] ", "\"x\\u00e9\\n\"",
                          "[{\"id\":864691135533713769}]", "0", "{}"};
    const char *bad[] = {"", "[", "[{\"a\": 1},", "[{\"a\": 1}", "{\"a\" 1}", "[01]", "[1.]", "[\"a\nb\"]",
                         "[1] x", "[tru]", "{\"a\":1,}", "[\"\\x\"]", "[-]"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) EXPECT(json_is_valid(good[i], strlen(good[i])));
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (json_is_valid(bad[i], strlen(bad[i]))) fprintf(stderr, "    accepted: %s\n", bad[i]);
        EXPECT(!json_is_valid(bad[i], strlen(bad[i])));
    }
    char deep[200];
    memset(deep, '[', 100);
    memset(deep + 100, ']', 100);
    EXPECT(!json_is_valid(deep, 200)); /* nesting is bounded */
}

/* ---- cache */

static int is_safe_component(const char *s)
{
    if (!s[0] || s[0] == '.') return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || strchr("._-", *s)))
            return 0;
    return 1;
}

TEST(cave_cache_keys_and_paths)
{
    cave_request_id a = {"https://m.example", "ds", 1718, "syn", "/q?x=1", "{\"a\": [1]}", NULL};
    char k0[65], k1[65];
    cave_cache_key(&a, k0);
    cave_request_id b = a;
    cave_cache_key(&b, k1);
    EXPECT(strcmp(k0, k1) == 0 && strlen(k0) == 64);
    /* every component changes the key */
    const char **fields[] = {&b.server, &b.datastack, &b.table, &b.path, &b.body};
    for (size_t i = 0; i < 5; i++) {
        b = a;
        *fields[i] = "other";
        cave_cache_key(&b, k1);
        EXPECT(strcmp(k0, k1) != 0);
    }
    b = a;
    b.version = 1717;
    cave_cache_key(&b, k1);
    EXPECT(strcmp(k0, k1) != 0);
    b = a;
    b.body = NULL; /* a GET differs from a POST with an empty body */
    cave_cache_key(&b, k1);
    char k2[65];
    b.body = "";
    cave_cache_key(&b, k2);
    EXPECT(strcmp(k1, k2) != 0);
    /* hostile names stay one safe component inside the cache directory */
    const char *names[] = {"..", ".", "../../etc", "a/b", ".hidden", "", "x\ny", "ok_name-1.2",
                           "a_very_long_name_a_very_long_name_a_very_long_name_a_very_long_name_a_very_long_name_xx"};
    char out[128], prev[128] = "";
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        cave_safe_component(names[i], out, sizeof out);
        EXPECT(is_safe_component(out));
        EXPECT(strcmp(out, prev) != 0);
        snprintf(prev, sizeof prev, "%s", out);
    }
    cave_safe_component("ok_name-1.2", out, sizeof out);
    EXPECT(strcmp(out, "ok_name-1.2") == 0);
    cave_cache c = {(char *)"/cache/root"};
    cave_request_id h = {"https://../../x:1/..", "../../ds", 5, "../t", "/p", NULL, NULL};
    char *bp = NULL, *mp = NULL;
    EXPECT_EQ_INT(cave_cache_paths(&c, &h, &bp, &mp), CONNC_OK);
    EXPECT(bp && strncmp(bp, "/cache/root/", 12) == 0 && !strstr(bp, "/..") && !strstr(bp, "/./"));
    EXPECT(mp && strstr(mp, ".meta.json"));
    free(bp);
    free(mp);
}

TEST(cave_cache_roundtrip)
{
    cave_cache c;
    EXPECT_EQ_INT(cave_cache_open(tmp_path("cache"), &c), CONNC_OK);
    cave_request_id id = {"http://127.0.0.1:1", "ds", 3, "syn", "/q", "{}", NULL};
    char *bp = NULL;
    cave_page_info info = {0, 0, 0}, got = {0, 0, 0};
    EXPECT_EQ_INT(cave_cache_get(&c, &id, &bp, &got), 0);
    const char *body = "[{\"id\": 18446744073709551615}]";
    EXPECT_EQ_INT(cave_cache_put_body(&c, &id, body, strlen(body), &bp), CONNC_OK);
    free(bp);
    bp = NULL;
    EXPECT_EQ_INT(cave_cache_get(&c, &id, &bp, &got), 0); /* no meta yet: not an entry */
    EXPECT_EQ_INT(cave_cache_put_body(&c, &id, body, strlen(body), &bp), CONNC_OK);
    free(bp);
    bp = NULL;
    info.rows = 1;
    info.truncated = 1;
    info.limit = 200000;
    EXPECT_EQ_INT(cave_cache_put_meta(&c, &id, &info), CONNC_OK);
    EXPECT_EQ_INT(cave_cache_get(&c, &id, &bp, &got), 1);
    EXPECT(got.rows == 1 && got.truncated == 1 && got.limit == 200000);
    /* a damaged body is a miss, and the entry is gone */
    FILE *f = bp ? fopen(bp, "r+") : NULL;
    if (f) { fputc('{', f); fclose(f); }
    char *bp2 = NULL;
    EXPECT_EQ_INT(cave_cache_get(&c, &id, &bp2, &got), 0);
    EXPECT(bp2 == NULL);
    struct stat st;
    EXPECT(bp && stat(bp, &st) != 0);
    free(bp);
    cave_cache_close(&c);
}
