// SPDX-License-Identifier: MIT
// Naming backends (io_backend.hpp) and choosing one (backend_choice.hpp); no system calls here.
#include "backend_choice.hpp"

#include <array>
#include <stdexcept>
#include <string_view>

namespace corio {

namespace {
constexpr std::array<io_backend, 5> every_backend{io_backend::automatic, io_backend::epoll,
                                                  io_backend::io_uring, io_backend::kqueue,
                                                  io_backend::iocp};
} // namespace

std::string_view to_string(io_backend backend) noexcept {
    switch (backend) {
    case io_backend::automatic:
        return "auto";
    case io_backend::epoll:
        return "epoll";
    case io_backend::io_uring:
        return "io_uring";
    case io_backend::kqueue:
        return "kqueue";
    case io_backend::iocp:
        return "iocp";
    }
    return "unknown";
}

std::optional<io_backend> parse_io_backend(std::string_view name) noexcept {
    for (const io_backend backend : every_backend) {
        if (to_string(backend) == name) {
            return backend;
        }
    }
    return std::nullopt;
}

namespace detail {

namespace {

bool is_named_backend(io_backend backend) noexcept {
    return to_string(backend) != "unknown";
}

// "epoll or io_uring", "kqueue": what `platform` can run, for messages.
std::string runnable_here(const backend_platform& platform) {
    std::string text(to_string(platform.native));
    if (platform.native == io_backend::epoll && platform.io_uring_built) {
        text += " or io_uring";
    }
    return text;
}

// Where the request came from, for messages: "CORIO_BACKEND=io_uring" or
// "loop_options::backend = io_uring".
std::string request_source(io_backend backend, bool from_environment) {
    if (from_environment) {
        return std::string(backend_environment_variable) + "=" + std::string(to_string(backend));
    }
    return "loop_options::backend = " + std::string(to_string(backend));
}

} // namespace

backend_choice resolve_backend(io_backend requested, const char* environment,
                               const backend_platform& platform,
                               const std::function<io_uring_probe_result()>& probe_io_uring) {
    const bool from_environment = environment != nullptr && *environment != '\0';
    if (from_environment) {
        const std::optional<io_backend> named = parse_io_backend(environment);
        if (!named) {
            throw std::invalid_argument(
                std::string(backend_environment_variable) + "='" + environment +
                "' names no I/O backend: use auto, epoll, io_uring, kqueue or iocp (this "
                "platform runs " +
                runnable_here(platform) + ")");
        }
        requested = *named;
    } else if (!is_named_backend(requested)) {
        throw std::invalid_argument("loop_options::backend holds " +
                                    std::to_string(static_cast<int>(requested)) +
                                    ", which is no corio::io_backend");
    }
    const std::string source = request_source(requested, from_environment);

    if (requested == io_backend::automatic) {
        const std::string prefix = from_environment
                                       ? std::string(backend_environment_variable) + "=auto: "
                                       : std::string("automatic: ");
        if (platform.native != io_backend::epoll || !platform.automatic_prefers_io_uring) {
            return {platform.native,
                    prefix + std::string(to_string(platform.native)) + ", this platform's default"};
        }
        if (!platform.io_uring_built) {
            return {platform.native, prefix + "epoll: this build has no io_uring backend "
                                              "(CORIO_HAVE_IO_URING_REACTOR is not defined)"};
        }
        const io_uring_probe_result probe = probe_io_uring();
        if (!probe.usable) {
            return {platform.native, prefix + "epoll: io_uring cannot be used: " + probe.reason};
        }
        return {io_backend::io_uring, prefix + "io_uring: the probe found everything it needs"};
    }

    if (requested == platform.native) {
        return {requested, source, true};
    }
    if (requested != io_backend::io_uring || platform.native != io_backend::epoll) {
        throw std::system_error(std::make_error_code(std::errc::function_not_supported),
                                source + ": this platform runs " + runnable_here(platform) +
                                    ", not " + std::string(to_string(requested)));
    }
    if (!platform.io_uring_built) {
        throw std::system_error(std::make_error_code(std::errc::function_not_supported),
                                source + ": this build of corio has no io_uring backend "
                                         "(CORIO_HAVE_IO_URING_REACTOR is not defined)");
    }
    const io_uring_probe_result probe = probe_io_uring();
    if (!probe.usable) {
        throw std::system_error(probe.error,
                                source + ": io_uring cannot be used here: " + probe.reason);
    }
    return {io_backend::io_uring, source, true};
}

} // namespace detail
} // namespace corio
