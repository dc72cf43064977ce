// SPDX-License-Identifier: MIT
// Stall detection (loop_options::stall_threshold): a task or posted callback that runs longer
// than the threshold without handing control back is reported, with its name and how long.
#include <corio/runtime/event_loop.hpp>

#include <corio/runtime/stall.hpp>
#include <corio/runtime/sync/event.hpp>
#include <corio/runtime/yield.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

namespace {

// Burns CPU on the loop thread for `how_long` of real time (not a sleep: the point is a task
// that never suspends).
void spin_for(std::chrono::nanoseconds how_long) {
    const auto until = std::chrono::steady_clock::now() + how_long;
    while (std::chrono::steady_clock::now() < until) {
    }
}

corio::loop_options detecting(std::vector<corio::stall_report>& reports) {
    corio::loop_options options;
    options.stall_threshold = 10ms;
    options.stall_sink = [&reports](const corio::stall_report& report) {
        reports.push_back(report);
    };
    return options;
}

TEST(Stall, ATaskThatSpinsIsReportedWithItsName) {
    std::vector<corio::stall_report> reports;
    corio::event_loop loop{detecting(reports)};
    auto body = []() -> corio::task<> {
        auto parser = corio::spawn(
            []() -> corio::task<> {
                spin_for(50ms);
                co_return;
            }(),
            "parse");
        co_await parser;
    };
    loop.run_until_complete(body());
    ASSERT_EQ(reports.size(), 1U);
    EXPECT_EQ(reports[0].task, 2U);
    EXPECT_EQ(reports[0].name, "parse");
    EXPECT_GE(reports[0].ran, 50ms);
    EXPECT_LT(reports[0].ran, 5s);
    EXPECT_EQ(reports[0].threshold, 10ms);
    const std::string line = corio::format_stall_report(reports[0]);
    EXPECT_EQ(line.rfind("corio: stall: task #2 \"parse\" ran ", 0), 0U) << line;
    EXPECT_NE(line.find(" ms without suspending (threshold 10.0 ms)"), std::string::npos) << line;
}

TEST(Stall, AnUnnamedTaskIsReportedByItsId) {
    std::vector<corio::stall_report> reports;
    corio::event_loop loop{detecting(reports)};
    auto body = []() -> corio::task<> {
        co_await corio::yield_now();
        spin_for(30ms); // the main task itself, in its second slice
    };
    loop.run_until_complete(body());
    ASSERT_EQ(reports.size(), 1U);
    EXPECT_EQ(reports[0].task, 1U);
    EXPECT_EQ(reports[0].name, "task 1");
    EXPECT_EQ(corio::format_stall_report(reports[0]).rfind("corio: stall: task #1 ran ", 0), 0U);
}

TEST(Stall, ATaskThatYieldsEveryMillisecondIsNotReported) {
    std::vector<corio::stall_report> reports;
    corio::event_loop loop{detecting(reports)};
    auto body = []() -> corio::task<> {
        auto polite = corio::spawn(
            []() -> corio::task<> {
                const auto until = std::chrono::steady_clock::now() + 50ms;
                while (std::chrono::steady_clock::now() < until) {
                    spin_for(1ms);
                    co_await corio::yield_now();
                }
            }(),
            "polite");
        co_await polite;
    };
    loop.run_until_complete(body());
    EXPECT_TRUE(reports.empty()) << reports.size() << " reports, first: "
                                 << corio::format_stall_report(reports.front());
}

TEST(Stall, APostedCallbackThatSpinsIsReported) {
    std::vector<corio::stall_report> reports;
    corio::event_loop loop{detecting(reports)};
    auto body = [&]() -> corio::task<> {
        corio::event done;
        std::thread poster([&] {
            loop.post([&] {
                spin_for(30ms);
                done.set();
            });
        });
        co_await done.wait();
        poster.join();
    };
    loop.run_until_complete(body());
    // Only the callback's report counts: starting a thread inside the task's slice can itself take
    // longer than the threshold (it did under Wine), and that report would be right too.
    std::erase_if(reports, [](const corio::stall_report& report) { return report.task != 0; });
    ASSERT_EQ(reports.size(), 1U);
    EXPECT_EQ(reports[0].name, "posted callback");
    EXPECT_GE(reports[0].ran, 30ms);
    EXPECT_EQ(corio::format_stall_report(reports[0]).rfind("corio: stall: posted callback ran ", 0),
              0U);
}

TEST(Stall, StallsAreAlsoTraceEvents) {
    std::vector<corio::stall_report> reports;
    corio::loop_options options = detecting(reports);
    options.trace = true;
    corio::event_loop loop{options};
    auto body = []() -> corio::task<> {
        spin_for(20ms);
        co_return;
    };
    loop.run_until_complete(body());
    ASSERT_EQ(reports.size(), 1U);
    const corio::trace_recording& recording = *loop.trace();
    std::size_t stalls = 0;
    for (std::size_t i = 0; i < recording.events.size(); ++i) {
        const corio::trace_event& event = recording.events[i];
        if (event.kind == corio::trace_kind::stall) {
            ++stalls;
            EXPECT_EQ(event.task, 1U);
            EXPECT_GE(event.duration_ns, 20'000'000U);
            ASSERT_GE(i, 1U);
            EXPECT_EQ(recording.events[i - 1].kind, corio::trace_kind::task_resumed);
        }
        if (i > 0) {
            EXPECT_LE(recording.events[i - 1].at_ns, event.at_ns);
        }
    }
    EXPECT_EQ(stalls, 1U);
}

TEST(Stall, TheDefaultSinkWritesOneLineToStderr) {
    corio::loop_options options;
    options.stall_threshold = 5ms;
    corio::event_loop loop{options};
    testing::internal::CaptureStderr();
    auto body = []() -> corio::task<> {
        auto busy = corio::spawn(
            []() -> corio::task<> {
                spin_for(15ms);
                co_return;
            }(),
            "busy");
        co_await busy;
    };
    loop.run_until_complete(body());
    const std::string err = testing::internal::GetCapturedStderr();
    EXPECT_EQ(err.rfind("corio: stall: task #2 \"busy\" ran ", 0), 0U) << err;
    EXPECT_NE(err.find("(threshold 5.0 ms)\n"), std::string::npos) << err;
}

TEST(Stall, FormatReport) {
    corio::stall_report report;
    report.task = 3;
    report.name = "parse";
    report.ran = 52'100us;
    report.threshold = 10ms;
    EXPECT_EQ(corio::format_stall_report(report),
              "corio: stall: task #3 \"parse\" ran 52.1 ms without suspending (threshold 10.0 ms)");
    report.ran = 1500ms;
    report.name = "task 3";
    EXPECT_EQ(corio::format_stall_report(report),
              "corio: stall: task #3 ran 1.500 s without suspending (threshold 10.0 ms)");
}

} // namespace
