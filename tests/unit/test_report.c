/* test_report.c: metrics.json, the SVG writer and plots, the results table,
 * and metrics_finish on a matrix worked out by hand. */
#define _POSIX_C_SOURCE 200809L
#include "harness.h"
#include "connc.h"
#include "files.h"
#include "metrics.h"
#include "report.h"
#include "results_table.h"
#include "svg.h"

#include <cJSON.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    if (!d) return -1;
    for (struct dirent *e; (e = readdir(d));) n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    closedir(d);
    return n;
}

/* Adds count copies of (truth, predicted). */
static void add(split_metrics *s, int truth, int predicted, int count)
{
    for (int i = 0; i < count; i++) metrics_count(s, truth, predicted);
}

/* A run of nepochs with smooth, plausible curves (val accuracy rising to
 * about 0.59) and a diagonal-heavy confusion matrix on every split. */
static run_metrics *fake_run(int nepochs)
{
    run_metrics *m = calloc(1, sizeof *m);
    m->nepochs = nepochs;
    for (int i = 0; i < nepochs; i++) {
        double t = i + 1;
        m->epochs[i] = (epoch_record){.epoch = i + 1,
                                      .train_loss = 0.85 + 1.05 * exp(-t / 14) + 0.01 * sin(t),
                                      .val_loss = 1.12 + 0.7 * exp(-t / 9) + 0.02 * cos(t),
                                      .train_accuracy = 0.70 - 0.45 * exp(-t / 15),
                                      .val_accuracy = 0.59 - 0.31 * exp(-t / 8) + 0.01 * sin(3 * t),
                                      .lr = i < 40 ? 1e-3 : 5e-4,
                                      .seconds = 60 + i % 3};
    }
    m->best_epoch = nepochs > 0 ? (nepochs + 1) / 2 : 0;
    split_metrics *splits[] = {&m->test, &m->public_test, &m->test_all, &m->train};
    for (int k = 0; k < 4; k++) {
        for (int c = 0; c < METRICS_CLASSES; c++) {
            add(splits[k], c, c, 40 + 10 * c + k);
            add(splits[k], c, (c + 1) % METRICS_CLASSES, 5 + c);
            add(splits[k], c, (c + 3) % METRICS_CLASSES, 2);
        }
        metrics_finish(splits[k]);
        splits[k]->loss = 1.1 + 0.1 * k;
    }
    m->parameters = 1234567;
    m->seconds = 3600.5;
    return m;
}

/* ---- metrics.json ---- */

static double jnum(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

TEST(report_json_round_trip)
{
    run_metrics *m = fake_run(60), *back = calloc(1, sizeof *back);
    m->epochs[7].val_loss = NAN;    /* a diverged value is written as null */
    const char *dir = tmp_path("run_json");
    EXPECT_EQ_INT(report_write_json(dir, m, "{\"seed\": 7, \"data_sha256\": \"ab12\"}"), CONNC_OK);
    char path[512];
    snprintf(path, sizeof path, "%s/metrics.json", dir);
    char *text = slurp(path, NULL);
    cJSON *j = text ? cJSON_Parse(text) : NULL;
    EXPECT(j != NULL);
    EXPECT_NEAR(jnum(j, "test_accuracy"), m->test.accuracy, 1e-12);
    EXPECT_NEAR(jnum(j, "test_macro_f1"), m->test.macro_f1, 1e-12);
    EXPECT_NEAR(jnum(j, "test_loss"), 1.1, 1e-12);
    EXPECT_EQ_INT(jnum(j, "best_epoch"), 30);
    EXPECT_EQ_INT(jnum(j, "parameters"), 1234567);
    EXPECT_NEAR(jnum(j, "train_seconds"), 3600.5, 1e-9);
    EXPECT_EQ_INT(jnum(cJSON_GetObjectItem(j, "run"), "seed"), 7);
    const cJSON *epochs = cJSON_GetObjectItem(j, "epochs");
    EXPECT_EQ_INT(cJSON_GetArraySize(epochs), 60);
    EXPECT_EQ_INT(jnum(cJSON_GetArrayItem(epochs, 59), "epoch"), 60);
    EXPECT_NEAR(jnum(cJSON_GetArrayItem(epochs, 44), "lr"), 5e-4, 1e-15);
    EXPECT_NEAR(jnum(cJSON_GetArrayItem(epochs, 2), "val_accuracy"), m->epochs[2].val_accuracy, 1e-12);
    EXPECT(cJSON_IsNull(cJSON_GetObjectItem(cJSON_GetArrayItem(epochs, 7), "val_loss")));
    const cJSON *test = cJSON_GetObjectItem(j, "test");
    EXPECT(strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(test, "split")), "PrivateTest") == 0);
    EXPECT_EQ_INT(jnum(test, "n"), m->test.n);
    const cJSON *happy = cJSON_GetArrayItem(cJSON_GetObjectItem(test, "per_class"), 3);
    EXPECT(strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(happy, "class")), "Happy") == 0);
    EXPECT_EQ_INT(jnum(happy, "support"), 70 + 8 + 2);
    EXPECT_NEAR(jnum(happy, "recall"), 70.0 / 80, 1e-12);
    const cJSON *row = cJSON_GetArrayItem(cJSON_GetObjectItem(test, "confusion"), 3);
    EXPECT_EQ_INT(cJSON_GetArrayItem(row, 3)->valuedouble, 70);
    EXPECT_EQ_INT(cJSON_GetArrayItem(row, 4)->valuedouble, 8);
    EXPECT_EQ_INT(cJSON_GetArrayItem(row, 6)->valuedouble, 2);
    EXPECT_NEAR(jnum(cJSON_GetObjectItem(j, "train"), "loss"), 1.4, 1e-12);

    EXPECT_EQ_INT(report_read_json(path, back), CONNC_OK);
    EXPECT_EQ_INT(back->nepochs, 60);
    EXPECT_EQ_INT(back->best_epoch, 30);
    EXPECT_EQ_INT(back->parameters, 1234567);
    EXPECT(isnan(back->epochs[7].val_loss));
    EXPECT_NEAR(back->epochs[12].train_loss, m->epochs[12].train_loss, 1e-12);
    EXPECT(memcmp(back->test_all.confusion, m->test_all.confusion, sizeof m->test_all.confusion) == 0);
    EXPECT_EQ_INT(back->train.n, m->train.n);
    EXPECT_NEAR(back->public_test.macro_f1, m->public_test.macro_f1, 1e-12);
    EXPECT_NEAR(back->public_test.loss, 1.2, 1e-12);
    cJSON_Delete(j);
    free(text);
    free(m);
    free(back);
}

TEST(report_json_failure_leaves_no_file)
{
    run_metrics *m = fake_run(3);
    char path[512];
    /* the run description must be an object */
    const char *dir = tmp_path("run_badjson");
    EXPECT_ERR(report_write_json(dir, m, "[1, 2]"), CONNC_ERR_USAGE, "not a JSON object");
    snprintf(path, sizeof path, "%s/metrics.json", dir);
    EXPECT(!file_exists(path));
    /* the run directory cannot be created under a regular file */
    const char *file = tmp_file("plainfile", "x");
    snprintf(path, sizeof path, "%s/run", file);
    EXPECT_ERR(report_write_json(path, m, NULL), CONNC_ERR_IO, "cannot create directory");
    /* the final rename fails (a directory is in the way): the temporary file goes too */
    dir = tmp_path("run_blocked");
    snprintf(path, sizeof path, "%s/metrics.json/inner", dir);
    EXPECT_EQ_INT(make_dirs(path), CONNC_OK);
    EXPECT_ERR(report_write_json(dir, m, NULL), CONNC_ERR_IO, "rename failed");
    EXPECT_EQ_INT(count_entries(dir), 1);
    free(m);
}

TEST(report_read_rejects_damage)
{
    run_metrics *m = fake_run(2);
    const char *dir = tmp_path("run_damage");
    EXPECT_EQ_INT(report_write_json(dir, m, NULL), CONNC_OK);
    char path[512];
    snprintf(path, sizeof path, "%s/metrics.json", dir);
    char *text = slurp(path, NULL);
    cJSON *j = cJSON_Parse(text);
    cJSON_DeleteItemFromArray(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "test_all"), "confusion"), 6);
    char *bad = cJSON_Print(j);
    const char *p = tmp_file("damaged.json", bad);
    EXPECT_ERR(report_read_json(p, m), CONNC_ERR_FORMAT, "field 'test_all': expected a 7x7");
    EXPECT_ERR(report_read_json(tmp_file("notjson.json", "{\"epochs\": ["), m), CONNC_ERR_FORMAT,
               "not a JSON object");
    EXPECT_ERR(report_read_json(tmp_path("missing.json"), m), CONNC_ERR_IO, "cannot open");
    cJSON_free(bad);
    cJSON_Delete(j);
    free(text);
    free(m);
}

/* ---- SVG ---- */

/* Whether p starts one of XML's predefined entities. */
static int entity_ok(const char *p)
{
    static const char *const names[] = {"&lt;", "&gt;", "&amp;", "&quot;", "&apos;"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strncmp(p, names[i], strlen(names[i])) == 0) return 1;
    return 0;
}

/* Whether the attributes at *p (up to '>' or "/>") are name="value" pairs
 * without duplicates, raw '<' or stray '&'; leaves *p at the end of the tag. */
static int attributes_ok(const char **p)
{
    char seen[32][32];
    int nseen = 0;
    const char *s = *p;
    for (;;) {
        while (*s == ' ' || *s == '\n') s++;
        if (*s == '>' || (s[0] == '/' && s[1] == '>')) break;
        size_t n = strcspn(s, "= \t\n/>");
        if (n == 0 || n >= 32 || s[n] != '=' || s[n + 1] != '"' || nseen == 32) return 0;
        for (int i = 0; i < nseen; i++)
            if (strlen(seen[i]) == n && strncmp(seen[i], s, n) == 0) return 0;
        memcpy(seen[nseen], s, n);
        seen[nseen++][n] = '\0';
        for (s += n + 2; *s != '"'; s++)
            if (!*s || *s == '<' || (*s == '&' && !entity_ok(s))) return 0;
        s++;
    }
    *p = s;
    return 1;
}

/* A small well-formedness check: one <svg> root, balanced tags, quoted
 * unique attributes, no raw < or & in text. */
static int xml_ok(const char *doc)
{
    char stack[64][32];
    int depth = 0, roots = 0;
    const char *p = doc;
    if (strncmp(p, "<?xml", 5) == 0) p = strstr(p, "?>") + 2;
    while (*p) {
        if (*p == '&' && !entity_ok(p)) return 0;
        if (*p != '<') {
            p++;
            continue;
        }
        int closing = p[1] == '/';
        p += 1 + closing;
        size_t n = strcspn(p, " \t\n/>");
        if (n == 0 || n >= 32) return 0;
        if (closing) {
            if (depth == 0 || strlen(stack[depth - 1]) != n || strncmp(stack[depth - 1], p, n) != 0) return 0;
            depth--;
            p += n;
            if (*p++ != '>') return 0;
            continue;
        }
        if (depth == 0 && (roots++ || strncmp(p, "svg", n) != 0)) return 0;
        if (depth == 64) return 0;
        memcpy(stack[depth], p, n);
        stack[depth][n] = '\0';
        p += n;
        if (!attributes_ok(&p)) return 0;
        if (*p == '/') p++;
        else depth++;
        p++;
    }
    return depth == 0 && roots == 1;
}

static int svg_file_ok(const char *dir, const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    char *doc = slurp(path, NULL);
    int ok = doc && xml_ok(doc);
    if (!ok) fprintf(stderr, "    %s is not well-formed\n", path);
    free(doc);
    return ok;
}

TEST(svg_checker_catches_errors)
{
    EXPECT(xml_ok("<?xml version=\"1.0\"?>\n<svg a=\"1\"><g><text x=\"1\">a &amp; b</text></g><rect/></svg>\n"));
    EXPECT(!xml_ok("<svg><g></svg>"));
    EXPECT(!xml_ok("<svg><text>a < b</text></svg>"));
    EXPECT(!xml_ok("<svg><text>a & b</text></svg>"));
    EXPECT(!xml_ok("<svg><text a=\"1\" a=\"2\">x</text></svg>"));
    EXPECT(!xml_ok("<svg></svg><svg></svg>"));
}

TEST(svg_escapes_text)
{
    svg s;
    const char *path = tmp_path("escape.svg");
    EXPECT_EQ_INT(svg_open(&s, path, 100, 50), CONNC_OK);
    svg_text(&s, 10, 20, "fill=\"#000\"", "a<b & \"c\">d");
    svg_textf(&s, 10, 40, NULL, "%d%% <%s>", 5, "x");
    EXPECT_EQ_INT(svg_close(&s), CONNC_OK);
    char *doc = slurp(path, NULL);
    EXPECT(doc && strstr(doc, ">a&lt;b &amp; &quot;c&quot;&gt;d</text>"));
    EXPECT(doc && strstr(doc, ">5% &lt;x&gt;</text>"));
    EXPECT(doc && strstr(doc, "viewBox=\"0 0 100 50\""));
    EXPECT(doc && xml_ok(doc));
    free(doc);
}

TEST(svg_abort_leaves_no_file)
{
    svg s;
    const char *dir = tmp_path("svg_abort");
    char path[512];
    EXPECT_EQ_INT(make_dirs(dir), CONNC_OK);
    snprintf(path, sizeof path, "%s/x.svg", dir);
    EXPECT_EQ_INT(svg_open(&s, path, 10, 10), CONNC_OK);
    svg_line(&s, 0, 0, 1, 1, NULL);
    svg_abort(&s);
    EXPECT_EQ_INT(count_entries(dir), 0);
}

TEST(svg_ticks)
{
    svg_ticks t;
    double lo = 0.83, hi = 1.89;
    svg_linear_ticks(&lo, &hi, 6, SVG_TICKS_EXPAND, &t);
    EXPECT_NEAR(lo, 0.8, 1e-12);
    EXPECT_NEAR(hi, 2.0, 1e-12);
    EXPECT_EQ_INT(t.n, 7);
    EXPECT(strcmp(t.label[0], "0.8") == 0 && strcmp(t.label[6], "2.0") == 0);
    lo = 0, hi = 400;
    svg_linear_ticks(&lo, &hi, 8, SVG_TICKS_INTEGER, &t);
    EXPECT_EQ_INT(t.n, 9);
    EXPECT(strcmp(t.label[1], "50") == 0 && strcmp(t.label[8], "400") == 0);
    lo = 0, hi = 2;     /* one epoch: steps never below 1 */
    svg_linear_ticks(&lo, &hi, 8, SVG_TICKS_INTEGER, &t);
    EXPECT_EQ_INT(t.n, 3);
    lo = hi = 59.0;     /* an empty range is widened */
    svg_linear_ticks(&lo, &hi, 6, SVG_TICKS_EXPAND, &t);
    EXPECT(lo < 59 && hi > 59 && t.n >= 2);
    lo = 5e-4, hi = 1e-3;
    svg_log_ticks(&lo, &hi, 4, &t);
    EXPECT_NEAR(lo, 2e-4, 1e-15);
    EXPECT_NEAR(hi, 2e-3, 1e-15);
    EXPECT_EQ_INT(t.n, 4);
    EXPECT(strcmp(t.label[0], "2e-4") == 0 && strcmp(t.label[2], "1e-3") == 0);
    lo = 1e-6, hi = 1e-3;   /* too many 1-2-5 values: powers of ten only */
    svg_log_ticks(&lo, &hi, 4, &t);
    EXPECT_EQ_INT(t.n, 4);
    EXPECT(strcmp(t.label[0], "1e-6") == 0 && strcmp(t.label[3], "1e-3") == 0);
}

TEST(report_plots_well_formed)
{
    static const int sizes[] = {0, 1, 60, 400};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        run_metrics *m = fake_run(sizes[k]);
        if (sizes[k] > 10) m->epochs[5].val_loss = NAN;     /* a gap in the line */
        char dir[64];
        snprintf(dir, sizeof dir, "plots%d", sizes[k]);
        EXPECT_EQ_INT(report_write(tmp_path(dir), m, NULL), CONNC_OK);
        EXPECT(svg_file_ok(tmp_path(dir), "learning_curves.svg"));
        EXPECT(svg_file_ok(tmp_path(dir), "confusion.svg"));
        free(m);
    }
}

TEST(report_plots_xmllint)
{
    if (system("command -v xmllint >/dev/null 2>&1") != 0) {
        harness_skip("xmllint not installed (libxml2-utils)");
        return;
    }
    run_metrics *m = fake_run(60);
    const char *dir = tmp_path("plots_lint");
    EXPECT_EQ_INT(report_write_plots(dir, m), CONNC_OK);
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "xmllint --noout %s/learning_curves.svg %s/confusion.svg", dir, dir);
    EXPECT_EQ_INT(system(cmd), 0);
    free(m);
}

/* ---- results table ---- */

TEST(results_mean_sd)
{
    double x[] = {59.5, 60.0, 59.8};
    results_stat s = results_stat_of(x, 3);
    EXPECT_NEAR(s.mean, 59.7666667, 1e-6);
    EXPECT_NEAR(s.sd, 0.2516611, 1e-6);     /* sqrt(0.12666.../2) */
    s = results_stat_of(x, 1);
    EXPECT_NEAR(s.mean, 59.5, 1e-12);
    EXPECT_NEAR(s.sd, 0, 0);
}

static void set_run(run_metrics *m, double test_acc, double f1, double loss, double train_acc, long params)
{
    m->test.accuracy = test_acc;
    m->test.macro_f1 = f1;
    m->test.loss = loss;
    m->train.accuracy = train_acc;
    m->parameters = params;
}

TEST(results_tables_text)
{
    run_metrics *full = calloc(2, sizeof *full), *abl = calloc(1, sizeof *abl);
    set_run(&full[0], 0.60, 0.58, 1.10, 0.70, 1234567);
    set_run(&full[1], 0.58, 0.56, 1.20, 0.72, 1234567);
    set_run(abl, 0.55, 0.50, 1.30, 0.65, 1000);
    results_group g[] = {{"BioNIC (full)", full, 2}, {"no lateral, | attention", abl, 1}};
    const char *dir = tmp_path("results");
    EXPECT_EQ_INT(results_write(dir, g, 2), CONNC_OK);
    char path[512];
    snprintf(path, sizeof path, "%s/results.md", dir);
    char *md = slurp(path, NULL);
    EXPECT(md && strstr(md, "| Model | Test acc. (%) | Macro-F1 | Test loss | Train acc. (%) | Params | Runs |\n"
                            "|:------|--------------:|---------:|----------:|---------------:|-------:|-----:|\n"
                            "| BioNIC (full) | **59.00 ± 1.41** | 0.570 ± 0.014 | 1.150 ± 0.071 | 71.00 ± 1.41 | "
                            "1,234,567 | 2 |\n"
                            "| no lateral, \\| attention | 55.00 ± 0.00 | 0.500 ± 0.000 | 1.300 ± 0.000 | "
                            "65.00 ± 0.00 | 1,000 | 1 |\n"));
    snprintf(path, sizeof path, "%s/results.csv", dir);
    char *csv = slurp(path, NULL);
    EXPECT(csv && strcmp(csv, "model,n_runs,test_acc_mean,test_acc_std,macro_f1_mean,macro_f1_std,test_loss_mean,"
                              "test_loss_std,train_acc_mean,train_acc_std,params_mean,params_std,test_acc_run1,"
                              "test_acc_run2\n"
                              "BioNIC (full),2,59,1.414213562,0.57,0.01414213562,1.15,0.07071067812,71,"
                              "1.414213562,1234567,0,60,58\n"
                              "\"no lateral, | attention\",1,55,0,0.5,0,1.3,0,65,0,1000,0,55,\n") == 0);
    if (csv && !strstr(csv, "BioNIC (full),2,59,")) fprintf(stderr, "    csv:\n%s", csv);
    g[1].nruns = 0;
    EXPECT_ERR(results_write(dir, g, 2), CONNC_ERR_USAGE, "has no runs");
    free(md);
    free(csv);
    free(full);
    free(abl);
}

/* ---- metrics_finish ---- */

TEST(metrics_finish_by_hand)
{
    /* Three classes used, four never seen (their F1 is 0 and still counts
     * in the macro average, as sklearn's f1_score(average="macro") over 7 labels).
     *   true 0: 8 -> 0, 2 -> 1          class 0: P = 8/10, R = 8/10, F1 = 0.8
     *   true 1: 1 -> 0, 5 -> 1, 4 -> 2  class 1: P = 5/7,  R = 5/10, F1 = 10/17
     *   true 2: 1 -> 0, 9 -> 2          class 2: P = 9/13, R = 9/10, F1 = 18/23
     * accuracy 22/30, macro-F1 (0.8 + 10/17 + 18/23) / 7 = 0.31012... */
    split_metrics s;
    memset(&s, 0, sizeof s);
    static const int cells[][3] = {{0, 0, 8}, {0, 1, 2}, {1, 0, 1}, {1, 1, 5}, {1, 2, 4}, {2, 0, 1}, {2, 2, 9}};
    for (size_t i = 0; i < sizeof cells / sizeof cells[0]; i++) add(&s, cells[i][0], cells[i][1], cells[i][2]);
    metrics_finish(&s);
    EXPECT_EQ_INT(s.n, 30);
    EXPECT_NEAR(s.accuracy, 22.0 / 30, 1e-12);
    EXPECT_NEAR(s.precision[1], 5.0 / 7, 1e-12);
    EXPECT_NEAR(s.recall[1], 0.5, 1e-12);
    EXPECT_NEAR(s.f1[2], 18.0 / 23, 1e-12);
    EXPECT_NEAR(s.f1[4], 0, 0);
    EXPECT_NEAR(s.macro_f1, 0.3101213, 1e-6);
}
