/* cmd_fetch.c: `connc fetch` - a whole column from the CAVE services (compiler/cave_fetch.h). */
#define _POSIX_C_SOURCE 200809L
#include "cave_auth.h"
#include "cave_fetch.h"
#include "cli.h"
#include "error.h"
#include "progress.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static void help(void)
{
    printf("usage: connc fetch [options] -o DIR\n\n"
           "Downloads a column from the CAVE materialization service: its cell-type table\n"
           "(joined with the nucleus table when it is a reference table) and every synapse\n"
           "whose pre- and postsynaptic cells are both in it, as DIR/cells.csv and\n"
           "DIR/synapses.csv in the layout `connc compile` reads, plus DIR/provenance.json\n"
           "(server, datastack, version, tables, queries, row counts, times, checksums).\n\n"
           "  --server URL          global CAVE server (default " CAVE_GLOBAL_SERVER ")\n"
           "  --datastack NAME      datastack (default minnie65_public)\n"
           "  --cells TABLE         cell-type table (default allen_v1_column_types_slanted_ref)\n"
           "  --synapses TABLE      synapse table (default synapses_pni_2)\n"
           "  --version N           materialization version (default: the newest valid one)\n"
           "  -o, --output DIR      directory for the tables and provenance.json\n"
           "  --token-file FILE     token file ({\"token\": \"...\"} or the bare token); default:\n"
           "                        $CAVE_TOKEN, ~/.cloudvolume/secrets/<host>-cave-secret.json,\n"
           "                        ~/.cloudvolume/secrets/cave-secret.json.  Never printed.\n"
           "  --cache DIR           response cache (default $XDG_CACHE_HOME/connc/cave or\n"
           "                        ~/.cache/connc/cave); a killed fetch resumes from it\n"
           "  --offline             answer from the cache only; fail if anything is missing\n"
           "  --refresh             fetch query pages again even when cached\n"
           "  --insecure            allow http:// and unverified TLS: a local emulator only\n"
           "  --batch N             presynaptic root ids per synapse query at first (default 100)\n"
           "  --retries N           retries of a failed request (default 6)\n"
           "  --backoff S           first retry pause in seconds, doubling, jittered (default 0.5)\n"
           "  --connect-timeout S   connection timeout (default 30)\n"
           "  --stall-timeout S     retry a response moving under 1 byte/s for S s (default 300)\n"
           "  --timeout S           limit of one request, 0 = none (default 0)\n"
           "  --max-response SIZE   largest response accepted, K/M/G suffixes (default 1G)\n"
           "  -h, --help            this help\n\n"
           "exit codes: 0 ok, 2 usage, 3 no such datastack, version or table, 4 I/O error,\n"
           "            6 network or server error (including 401/403 and --offline misses),\n"
           "            7 a response over --max-response or a query that cannot be split\n");
}

typedef struct {
    cave_fetch_opts f;
    const char *token_file, *cache;
} fetch_args;

enum { O_SERVER = 256, O_DATASTACK, O_CELLS, O_SYN, O_VERSION, O_TOKEN, O_CACHE, O_OFFLINE, O_REFRESH, O_INSECURE,
       O_BATCH, O_RETRIES, O_BACKOFF, O_CONNECT, O_STALL, O_TIMEOUT, O_MAXRESP };

/* Datastack and table names go into URL paths and cache directories. */
static int check_name(const char *opt, const char *s)
{
    size_t n = strlen(s);
    int ok = n > 0 && n <= 128 && s[0] != '.';
    for (size_t i = 0; ok && i < n; i++)
        ok = (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
             s[i] == '_' || s[i] == '-' || s[i] == '.';
    if (ok) return 0;
    cli_usage_error("fetch", "%s: '%s' is not a name of letters, digits and _.- (at most 128)", opt, s);
    return -1;
}

static int parse_seconds(const char *opt, const char *arg, double lo, double hi, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(arg, &end);
    if (errno || end == arg || *end || !(v >= lo && v <= hi)) {
        cli_usage_error("fetch", "%s: expected seconds in [%g, %g], got '%s'", opt, lo, hi, arg);
        return -1;
    }
    *out = v;
    return 0;
}

static int parse_option(int c, fetch_args *a)
{
    cave_http_opts *h = &a->f.client.http;
    long v;
    double s;
    uint64_t size;
    switch (c) {
    case O_SERVER: a->f.client.server = optarg; return 0;
    case O_DATASTACK: a->f.client.datastack = optarg; return check_name("--datastack", optarg);
    case O_CELLS: a->f.cells_table = optarg; return check_name("--cells", optarg);
    case O_SYN: a->f.synapses_table = optarg; return check_name("--synapses", optarg);
    case 'o': a->f.out_dir = optarg; return 0;
    case O_TOKEN: a->token_file = optarg; return 0;
    case O_CACHE: a->cache = optarg; return 0;
    case O_OFFLINE: a->f.client.offline = 1; return 0;
    case O_REFRESH: a->f.client.refresh = 1; return 0;
    case O_INSECURE: h->insecure = 1; return 0;
    case O_VERSION: if (cli_int("fetch", "--version", optarg, 1, 1000000000, &v)) return -1; a->f.version = v; return 0;
    case O_BATCH: if (cli_int("fetch", "--batch", optarg, 1, 100000, &v)) return -1; a->f.batch = (size_t)v; return 0;
    case O_RETRIES: if (cli_int("fetch", "--retries", optarg, 0, 100, &v)) return -1; h->max_retries = (int)v; return 0;
    case O_CONNECT: if (cli_int("fetch", "--connect-timeout", optarg, 1, 3600, &v)) return -1; h->connect_timeout_s = v; return 0;
    case O_STALL: if (cli_int("fetch", "--stall-timeout", optarg, 1, 86400, &v)) return -1; h->stall_timeout_s = v; return 0;
    case O_TIMEOUT: if (cli_int("fetch", "--timeout", optarg, 0, 86400, &v)) return -1; h->timeout_s = v; return 0;
    case O_BACKOFF: if (parse_seconds("--backoff", optarg, 0, 60, &s)) return -1; h->backoff_base_s = s; return 0;
    case O_MAXRESP:
        if (cli_size("fetch", "--max-response", optarg, 1, 1ull << 40, &size)) return -1;
        h->max_response = (size_t)size;
        return 0;
    default: return -2;
    }
}

static int parse_args(int argc, char **argv, fetch_args *a)
{
    static const struct option longopts[] = {
        {"server", required_argument, 0, O_SERVER}, {"datastack", required_argument, 0, O_DATASTACK},
        {"cells", required_argument, 0, O_CELLS}, {"synapses", required_argument, 0, O_SYN},
        {"version", required_argument, 0, O_VERSION}, {"output", required_argument, 0, 'o'},
        {"token-file", required_argument, 0, O_TOKEN}, {"cache", required_argument, 0, O_CACHE},
        {"offline", no_argument, 0, O_OFFLINE}, {"refresh", no_argument, 0, O_REFRESH},
        {"insecure", no_argument, 0, O_INSECURE}, {"batch", required_argument, 0, O_BATCH},
        {"retries", required_argument, 0, O_RETRIES}, {"backoff", required_argument, 0, O_BACKOFF},
        {"connect-timeout", required_argument, 0, O_CONNECT}, {"stall-timeout", required_argument, 0, O_STALL},
        {"timeout", required_argument, 0, O_TIMEOUT}, {"max-response", required_argument, 0, O_MAXRESP},
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    memset(a, 0, sizeof *a);
    cave_http_opts_default(&a->f.client.http);
    a->f.client.server = CAVE_GLOBAL_SERVER;
    a->f.client.datastack = "minnie65_public";
    a->f.cells_table = "allen_v1_column_types_slanted_ref";
    a->f.synapses_table = "synapses_pni_2";
    a->f.batch = 100;
    int c;
    while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
        if (c == 'h') { help(); return -1; }
        int r = parse_option(c, a);
        if (r == -1) return EXIT_USAGE;
        if (r == -2) return cli_usage_error("fetch", "unknown or incomplete option '%s'", argv[optind - 1]);
    }
    if (optind < argc) return cli_usage_error("fetch", "unexpected argument '%s'", argv[optind]);
    if (!a->f.out_dir) return cli_usage_error("fetch", "-o DIR is required");
    if (a->f.client.offline && a->f.client.refresh) return cli_usage_error("fetch", "--offline and --refresh exclude each other");
    return EXIT_OK;
}

/* The global server's host, for caveclient's <host>-cave-secret.json. */
static void server_host(const char *url, char *out, size_t cap)
{
    const char *p = strstr(url, "://");
    p = p ? p + 3 : url;
    size_t n = strcspn(p, ":/?#");
    snprintf(out, cap, "%.*s", (int)(n < cap ? n : cap - 1), p);
}

int cmd_fetch(int argc, char **argv)
{
    fetch_args a;
    int prc = parse_args(argc, argv, &a);
    if (prc) return prc < 0 ? EXIT_OK : prc;
    cave_token tok;
    char host[256], *cache = NULL;
    memset(&tok, 0, sizeof tok);
    int rc;
    server_host(a.f.client.server, host, sizeof host);
    CHECK(cave_token_load(a.token_file, host, &tok));
    if (connc_verbosity >= 2) log_info("token: %s", tok.token ? tok.source : "none (public access only)");
    a.f.client.http.token = tok.token;
    if (a.cache) a.f.client.cache_dir = a.cache;
    else {
        CHECK(cave_cache_default_dir(&cache));
        a.f.client.cache_dir = cache;
    }
    CHECK(cave_http_global_init());
    rc = cave_fetch_column(&a.f);
    cave_http_global_cleanup();
fail:
    free(cache);
    cave_token_free(&tok);
    return rc < 0 ? cli_fail("fetch", rc) : EXIT_OK;
}
