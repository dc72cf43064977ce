// SPDX-License-Identifier: MIT
#include "support/nginx_process.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fcntl.h>
#include <fstream>
#include <netinet/in.h>
#include <spawn.h>
#include <sstream>
#include <stdexcept>
#include <string_view>
#include <sys/socket.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

extern char** environ;

namespace corio_test {

namespace {

using namespace std::chrono_literals;

// A port nobody listens on right now (the kernel's pick for an ephemeral bind). Another process
// may take it before nginx does; start() is then retried with another.
std::uint16_t free_loopback_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0); // (no SOCK_CLOEXEC on macOS)
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
        if (fd >= 0) {
            ::close(fd);
        }
        throw std::runtime_error("cannot find a free loopback port");
    }
    ::close(fd);
    return ntohs(address.sin_port);
}

bool accepts_connections(std::uint16_t port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0); // (no SOCK_CLOEXEC on macOS)
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(port);
    const bool connected =
        fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
    if (fd >= 0) {
        ::close(fd);
    }
    return connected;
}

std::string read_file(const std::filesystem::path& file) {
    std::ifstream in(file);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

} // namespace

std::optional<std::filesystem::path> nginx_process::find() {
    // Debian's place (not always on a user's PATH), then the PATH (Homebrew's, say).
    std::vector<std::filesystem::path> candidates{"/usr/sbin/nginx", "/usr/local/sbin/nginx"};
    if (const char* path = std::getenv("PATH")) {
        std::string_view rest = path;
        while (!rest.empty()) {
            const std::size_t colon = rest.find(':');
            const std::string_view directory = rest.substr(0, colon);
            if (!directory.empty()) {
                candidates.push_back(std::filesystem::path(directory) / "nginx");
            }
            rest = colon == std::string_view::npos ? std::string_view() : rest.substr(colon + 1);
        }
    }
    for (const std::filesystem::path& candidate : candidates) {
        if (::access(candidate.c_str(), X_OK) == 0) {
            return candidate;
        }
    }
    return std::nullopt;
}

nginx_process::nginx_process(const std::filesystem::path& directory, const std::string& server_body,
                             const std::optional<nginx_tls>& tls)
    : directory_(directory)
    , server_body_(server_body)
    , tls_(tls) {
    const std::optional<std::filesystem::path> executable = find();
    if (!executable) {
        throw std::runtime_error("nginx is not installed");
    }
    // nginx's worker drops root privileges: it must be able to enter the directory.
    std::filesystem::permissions(
        directory_, std::filesystem::perms::owner_all | std::filesystem::perms::group_read |
                        std::filesystem::perms::group_exec | std::filesystem::perms::others_read |
                        std::filesystem::perms::others_exec);
    for (int attempt = 0; attempt < 5; ++attempt) {
        if (start(*executable, free_loopback_port())) {
            return;
        }
    }
    throw std::runtime_error("nginx did not start; its error log:\n" +
                             read_file(directory_ / "error.log"));
}

nginx_process::~nginx_process() {
    stop();
}

std::string nginx_process::url(const std::string& path) const {
    return std::string(tls_ ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_) + path;
}

bool nginx_process::start(const std::filesystem::path& executable, std::uint16_t port) {
    const std::string dir = directory_.string();
    std::ofstream config(directory_ / "nginx.conf");
    config << "worker_processes 1;\n"
           << "daemon off;\n"
           << "pid " << dir << "/nginx.pid;\n"
           << "error_log " << dir << "/error.log warn;\n"
           << "events { worker_connections 1024; }\n"
           << "http {\n"
           << "    access_log off;\n"
           << "    client_body_temp_path " << dir << "/client_body;\n"
           << "    proxy_temp_path " << dir << "/proxy;\n"
           << "    fastcgi_temp_path " << dir << "/fastcgi;\n"
           << "    uwsgi_temp_path " << dir << "/uwsgi;\n"
           << "    scgi_temp_path " << dir << "/scgi;\n"
           << "    default_type text/plain;\n"
           << "    keepalive_requests 1000000;\n"
           << "    keepalive_timeout 60s;\n"
           << "    server {\n"
           << "        listen 127.0.0.1:" << port << (tls_ ? " ssl" : "") << ";\n";
    if (tls_) {
        config << "        ssl_certificate " << tls_->certificate_chain_file.string() << ";\n"
               << "        ssl_certificate_key " << tls_->private_key_file.string() << ";\n"
               << "        ssl_protocols TLSv1.2 TLSv1.3;\n"
               << "        ssl_session_cache shared:corio:1m;\n";
    }
    config << server_body_ << "\n    }\n}\n";
    config.close();

    const std::string log = dir + "/error.log";
    const std::string conf = dir + "/nginx.conf";
    std::vector<std::string> args{executable.string(), "-p", dir + "/", "-c", conf, "-e", log};
    std::vector<char*> argv;
    argv.reserve(args.size() + 1);
    for (std::string& arg : args) {
        argv.push_back(arg.data());
    }
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    ::posix_spawn_file_actions_init(&actions);
    ::posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    ::posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    ::posix_spawn_file_actions_addopen(&actions, 2, log.c_str(), O_WRONLY | O_CREAT | O_APPEND,
                                       0644);
    const int spawned = ::posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
    ::posix_spawn_file_actions_destroy(&actions);
    if (spawned != 0) {
        pid_ = -1;
        throw std::runtime_error("cannot start nginx");
    }
    const auto give_up = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < give_up) {
        if (accepts_connections(port)) {
            port_ = port;
            return true;
        }
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1; // it exited: the port was taken, say
            return false;
        }
        std::this_thread::sleep_for(20ms);
    }
    stop();
    return false;
}

void nginx_process::stop() noexcept {
    if (pid_ <= 0) {
        return;
    }
    ::kill(pid_, SIGQUIT); // graceful: the master stops its worker, then exits
    const auto give_up = std::chrono::steady_clock::now() + 5s;
    int status = 0;
    while (::waitpid(pid_, &status, WNOHANG) == 0) {
        if (std::chrono::steady_clock::now() > give_up) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, &status, 0);
            break;
        }
        std::this_thread::sleep_for(10ms);
    }
    pid_ = -1;
}

} // namespace corio_test
