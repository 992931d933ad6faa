/*
 * The C test: voucherlink through its header and shared library, as a C POS uses it, against
 * the simulator. Built with -std=c99 -Wall -Wextra -Werror -pedantic by tests/c_abi.rs.
 *
 *   abi_test <eguma base_url> bad-inputs      every bad input of docs/api.md §2 (nothing may be sent)
 *   abi_test <eguma base_url> flow            the whole e-guma checkout, depot vouchers, threads
 *   abi_test <treazure base_url> treazure     Treazure gift cards: scratch codes, redeem, cancel,
 *                                             sale, issue, history
 *   abi_test <gonnaorder base_url> gonnaorder GonnaOrder: member lookup, validate, external order
 *   abi_test <coupontools base_url> coupontools Coupontools: QR URL, lock, validate, refusal, unlock
 *   abi_test <eguma base_url> journal <path>  a journal file: shared by two clients, written, reopened
 *   abi_test <eguma base_url> journal-hold <path>  holds the journal until a line (or EOF) on stdin
 *   abi_test <eguma base_url> journal-busy <path>  another process's journal: VL_CONFIG, "in use"
 *   abi_test <eguma https base_url> tls <ca_file>  TLS: the simulator's CA trusted through ca_file
 *   abi_test <eguma https base_url> tls-refused     TLS without ca_file: refused, nothing sent
 *
 * Every phase runs on Windows too (tests under wine): paths are native absolute paths.
 *
 * Prints one line per check; exits 0 only if every check passed.
 */
#include "voucherlink.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures = 0;
static char config[1024];

#define CHECK(cond, what)                                             \
    do {                                                              \
        if (cond) {                                                   \
            printf("ok   %s\n", what);                                \
        } else {                                                      \
            printf("FAIL %s (%s:%d)\n", what, __FILE__, __LINE__);    \
            failures++;                                               \
        }                                                             \
    } while (0)

typedef VlStatus (VL_CALL *operation_fn)(const VlClient *, const char *, char **);

/* Calls an operation; the document is returned (caller frees with vl_string_free). */
static VlStatus call(operation_fn f, VlClient *client, const char *request, char **doc) {
    *doc = NULL;
    return f(client, request, doc);
}

/* Copies the string value of "key":"..." from a document into out (empty when absent). */
static void json_string(const char *doc, const char *key, char *out, size_t size) {
    char pattern[64];
    const char *start;
    size_t n = 0;
    out[0] = '\0';
    snprintf(pattern, sizeof pattern, "\"%s\":\"", key);
    start = doc ? strstr(doc, pattern) : NULL;
    if (!start) return;
    start += strlen(pattern);
    while (start[n] && start[n] != '"' && n + 1 < size) {
        out[n] = start[n];
        n++;
    }
    out[n] = '\0';
}

static int contains(const char *doc, const char *needle) {
    return doc != NULL && strstr(doc, needle) != NULL;
}

static VlClient *new_client(void) {
    VlClient *client = NULL;
    char *doc = NULL;
    VlStatus st = vl_client_new(config, &client, &doc);
    CHECK(st == VL_OK && client != NULL, "vl_client_new with a valid configuration");
    vl_string_free(doc);
    return client;
}

/* A bad input: the expected status, out_json set, ok:false, the named field in the message. */
static void expect_bad(operation_fn f, VlClient *client, const char *request, const char *needle, const char *what) {
    char *doc = NULL;
    VlStatus st = call(f, client, request, &doc);
    char line[256];
    snprintf(line, sizeof line, "%s -> VL_INVALID_ARGUMENT naming %s", what, needle);
    CHECK(st == VL_INVALID_ARGUMENT && contains(doc, "\"ok\":false") && contains(doc, "\"code\":1,") &&
              contains(doc, "\"status\":\"invalid_argument\"") && contains(doc, needle),
          line);
    if (st != VL_INVALID_ARGUMENT || !contains(doc, needle)) printf("     got %u: %s\n", (unsigned)st, doc ? doc : "(null)");
    vl_string_free(doc);
}

static int bad_inputs(void) {
    VlClient *client = NULL;
    char *doc = NULL;
    VlStatus st;
    const char invalid_utf8[] = {'{', '"', 'c', 'o', 'd', 'e', '"', ':', '"', (char)0xff, (char)0xfe, '"', '}', 0};

    /* Configuration errors. */
    st = vl_client_new("{\"provider\":\"eguma\",\"api_key\":\"k\",\"timeout\":5}", &client, &doc);
    CHECK(st == VL_CONFIG && client == NULL && contains(doc, "`timeout`"), "unknown configuration key -> VL_CONFIG naming it");
    vl_string_free(doc);
    st = vl_client_new("{\"provider\":\"nope\"}", &client, &doc);
    CHECK(st == VL_CONFIG && client == NULL && contains(doc, "\"status\":\"config\""), "unknown provider -> VL_CONFIG");
    vl_string_free(doc);
    st = vl_client_new("{\"provider\":\"eguma\",\"api_key\":\"k\",\"base_url\":\"http://example.com\"}", &client, &doc);
    CHECK(st == VL_CONFIG && contains(doc, "loopback"), "plain http to a public host -> VL_CONFIG");
    vl_string_free(doc);
    st = vl_client_new(NULL, &client, &doc);
    CHECK(st == VL_INVALID_ARGUMENT && client == NULL && contains(doc, "config_json"), "NULL configuration -> VL_INVALID_ARGUMENT");
    vl_string_free(doc);
    st = vl_client_new(config, NULL, &doc);
    CHECK(st == VL_INVALID_ARGUMENT && contains(doc, "out_client"), "NULL out_client -> VL_INVALID_ARGUMENT");
    vl_string_free(doc);
    st = vl_client_new("{", &client, NULL);
    CHECK(st == VL_CONFIG && client == NULL, "malformed configuration with NULL out_json -> VL_CONFIG");

    client = new_client();

    /* NULL pointers. */
    st = call(vl_balance, NULL, "{\"code\":\"X\"}", &doc);
    CHECK(st == VL_INVALID_ARGUMENT && contains(doc, "`client` is NULL"), "NULL client -> VL_INVALID_ARGUMENT");
    vl_string_free(doc);
    st = call(vl_redeem, client, NULL, &doc);
    CHECK(st == VL_INVALID_ARGUMENT && contains(doc, "`request_json` is NULL"), "NULL request -> VL_INVALID_ARGUMENT");
    vl_string_free(doc);
    st = vl_balance(client, "{}", NULL);
    CHECK(st == VL_INVALID_ARGUMENT, "NULL out_json still returns the status");

    /* Malformed input. */
    expect_bad(vl_balance, client, invalid_utf8, "UTF-8", "invalid UTF-8");
    expect_bad(vl_balance, client, "{\"code\":", "not a valid JSON object", "malformed JSON");
    expect_bad(vl_balance, client, "[\"L4FU5LQTKJR3\"]", "not a valid JSON object", "a JSON array");
    expect_bad(vl_balance, client, "{}", "`code` is missing", "missing code");
    expect_bad(vl_balance, client, "{\"code\":\"L4FU5LQTKJR3\",\"cod\":1}", "`cod`", "unknown field");
    expect_bad(vl_balance, client, "{\"code\":5}", "`code` must be a string", "code of the wrong type");
    expect_bad(vl_balance, client, "{\"code\":\"  \"}", "`code`", "blank code");
    expect_bad(vl_balance, client, "{\"code\":\"L4FU\\u0000X\"}", "`code`", "control character in the code");
    expect_bad(vl_redeem, client, "{\"code\":\"L4FU5LQTKJR3\"}", "`amount` or `remaining_to_pay` is missing", "redeem without an amount");
    expect_bad(vl_redeem, client, "{\"code\":\"L4FU5LQTKJR3\",\"amount\":\"-5.00\"}", "`amount`", "negative amount");
    expect_bad(vl_redeem, client, "{\"code\":\"L4FU5LQTKJR3\",\"amount\":0}", "`amount`", "zero amount");
    expect_bad(vl_redeem, client, "{\"code\":\"L4FU5LQTKJR3\",\"amount\":\"1.234\"}", "more than 2 decimals", "too precise amount");
    expect_bad(vl_redeem, client, "{\"code\":\"L4FU5LQTKJR3\",\"amount\":12.345}", "more than 2 decimals", "too precise JSON number");
    expect_bad(vl_redeem, client, "{\"code\":\"L4FU5LQTKJR3\",\"amount\":true}", "`amount`", "amount of the wrong type");
    expect_bad(vl_redeem, client, "{\"code\":\"L4FU5LQTKJR3\",\"amount\":\"1e9\"}", "`amount`", "amount in exponent notation");
    expect_bad(vl_redeem, client, "{\"code\":\"L4FU5LQTKJR3\",\"amount\":99999999}", "too large", "absurd amount");
    expect_bad(vl_redeem, client, "{\"code\":\"L4FU5LQTKJR3\",\"amount\":\"5\",\"remaining_to_pay\":\"5\"}", "not both", "amount and remaining_to_pay");
    expect_bad(vl_redeem, client, "{\"code\":\"L4FU5LQTKJR3\",\"amount\":\"5\",\"amount\":\"500\"}", "duplicate field `amount`", "duplicate field");
    expect_bad(vl_cancel_redemption, client, "{\"code\":\"L4FU5LQTKJR3\",\"amount\":\"5\"}", "`transaction_id` is missing", "cancel without transaction_id");
    expect_bad(vl_deactivate, client, "{\"code\":\"DEP0T0000001\",\"reason\":7}", "`reason`", "reason of the wrong type");

    /* Unsupported operations are refused before anything is sent. */
    st = call(vl_issue, client, "{\"amount\":\"50.00\"}", &doc);
    CHECK(st == VL_UNSUPPORTED && contains(doc, "\"status\":\"unsupported\""), "vl_issue on e-guma -> VL_UNSUPPORTED");
    vl_string_free(doc);
    st = call(vl_lock, client, "{}", &doc);
    CHECK(st == VL_UNSUPPORTED, "vl_lock on e-guma -> VL_UNSUPPORTED");
    vl_string_free(doc);

    vl_client_free(client);
    vl_client_free(NULL);
    vl_string_free(NULL);
    return failures;
}

struct worker {
    VlClient *client;
    int ok;
};

static void *balance_worker(void *arg) {
    struct worker *w = (struct worker *)arg;
    int i;
    for (i = 0; i < 10; i++) {
        char *doc = NULL;
        if (call(vl_balance, w->client, "{\"code\":\"2QH3-QTDM-28N6\"}", &doc) == VL_OK && contains(doc, "\"balance\":\"100.00\"")) {
            w->ok++;
        }
        vl_string_free(doc);
    }
    return NULL;
}

static int flow(void) {
    VlClient *client = new_client();
    char *doc = NULL;
    char token[128], code[64];
    VlStatus st;
    pthread_t threads[4];
    struct worker workers[4];
    int i, all_ok = 1;

    CHECK(vl_abi_version() == VL_ABI_VERSION, "vl_abi_version() == VL_ABI_VERSION");
    CHECK(strlen(vl_version()) >= 5, "vl_version() is MAJOR.MINOR.PATCH");
    CHECK(strcmp(vl_status_name(VL_OK), "ok") == 0 && strcmp(vl_status_name(VL_IN_DOUBT), "in_doubt") == 0 &&
              strcmp(vl_status_name(VL_INVALID_ARGUMENT), "invalid_argument") == 0 &&
              strcmp(vl_status_name(VL_INTERNAL), "internal") == 0 && strcmp(vl_status_name(99), "unknown") == 0,
          "vl_status_name names every status, static text");

    st = call(vl_capabilities, client, "{}", &doc);
    CHECK(st == VL_OK && contains(doc, "\"provider\":\"eguma\"") && contains(doc, "\"redeem\"") && !contains(doc, "\"issue\""),
          "vl_capabilities lists e-guma's operations");
    vl_string_free(doc);

    /* A scanned code with dashes, typed in lower case. */
    st = call(vl_balance, client, "{\"code\":\" l4fu-5lqt-kjr3 \"}", &doc);
    json_string(doc, "code", code, sizeof code);
    CHECK(st == VL_OK && strcmp(code, "L4FU5LQTKJR3") == 0 && contains(doc, "\"balance\":\"50.00\"") &&
              contains(doc, "\"currency\":\"CHF\"") && contains(doc, "\"redeemable\":true") && contains(doc, "\"status\":\"active\""),
          "vl_balance of a dashed, lower-case code");
    vl_string_free(doc);

    /* A short code maps to the canonical code. */
    st = call(vl_balance, client, "{\"code\":\"short1\"}", &doc);
    CHECK(st == VL_OK && contains(doc, "\"code\":\"L4FU5LQTKJR3\""), "vl_balance of a short code returns the real code");
    vl_string_free(doc);

    /* Redeem min(remaining_to_pay, balance). */
    st = call(vl_redeem, client, "{\"code\":\"L4FU-5LQT-KJR3\",\"remaining_to_pay\":\"80.00\",\"reference\":\"R-1001\"}", &doc);
    json_string(doc, "transaction_id", token, sizeof token);
    CHECK(st == VL_OK && contains(doc, "\"amount\":\"50.00\"") && contains(doc, "\"balance\":\"0.00\"") && strlen(token) > 10 &&
              contains(doc, "\"receipt_lines\":[\"e-guma voucher L4FU5LQTKJR3\",\"Redeemed CHF 50.00\",\"Balance CHF 0.00\"]"),
          "vl_redeem with remaining_to_pay takes the whole balance and prints receipt lines");
    vl_string_free(doc);

    st = call(vl_redeem, client, "{\"code\":\"L4FU5LQTKJR3\",\"amount\":\"1.00\"}", &doc);
    CHECK(st == VL_REJECTED && contains(doc, "\"status\":\"rejected\"") && contains(doc, "bereits eingel"),
          "a used voucher is refused with e-guma's message");
    vl_string_free(doc);

    {
        char request[512];
        snprintf(request, sizeof request, "{\"code\":\"L4FU5LQTKJR3\",\"transaction_id\":\"%s\",\"amount\":\"50.00\"}", token);
        st = call(vl_cancel_redemption, client, request, &doc);
        CHECK(st == VL_OK && contains(doc, "\"balance\":\"50.00\"") && contains(doc, "\"amount\":\"50.00\""),
              "vl_cancel_redemption gives the amount back");
        vl_string_free(doc);
    }

    st = call(vl_redeem, client, "{\"code\":\"L4FU5LQTKJR3\",\"amount\":\"50.01\"}", &doc);
    CHECK(st == VL_REJECTED && contains(doc, "Insufficient balance"), "more than the balance is refused before sending");
    vl_string_free(doc);

    /* Depot voucher with a free amount. */
    st = call(vl_activation_status, client, "{\"code\":\"DEP0T-0000002\"}", &doc);
    CHECK(st == VL_OK && contains(doc, "\"can_activate\":true") && contains(doc, "\"free_amount\":true") && contains(doc, "\"amount\":null"),
          "vl_activation_status of a free-amount depot voucher");
    vl_string_free(doc);
    st = call(vl_activate, client, "{\"code\":\"DEP0T0000002\"}", &doc);
    CHECK(st == VL_INVALID_ARGUMENT && contains(doc, "`amount` is missing"), "activating a free-amount voucher needs an amount");
    vl_string_free(doc);
    st = call(vl_activate, client, "{\"code\":\"DEP0T0000002\",\"amount\":25}", &doc);
    CHECK(st == VL_OK && contains(doc, "\"balance\":\"25.00\"") && contains(doc, "\"status\":\"active\""),
          "vl_activate with a free amount");
    vl_string_free(doc);
    st = call(vl_activate, client, "{\"code\":\"DEP0T0000002\",\"amount\":25}", &doc);
    CHECK(st == VL_REJECTED && contains(doc, "bereits aktiviert"), "a second activation is refused");
    vl_string_free(doc);

    /* Deactivation of the fixed-amount depot voucher after selling it. */
    st = call(vl_activate, client, "{\"code\":\"DEP0T0000001\"}", &doc);
    CHECK(st == VL_OK && contains(doc, "\"balance\":\"100.00\""), "vl_activate with the fixed amount");
    vl_string_free(doc);
    st = call(vl_deactivation_status, client, "{\"code\":\"DEP0T0000001\"}", &doc);
    CHECK(st == VL_OK && contains(doc, "\"can_deactivate\":true") && contains(doc, "\"amount\":\"100.00\""), "vl_deactivation_status");
    vl_string_free(doc);
    st = call(vl_deactivate, client, "{\"code\":\"DEP0T0000001\",\"reason\":\"order 1003 cancelled\"}", &doc);
    CHECK(st == VL_OK && contains(doc, "\"status\":\"created\""), "vl_deactivate");
    vl_string_free(doc);

    /* One client shared by four threads. */
    for (i = 0; i < 4; i++) {
        workers[i].client = client;
        workers[i].ok = 0;
        pthread_create(&threads[i], NULL, balance_worker, &workers[i]);
    }
    for (i = 0; i < 4; i++) {
        pthread_join(threads[i], NULL);
        if (workers[i].ok != 10) all_ok = 0;
    }
    CHECK(all_ok, "4 threads x 10 balance calls on one client");

    vl_client_free(client);
    return failures;
}

static int treazure(void) {
    VlClient *client = new_client();
    char *doc = NULL;
    char token[128], request[512], issued[64];
    VlStatus st;

    /* Web-style identification: serial number + scratch code; the card id comes back. */
    st = call(vl_balance, client, "{\"serial_number\":\"100200\",\"scratch_code\":\"8391\"}", &doc);
    CHECK(st == VL_OK && contains(doc, "\"code\":\"6280001234567890\"") && contains(doc, "\"balance\":\"25.00\"") &&
              contains(doc, "\"currency\":\"EUR\"") && !contains(doc, "8391"),
          "vl_balance by serial number + scratch code (the scratch code never comes back)");
    vl_string_free(doc);
    st = call(vl_balance, client, "{\"code\":\"6280001234567890\",\"serial_number\":\"100200\",\"scratch_code\":\"8391\"}", &doc);
    CHECK(st == VL_INVALID_ARGUMENT && contains(doc, "not both"), "card id and serial number together -> VL_INVALID_ARGUMENT");
    vl_string_free(doc);

    st = call(vl_redeem, client, "{\"code\":\"6280 0012 3456 7890\",\"remaining_to_pay\":\"12.30\",\"reference\":\"R-2001\"}", &doc);
    json_string(doc, "transaction_id", token, sizeof token);
    CHECK(st == VL_OK && contains(doc, "\"amount\":\"12.30\"") && contains(doc, "\"balance\":\"12.70\"") && strlen(token) > 0,
          "vl_redeem on a Treazure gift card");
    vl_string_free(doc);
    snprintf(request, sizeof request, "{\"code\":\"6280001234567890\",\"transaction_id\":\"%s\"}", token);
    st = call(vl_cancel_redemption, client, request, &doc);
    CHECK(st == VL_OK && contains(doc, "\"balance\":\"25.00\"") && contains(doc, "\"amount\":\"12.30\""),
          "vl_cancel_redemption right after");
    vl_string_free(doc);

    st = call(vl_activation_status, client, "{\"code\":\"6280001111111111\"}", &doc);
    CHECK(st == VL_OK && contains(doc, "\"can_activate\":true"), "vl_activation_status of a created card");
    vl_string_free(doc);
    st = call(vl_activate, client, "{\"code\":\"6280001111111111\",\"amount\":\"20.00\"}", &doc);
    json_string(doc, "transaction_id", token, sizeof token);
    CHECK(st == VL_OK && contains(doc, "\"status\":\"active\"") && contains(doc, "\"balance\":\"20.00\"") && strlen(token) > 0,
          "vl_activate sells the card");
    vl_string_free(doc);
    snprintf(request, sizeof request, "{\"code\":\"6280001111111111\",\"transaction_id\":\"%s\"}", token);
    st = call(vl_cancel_activation, client, request, &doc);
    CHECK(st == VL_OK && contains(doc, "\"status\":\"created\""), "vl_cancel_activation right after");
    vl_string_free(doc);

    st = call(vl_issue, client, "{\"amount\":\"15.00\"}", &doc);
    json_string(doc, "code", issued, sizeof issued);
    CHECK(st == VL_OK && strlen(issued) > 0 && contains(doc, "\"balance\":\"15.00\""), "vl_issue creates a virtual card");
    vl_string_free(doc);
    snprintf(request, sizeof request, "{\"code\":\"%s\",\"condensed\":true}", issued);
    st = call(vl_history, client, request, &doc);
    CHECK(st == VL_OK && contains(doc, "\"entries\":[{") && contains(doc, "\"mutation\":\"15.00\""), "vl_history of the new card");
    vl_string_free(doc);

    st = call(vl_deactivate, client, "{\"code\":\"6280001234567890\"}", &doc);
    CHECK(st == VL_UNSUPPORTED, "vl_deactivate on Treazure -> VL_UNSUPPORTED");
    vl_string_free(doc);
    vl_client_free(client);
    return failures;
}

static int gonnaorder(void) {
    VlClient *client = new_client();
    char *doc = NULL;
    VlStatus st;

    st = call(vl_member_vouchers, client, "{\"phone_number\":\"+30 2310 589248\"}", &doc);
    CHECK(st == VL_OK && contains(doc, "\"member_code\":\"M-1\"") && contains(doc, "\"code\":\"XYZ\""),
          "vl_member_vouchers by phone number");
    vl_string_free(doc);
    st = call(vl_member_vouchers, client, "{\"member_code\":\"NOBODY\"}", &doc);
    CHECK(st == VL_NOT_FOUND, "an unknown member -> VL_NOT_FOUND");
    vl_string_free(doc);

    st = call(vl_validate, client, "{\"code\":\"XYZ\",\"order_total\":\"20.00\"}", &doc);
    CHECK(st == VL_OK && contains(doc, "\"discount\":\"5.50\"") && contains(doc, "\"total_after_discount\":\"14.50\""),
          "vl_validate a loyalty voucher against the order");
    vl_string_free(doc);
    st = call(vl_validate, client, "{\"code\":\"PCT10\",\"order_total\":\"19.95\"}", &doc);
    CHECK(st == VL_OK && contains(doc, "\"discount\":\"2.00\""), "a percentage voucher, rounded to the cent");
    vl_string_free(doc);

    st = call(vl_submit_order, client,
              "{\"order_id\":\"C-1\",\"code\":\"XYZ\",\"order_total\":\"20.00\",\"discount\":\"5.50\",\"total_after_discount\":\"14.50\"}", &doc);
    CHECK(st == VL_OK && contains(doc, "\"accepted\":true"), "vl_submit_order consumes the voucher");
    vl_string_free(doc);
    /* The wallet was emptied, then credited 5% of the 14.50 paid: 0.725 -> 0.73. */
    st = call(vl_validate, client, "{\"code\":\"XYZ\",\"order_total\":\"20.00\"}", &doc);
    CHECK(st == VL_OK && contains(doc, "\"discount\":\"0.73\""), "the loyalty wallet holds the new credit");
    vl_string_free(doc);

    st = call(vl_redeem, client, "{\"code\":\"XYZ\",\"amount\":\"1.00\"}", &doc);
    CHECK(st == VL_UNSUPPORTED, "vl_redeem on GonnaOrder -> VL_UNSUPPORTED");
    vl_string_free(doc);
    vl_client_free(client);
    return failures;
}

static int coupontools(void) {
    VlClient *client = new_client();
    char *doc = NULL;
    VlStatus st;
    const char *qr = "{\"code\":\"https://digicpn.com/p/v6n7gn/kkfiznr8Yp8630h82es8d/\"}";

    st = call(vl_balance, client, qr, &doc);
    CHECK(st == VL_OK && contains(doc, "\"code\":\"kkfiznr8Yp8630h82es8d\"") && contains(doc, "\"status\":\"active\"") &&
              contains(doc, "\"balance\":\"5.00\""),
          "vl_balance of a scanned coupon URL");
    vl_string_free(doc);
    st = call(vl_lock, client, qr, &doc);
    CHECK(st == VL_OK && contains(doc, "\"status\":\"locked\""), "vl_lock during checkout");
    vl_string_free(doc);
    st = call(vl_redeem, client, "{\"code\":\"kkfiznr8Yp8630h82es8d\",\"money_spent\":\"42.50\"}", &doc);
    CHECK(st == VL_OK && contains(doc, "\"amount\":\"5.00\""), "vl_redeem validates the coupon with the money spent");
    vl_string_free(doc);
    st = call(vl_redeem, client, qr, &doc);
    CHECK(st == VL_REJECTED && contains(doc, "The coupon was already used at"), "a second validation is refused with the date");
    vl_string_free(doc);
    st = call(vl_balance, client, "{\"code\":\"kkfi znr8\"}", &doc);
    CHECK(st == VL_INVALID_ARGUMENT, "a session id with a space -> VL_INVALID_ARGUMENT");
    vl_string_free(doc);
    st = call(vl_unlock, client, "{\"code\":\"kkfiznr8Yp8630h82es8d\"}", &doc);
    CHECK(st == VL_OK, "vl_unlock");
    vl_string_free(doc);
    vl_client_free(client);
    return failures;
}

/* Appends text to out as the inside of a JSON string (a Windows path has backslashes). */
static void json_escape(char *out, size_t size, const char *text) {
    size_t n = strlen(out);
    for (; *text && n + 3 < size; text++) {
        if (*text == '\\' || *text == '"') out[n++] = '\\';
        out[n++] = *text;
    }
    out[n] = '\0';
}

/* Whether the file at path contains needle (the journal is small). */
static int file_contains(const char *path, const char *needle) {
    static char text[65536];
    size_t n;
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    return strstr(text, needle) != NULL;
}

static int journal(const char *path) {
    char *doc = NULL, token[96], request[256];
    VlClient *first = new_client(), *second = NULL;
    VlStatus st = vl_client_new(config, &second, &doc);
    CHECK(st == VL_OK && second != NULL, "a second client of this process shares the journal");
    vl_string_free(doc);
    st = call(vl_redeem, first, "{\"code\":\"2QH3QTDM28N6\",\"amount\":\"1.00\",\"reference\":\"R-J1\"}", &doc);
    json_string(doc, "transaction_id", token, sizeof token);
    CHECK(st == VL_OK && token[0] != '\0', "vl_redeem with a journal file");
    vl_string_free(doc);
    st = call(vl_pending, second, "{}", &doc);
    CHECK(st == VL_OK && contains(doc, "\"entries\":[]"), "nothing pending afterwards, seen from the other client");
    vl_string_free(doc);
    snprintf(request, sizeof request, "{\"code\":\"2QH3QTDM28N6\",\"transaction_id\":\"%s\",\"amount\":\"1.00\"}", token);
    st = call(vl_cancel_redemption, second, request, &doc);
    CHECK(st == VL_OK, "vl_cancel_redemption through the other client");
    vl_string_free(doc);
    vl_client_free(first);
    vl_client_free(second);
    CHECK(file_contains(path, "{\"voucherlink_journal\":1}") && file_contains(path, "\"operation\":\"redeem\"") &&
              file_contains(path, "\"operation\":\"cancel_redemption\"") && file_contains(path, "\"reference\":\"R-J1\""),
          "the journal file holds both operations");
    CHECK(!file_contains(path, "demo-outlet-1"), "the journal file holds no API key");
    first = new_client();
    st = call(vl_pending, first, "{}", &doc);
    CHECK(st == VL_OK && contains(doc, "\"entries\":[]"), "the journal opens again once its clients are freed");
    vl_string_free(doc);
    vl_client_free(first);
    return failures;
}

/* TLS against the simulator over HTTPS with its throwaway CA: one vl_balance with the
 * configuration given (phase tls: with ca_file, trusted; phase tls-refused: without, refused
 * before anything is sent). */
static void tls_balance(const char *configuration, VlStatus expected, const char *what) {
    VlClient *client = NULL;
    char *doc = NULL;
    VlStatus st = vl_client_new(configuration, &client, &doc);
    vl_string_free(doc);
    doc = NULL;
    if (st == VL_OK) st = call(vl_balance, client, "{\"code\":\"L4FU5LQTKJR3\"}", &doc);
    CHECK(st == expected && (expected != VL_OK || contains(doc, "\"balance\":\"50.00\"")) &&
              (expected != VL_NETWORK || contains(doc, "TLS failed")),
          what);
    if (st != expected) printf("     %s\n", doc ? doc : "(no document)");
    vl_string_free(doc);
    vl_client_free(client);
}

int main(int argc, char **argv) {
    const char *path = argc == 4 ? argv[3] : NULL;
    int with_path = argc == 4 && (strncmp(argv[2], "journal", 7) == 0 || strcmp(argv[2], "tls") == 0);
    if (argc != 3 && !with_path) {
        fprintf(stderr, "usage: %s <base_url> bad-inputs|flow|treazure|gonnaorder|coupontools|journal*|tls*\n", argv[0]);
        return 2;
    }
    if (strcmp(argv[2], "treazure") == 0) {
        snprintf(config, sizeof config,
                 "{\"provider\":\"treazure\",\"client_id\":\"pos\",\"client_secret\":\"secret\",\"base_url\":\"%s\","
                 "\"pos_id\":\"KASSE-1\",\"site_id\":\"SHOP-1\",\"timeout_ms\":5000}",
                 argv[1]);
        treazure();
    } else if (strcmp(argv[2], "gonnaorder") == 0) {
        snprintf(config, sizeof config,
                 "{\"provider\":\"gonnaorder\",\"store_id\":155,\"username\":\"pos@store.example\",\"password\":\"pw\","
                 "\"base_url\":\"%s\",\"timeout_ms\":5000}",
                 argv[1]);
        gonnaorder();
    } else if (strcmp(argv[2], "coupontools") == 0) {
        snprintf(config, sizeof config,
                 "{\"provider\":\"coupontools\",\"client_id\":\"ct\",\"client_secret\":\"secret\",\"base_url\":\"%s\",\"timeout_ms\":5000}",
                 argv[1]);
        coupontools();
    } else {
        snprintf(config, sizeof config,
                 "{\"provider\":\"eguma\",\"api_key\":\"demo-outlet-1\",\"base_url\":\"%s\",\"pos_id\":\"KASSE-1\",\"timeout_ms\":5000",
                 argv[1]);
        if (path) {
            strcat(config, strcmp(argv[2], "tls") == 0 ? ",\"ca_file\":\"" : ",\"journal_path\":\"");
            json_escape(config, sizeof config - 3, path);
            strcat(config, "\"");
        }
        strcat(config, "}");
        if (strcmp(argv[2], "bad-inputs") == 0) bad_inputs();
        else if (strcmp(argv[2], "flow") == 0) flow();
        else if (path && strcmp(argv[2], "journal") == 0) journal(path);
        else if (path && strcmp(argv[2], "tls") == 0)
            tls_balance(config, VL_OK, "vl_balance over TLS, the CA of ca_file trusted");
        else if (strcmp(argv[2], "tls-refused") == 0)
            tls_balance(config, VL_NETWORK, "without ca_file the unknown CA is refused: VL_NETWORK, TLS failed");
        else if (path && strcmp(argv[2], "journal-hold") == 0) {
            VlClient *holder = new_client();
            printf("holding\n");
            fflush(stdout);
            (void)getchar();
            vl_client_free(holder);
        } else if (path && strcmp(argv[2], "journal-busy") == 0) {
            VlClient *client = NULL;
            char *doc = NULL;
            VlStatus st = vl_client_new(config, &client, &doc);
            CHECK(st == VL_CONFIG && client == NULL && contains(doc, "in use by another process"),
                  "a journal held by another process -> VL_CONFIG, \"in use by another process\"");
            vl_string_free(doc);
        } else return 2;
    }
    printf("%d failure(s)\n", failures);
    return failures == 0 ? 0 : 1;
}
