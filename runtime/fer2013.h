/* fer2013.h: the FER-2013 data set, read from its Kaggle CSV or a binary cache.
 *
 * Input layout (../shared/data/README.md): a header line `emotion,pixels,Usage`,
 * then one row per image: emotion 0-6, 2304 space-separated grey levels 0-255
 * (48x48, row-major), and Usage Training / PublicTest / PrivateTest.  The file
 * may be plain or gzip-compressed.  Accepted leniencies: CRLF line ends (the
 * \r is dropped), a UTF-8 byte-order mark, double quotes around a field, runs
 * of spaces between pixels, blank lines.  Anything else that deviates is a
 * CONNC_ERR_FORMAT naming file, line and field.
 *
 * Parsing the full 301 MB CSV takes seconds; fer_load() therefore keeps a
 * validated binary cache (schemas/fer2013_cache.md) and reads that instead
 * whenever the source file is unchanged.
 */
#ifndef CONNC_FER2013_H
#define CONNC_FER2013_H

#include <stddef.h>
#include <stdint.h>

#define FER_SIDE 48
#define FER_PIXELS (FER_SIDE * FER_SIDE)
#define FER_CLASSES 7
#define FER_SPLITS 3
/* Refuses larger inputs (FER-2013 has 35,887 rows; this is 9.7 GB of pixels). */
#define FER_MAX_ROWS (1u << 22)
/* Pass as cache_dir to fer_load() to parse without reading or writing a cache. */
#define FER_CACHE_OFF ""
/* Room for any path fer_cache_path() writes. */
#define FER_CACHE_PATH_MAX 4200

enum { FER_TRAINING = 0, FER_PUBLIC_TEST = 1, FER_PRIVATE_TEST = 2 };

/* What the cache records about the source file it was built from: a cache is
 * used only while the source still has the same size, mtime and inode. */
typedef struct {
    uint64_t size;
    int64_t mtime_sec, mtime_nsec;
    uint64_t inode;
} fer_source;

typedef struct {
    size_t n;               /* rows (images) */
    uint8_t *pixels;        /* n * FER_PIXELS grey levels, image after image */
    uint8_t *label;         /* n emotions, 0-6 */
    uint8_t *split;         /* n splits, FER_TRAINING .. FER_PRIVATE_TEST */
    size_t count[FER_SPLITS];
    char source_sha256[65]; /* of the source file's bytes as stored (.gz or .csv) */
    fer_source source;
} fer_data;

/* Loads csv_path through its cache in cache_dir (NULL: the default directory,
 * see fer_cache_path; FER_CACHE_OFF: no cache).  A missing, stale or damaged
 * cache is rebuilt (damage is logged); failing to write it is only logged. */
int fer_load(const char *csv_path, const char *cache_dir, fer_data *out);
/* Parses the CSV (plain or gzip) without any cache. */
int fer_parse_csv(const char *path, fer_data *out);
/* Writes d atomically (temporary file, fsync, rename). */
int fer_cache_write(const fer_data *d, const char *path);
/* Reads and fully validates a cache: CONNC_ERR_NOTFOUND if there is none,
 * CONNC_ERR_CORRUPT / CONNC_ERR_VERSION if it cannot be trusted. */
int fer_cache_read(const char *path, fer_data *out);
/* The cache file of csv_path: <dir>/fer2013-<key>.cache, where dir is cache_dir
 * or else $XDG_CACHE_HOME/connc, else $HOME/.cache/connc, and key is the first
 * 16 hex digits of the SHA-256 of the source's real path.  CONNC_ERR_NOTFOUND
 * when caching is off (FER_CACHE_OFF, or no directory can be named). */
int fer_cache_path(const char *csv_path, const char *cache_dir, char *buf, size_t cap);
void fer_free(fer_data *d);

const char *fer_class_name(int label);  /* "Angry" ... "Neutral" */
const char *fer_split_name(int split);  /* "Training", "PublicTest", "PrivateTest" */

#endif
