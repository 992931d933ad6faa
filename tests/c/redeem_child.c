/*
 * A till process for the crash tests: opens a client (argv[1], a configuration with a
 * journal_path) and redeems (argv[2]); prints what it got. The test kills it mid-redeem.
 *   exit 0: redeem returned; 3: vl_client_new failed (e.g. the journal is locked).
 */
#include "voucherlink.h"

#include <stdio.h>

int main(int argc, char **argv) {
    VlClient *client = NULL;
    char *doc = NULL;
    VlStatus st;
    if (argc != 3) return 2;
    st = vl_client_new(argv[1], &client, &doc);
    printf("client %u %s\n", (unsigned)st, doc ? doc : "");
    fflush(stdout);
    vl_string_free(doc);
    if (st != VL_OK) return 3;
    st = vl_redeem(client, argv[2], &doc);
    printf("redeem %u %s\n", (unsigned)st, doc ? doc : "");
    fflush(stdout);
    vl_string_free(doc);
    vl_client_free(client);
    return 0;
}
