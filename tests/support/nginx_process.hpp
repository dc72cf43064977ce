// SPDX-License-Identifier: MIT
// nginx_process.hpp - a real nginx for interoperability tests and benchmarks, started by the
// test from a config it writes, on 127.0.0.1, and stopped by PID.
//
// The server block's contents come from the test (locations, `return 200 "..."`, gzip...); the
// harness adds the listen directive on a free port, TLS with the given certificate and key when
// there is one, and keeps everything nginx writes (pid file, error log, temporary files) in the
// scratch directory. The constructor returns once nginx accepts connections; the destructor
// asks it to quit (SIGQUIT), and kills it if it has not within a few seconds. POSIX only.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <sys/types.h>

namespace corio_test {

struct nginx_tls {
    std::filesystem::path certificate_chain_file;
    std::filesystem::path private_key_file;
};

class nginx_process {
public:
    // The nginx executable, or nullopt when it is not installed (the test then skips, saying so).
    [[nodiscard]] static std::optional<std::filesystem::path> find();

    // Starts nginx with `server_body` inside its server block, working in `directory`. Throws
    // std::runtime_error (with nginx's error log) if it does not come up.
    nginx_process(const std::filesystem::path& directory, const std::string& server_body,
                  const std::optional<nginx_tls>& tls = std::nullopt);
    ~nginx_process();
    nginx_process(const nginx_process&) = delete;
    nginx_process& operator=(const nginx_process&) = delete;

    [[nodiscard]] std::uint16_t port() const noexcept { return port_; }
    // "http(s)://127.0.0.1:<port><path>"
    [[nodiscard]] std::string url(const std::string& path = "/") const;

private:
    bool start(const std::filesystem::path& executable, std::uint16_t port);
    void stop() noexcept;

    std::filesystem::path directory_;
    std::string server_body_;
    std::optional<nginx_tls> tls_;
    pid_t pid_ = -1;
    std::uint16_t port_ = 0;
};

} // namespace corio_test
