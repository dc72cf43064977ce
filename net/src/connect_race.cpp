// SPDX-License-Identifier: MIT
#include "connect_race.hpp"

#include <system_error>

namespace corio::net::detail {

std::vector<address> interleave_families(const std::vector<address>& addresses) {
    std::vector<address> v6;
    std::vector<address> v4;
    for (const address& each : addresses) {
        (each.family() == address_family::ipv6 ? v6 : v4).push_back(each);
    }
    std::vector<address> ordered;
    ordered.reserve(addresses.size());
    for (std::size_t i = 0; i < v6.size() || i < v4.size(); ++i) {
        if (i < v6.size()) {
            ordered.push_back(v6[i]);
        }
        if (i < v4.size()) {
            ordered.push_back(v4[i]);
        }
    }
    return ordered;
}

namespace {

std::string reason_of(const std::exception_ptr& error) {
    try {
        std::rethrow_exception(error);
    } catch (const std::exception& failure) {
        return failure.what();
    } catch (...) {
        return "unknown error";
    }
}

} // namespace

std::string describe_failures(const std::vector<attempt_failure>& failures) {
    std::string text;
    for (const attempt_failure& failure : failures) {
        if (!text.empty()) {
            text += "; ";
        }
        text += failure.peer.to_string() + ": " + reason_of(failure.error);
    }
    return text;
}

void throw_connect_failures(const std::string& host, const std::vector<attempt_failure>& failures) {
    if (failures.empty()) {
        throw std::system_error(std::make_error_code(std::errc::address_not_available),
                                "connect to " + host + ": no address to try");
    }
    if (failures.size() == 1) {
        std::rethrow_exception(failures.front().error);
    }
    const std::string message =
        "connect to " + host + ": every address failed: " + describe_failures(failures);
    try {
        std::rethrow_exception(failures.back().error);
    } catch (const corio::timeout_error&) {
        throw corio::timeout_error(message);
    } catch (const std::system_error& failure) {
        throw std::system_error(failure.code(), message);
    }
}

} // namespace corio::net::detail
