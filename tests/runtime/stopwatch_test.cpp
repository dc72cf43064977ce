// SPDX-License-Identifier: MIT
#include <corio/runtime/stopwatch.hpp>

#include <corio/runtime/error.hpp>
#include <corio/runtime/event_loop.hpp>
#include <corio/runtime/sleep.hpp>

#include "support/leak_check.hpp"

#include <gtest/gtest.h>

#include <sstream>

using namespace std::chrono_literals;

namespace {

TEST(Stopwatch, FormatsTheCodetimingTemplates) {
    EXPECT_EQ(corio::stopwatch::format("Task One elapsed time: {:.1f}", 15.04),
              "Task One elapsed time: 15.0");
    EXPECT_EQ(corio::stopwatch::format("\nTotal elapsed time: {:.1f}", 32.0),
              "\nTotal elapsed time: 32.0");
    EXPECT_EQ(corio::stopwatch::format("Elapsed time: {:0.4f} seconds", 1.5),
              "Elapsed time: 1.5000 seconds");
    EXPECT_EQ(corio::stopwatch::format("{{literal}} {:.2f}", 0.125), "{literal} 0.12");
    EXPECT_EQ(corio::stopwatch::format("no field", 3.0), "no field");
}

TEST(Stopwatch, PrintsVirtualSecondsInsideAVirtualTimeLoop) {
    corio_test::leak_check check;
    std::ostringstream out;
    auto main_task = [&]() -> corio::task<> {
        corio::stopwatch timer{"Task One elapsed time: {:.1f}", &out};
        timer.start();
        co_await corio::sleep_for(15s);
        EXPECT_DOUBLE_EQ(timer.stop(), 15.0);
    };
    corio::run(main_task(), corio::loop_options::with_virtual_time());
    EXPECT_EQ(out.str(), "Task One elapsed time: 15.0\n");
}

TEST(Stopwatch, AScopePrintsWhenItEnds) {
    corio_test::leak_check check;
    std::ostringstream out;
    auto main_task = [&]() -> corio::task<> {
        corio::stopwatch::scope total{"Total elapsed time: {:.1f}", &out};
        co_await corio::sleep_for(17s);
    };
    corio::run(main_task(), corio::loop_options::with_virtual_time());
    EXPECT_EQ(out.str(), "Total elapsed time: 17.0\n");
}

TEST(Stopwatch, StopWithoutStartIsAUsageError) {
    std::ostringstream out;
    corio::stopwatch timer{"{}", &out};
    EXPECT_THROW(timer.stop(), corio::usage_error);
}

} // namespace
