/*
 * A till process for the storage-fault tests (tests/journal_faults.rs): it redeems 2QH3QTDM28N6
 * with its journal under a file-size limit (RLIMIT_FSIZE), as a full disk would be, and prints
 * "redeem <reference> <status>" for each call.
 *   journal_child CONFIG JOURNAL_PATH append|settle
 * append: R1 (done); limit at the journal's size + 40 bytes, so the next line is cut: R2 (refused);
 *         no limit: R3 (the parent delays it at the provider and kills this process meanwhile).
 * settle: the limit is set the moment R1 is journaled, so its settle write fails (R1 done all the
 *         same); R2 under the limit (refused); no limit: R3 (done).
 */
#include "voucherlink.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>

static const char *journal;
static int limit_when_journaled;

static void set_limit(rlim_t bytes) {
    struct rlimit r;
    getrlimit(RLIMIT_FSIZE, &r);
    r.rlim_cur = bytes;
    setrlimit(RLIMIT_FSIZE, &r);
}

static rlim_t journal_size(void) {
    struct stat st;
    return stat(journal, &st) == 0 ? (rlim_t)st.st_size : 0;
}

static void VL_CALL on_log(VlLogLevel level, const char *line, void *user_data) {
    (void)level;
    (void)user_data;
    if (limit_when_journaled && strstr(line, "before sending")) {
        set_limit(journal_size());
        limit_when_journaled = 0;
    }
}

static VlStatus redeem(VlClient *client, const char *reference) {
    char request[160];
    char *doc = NULL;
    VlStatus st;
    snprintf(request, sizeof request, "{\"code\":\"2QH3QTDM28N6\",\"amount\":\"1.00\",\"reference\":\"%s\"}", reference);
    st = vl_redeem(client, request, &doc);
    printf("redeem %s %u %s\n", reference, (unsigned)st, doc ? doc : "");
    fflush(stdout);
    vl_string_free(doc);
    return st;
}

int main(int argc, char **argv) {
    VlClient *client = NULL;
    char *doc = NULL;
    int settle;
    if (argc != 4) return 2;
    journal = argv[2];
    settle = strcmp(argv[3], "settle") == 0;
    /* Past the limit, write() fails with EFBIG instead of the process being killed. */
    signal(SIGXFSZ, SIG_IGN);
    if (vl_client_new(argv[1], &client, &doc) != VL_OK) {
        printf("client %s\n", doc);
        return 3;
    }
    vl_string_free(doc);
    vl_set_logger(on_log, NULL, VL_LOG_DEBUG);

    limit_when_journaled = settle;
    redeem(client, "R1");
    if (!settle) set_limit(journal_size() + 40);
    redeem(client, "R2");
    set_limit(RLIM_INFINITY);
    redeem(client, "R3");
    vl_client_free(client);
    return 0;
}
