/* cave_fetch_write.c: the fetched column's tables and provenance (see cave_fetch.h, schemas/fetch.md). */
#define _POSIX_C_SOURCE 200809L
#include "cave_fetch.h"
#include "error.h"
#include "outfile.h"
#include "progress.h"
#include "sha256.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The layouts of the shipped column (connectomes/minnie65_v1_column_synth/README.md). */
#define CELLS_HEADER "id,valid,pt_root_id,cell_type,classification_system,pt_position_x,pt_position_y,pt_position_z\n"
#define SYN_HEADER "id,valid,pre_pt_root_id,post_pt_root_id,size,ctr_pt_position_x,ctr_pt_position_y,ctr_pt_position_z\n"

typedef struct {
    char sha256[65];
    size_t bytes, rows;
} file_sum;

static int write_file(const char *dir, const char *name, const cbuf *b, size_t rows, file_sum *sum)
{
    TRY(cbuf_ok(b));
    cbuf path = {0};
    cbuf_printf(&path, "%s/%s", dir, name);
    int rc = cbuf_ok(&path);
    outfile o;
    if (rc == CONNC_OK) rc = outfile_open(&o, path.p);
    if (rc == CONNC_OK) {
        rc = outfile_write(&o, b->p, b->len);
        if (rc == CONNC_OK) rc = outfile_commit(&o);
        else outfile_abort(&o);
    }
    cbuf_free(&path);
    if (rc < 0) return rc;
    sha256_ctx h;
    sha256_init(&h);
    sha256_update(&h, b->p, b->len);
    sha256_final_hex(&h, sum->sha256);
    sum->bytes = b->len;
    sum->rows = rows;
    return CONNC_OK;
}

static int write_cells(const char *dir, const fetch_data *d, file_sum *sum)
{
    cbuf b = {0};
    cbuf_puts(&b, CELLS_HEADER);
    for (size_t i = 0; i < d->ncells; i++) {
        cbuf_put(&b, d->text.p + d->cells[i].off, d->cells[i].len);
        cbuf_putc(&b, '\n');
    }
    int rc = write_file(dir, "cells.csv", &b, d->ncells, sum);
    cbuf_free(&b);
    return rc;
}

static int write_synapses(const char *dir, const fetch_data *d, file_sum *sum)
{
    cbuf b = {0};
    cbuf_puts(&b, SYN_HEADER);
    for (size_t i = 0; i < d->nsyn; i++) {
        const fetched_synapse *s = &d->syn[i];
        cbuf_u64(&b, s->id);
        cbuf_puts(&b, ",t,");
        cbuf_u64(&b, s->pre);
        cbuf_putc(&b, ',');
        cbuf_u64(&b, s->post);
        cbuf_putc(&b, ',');
        cbuf_put(&b, d->text.p + s->off, s->len);
        cbuf_putc(&b, '\n');
    }
    int rc = write_file(dir, "synapses.csv", &b, d->nsyn, sum);
    cbuf_free(&b);
    return rc;
}

static void iso_time(double epoch, char *out, size_t cap)
{
    time_t t = (time_t)epoch;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void add_u64(cJSON *o, const char *k, uint64_t v) { cJSON_AddNumberToObject(o, k, (double)v); }

/* voxel_resolution_x/_y/_z (server) or voxel_resolution [x, y, z] (caveclient). */
static cJSON *resolution(const cJSON *meta)
{
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(meta, "voxel_resolution");
    if (cJSON_IsArray(list)) return cJSON_Duplicate(list, 1);
    const char *k[3] = {"voxel_resolution_x", "voxel_resolution_y", "voxel_resolution_z"};
    double v[3];
    for (int i = 0; i < 3; i++) {
        const cJSON *x = cJSON_GetObjectItemCaseSensitive(meta, k[i]);
        if (!cJSON_IsNumber(x)) return cJSON_CreateNull();
        v[i] = x->valuedouble;
    }
    return cJSON_CreateDoubleArray(v, 3);
}

static cJSON *table_json(const char *name, const cJSON *meta)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "name", name);
    const char *keys[] = {"schema", "schema_type", "reference_table", "description", "created"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(meta, keys[i]);
        if (cJSON_IsString(v) && v->valuestring[0]) cJSON_AddStringToObject(o, keys[i], v->valuestring);
    }
    cJSON_AddItemToObject(o, "voxel_resolution", resolution(meta));
    return o;
}

static cJSON *queries_json(const cave_fetch_opts *o, const fetch_data *d)
{
    cJSON *q = cJSON_CreateObject(), *cells = cJSON_AddObjectToObject(q, "cells");
    cJSON_AddStringToObject(cells, "method", "POST");
    cJSON_AddStringToObject(cells, "endpoint", d->cells_path ? d->cells_path : "");
    cJSON_AddItemToObject(cells, "body", d->cells_body ? cJSON_Parse(d->cells_body) : cJSON_CreateNull());
    cJSON_AddStringToObject(cells, "applied_on_client", "pt_root_id not in [0] (the server ignores filter_notin_dict); "
                            "root ids on several rows dropped");
    cJSON_AddStringToObject(cells, "paging", "split by ranges of the table's id when truncated");
    add_u64(cells, "pages", d->st.cell_pages);
    add_u64(cells, "splits", d->st.cell_splits);
    cJSON *syn = cJSON_AddObjectToObject(q, "synapses");
    cJSON_AddStringToObject(syn, "method", "POST");
    cJSON_AddStringToObject(syn, "endpoint", d->syn_path ? d->syn_path : "");
    cJSON *in = cJSON_AddObjectToObject(cJSON_AddObjectToObject(syn, "filter_in_dict"), o->synapses_table);
    cJSON_AddStringToObject(in, "pre_pt_root_id", "batches of the pt_root_id values of cells.csv");
    cJSON_AddStringToObject(in, "post_pt_root_id", "the pt_root_id values of cells.csv");
    const char *cols[] = {"id", "pre_pt_root_id", "post_pt_root_id", "size", "ctr_pt_position"};
    cJSON_AddItemToObject(syn, "select_columns", cJSON_CreateStringArray(cols, 5));
    add_u64(syn, "root_ids", d->ncells);
    cJSON_AddStringToObject(syn, "root_ids_sha256", d->roots_sha256);
    cJSON_AddStringToObject(syn, "paging", "batches of presynaptic root ids, halved when truncated");
    add_u64(syn, "batch_first", d->st.batch_first);
    add_u64(syn, "batch_last", d->st.batch_last);
    add_u64(syn, "pages", d->st.syn_pages);
    add_u64(syn, "splits", d->st.syn_splits);
    if (d->st.row_cap) add_u64(q, "row_cap_seen", d->st.row_cap);
    return q;
}

static cJSON *rows_json(const fetch_data *d)
{
    cJSON *r = cJSON_CreateObject(), *c = cJSON_AddObjectToObject(r, "cells");
    add_u64(c, "server_count", d->st.cells_server_count);
    add_u64(c, "received", d->st.cells_received);
    add_u64(c, "repeated", d->st.cells_repeated);
    add_u64(c, "excluded_no_root", d->st.cells_excluded);
    add_u64(c, "multi_soma_rows", d->st.multi_soma_rows);
    add_u64(c, "multi_soma_root_ids", d->st.multi_soma_roots);
    add_u64(c, "written", d->ncells);
    cJSON *s = cJSON_AddObjectToObject(r, "synapses");
    add_u64(s, "server_count", d->st.syn_server_count);
    add_u64(s, "received", d->st.syn_received);
    add_u64(s, "repeated", d->st.syn_repeated);
    add_u64(s, "outside_filter", d->st.syn_outside);
    add_u64(s, "autapses", d->st.syn_autapses);
    add_u64(s, "written", d->nsyn);
    return r;
}

static cJSON *file_json(const file_sum *f)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "sha256", f->sha256);
    add_u64(o, "bytes", f->bytes);
    add_u64(o, "rows", f->rows);
    return o;
}

static char *provenance_text(const cave_fetch_opts *o, const cave_client *c, const cJSON *cm, const cJSON *sm,
                             const fetch_data *d, const file_sum *fc, const file_sum *fs)
{
    char t0[32], t1[32];
    iso_time(d->started, t0, sizeof t0);
    iso_time((double)time(NULL), t1, sizeof t1);
    cJSON *p = cJSON_CreateObject();
    cJSON_AddStringToObject(p, "schema", "connc-fetch/1");
    cJSON_AddStringToObject(p, "program", "connc fetch");
    cJSON_AddStringToObject(p, "connc_version", CONNC_VERSION_STRING);
    cJSON_AddStringToObject(p, "server", c->global);
    cJSON_AddStringToObject(p, "materialization_server", c->me);
    cJSON_AddStringToObject(p, "materialization_server_version", c->server_version);
    cJSON_AddStringToObject(p, "datastack", o->client.datastack);
    cJSON_AddNumberToObject(p, "version", (double)c->version);
    cJSON_AddBoolToObject(p, "version_pinned", c->version_pinned);
    cJSON_AddStringToObject(p, "version_timestamp", c->version_time);
    cJSON *t = cJSON_AddObjectToObject(p, "tables");
    cJSON_AddItemToObject(t, "cells", table_json(o->cells_table, cm));
    cJSON_AddItemToObject(t, "synapses", table_json(o->synapses_table, sm));
    cJSON_AddItemToObject(p, "query", queries_json(o, d));
    cJSON_AddItemToObject(p, "rows", rows_json(d));
    cJSON *f = cJSON_AddObjectToObject(p, "files");
    cJSON_AddItemToObject(f, "cells.csv", file_json(fc));
    cJSON_AddItemToObject(f, "synapses.csv", file_json(fs));
    cJSON *k = cJSON_AddObjectToObject(p, "cache");
    cJSON_AddStringToObject(k, "dir", c->cache.root);
    add_u64(k, "pages_fetched", c->pages_fetched);
    add_u64(k, "pages_from_cache", c->pages_cached);
    cJSON_AddBoolToObject(k, "offline", o->client.offline);
    cJSON_AddBoolToObject(k, "refresh", o->client.refresh);
    cJSON *h = cJSON_AddObjectToObject(p, "http");
    const cave_http_stats *hs = c->http ? cave_http_get_stats(c->http) : NULL;
    add_u64(h, "requests", hs ? hs->requests : 0);
    add_u64(h, "retries", hs ? hs->retries : 0);
    add_u64(h, "bytes_received", hs ? hs->bytes : 0);
    cJSON_AddBoolToObject(h, "token_sent", o->client.http.token != NULL && !o->client.offline);
    cJSON_AddStringToObject(p, "started", t0);
    cJSON_AddStringToObject(p, "finished", t1);
    cJSON_AddNumberToObject(p, "seconds", now_seconds() - d->t0);
    char *text = cJSON_Print(p);
    cJSON_Delete(p);
    return text;
}

int cave_fetch_write(const cave_fetch_opts *o, const cave_client *c, const cJSON *cells_meta, const cJSON *syn_meta,
                     fetch_data *d)
{
    file_sum fc, fs;
    TRY(make_dirs(o->out_dir));
    TRY(write_cells(o->out_dir, d, &fc));
    TRY(write_synapses(o->out_dir, d, &fs));
    char *text = provenance_text(o, c, cells_meta, syn_meta, d, &fc, &fs);
    if (!text) return err_set(CONNC_ERR_NOMEM, "out of memory for the provenance");
    cbuf b = {0};
    cbuf_puts(&b, text);
    cbuf_putc(&b, '\n');
    free(text);
    file_sum fp;
    int rc = write_file(o->out_dir, "provenance.json", &b, 0, &fp);
    cbuf_free(&b);
    TRY(rc);
    const cave_http_stats *hs = c->http ? cave_http_get_stats(c->http) : NULL;
    log_info("wrote %zu cells and %zu synapses of %s version %ld to %s in %.1f s (%llu pages fetched, %llu from the cache, "
             "%llu retries)", d->ncells, d->nsyn, o->client.datastack, c->version, o->out_dir, now_seconds() - d->t0,
             (unsigned long long)c->pages_fetched, (unsigned long long)c->pages_cached,
             (unsigned long long)(hs ? hs->retries : 0));
    return CONNC_OK;
}
