// SPDX-License-Identifier: MIT
// resolve(): its options, and its timeout, which ends the caller's wait while the lookup goes on
// in the pool. No network: numeric hosts, "localhost", and a slow lookup put in getaddrinfo's
// place through the resolver seam.
#include <corio/net/resolver.hpp>

#include <corio/runtime/error.hpp>
#include <corio/runtime/event_loop.hpp>
#include <corio/runtime/sleep.hpp>

#include "resolver_seam.hpp"
#include "support/leak_check.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

using namespace std::chrono_literals;
using corio::net::address;
using corio::net::address_family;
using corio::net::resolve_options;

namespace {

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

template <class Body>
void run(Body body) {
    corio_test::leak_check check;
    {
        corio::event_loop loop;
        loop.run_until_complete(body());
        corio_test::expect_loop_is_clean(loop);
    }
}

// The slow lookup: answers after 400 ms, and counts the lookups that ran to the end.
std::atomic<int> slow_lookups_finished{0};
std::vector<address> slow_lookup(const corio::net::detail::lookup_request& request) {
    std::this_thread::sleep_for(400ms);
    slow_lookups_finished.fetch_add(1);
    if (request.host == "fails.test") {
        throw corio::net::resolve_error(request.host, "no such host (the test's)");
    }
    return {*address::from_ip("192.0.2.7", 80)};
}

// Puts the slow lookup in place for one test.
struct slow_resolver {
    slow_resolver() {
        slow_lookups_finished = 0;
        corio::net::detail::set_lookup_function(&slow_lookup);
    }
    ~slow_resolver() { corio::net::detail::set_lookup_function(nullptr); }
    slow_resolver(const slow_resolver&) = delete;
    slow_resolver& operator=(const slow_resolver&) = delete;
};

TEST(Resolver, AnIpLiteralIsAnsweredAsIs) {
    run([]() -> corio::task<> {
        const auto addresses = co_await corio::net::resolve("127.0.0.1", 8080);
        EXPECT_EQ(addresses.size(), 1u);
        if (addresses.size() != 1u) {
            co_return; // (ASSERT_* cannot return from a coroutine)
        }
        EXPECT_EQ(addresses[0], address::loopback_v4(8080));
        const auto by_service = co_await corio::net::resolve("::1", std::string("443"));
        EXPECT_EQ(by_service.size(), 1u);
        if (by_service.size() != 1u) {
            co_return; // (ASSERT_* cannot return from a coroutine)
        }
        EXPECT_EQ(by_service[0], address::loopback_v6(443));
    });
}

TEST(Resolver, AFamilyFilterKeepsOnlyThatFamily) {
    run([]() -> corio::task<> {
        resolve_options v4;
        v4.family = address_family::ipv4;
        for (const address& each : co_await corio::net::resolve("localhost", 80, v4)) {
            EXPECT_EQ(each.family(), address_family::ipv4) << each.to_string();
        }
        try {
            (void)co_await corio::net::resolve("::1", 80, v4);
            ADD_FAILURE() << "an IPv6 literal passed an IPv4-only lookup";
        } catch (const corio::net::resolve_error& failure) {
            EXPECT_EQ(failure.host(), "::1");
            EXPECT_TRUE(contains(failure.what(), "only IPv4")) << failure.what();
        }
    });
}

TEST(Resolver, NumericHostRefusesANameWithoutAskingDns) {
    slow_resolver slow; // had resolve() asked the lookup, the answer would be 192.0.2.7
    run([]() -> corio::task<> {
        resolve_options numeric;
        numeric.numeric_host = true;
        try {
            (void)co_await corio::net::resolve("localhost", 80, numeric);
            ADD_FAILURE() << "a name passed numeric_host";
        } catch (const corio::net::resolve_error& failure) {
            EXPECT_TRUE(contains(failure.what(), "not an IP address")) << failure.what();
        }
        EXPECT_EQ((co_await corio::net::resolve("10.1.2.3", 80, numeric)).at(0).to_string(),
                  "10.1.2.3:80");
    });
    EXPECT_EQ(slow_lookups_finished.load(), 0);
}

TEST(Resolver, NumericServiceRefusesAServiceName) {
    run([]() -> corio::task<> {
        resolve_options numeric;
        numeric.numeric_service = true;
        try {
            (void)co_await corio::net::resolve("127.0.0.1", std::string("http"), numeric);
            ADD_FAILURE() << "a service name passed numeric_service";
        } catch (const corio::net::resolve_error& failure) {
            EXPECT_TRUE(contains(failure.what(), "not a port number")) << failure.what();
        }
    });
}

TEST(Resolver, PassiveWithoutAHostGivesTheWildcardAddress) {
    run([]() -> corio::task<> {
        resolve_options passive;
        passive.family = address_family::ipv4;
        passive.passive = true;
        const auto wildcard = co_await corio::net::resolve("", 8080, passive);
        EXPECT_FALSE(wildcard.empty());
        if (wildcard.empty()) {
            co_return; // (ASSERT_* cannot return from a coroutine)
        }
        EXPECT_EQ(wildcard[0], address::any_v4(8080));
        resolve_options active;
        active.family = address_family::ipv4;
        const auto loopback = co_await corio::net::resolve("", 8080, active);
        EXPECT_FALSE(loopback.empty());
        if (loopback.empty()) {
            co_return; // (ASSERT_* cannot return from a coroutine)
        }
        EXPECT_EQ(loopback[0], address::loopback_v4(8080));
    });
}

TEST(Resolver, TheTimeoutEndsTheWaitWithAnErrorOfBothFamilies) {
    slow_resolver slow;
    run([]() -> corio::task<> {
        resolve_options bounded;
        bounded.timeout = 50ms;
        const auto started = std::chrono::steady_clock::now();
        try {
            (void)co_await corio::net::resolve("slow.test", 80, bounded);
            ADD_FAILURE() << "no timeout";
        } catch (const corio::net::resolve_timeout_error& failure) {
            // One object, caught as either family.
            const corio::timeout_error& as_timeout = failure;
            const corio::net::resolve_error& as_resolve = failure;
            EXPECT_EQ(as_resolve.host(), "slow.test");
            EXPECT_EQ(std::string(as_timeout.what()),
                      "cannot resolve 'slow.test': no answer within 50 ms");
        }
        const auto waited = std::chrono::steady_clock::now() - started;
        EXPECT_LT(waited, 300ms) << "the caller waited for the lookup";
        EXPECT_EQ(slow_lookups_finished.load(), 0) << "the lookup finished before the timeout";
        // The lookup goes on in the pool; once it is done, its answer is dropped and its task
        // ends, leaving the loop clean (checked by run()).
        co_await corio::sleep_for(600ms);
        EXPECT_EQ(slow_lookups_finished.load(), 1);
    });
}

TEST(Resolver, ALoopThatEndsWhileAnAbandonedLookupRunsWaitsForIt) {
    slow_resolver slow;
    corio_test::leak_check check;
    {
        corio::event_loop loop;
        loop.run_until_complete([]() -> corio::task<> {
            resolve_options bounded;
            bounded.timeout = 20ms;
            try {
                (void)co_await corio::net::resolve("slow.test", 80, bounded);
                ADD_FAILURE() << "no timeout";
            } catch (const corio::timeout_error&) {
            }
        }());
        EXPECT_EQ(slow_lookups_finished.load(), 0);
    } // the loop ends here, its lookup still running
    // The loop's shutdown waited for the pool job, whose state the detached task owned: nothing
    // ran on freed memory (ASan and TSan builds check), and the leak check balanced.
    EXPECT_EQ(slow_lookups_finished.load(), 1);
}

TEST(Resolver, WithinTheTimeoutTheAnswerAndTheFailureArrive) {
    slow_resolver slow;
    run([]() -> corio::task<> {
        resolve_options bounded;
        bounded.timeout = 5s;
        const auto answer = co_await corio::net::resolve("slow.test", 80, bounded);
        EXPECT_EQ(answer.size(), 1u);
        if (answer.size() != 1u) {
            co_return; // (ASSERT_* cannot return from a coroutine)
        }
        EXPECT_EQ(answer[0].to_string(), "192.0.2.7:80");
        try {
            (void)co_await corio::net::resolve("fails.test", 80, bounded);
            ADD_FAILURE() << "no error";
        } catch (const corio::timeout_error&) {
            ADD_FAILURE() << "a failed lookup reported as a timeout";
        } catch (const corio::net::resolve_error& failure) {
            EXPECT_TRUE(contains(failure.what(), "no such host (the test's)")) << failure.what();
        }
    });
}

TEST(Resolver, WithoutATimeoutTheCallerWaitsForTheLookup) {
    slow_resolver slow;
    run([]() -> corio::task<> {
        const auto answer = co_await corio::net::resolve("slow.test", 80);
        EXPECT_EQ(answer.size(), 1u);
        if (answer.size() != 1u) {
            co_return; // (ASSERT_* cannot return from a coroutine)
        }
        EXPECT_EQ(slow_lookups_finished.load(), 1);
    });
}

} // namespace
