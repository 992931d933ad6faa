/*
 * A whole checkout from C: balance, redeem, cancel; the way a C/C++ till uses voucherlink. One
 * client for the till's two providers (e-guma vouchers, Treazure gift cards): the cashier scans,
 * the library finds the provider.
 *
 *   make && ./checkout http://127.0.0.1:PORT      (the "root" that `voucherlink sim` prints)
 */
#include "voucherlink.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Prints the document of a failed call and returns its status. A real POS shows error.message
 * to the cashier and, for VL_IN_DOUBT, keeps error.journal_id with the sale. */
static VlStatus report(const char *what, VlStatus status, char *doc) {
    if (status != VL_OK) printf("%s failed (status %u): %s\n", what, (unsigned)status, doc);
    return status;
}

/* Copies "key":"value" out of a document (a real POS uses its JSON library). */
static void field(const char *doc, const char *key, char *out, size_t size) {
    char pattern[64];
    const char *start;
    size_t n = 0;
    snprintf(pattern, sizeof pattern, "\"%s\":\"", key);
    out[0] = '\0';
    start = strstr(doc, pattern);
    if (!start) return;
    start += strlen(pattern);
    while (start[n] && start[n] != '"' && n + 1 < size) {
        out[n] = start[n];
        n++;
    }
    out[n] = '\0';
}

int main(int argc, char **argv) {
    char config[1024], request[512], code[64], token[128], amount[32], provider[32];
    VlClient *till = NULL;
    char *doc = NULL;
    VlStatus st;

    if (argc != 2) {
        fprintf(stderr, "usage: %s <simulator URL, the \"root\" that voucherlink sim prints>\n", argv[0]);
        return 2;
    }
    if (vl_abi_version() != VL_ABI_VERSION) {
        fprintf(stderr, "library ABI %u, header ABI %u: rebuild against the matching header\n", vl_abi_version(), VL_ABI_VERSION);
        return 1;
    }
    printf("voucherlink %s\n", vl_version());

    /* Treazure's cards of this till start with 628: a `codes` rule sends them there directly. */
    snprintf(config, sizeof config,
             "{\"providers\":["
             "{\"provider\":\"eguma\",\"api_key\":\"demo-outlet-1\",\"base_url\":\"%s/eguma\"},"
             "{\"provider\":\"treazure\",\"client_id\":\"pos\",\"client_secret\":\"secret\",\"base_url\":\"%s/treazure\","
             "\"codes\":{\"prefixes\":[\"628\"]}}],"
             "\"pos_id\":\"KASSE-C\"}",
             argv[1], argv[1]);
    st = vl_client_new(config, &till, &doc);
    if (report("vl_client_new", st, doc) != VL_OK) return 1;
    vl_string_free(doc);

    st = vl_balance(till, "{\"code\":\"6280001234567890\"}", &doc);
    if (report("vl_balance", st, doc) != VL_OK) return 1;
    field(doc, "provider", provider, sizeof provider);
    field(doc, "balance", amount, sizeof amount);
    printf("Gift card: EUR %s (%s)\n", amount, provider);
    vl_string_free(doc);

    st = vl_balance(till, "{\"code\":\"L4FU-5LQT-KJR3\"}", &doc);
    if (report("vl_balance", st, doc) != VL_OK) return 1;
    field(doc, "code", code, sizeof code);
    field(doc, "balance", amount, sizeof amount);
    field(doc, "provider", provider, sizeof provider);
    printf("Voucher %s: CHF %s (%s)\n", code, amount, provider);
    vl_string_free(doc);

    snprintf(request, sizeof request, "{\"code\":\"%s\",\"remaining_to_pay\":\"80.00\",\"reference\":\"C-1001\"}", code);
    st = vl_redeem(till, request, &doc);
    if (report("vl_redeem", st, doc) != VL_OK) return 1;
    field(doc, "transaction_id", token, sizeof token);
    field(doc, "amount", amount, sizeof amount);
    printf("Voucher pays CHF %s\n", amount);
    vl_string_free(doc);

    snprintf(request, sizeof request, "{\"code\":\"%s\",\"transaction_id\":\"%s\",\"amount\":\"%s\"}", code, token, amount);
    st = vl_cancel_redemption(till, request, &doc);
    if (report("vl_cancel_redemption", st, doc) != VL_OK) return 1;
    field(doc, "balance", amount, sizeof amount);
    printf("Sale voided: balance CHF %s again\n", amount);
    vl_string_free(doc);

    /* Scan, look up, take: the lookup tells the library whose voucher it is. */
    st = vl_balance(till, "{\"code\":\"USED00000001\"}", &doc);
    if (report("vl_balance", st, doc) != VL_OK) return 1;
    vl_string_free(doc);
    st = vl_redeem(till, "{\"code\":\"USED00000001\",\"amount\":\"5.00\"}", &doc);
    printf("A used voucher: status %u (VL_REJECTED is %u)\n", (unsigned)st, (unsigned)VL_REJECTED);
    vl_string_free(doc);

    vl_client_free(till);
    return st == VL_REJECTED ? 0 : 1;
}
