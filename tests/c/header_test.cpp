// The header from C++17: it must compile with -Wall -Wextra -Werror, link and run, which proves
// its extern "C" guard and that its types are valid C++.
#include "voucherlink.h"

#include <cstdio>
#include <cstring>

int main() {
    if (vl_abi_version() != VL_ABI_VERSION) return 1;
    VlClient *client = nullptr;
    char *doc = nullptr;
    VlStatus status = vl_client_new("{\"provider\":\"nope\"}", &client, &doc);
    bool ok = status == VL_CONFIG && client == nullptr && doc != nullptr && std::strstr(doc, "\"ok\":false") != nullptr;
    vl_string_free(doc);
    VlLogLevel level = VL_LOG_INFO;
    if (vl_set_logger(nullptr, nullptr, level) != VL_OK) return 1;
    std::printf("voucherlink %s from C++: %s\n", vl_version(), ok ? "ok" : "FAIL");
    return ok ? 0 : 1;
}
