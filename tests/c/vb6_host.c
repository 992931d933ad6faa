/*
 * What a VB6 / VBA `Declare`, a PowerBuilder external function or a Visual FoxPro DECLARE does with
 * voucherlink.dll on 32-bit Windows, done in C (MinGW, i686) and run under wine (scripts/test-windows.sh):
 *
 *  - the DLL is loaded with LoadLibraryA and every function looked up with GetProcAddress by its
 *    plain name (`vl_balance`, as `Declare Function vl_balance Lib "voucherlink.dll"` does);
 *  - every call pushes its arguments and calls, as VB6 does, and the stack pointer after the call is
 *    compared with the one before the pushes: a function that is not __stdcall leaves its
 *    arguments on the stack, which VB6 reports as error 49 "Bad DLL calling convention" (and which
 *    a C caller would not always notice at all);
 *  - the library calls a __stdcall log callback (VB6's AddressOf) back, from its own threads;
 *  - a whole checkout against the simulator: balance, redeem, cancel; and the bad input a VB host
 *    sends: an empty string, a NULL pointer, a German ANSI string that is not UTF-8.
 *
 *   vb6_host.exe <e-guma base URL of the simulator>
 * Prints one line per check and "N failure(s)"; exit code 0 only when N is 0.
 */
#include <windows.h>

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#if !defined(__i386__)
#error "vb6_host.c checks the 32-bit Windows calling convention: build it with i686-w64-mingw32-gcc"
#endif

static int failures;
static int calls;

static void check(int ok, const char *what) {
    printf("%s %s\n", ok ? "ok  " : "FAIL", what);
    if (!ok) failures++;
}

/* Calls fn with `argc` 32-bit arguments as VB6 does: pushes them (last first), calls, and measures
 * how far the stack pointer moved from where it was before the pushes. A __stdcall function pops
 * its arguments: 0. Whatever the function did, the stack pointer is put back before returning. */
static uint32_t vb_call(FARPROC fn, int argc, const uint32_t *argv, int32_t *moved) {
    uint32_t result, delta;
    __asm__ volatile(
        "movl %%esp, %%esi\n\t"
        "movl %[argc], %%ecx\n\t"
        "1:\n\t"
        "testl %%ecx, %%ecx\n\t"
        "jz 2f\n\t"
        "pushl -4(%[argv],%%ecx,4)\n\t"
        "decl %%ecx\n\t"
        "jmp 1b\n\t"
        "2:\n\t"
        "call *%[fn]\n\t"
        "movl %%esp, %%edx\n\t"
        "subl %%esi, %%edx\n\t"
        "movl %%esi, %%esp\n\t"
        : "=&a"(result), "=&d"(delta)
        : [argc] "m"(argc), [argv] "b"(argv), [fn] "D"(fn)
        : "ecx", "esi", "memory", "cc");
    *moved = (int32_t)delta;
    calls++;
    return result;
}

static HMODULE dll;

/* GetProcAddress by the plain name, as a Declare statement does. */
static FARPROC function(const char *name) {
    FARPROC fn = GetProcAddress(dll, name);
    char what[96];
    snprintf(what, sizeof what, "GetProcAddress(\"%s\")", name);
    check(fn != NULL, what);
    return fn;
}

/* A call whose stack pointer must come back where it was. */
static uint32_t call(const char *name, int argc, uint32_t a, uint32_t b, uint32_t c) {
    uint32_t argv[3];
    int32_t moved = 0;
    uint32_t result;
    FARPROC fn = function(name);
    char what[128];
    argv[0] = a;
    argv[1] = b;
    argv[2] = c;
    if (!fn) return 0xFFFFFFFFu;
    result = vb_call(fn, argc, argv, &moved);
    snprintf(what, sizeof what, "%s: the stack pointer is where it was (moved %d bytes)", name, (int)moved);
    check(moved == 0, what);
    return result;
}

#define PTR(p) ((uint32_t)(uintptr_t)(p))

/* A VB6 `Function OnLog(ByVal level As Long, ByVal message As Long, ByVal userData As Long)`, passed
 * with AddressOf: __stdcall. */
static volatile LONG log_lines;
static void __stdcall on_log(uint32_t level, const char *message, void *user_data) {
    (void)level;
    if (message && user_data == (void *)0x1234) InterlockedIncrement(&log_lines);
}

static uint32_t status_of(const char *name, const char *request, uintptr_t client, char **doc) {
    *doc = NULL;
    return call(name, 3, (uint32_t)client, PTR(request), PTR(doc));
}

int main(int argc, char **argv) {
    char config[512], request[256], transaction[128] = "", *doc = NULL;
    uintptr_t client = 0;
    uint32_t status;
    const char *version, *name;
    if (argc != 2) {
        fprintf(stderr, "usage: vb6_host.exe <e-guma base URL>\n");
        return 2;
    }
    dll = LoadLibraryA("voucherlink.dll");
    check(dll != NULL, "LoadLibraryA(\"voucherlink.dll\")");
    if (!dll) return 1;
    /* Only the plain names: a decorated one is not exported. */
    check(GetProcAddress(dll, "vl_balance@12") == NULL && GetProcAddress(dll, "_vl_balance@12") == NULL,
          "no decorated export (vl_balance@12)");

    /* The check itself: a cdecl function (msvcrt's strlen) leaves its argument on the stack. */
    {
        FARPROC cdecl_fn = GetProcAddress(LoadLibraryA("msvcrt.dll"), "strlen");
        uint32_t arg = PTR("four");
        int32_t moved = 0;
        check(cdecl_fn && vb_call(cdecl_fn, 1, &arg, &moved) == 4 && moved == -4,
              "the stack check catches a cdecl function (msvcrt strlen: 4 bytes left behind)");
    }

    version = (const char *)(uintptr_t)call("vl_version", 0, 0, 0, 0);
    check(version && strchr(version, '.') != NULL, "vl_version");
    check(call("vl_abi_version", 0, 0, 0, 0) >= 1, "vl_abi_version");
    name = (const char *)(uintptr_t)call("vl_status_name", 1, 8, 0, 0);
    check(name && strcmp(name, "in_doubt") == 0, "vl_status_name(8)");
    check(call("vl_set_logger", 3, PTR(on_log), 0x1234, 1) == 0, "vl_set_logger with a __stdcall callback");

    snprintf(config, sizeof config,
             "{\"provider\":\"eguma\",\"api_key\":\"demo-outlet-1\",\"base_url\":\"%s\",\"pos_id\":\"KASSE-VB\"}", argv[1]);
    status = call("vl_client_new", 3, PTR(config), PTR(&client), PTR(&doc));
    check(status == 0 && client != 0, "vl_client_new");
    call("vl_string_free", 1, PTR(doc), 0, 0);

    status = status_of("vl_prepare", "{}", client, &doc);
    check(status == 0 && doc && strstr(doc, "\"ready\":true"), "vl_prepare");
    call("vl_string_free", 1, PTR(doc), 0, 0);

    /* The checkout: balance, redeem min(still to pay, balance), cancel. */
    status = status_of("vl_balance", "{\"code\":\"L4FU-5LQT-KJR3\"}", client, &doc);
    check(status == 0 && doc && strstr(doc, "\"balance\":\"50.00\""), "vl_balance of L4FU-5LQT-KJR3: CHF 50.00");
    call("vl_string_free", 1, PTR(doc), 0, 0);
    status = status_of("vl_redeem", "{\"code\":\"L4FU5LQTKJR3\",\"remaining_to_pay\":\"80.00\",\"reference\":\"VB-1\"}", client, &doc);
    check(status == 0 && doc && strstr(doc, "\"amount\":\"50.00\""), "vl_redeem takes CHF 50.00");
    if (doc && strstr(doc, "\"transaction_id\":\"")) {
        const char *start = strstr(doc, "\"transaction_id\":\"") + 18;
        size_t n = strcspn(start, "\"");
        if (n < sizeof transaction) memcpy(transaction, start, n), transaction[n] = '\0';
    }
    call("vl_string_free", 1, PTR(doc), 0, 0);
    snprintf(request, sizeof request, "{\"code\":\"L4FU5LQTKJR3\",\"transaction_id\":\"%s\",\"amount\":\"50.00\"}", transaction);
    status = status_of("vl_cancel_redemption", request, client, &doc);
    check(status == 0 && doc && strstr(doc, "\"balance\":\"50.00\""), "vl_cancel_redemption gives CHF 50.00 back");
    call("vl_string_free", 1, PTR(doc), 0, 0);

    /* What a VB host sends by mistake: the same clear errors as from C. */
    status = status_of("vl_balance", "", client, &doc);
    check(status == 1 && doc && strstr(doc, "not a valid JSON object"), "an empty VB string: VL_INVALID_ARGUMENT");
    call("vl_string_free", 1, PTR(doc), 0, 0);
    status = call("vl_balance", 3, (uint32_t)client, 0, PTR(&doc));
    check(status == 1 && doc && strstr(doc, "request_json"), "a NULL pointer (vbNullString): VL_INVALID_ARGUMENT naming it");
    call("vl_string_free", 1, PTR(doc), 0, 0);
    /* "Einlösung" in Windows-1252, as a VB6 string passed ByVal As String arrives: not UTF-8. */
    status = status_of("vl_balance", "{\"code\":\"L4FU5LQTKJR3\",\"reference\":\"Einl\xf6sung\"}", client, &doc);
    check(status == 1 && doc && strstr(doc, "UTF-8"), "an ANSI (Windows-1252) string: VL_INVALID_ARGUMENT saying UTF-8");
    call("vl_string_free", 1, PTR(doc), 0, 0);
    status = call("vl_balance", 3, 0, PTR("{}"), PTR(&doc));
    check(status == 1, "a NULL client: VL_INVALID_ARGUMENT");
    call("vl_string_free", 1, PTR(doc), 0, 0);

    check(log_lines > 0, "the library called the __stdcall log callback back");
    check(call("vl_set_logger", 3, 0, 0, 0) == 0, "vl_set_logger(NULL): logging off");
    call("vl_client_free", 1, (uint32_t)client, 0, 0);
    call("vl_client_free", 1, 0, 0, 0);
    call("vl_string_free", 1, 0, 0, 0);
    printf("%d calls through __stdcall function pointers, %ld log lines\n", calls, (long)log_lines);
    printf("%d failure(s)\n", failures);
    return failures == 0 ? 0 : 1;
}
