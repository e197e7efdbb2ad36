/* cave_query.c: query request bodies and paths (PROTOCOL.md §5.1, §5.2), and
 * the client-side test of exclusion filters (see cave_client.h). */
#define _POSIX_C_SOURCE 200809L
#include "cave_client.h"
#include "parse.h"

#include <string.h>

/* caveclient's query parameters with return_pyarrow=false: a JSON body (§5.1) */
#define QUERY_PARAMS "return_pyarrow=false&arrow_format=false&split_positions=true&direct_sql_pandas=true"

static const struct {
    cave_filter_op op;
    const char *key;
    int list;
} OPS[] = {
    {CAVE_IN, "filter_in_dict", 1},
    {CAVE_OUT, "filter_notin_dict", 1},
    {CAVE_EQUAL, "filter_equal_dict", 0},
    {CAVE_GE, "filter_greater_equal_dict", 0},
    {CAVE_LT, "filter_less_dict", 0},
};

static void put_values(cbuf *b, const cave_filter *f, int list)
{
    size_t n = list ? f->n : (f->n ? 1 : 0);
    if (list) cbuf_putc(b, '[');
    for (size_t i = 0; i < n; i++) {
        if (i) cbuf_puts(b, ", ");
        if (f->ids) cbuf_u64(b, f->ids[i]); /* exact decimal text, never a double (§8) */
        else cbuf_json_str(b, f->texts[i]);
    }
    if (list) cbuf_putc(b, ']');
    else if (!n) cbuf_puts(b, "null");
}

static int same_table(const cave_filter *a, const cave_filter *b) { return strcmp(a->table, b->table) == 0; }

/* "key": {table: {column: values, ...}, ...}: filters keyed by table first (§5.1). */
static void put_filter_dict(cbuf *b, const cave_query *q, size_t k, int *first)
{
    int opened = 0;
    for (size_t i = 0; i < q->nfilters; i++) {
        const cave_filter *f = &q->filters[i];
        if (f->op != OPS[k].op) continue;
        int seen = 0;
        for (size_t j = 0; j < i && !seen; j++) seen = q->filters[j].op == f->op && same_table(&q->filters[j], f);
        if (seen) continue;
        if (!opened) {
            cbuf_printf(b, "%s\"%s\": {", *first ? "" : ", ", OPS[k].key);
            *first = 0;
        } else {
            cbuf_puts(b, ", ");
        }
        opened = 1;
        cbuf_json_str(b, f->table);
        cbuf_puts(b, ": {");
        int col_first = 1;
        for (size_t j = i; j < q->nfilters; j++) {
            const cave_filter *g = &q->filters[j];
            if (g->op != f->op || !same_table(g, f)) continue;
            if (!col_first) cbuf_puts(b, ", ");
            col_first = 0;
            cbuf_json_str(b, g->column);
            cbuf_puts(b, ": ");
            put_values(b, g, OPS[k].list);
        }
        cbuf_putc(b, '}');
    }
    if (opened) cbuf_putc(b, '}');
}

static void put_names(cbuf *b, const char *const *names, size_t n)
{
    cbuf_putc(b, '[');
    for (size_t i = 0; i < n; i++) {
        if (i) cbuf_puts(b, ", ");
        cbuf_json_str(b, names[i]);
    }
    cbuf_putc(b, ']');
}

int cave_query_body(const cave_query *q, cbuf *b)
{
    int first = 1;
    cbuf_putc(b, '{');
    if (q->join_table) { /* §5.2 */
        cbuf_puts(b, "\"tables\": [[");
        cbuf_json_str(b, q->table);
        cbuf_puts(b, ", ");
        cbuf_json_str(b, q->join_column);
        cbuf_puts(b, "], [");
        cbuf_json_str(b, q->join_table);
        cbuf_puts(b, ", ");
        cbuf_json_str(b, q->join_ref_column);
        cbuf_puts(b, "]], \"suffix_map\": {");
        cbuf_json_str(b, q->table);
        cbuf_puts(b, ": \"\", ");
        cbuf_json_str(b, q->join_table);
        cbuf_puts(b, ": \"_ref\"}");
        first = 0;
    }
    for (size_t k = 0; k < sizeof OPS / sizeof OPS[0]; k++) put_filter_dict(b, q, k, &first);
    if (q->join_table && (q->columns || q->join_columns)) {
        cbuf_printf(b, "%s\"select_column_map\": {", first ? "" : ", ");
        first = 0;
        int sep = 0;
        if (q->columns) {
            cbuf_json_str(b, q->table);
            cbuf_puts(b, ": ");
            put_names(b, q->columns, q->ncolumns);
            sep = 1;
        }
        if (q->join_columns) {
            if (sep) cbuf_puts(b, ", ");
            cbuf_json_str(b, q->join_table);
            cbuf_puts(b, ": ");
            put_names(b, q->join_columns, q->njoin_columns);
        }
        cbuf_putc(b, '}');
    } else if (!q->join_table && q->columns) {
        cbuf_printf(b, "%s\"select_columns\": ", first ? "" : ", ");
        first = 0;
        put_names(b, q->columns, q->ncolumns);
    }
    cbuf_putc(b, '}');
    return cbuf_ok(b);
}

int cave_query_path(const char *datastack, long version, const cave_query *q, cbuf *b)
{
    cbuf_printf(b, "/materialize/api/v3/datastack/%s/version/%ld", datastack, version);
    if (q->join_table) cbuf_puts(b, "/query?");
    else cbuf_printf(b, "/table/%s/query?", q->table);
    cbuf_puts(b, QUERY_PARAMS);
    if (q->count) cbuf_puts(b, "&count=true");
    return cbuf_ok(b);
}

int cave_filter_matches(const cave_filter *f, const char *text, size_t n)
{
    if (!text) return 0;
    uint64_t v = 0;
    if (f->ids && parse_u64((strview){text, n}, &v) != 0) return 0;
    for (size_t i = 0; i < f->n; i++) {
        if (f->ids) {
            if (f->ids[i] == v) return 1;
        } else if (strlen(f->texts[i]) == n && memcmp(f->texts[i], text, n) == 0) {
            return 1;
        }
    }
    return 0;
}
