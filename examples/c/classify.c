/* classify.c: classifies faces with a network `connc train` trained.  Reads
 * the first N images (default: all) of a FER-2013 CSV, the file the network
 * was trained on (plain text: a header line, then emotion,pixels,Usage rows
 * of 2304 space-separated grey levels), and prints for each its row, the
 * label the file gives, the predicted class and its probability.
 *
 *     cc classify.c $(pkg-config --cflags --libs connc) -o classify
 *     ./classify RUNDIR fer2013.csv 10
 */
#include <connc.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A FER-2013 row is at most 2304 * 4 characters of pixels plus the rest. */
#define LINE_MAX_CHARS 10000

/* Parses "emotion,p0 p1 ... p2303,Usage" into *label and px; 0 or -1. */
static int parse_row(const char *line, int *label, uint8_t *px)
{
    char *end;
    long v = strtol(line, &end, 10);
    if (end == line || *end != ',' || v < 0 || v > 6) return -1;
    *label = (int)v;
    const char *at = end + 1;
    for (int i = 0; i < CONNC_IMAGE_PIXELS; i++, at = end) {
        v = strtol(at, &end, 10);
        if (end == at || v < 0 || v > 255) return -1;
        px[i] = (uint8_t)v;
    }
    return *end == ',' ? 0 : -1;
}

/* Room for n more images; 0, or -1 out of memory. */
static int grow(long n, long *cap, uint8_t **pixels, int **labels)
{
    if (n < *cap) return 0;
    *cap = *cap ? 2 * *cap : 256;
    uint8_t *p = realloc(*pixels, (size_t)*cap * CONNC_IMAGE_PIXELS);
    if (p) *pixels = p;
    int *l = p ? realloc(*labels, (size_t)*cap * sizeof *l) : NULL;
    if (l) *labels = l;
    return l ? 0 : -1;
}

/* Reads up to max images and their labels from the CSV at path; the number
 * read, or -1 after printing why not. */
static long read_images(const char *path, long max, uint8_t **pixels, int **labels)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        perror(path);
        return -1;
    }
    static char line[LINE_MAX_CHARS];
    long n = 0, cap = 0;
    const char *bad = fgets(line, sizeof line, f) ? NULL : "no header line"; /* emotion,pixels,Usage */
    while (!bad && n < max && fgets(line, sizeof line, f)) {
        if (grow(n, &cap, pixels, labels) < 0) bad = "out of memory";
        else if (parse_row(line, *labels + n, *pixels + (size_t)n * CONNC_IMAGE_PIXELS) < 0) bad = "not emotion,pixels,Usage";
        else n++;
    }
    fclose(f);
    if (!bad) return n;
    fprintf(stderr, "%s: row %ld: %s\n", path, n + 1, bad);
    return -1;
}

static void print_predictions(const connc_model *m, const int *labels, const float *probs, long n)
{
    int C = connc_model_classes(m);
    printf("%-6s %-9s %-9s %s\n", "row", "label", "predicted", "p");
    for (long i = 0; i < n; i++) {
        const float *p = probs + (size_t)i * C;
        int best = 0;
        for (int c = 1; c < C; c++)
            if (p[c] > p[best]) best = c;
        printf("%-6ld %-9s %-9s %.6f\n", i + 1, connc_model_class_name(m, labels[i]), connc_model_class_name(m, best),
               (double)p[best]);
    }
}

/* Classifies the n images with the run's network and prints the result; 0 or 1. */
static int classify(const char *run_dir, const uint8_t *pixels, const int *labels, long n)
{
    connc_model *m;
    if (connc_model_open(run_dir, 1, &m) != CONNC_OK) {
        fprintf(stderr, "%s\n", connc_errmsg());
        return 1;
    }
    float *probs = malloc((size_t)(n ? n : 1) * (size_t)connc_model_classes(m) * sizeof *probs);
    int rc = !probs || connc_model_predict(m, pixels, (size_t)n, probs) != CONNC_OK;
    if (rc) fprintf(stderr, "%s\n", probs ? connc_errmsg() : "out of memory");
    else print_predictions(m, labels, probs, n);
    free(probs);
    connc_model_close(m);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 3 || argc > 4) {
        fprintf(stderr, "usage: %s RUNDIR FER2013.csv [N]\n", argv[0]);
        return 2;
    }
    uint8_t *pixels = NULL;
    int *labels = NULL;
    long n = read_images(argv[2], argc == 4 ? atol(argv[3]) : 1L << 30, &pixels, &labels);
    int rc = n < 0 ? 1 : classify(argv[1], pixels, labels, n);
    free(labels);
    free(pixels);
    return rc;
}
