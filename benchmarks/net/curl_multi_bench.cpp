// SPDX-License-Identifier: MIT
// curl_multi_bench.cpp - the libcurl figure next to http_client_bench: requests per second of
// GETs over N keep-alive connections with libcurl's multi interface, all on one thread. Built
// only when CMake finds libcurl; compare_http_clients.sh runs it against nginx.
//
//     curl_multi_bench URL CONNECTIONS SECONDS
//
// N easy handles, each re-added to the multi handle as soon as its transfer finishes, so N
// requests are always in flight and each handle reuses its connection from the multi handle's
// cache (HTTP/1.1, no pipelining). The body is counted and dropped. Driven the documented way:
// curl_multi_perform, then curl_multi_info_read, then curl_multi_poll. As in http_client_bench,
// two requests per connection run untimed first; then completions are counted for SECONDS.
// Prints "requests/s: R" and the connection count (which must equal N: keep-alive held).
//
// For https:// URLs, CORIO_BENCH_CAFILE names the CA to verify the server with. With the
// environment variable CURL_BENCH_NEW_CONNECTIONS=full (or =resumed) every request opens a new
// connection and closes it after the response, without (or with) TLS session reuse: a handshake
// per request, as compare_tls_handshakes.sh measures.
#include <curl/curl.h>

#include <chrono>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

struct transfer {
    CURL* easy = nullptr;
    std::size_t body_bytes = 0;
};

std::size_t on_body(char* /*data*/, std::size_t size, std::size_t count, void* user) {
    static_cast<transfer*>(user)->body_bytes += size * count;
    return size * count;
}

int fail(const std::string& message) {
    std::fprintf(stderr, "curl_multi_bench: %s\n", message.c_str());
    return 1;
}

} // namespace

int main(int argc, char** argv) {
    if (argc != 4) {
        std::fprintf(stderr, "usage: curl_multi_bench URL CONNECTIONS SECONDS\n");
        return 2;
    }
    const char* url = argv[1];
    const long connections = std::strtol(argv[2], nullptr, 10);
    const double seconds = std::strtod(argv[3], nullptr);
    if (connections < 1 || seconds <= 0) {
        std::fprintf(stderr, "usage: curl_multi_bench URL CONNECTIONS SECONDS\n");
        return 2;
    }
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        return fail("curl_global_init failed");
    }
    CURLM* multi = curl_multi_init();
    curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, connections);
    curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, connections);
    const char* ca_file = std::getenv("CORIO_BENCH_CAFILE");
    const char* handshake_mode = std::getenv("CURL_BENCH_NEW_CONNECTIONS");
    const std::string handshakes = handshake_mode != nullptr ? handshake_mode : "";
    if (!handshakes.empty() && handshakes != "full" && handshakes != "resumed") {
        return fail("CURL_BENCH_NEW_CONNECTIONS must be full or resumed");
    }
    std::vector<transfer> transfers(static_cast<std::size_t>(connections));
    for (transfer& t : transfers) {
        t.easy = curl_easy_init();
        curl_easy_setopt(t.easy, CURLOPT_URL, url);
        curl_easy_setopt(t.easy, CURLOPT_WRITEFUNCTION, &on_body);
        curl_easy_setopt(t.easy, CURLOPT_WRITEDATA, &t);
        curl_easy_setopt(t.easy, CURLOPT_PRIVATE, &t);
        curl_easy_setopt(t.easy, CURLOPT_NOSIGNAL, 1L);
        if (ca_file != nullptr) {
            curl_easy_setopt(t.easy, CURLOPT_CAINFO, ca_file);
        }
        if (!handshakes.empty()) {
            curl_easy_setopt(t.easy, CURLOPT_FRESH_CONNECT, 1L);
            curl_easy_setopt(t.easy, CURLOPT_FORBID_REUSE, 1L);
            curl_easy_setopt(t.easy, CURLOPT_SSL_SESSIONID_CACHE,
                             handshakes == "resumed" ? 1L : 0L);
        }
        curl_multi_add_handle(multi, t.easy);
    }

    using clock = std::chrono::steady_clock;
    const auto warm_up = static_cast<std::size_t>(2 * connections);
    std::size_t completed = 0;
    long connects = 0;
    clock::time_point start;
    std::size_t completed_at_start = 0;
    std::string failure;
    while (failure.empty()) {
        int running = 0;
        if (curl_multi_perform(multi, &running) != CURLM_OK) {
            failure = "curl_multi_perform failed";
            break;
        }
        int left = 0;
        while (const CURLMsg* message = curl_multi_info_read(multi, &left)) {
            if (message->msg != CURLMSG_DONE) {
                continue;
            }
            CURL* easy = message->easy_handle;
            long status = 0;
            long new_connections = 0;
            curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
            curl_easy_getinfo(easy, CURLINFO_NUM_CONNECTS, &new_connections);
            if (message->data.result != CURLE_OK || status != 200) {
                failure =
                    "transfer failed: " + std::string(curl_easy_strerror(message->data.result)) +
                    ", status " + std::to_string(status);
                break;
            }
            connects += new_connections;
            ++completed;
            curl_multi_remove_handle(multi, easy);
            curl_multi_add_handle(multi, easy);
        }
        if (completed_at_start == 0 && completed >= warm_up) {
            start = clock::now();
            completed_at_start = completed;
        }
        if (completed_at_start != 0 &&
            std::chrono::duration<double>(clock::now() - start).count() >= seconds) {
            break;
        }
        if (curl_multi_poll(multi, nullptr, 0, 1000, nullptr) != CURLM_OK) {
            failure = "curl_multi_poll failed";
        }
    }
    const double elapsed = std::chrono::duration<double>(clock::now() - start).count();
    for (transfer& t : transfers) {
        curl_multi_remove_handle(multi, t.easy);
        curl_easy_cleanup(t.easy);
    }
    curl_multi_cleanup(multi);
    curl_global_cleanup();
    if (!failure.empty()) {
        return fail(failure);
    }
    const std::size_t timed = completed - completed_at_start;
    std::printf("requests/s: %.0f\n", static_cast<double>(timed) / elapsed);
    std::printf("%zu requests in %.2f s over %ld connections (%ld opened)\n", timed, elapsed,
                connections, connects);
    return 0;
}
