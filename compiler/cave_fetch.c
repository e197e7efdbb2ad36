/* cave_fetch.c: the whole-column recipe, its driver and page helpers (see cave_fetch.h). */
#define _POSIX_C_SOURCE 200809L
#include "cave_fetch.h"
#include "error.h"
#include "progress.h"
#include "sha256.h"
#include "table.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ------------------------------------------------------------ page helpers */

static int page_error(const char *path, uint64_t rec, const char *col, strview v)
{
    char shown[48];
    return err_set(CONNC_ERR_NETWORK, "%s: record %llu: field '%s' is not an unsigned integer: '%s'", path,
                   (unsigned long long)rec, col, sv_show(v, shown, sizeof shown));
}

int fetch_field_u64(table *t, const strview *f, int col, uint64_t *out)
{
    if (sv_is_missing(f[col])) { *out = 0; return CONNC_OK; }
    if (parse_u64(f[col], out) == 0) return CONNC_OK;
    return page_error(table_path(t), table_where(t), table_colname(t, (size_t)col), f[col]);
}

void fetch_put_field(cbuf *b, const strview *f, int col)
{
    if (col >= 0 && f[col].p) cbuf_csv_field(b, f[col].p, f[col].n);
}

int fetch_need_col(table *t, const char *name, int *out)
{
    if ((*out = table_col(t, name)) >= 0) return CONNC_OK;
    return err_set(CONNC_ERR_NETWORK, "%s: the answer has no column '%s'", table_path(t), name);
}

/* The single count of a count=true answer (§5.1). */
int fetch_read_count(const char *path, uint64_t *out)
{
    table *t = NULL;
    const strview *f;
    int col = -1, rc;
    CHECK(table_open(path, &t));
    CHECK(fetch_need_col(t, "count", &col));
    rc = table_next(t, &f);
    if (rc == 1) rc = fetch_field_u64(t, f, col, out);
    else if (rc == 0) rc = err_set(CONNC_ERR_NETWORK, "%s: an empty count answer", path);
fail:
    table_close(t);
    return rc;
}

/* ------------------------------------------------------------ driver */

static int metadata(fetch_ctx *x, cJSON **cells_meta, cJSON **syn_meta)
{
    const char *tables[3] = {x->o->cells_table, x->o->synapses_table, NULL};
    TRY(cave_client_check_tables(x->c, tables, 2));
    TRY(cave_client_table_metadata(x->c, x->o->cells_table, cells_meta));
    TRY(cave_client_table_metadata(x->c, x->o->synapses_table, syn_meta));
    const cJSON *ref = cJSON_GetObjectItemCaseSensitive(*cells_meta, "reference_table");
    if (cJSON_IsString(ref) && ref->valuestring[0]) x->ref_table = ref->valuestring; /* §4.3, §5.4 */
    return CONNC_OK;
}

static void free_data(fetch_data *d)
{
    free(d->cells);
    free(d->syn);
    cbuf_free(&d->text);
    free(d->cells_body);
    free(d->cells_path);
    free(d->syn_path);
    memset(d, 0, sizeof *d);
}

int cave_fetch_column(const cave_fetch_opts *o)
{
    cave_client c;
    fetch_data d;
    fetch_ctx x;
    cJSON *cells_meta = NULL, *syn_meta = NULL;
    memset(&d, 0, sizeof d);
    memset(&x, 0, sizeof x);
    d.started = (double)time(NULL);
    d.t0 = now_seconds();
    x.o = o;
    x.c = &c;
    x.d = &d;
    int rc = cave_client_open(&c, &o->client);
    if (rc < 0) return rc;
    CHECK(cave_client_resolve(&c));
    CHECK(cave_client_pick_version(&c, o->version));
    log_info("%s version %ld (%s%s%s) from %s%s", o->client.datastack, c.version, c.version_pinned ? "pinned" : "newest",
             c.version_time[0] ? ", " : "", c.version_time, c.me, o->client.offline ? " (offline: from the cache)" : "");
    CHECK(metadata(&x, &cells_meta, &syn_meta));
    CHECK(fetch_cells(&x));
    CHECK(fetch_synapses(&x));
    CHECK(cave_fetch_write(o, &c, cells_meta, syn_meta, &d));
fail:
    free(x.roots);
    cJSON_Delete(cells_meta);
    cJSON_Delete(syn_meta);
    free_data(&d);
    cave_client_close(&c);
    return rc;
}
