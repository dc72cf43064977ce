// SPDX-License-Identifier: MIT
// connect_plan, white-box: which failure ends a request and which lets the next address try,
// and the error the request gets when every address failed.
#include "http/connect_plan.hpp"

#include <corio/http/error.hpp>
#include <corio/net/address.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>
#include <system_error>

using namespace std::chrono_literals;
using corio::http::client_timeouts;
using corio::http::detail::connect_plan;
using corio::http::detail::request_deadlines;

namespace {

const std::string url = "https://example.test/";

struct plan_fixture {
    request_deadlines::time_point start{};
    client_timeouts timeouts{};
    request_deadlines deadlines{timeouts, start};
    connect_plan plan{deadlines, url, "example.test"};
    corio::net::address first = *corio::net::address::from_ip("2001:db8::1", 443);
    corio::net::address second = *corio::net::address::from_ip("192.0.2.1", 443);
};

TEST(ConnectPlan, ARefusedAddressLetsTheNextOneTryAndTheLastReasonIsReported) {
    plan_fixture f;
    (void)f.plan.attempt(f.first, f.start);
    f.plan.attempt_failed(std::make_error_code(std::errc::connection_refused));
    (void)f.plan.attempt(f.second, f.start);
    f.plan.attempt_failed(std::make_error_code(std::errc::network_unreachable));
    try {
        f.plan.give_up();
        ADD_FAILURE() << "no error";
    } catch (const corio::http::connect_error& failure) {
        EXPECT_EQ(failure.url(), url);
        const std::string what = failure.what();
        EXPECT_EQ(what.rfind("cannot connect to 192.0.2.1:443: ", 0), 0u) << what;
        // Every address is named with its reason, not only the last.
        EXPECT_NE(what.find("every address failed: [2001:db8::1]:443: "), std::string::npos)
            << what;
        EXPECT_NE(what.find("; 192.0.2.1:443: "), std::string::npos) << what;
    }
}

TEST(ConnectPlan, RacedAttemptsReportTheirOwnAddresses) {
    plan_fixture f;
    EXPECT_EQ(f.plan.attempt_limit(f.start), std::optional<connect_plan::duration>(30s));
    f.plan.attempt_failed(f.second, std::make_error_code(std::errc::connection_refused));
    f.plan.attempt_timed_out(f.first);
    try {
        f.plan.give_up();
        ADD_FAILURE() << "no error";
    } catch (const corio::http::timeout_error& failure) {
        const std::string what = failure.what();
        EXPECT_EQ(what.rfind("connect timeout (30s) expired connecting to [2001:db8::1]:443", 0),
                  0u)
            << what;
        EXPECT_NE(what.find("192.0.2.1:443: "), std::string::npos) << what;
    }
}

TEST(ConnectPlan, AHandshakeBrokenOffOnOneAddressLetsTheNextOneTry) {
    plan_fixture f;
    (void)f.plan.attempt(f.first, f.start);
    EXPECT_NO_THROW(f.plan.handshake_failed("peer reset: the connection was reset", false));
    (void)f.plan.attempt(f.second, f.start);
    f.plan.handshake_timed_out();
    try {
        f.plan.give_up();
        ADD_FAILURE() << "no error";
    } catch (const corio::http::timeout_error& failure) {
        const std::string what = failure.what();
        EXPECT_EQ(
            what.rfind("connect timeout (30s) expired during the TLS handshake with 192.0.2.1:443",
                       0),
            0u)
            << what;
        EXPECT_NE(what.find("[2001:db8::1]:443: peer reset"), std::string::npos) << what;
    }
}

TEST(ConnectPlan, WhenTheLastAddressFailedItsHandshakeTheRequestGetsThatTlsError) {
    plan_fixture f;
    (void)f.plan.attempt(f.first, f.start);
    f.plan.attempt_failed(std::make_error_code(std::errc::connection_refused));
    (void)f.plan.attempt(f.second, f.start);
    f.plan.handshake_failed("handshake failure: the peer closed the connection", false);
    try {
        f.plan.give_up();
        ADD_FAILURE() << "no error";
    } catch (const corio::http::tls_error& failure) {
        const std::string what = failure.what();
        EXPECT_EQ(what.rfind("handshake failure: the peer closed the connection", 0), 0u) << what;
        EXPECT_EQ(failure.url(), url);
    }
}

TEST(ConnectPlan, ACertificateFailureEndsThePlanAtOnce) {
    plan_fixture f;
    (void)f.plan.attempt(f.first, f.start);
    EXPECT_THROW(f.plan.handshake_failed("untrusted certificate: self-signed certificate", true),
                 corio::http::tls_error);
}

TEST(ConnectPlan, AHandshakeThatRanIntoTheTotalDeadlineEndsThePlan) {
    plan_fixture f;
    f.timeouts.total = 10s;
    f.timeouts.connect = 30s;
    const request_deadlines deadlines{f.timeouts, f.start};
    connect_plan plan{deadlines, url, "example.test"};
    (void)plan.attempt(f.first, f.start); // bounded by the total: 10 s left, less than 30 s
    try {
        plan.handshake_timed_out();
        ADD_FAILURE() << "no error";
    } catch (const corio::http::timeout_error& failure) {
        EXPECT_EQ(std::string(failure.what()),
                  "total timeout (10s) expired while in the TLS handshake with [2001:db8::1]:443");
    }
}

} // namespace
