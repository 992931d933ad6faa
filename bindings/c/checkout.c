/*
 * A whole checkout from C: balance, redeem, cancel; the way a C/C++ till uses voucherlink. One
 * client for the till's two providers (e-guma vouchers, Treazure gift cards): the cashier scans,
 * the library finds the provider.
 *
 * Requests and answers are JSON; this sample reads and writes them with cJSON (Debian/Ubuntu:
 * libcjson-dev, Fedora: cjson-devel, vcpkg: cjson), found with pkg-config. Amounts are JSON
 * strings ("50.00"): keep them as text or in a decimal type, never in a double.
 *
 *   make && ./checkout http://127.0.0.1:PORT      (the "root" that `voucherlink sim` prints)
 */
#include "voucherlink.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The answer of a call, parsed: {"ok":true,"data":{...}} or {"ok":false,"error":{...}}. */
typedef struct {
    VlStatus status;
    cJSON *document; /* the whole answer; cJSON_Delete when done */
    cJSON *data;     /* its "data" (or "error") member */
} Answer;

/* An operation of the API (vl_balance, vl_redeem, ...): every one has this shape. VL_CALL is the
 * library's calling convention (__stdcall on 32-bit Windows), part of the pointer's type. */
typedef VlStatus(VL_CALL *Operation)(const VlClient *client, const char *request_json, char **out_json);

/* Makes a call with a request built by cJSON, parses the answer and frees the library's string.
 * A failure is printed as the cashier and the log would see it: error.message for the cashier,
 * error.journal_id (VL_IN_DOUBT) to keep with the sale. */
static Answer call(const char *what, Operation operation, const VlClient *till, cJSON *request) {
    Answer answer = {VL_INTERNAL, NULL, NULL};
    char *text = cJSON_PrintUnformatted(request);
    char *doc = NULL;
    answer.status = operation(till, text, &doc);
    cJSON_free(text);
    cJSON_Delete(request);
    answer.document = cJSON_Parse(doc);
    vl_string_free(doc);
    answer.data = cJSON_GetObjectItemCaseSensitive(answer.document, answer.status == VL_OK ? "data" : "error");
    if (answer.status != VL_OK) {
        const cJSON *journal_id = cJSON_GetObjectItemCaseSensitive(answer.data, "journal_id");
        printf("%s failed (status %u): %s", what, (unsigned)answer.status,
               cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(answer.data, "message")));
        if (cJSON_IsString(journal_id)) printf(" [journal %s]", journal_id->valuestring);
        printf("\n");
    }
    return answer;
}

/* A string member of an object ("" when absent or null). */
static const char *text_of(const cJSON *object, const char *key) {
    const char *value = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(object, key));
    return value ? value : "";
}

/* {"code": code}, the request of a balance. */
static cJSON *code_request(const char *code) {
    cJSON *request = cJSON_CreateObject();
    cJSON_AddStringToObject(request, "code", code);
    return request;
}

int main(int argc, char **argv) {
    char base_url[512];
    cJSON *config, *providers, *eguma, *treazure, *rule, *request;
    char *config_text, *doc = NULL;
    VlClient *till = NULL;
    VlStatus st;
    Answer card, voucher, taken, voided, refused;

    if (argc != 2) {
        fprintf(stderr, "usage: %s <simulator URL, the \"root\" that voucherlink sim prints>\n", argv[0]);
        return 2;
    }
    if (vl_abi_version() != VL_ABI_VERSION) {
        fprintf(stderr, "library ABI %u, header ABI %u: rebuild against the matching header\n", vl_abi_version(), VL_ABI_VERSION);
        return 1;
    }
    printf("voucherlink %s\n", vl_version());

    /* The till's configuration. Treazure's cards of this till start with 628: a `codes` rule sends
     * them there directly. */
    config = cJSON_CreateObject();
    providers = cJSON_AddArrayToObject(config, "providers");
    eguma = cJSON_CreateObject();
    cJSON_AddStringToObject(eguma, "provider", "eguma");
    cJSON_AddStringToObject(eguma, "api_key", "demo-outlet-1");
    snprintf(base_url, sizeof base_url, "%s/eguma", argv[1]);
    cJSON_AddStringToObject(eguma, "base_url", base_url);
    cJSON_AddItemToArray(providers, eguma);
    treazure = cJSON_CreateObject();
    cJSON_AddStringToObject(treazure, "provider", "treazure");
    cJSON_AddStringToObject(treazure, "client_id", "pos");
    cJSON_AddStringToObject(treazure, "client_secret", "secret");
    snprintf(base_url, sizeof base_url, "%s/treazure", argv[1]);
    cJSON_AddStringToObject(treazure, "base_url", base_url);
    rule = cJSON_AddObjectToObject(treazure, "codes");
    cJSON_AddItemToObject(rule, "prefixes", cJSON_CreateStringArray((const char *[]){"628"}, 1));
    cJSON_AddItemToArray(providers, treazure);
    cJSON_AddStringToObject(config, "pos_id", "KASSE-C");
    config_text = cJSON_PrintUnformatted(config);
    cJSON_Delete(config);
    st = vl_client_new(config_text, &till, &doc);
    cJSON_free(config_text);
    if (st != VL_OK) {
        printf("vl_client_new failed (status %u): %s\n", (unsigned)st, doc);
        vl_string_free(doc);
        return 1;
    }
    vl_string_free(doc);

    card = call("vl_balance", vl_balance, till, code_request("6280001234567890"));
    if (card.status != VL_OK) return 1;
    printf("Gift card: %s %s (%s)\n", text_of(card.data, "currency"), text_of(card.data, "balance"),
           text_of(card.data, "provider"));
    cJSON_Delete(card.document);

    voucher = call("vl_balance", vl_balance, till, code_request("L4FU-5LQT-KJR3"));
    if (voucher.status != VL_OK) return 1;
    printf("Voucher %s: %s %s (%s)\n", text_of(voucher.data, "code"), text_of(voucher.data, "currency"),
           text_of(voucher.data, "balance"), text_of(voucher.data, "provider"));

    /* Take min(still to pay, balance); keep transaction_id with the sale for a later void. */
    request = code_request(text_of(voucher.data, "code"));
    cJSON_AddStringToObject(request, "remaining_to_pay", "80.00");
    cJSON_AddStringToObject(request, "reference", "C-1001");
    taken = call("vl_redeem", vl_redeem, till, request);
    cJSON_Delete(voucher.document);
    if (taken.status != VL_OK) return 1;
    printf("Voucher pays %s %s (transaction %s)\n", text_of(taken.data, "currency"), text_of(taken.data, "amount"),
           text_of(taken.data, "transaction_id"));

    /* The sale is voided: the redemption cancelled by its code, transaction id and amount. */
    request = code_request(text_of(taken.data, "code"));
    cJSON_AddStringToObject(request, "transaction_id", text_of(taken.data, "transaction_id"));
    cJSON_AddStringToObject(request, "amount", text_of(taken.data, "amount"));
    voided = call("vl_cancel_redemption", vl_cancel_redemption, till, request);
    cJSON_Delete(taken.document);
    if (voided.status != VL_OK) return 1;
    printf("Sale voided: balance %s %s again\n", text_of(voided.data, "currency"), text_of(voided.data, "balance"));
    cJSON_Delete(voided.document);

    /* Scan, look up, take: the lookup tells the library whose voucher it is. */
    refused = call("vl_balance", vl_balance, till, code_request("USED00000001"));
    if (refused.status != VL_OK) return 1;
    cJSON_Delete(refused.document);
    request = code_request("USED00000001");
    cJSON_AddStringToObject(request, "amount", "5.00");
    refused = call("vl_redeem", vl_redeem, till, request);
    printf("A used voucher: status %u (VL_REJECTED is %u)\n", (unsigned)refused.status, (unsigned)VL_REJECTED);
    cJSON_Delete(refused.document);

    vl_client_free(till);
    return refused.status == VL_REJECTED ? 0 : 1;
}
