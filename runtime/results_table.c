/* results_table.c: results.md and results.csv (see results_table.h). */
#include "results_table.h"
#include "error.h"
#include "outfile.h"
#include "report.h"

#include <math.h>
#include <stdio.h>

/* ---- statistics ---- */

/* Mean and sample standard deviation of at(ctx, 0..n-1), in two passes
 * (the one-pass sum-of-squares formula cancels badly for 59.5, 60.0 ...). */
static results_stat stat_by(int n, double (*at)(const void *ctx, int i), const void *ctx)
{
    results_stat r = {0, 0};
    for (int i = 0; i < n; i++) r.mean += at(ctx, i);
    r.mean /= n;
    if (n < 2) return r;
    for (int i = 0; i < n; i++) r.sd += (at(ctx, i) - r.mean) * (at(ctx, i) - r.mean);
    r.sd = sqrt(r.sd / (n - 1));
    return r;
}

static double array_at(const void *ctx, int i) { return ((const double *)ctx)[i]; }

results_stat results_stat_of(const double *x, int n) { return stat_by(n, array_at, x); }

typedef double (*run_value)(const run_metrics *m);

static double test_acc(const run_metrics *m) { return 100 * m->test.accuracy; }
static double macro_f1(const run_metrics *m) { return m->test.macro_f1; }
static double test_loss(const run_metrics *m) { return m->test.loss; }
static double train_acc(const run_metrics *m) { return 100 * m->train.accuracy; }
static double params(const run_metrics *m) { return (double)m->parameters; }

typedef struct {
    const run_metrics *runs;
    run_value get;
} run_column;

static double run_at(const void *ctx, int i)
{
    const run_column *c = ctx;
    return c->get(&c->runs[i]);
}

static results_stat group_stat(const results_group *g, run_value get)
{
    run_column c = {g->runs, get};
    return stat_by(g->nruns, run_at, &c);
}

void results_summarize(const results_group *g, results_summary *out)
{
    out->test_acc = group_stat(g, test_acc);
    out->macro_f1 = group_stat(g, macro_f1);
    out->test_loss = group_stat(g, test_loss);
    out->train_acc = group_stat(g, train_acc);
    out->params = group_stat(g, params);
}

/* ---- Markdown ---- */

/* v >= 0 rounded to a whole number, with thousands separators: 1,234,567. */
static void thousands(char *buf, size_t cap, double v)
{
    char digits[32];
    int len = snprintf(digits, sizeof digits, "%.0f", v);
    size_t n = 0;
    for (int i = 0; i < len && n + 2 < cap; i++) {
        if (i && (len - i) % 3 == 0) buf[n++] = ',';
        buf[n++] = digits[i];
    }
    buf[n] = '\0';
}

/* A configuration name as a table cell: '|' would end the cell. */
static void md_name(FILE *f, const char *name)
{
    for (const char *c = name; *c; c++) {
        if (*c == '|') fputc('\\', f);
        fputc(*c, f);
    }
}

static void md_params(FILE *f, results_stat p)
{
    char mean[40], sd[40];
    thousands(mean, sizeof mean, p.mean);
    thousands(sd, sizeof sd, p.sd);
    if (p.sd > 0) fprintf(f, "%s ± %s", mean, sd);
    else fputs(mean, f);
}

static double best_test_acc(const results_group *groups, int n)
{
    double best = -INFINITY;
    for (int i = 0; i < n; i++) {
        results_summary s;
        results_summarize(&groups[i], &s);
        best = fmax(best, s.test_acc.mean);
    }
    return best;
}

static void write_markdown(FILE *f, const results_group *groups, int n)
{
    fputs("# Results\n\n"
          "Mean ± sample standard deviation over runs (seeds). Test: FER-2013 PrivateTest (accuracy, macro-F1, loss);\n"
          "train accuracy on the training split without augmentation; both with the weights of the best\n"
          "validation (PublicTest) epoch. Parameters are trainable weights, masked entries excluded.\n\n"
          "| Model | Test acc. (%) | Macro-F1 | Test loss | Train acc. (%) | Params | Runs |\n"
          "|:------|--------------:|---------:|----------:|---------------:|-------:|-----:|\n",
          f);
    /* the best configuration is bold, as in the paper; with one row there is no contest */
    double best = n > 1 ? best_test_acc(groups, n) : INFINITY;
    for (int i = 0; i < n; i++) {
        results_summary s;
        results_summarize(&groups[i], &s);
        const char *bold = s.test_acc.mean == best ? "**" : "";
        fputs("| ", f);
        md_name(f, groups[i].name);
        fprintf(f, " | %s%.2f ± %.2f%s | %.3f ± %.3f | %.3f ± %.3f | %.2f ± %.2f | ", bold, s.test_acc.mean,
                s.test_acc.sd, bold, s.macro_f1.mean, s.macro_f1.sd, s.test_loss.mean, s.test_loss.sd,
                s.train_acc.mean, s.train_acc.sd);
        md_params(f, s.params);
        fprintf(f, " | %d |\n", groups[i].nruns);
    }
}

/* ---- CSV ---- */

/* A field quoted as RFC 4180 asks when it holds a comma, quote or line break. */
static void csv_field(FILE *f, const char *text)
{
    int quote = 0;
    for (const char *c = text; *c; c++) quote |= *c == ',' || *c == '"' || *c == '\n' || *c == '\r';
    if (!quote) {
        fputs(text, f);
        return;
    }
    fputc('"', f);
    for (const char *c = text; *c; c++) {
        if (*c == '"') fputc('"', f);
        fputc(*c, f);
    }
    fputc('"', f);
}

static void write_csv(FILE *f, const results_group *groups, int n)
{
    int most = 0;
    for (int i = 0; i < n; i++) most = groups[i].nruns > most ? groups[i].nruns : most;
    fputs("model,n_runs,test_acc_mean,test_acc_std,macro_f1_mean,macro_f1_std,test_loss_mean,test_loss_std,"
          "train_acc_mean,train_acc_std,params_mean,params_std",
          f);
    for (int r = 0; r < most; r++) fprintf(f, ",test_acc_run%d", r + 1);
    fputc('\n', f);
    for (int i = 0; i < n; i++) {
        results_summary s;
        results_summarize(&groups[i], &s);
        csv_field(f, groups[i].name);
        fprintf(f, ",%d", groups[i].nruns);
        const results_stat *st[] = {&s.test_acc, &s.macro_f1, &s.test_loss, &s.train_acc, &s.params};
        for (size_t k = 0; k < sizeof st / sizeof st[0]; k++) fprintf(f, ",%.10g,%.10g", st[k]->mean, st[k]->sd);
        for (int r = 0; r < most; r++) {
            if (r < groups[i].nruns) fprintf(f, ",%.10g", test_acc(&groups[i].runs[r]));
            else fputc(',', f);
        }
        fputc('\n', f);
    }
}

/* ---- files ---- */

typedef void (*table_writer)(FILE *f, const results_group *groups, int n);

static int write_file(const char *dir, const char *name, table_writer w, const results_group *groups, int n)
{
    char path[REPORT_PATH_MAX];
    outfile o;
    TRY(report_path(path, sizeof path, dir, name));
    TRY(outfile_open(&o, path));
    w(o.f, groups, n);
    if (ferror(o.f)) {
        outfile_abort(&o);
        return err_set(CONNC_ERR_IO, "%s: write failed", path);
    }
    return outfile_commit(&o);
}

int results_write(const char *dir, const results_group *groups, int ngroups)
{
    if (ngroups < 1) return err_set(CONNC_ERR_USAGE, "%s: no configurations to tabulate", dir);
    for (int i = 0; i < ngroups; i++)
        if (groups[i].nruns < 1) return err_set(CONNC_ERR_USAGE, "configuration '%s' has no runs", groups[i].name);
    TRY(make_dirs(dir));
    TRY(write_file(dir, "results.md", write_markdown, groups, ngroups));
    return write_file(dir, "results.csv", write_csv, groups, ngroups);
}
