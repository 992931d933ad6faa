/*
 * Benchmark A (and D): voucherlink through its C ABI, against the simulator's e-guma.
 *   abi_bench seq <eguma_url> <n>          n x vl_balance, n x (vl_redeem + vl_cancel_redemption)
 *   abi_bench threads <eguma_url> <n> <t>  t threads sharing one client, n vl_balance calls in all
 *   abi_bench client_new <eguma_url> <n>   n x (vl_client_new + vl_client_free)
 *   abi_bench rss <eguma_url> <n1> <n2>    RSS after n1 and after n2 calls (every 10th: a redeem + cancel)
 *   abi_bench balance|pairs <eguma_url> <n> n x vl_balance, or n x (vl_redeem + vl_cancel_redemption), no
 *                                          timing: for counting instructions under callgrind
 * With BENCH_JOURNAL=/absolute/path the client journals to that file (fsync before and after each
 * money-moving request) instead of in memory.
 * Prints one JSON object. Latencies in microseconds.
 */
#define _POSIX_C_SOURCE 200809L
#include "voucherlink.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_us(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void stats(const char *name, double *lat, long n, double seconds, int last) {
    qsort(lat, (size_t)n, sizeof *lat, cmp);
    printf("\"%s\":{\"n\":%ld,\"seconds\":%.4f,\"per_s\":%.1f,\"p50_us\":%.1f,\"p99_us\":%.1f}%s", name, n, seconds, n / seconds,
           lat[n / 2], lat[(long)(n * 0.99)], last ? "" : ",");
}

static char config[1024];

static VlClient *open_client(void) {
    VlClient *c = NULL;
    char *doc = NULL;
    if (vl_client_new(config, &c, &doc) != VL_OK) {
        fprintf(stderr, "vl_client_new: %s\n", doc);
        exit(1);
    }
    vl_string_free(doc);
    return c;
}

static void must(VlStatus st, char *doc, const char *what) {
    if (st != VL_OK) {
        fprintf(stderr, "%s failed: %s\n", what, doc ? doc : "");
        exit(1);
    }
}

/* Copies "transaction_id":"..." out of a redemption document. */
static void token_of(const char *doc, char *out, size_t size) {
    const char *p = strstr(doc, "\"transaction_id\":\"");
    size_t n = 0;
    out[0] = '\0';
    if (!p) return;
    p += 18;
    while (p[n] && p[n] != '"' && n + 1 < size) { out[n] = p[n]; n++; }
    out[n] = '\0';
}

static void redeem_cancel(VlClient *c) {
    char *doc = NULL, token[96], request[256];
    VlStatus st = vl_redeem(c, "{\"code\":\"2QH3QTDM28N6\",\"amount\":\"1.00\"}", &doc);
    must(st, doc, "vl_redeem");
    token_of(doc, token, sizeof token);
    vl_string_free(doc);
    snprintf(request, sizeof request, "{\"code\":\"2QH3QTDM28N6\",\"transaction_id\":\"%s\",\"amount\":\"1.00\"}", token);
    st = vl_cancel_redemption(c, request, &doc);
    must(st, doc, "vl_cancel_redemption");
    vl_string_free(doc);
}

static void balance(VlClient *c) {
    char *doc = NULL;
    VlStatus st = vl_balance(c, "{\"code\":\"L4FU5LQTKJR3\"}", &doc);
    must(st, doc, "vl_balance");
    vl_string_free(doc);
}

static long rss_kb(void) {
    char line[256];
    long kb = -1;
    FILE *f = fopen("/proc/self/status", "r");
    if (!f) return -1;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "VmRSS:", 6) == 0) kb = atol(line + 6);
    fclose(f);
    return kb;
}

struct worker { VlClient *client; long n; double *lat; };

static void *work(void *arg) {
    struct worker *w = arg;
    long i;
    for (i = 0; i < w->n; i++) {
        double t = now_us();
        balance(w->client);
        w->lat[i] = now_us() - t;
    }
    return NULL;
}

int main(int argc, char **argv) {
    long n, i;
    double t0;
    if (argc < 4) return 2;
    if (getenv("BENCH_JOURNAL")) /* a journal on disk: every money-moving call is fsync'ed twice */
        snprintf(config, sizeof config,
                 "{\"provider\":\"eguma\",\"api_key\":\"demo-outlet-1\",\"base_url\":\"%s\",\"journal_path\":\"%s\"}",
                 argv[2], getenv("BENCH_JOURNAL"));
    else
        snprintf(config, sizeof config, "{\"provider\":\"eguma\",\"api_key\":\"demo-outlet-1\",\"base_url\":\"%s\"}", argv[2]);
    n = atol(argv[3]);
    printf("{");
    if (strcmp(argv[1], "seq") == 0) {
        VlClient *c = open_client();
        double *lat = malloc(sizeof(double) * (size_t)n);
        for (i = 0; i < 20; i++) balance(c); /* warm up: connection, TLS-free loopback */
        t0 = now_us();
        for (i = 0; i < n; i++) { double t = now_us(); balance(c); lat[i] = now_us() - t; }
        stats("balance", lat, n, (now_us() - t0) / 1e6, 0);
        t0 = now_us();
        for (i = 0; i < n; i++) { double t = now_us(); redeem_cancel(c); lat[i] = now_us() - t; }
        stats("redeem_cancel", lat, n, (now_us() - t0) / 1e6, 1);
        vl_client_free(c);
    } else if (strcmp(argv[1], "balance") == 0 || strcmp(argv[1], "pairs") == 0) {
        VlClient *c = open_client();
        int pairs = strcmp(argv[1], "pairs") == 0;
        for (i = 0; i < n; i++) {
            if (pairs) redeem_cancel(c); else balance(c);
        }
        printf("\"calls\":%ld", n);
        vl_client_free(c);
    } else if (strcmp(argv[1], "threads") == 0) {
        int t, threads = atoi(argv[4]);
        VlClient *c = open_client();
        struct worker *w = calloc((size_t)threads, sizeof *w);
        pthread_t *ids = calloc((size_t)threads, sizeof *ids);
        double *all = malloc(sizeof(double) * (size_t)n);
        long k = 0;
        for (i = 0; i < 20; i++) balance(c);
        for (t = 0; t < threads; t++) { w[t].client = c; w[t].n = n / threads; w[t].lat = malloc(sizeof(double) * (size_t)w[t].n); }
        t0 = now_us();
        for (t = 0; t < threads; t++) pthread_create(&ids[t], NULL, work, &w[t]);
        for (t = 0; t < threads; t++) pthread_join(ids[t], NULL);
        for (t = 0; t < threads; t++) for (i = 0; i < w[t].n; i++) all[k++] = w[t].lat[i];
        stats("balance_threads", all, k, (now_us() - t0) / 1e6, 1);
        vl_client_free(c);
    } else if (strcmp(argv[1], "client_new") == 0) {
        double *lat = malloc(sizeof(double) * (size_t)n);
        for (i = 0; i < n; i++) {
            double t = now_us();
            VlClient *c = open_client();
            lat[i] = now_us() - t;
            vl_client_free(c);
        }
        qsort(lat, (size_t)n, sizeof *lat, cmp);
        printf("\"client_new\":{\"n\":%ld,\"p50_us\":%.1f,\"p99_us\":%.1f,\"max_us\":%.1f}", n, lat[n / 2], lat[(long)(n * 0.99)], lat[n - 1]);
    } else if (strcmp(argv[1], "rss") == 0) {
        long n2 = atol(argv[4]), calls = 0;
        VlClient *c = open_client();
        long first = -1;
        for (i = 0; calls < n2; i++) {
            if (i % 10 == 9) { redeem_cancel(c); calls += 2; } else { balance(c); calls += 1; }
            if (first < 0 && calls >= n) first = rss_kb();
        }
        printf("\"rss\":{\"calls_1\":%ld,\"kb_1\":%ld,\"calls_2\":%ld,\"kb_2\":%ld}", n, first, calls, rss_kb());
        vl_client_free(c);
    }
    printf("}\n");
    return 0;
}
