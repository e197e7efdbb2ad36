/* list_arrays.c: the smallest program on libconnc.  Opens a file connc wrote
 * (an IR .cir, a network description .cnet or a checkpoint), validates it,
 * and lists its arrays with their types and shapes.
 *
 *     cc list_arrays.c $(pkg-config --cflags --libs connc) -o list_arrays
 *     ./list_arrays column.cir
 */
#include <connc.h>

#include <stdio.h>

static const char *dtype_name(connc_dtype t)
{
    switch (t) {
    case CONNC_U8: return "u8";
    case CONNC_I32: return "i32";
    case CONNC_U32: return "u32";
    case CONNC_I64: return "i64";
    case CONNC_U64: return "u64";
    case CONNC_F32: return "f32";
    case CONNC_F64: return "f64";
    }
    return "?";
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s FILE.cir|FILE.cnet\n", argv[0]);
        return 2;
    }
    connc_file *f;
    if (connc_file_open(argv[1], &f) != CONNC_OK) {
        fprintf(stderr, "%s\n", connc_errmsg());
        return 1;
    }
    printf("%s: %s, %zu arrays\n", argv[1], connc_file_kind(f), connc_file_array_count(f));
    for (size_t i = 0; i < connc_file_array_count(f); i++) {
        connc_array a;
        if (connc_file_array_at(f, i, &a) != CONNC_OK) continue;
        printf("  %-24s %-3s", a.name, dtype_name(a.dtype));
        for (uint32_t d = 0; d < a.ndim; d++) printf("%s%llu", d ? " x " : " ", (unsigned long long)a.shape[d]);
        printf("\n");
    }
    connc_file_close(f);
    return 0;
}
