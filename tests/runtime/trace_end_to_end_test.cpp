// SPDX-License-Identifier: MIT
// A real loop's recording through both exports: the trace of a small known program parses as
// JSON and holds its events in order, and its timeline is well-formed XML with a row per task.
// (trace_test.cpp checks the recording itself, trace_export_test.cpp the exports on recordings
// written by hand; this joins the two.)
#include <corio/runtime/event_loop.hpp>
#include <corio/runtime/sleep.hpp>
#include <corio/runtime/trace.hpp>
#include <corio/runtime/trace_export.hpp>

#include "support/json_dom.hpp"
#include "support/xml_check.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace {

using namespace std::chrono_literals;

corio::task<> sleeper(std::chrono::milliseconds delay) {
    co_await corio::sleep_for(delay);
}

// main (#1) spawns One (#2, sleeps 10 ms) and Two (#3, sleeps 20 ms) and joins them in turn.
corio::task<> known_program() {
    corio::join_handle<void> one = corio::spawn(sleeper(10ms), "One");
    corio::join_handle<void> two = corio::spawn(sleeper(20ms), "Two");
    co_await one;
    co_await two;
}

corio::trace_recording record_known_program() {
    corio::loop_options options = corio::loop_options::with_virtual_time();
    options.trace = true;
    corio::event_loop loop{options};
    loop.run_until_complete(known_program(), "main");
    return *loop.trace();
}

std::string text_of(const corio_test::json_value& object, std::string_view key) {
    const corio_test::json_value* value = object.find(key);
    return value != nullptr && value->is_string() ? value->string() : std::string{};
}

double number_of(const corio_test::json_value& object, std::string_view key) {
    const corio_test::json_value* value = object.find(key);
    return value != nullptr && value->is_number() ? value->number() : -1.0;
}

TEST(TraceEndToEnd, AKnownProgramsChromeTraceParsesAndHoldsItsEventsInOrder) {
    const std::string json = corio::chrome_trace_json(record_known_program());
    const corio_test::json_parse_result parsed = corio_test::parse_json(json);
    ASSERT_TRUE(parsed.value) << parsed.error << "\n" << json;
    const corio_test::json_value* events = parsed.value->find("traceEvents");
    ASSERT_TRUE(events != nullptr && events->is_array());

    // Track names (metadata), then each track's slices in the order they appear.
    std::map<double, std::string> track_names;
    std::map<std::string, std::vector<std::string>> slices; // track name -> slice names
    std::map<std::string, std::vector<double>> starts;      // track name -> slice start times
    std::vector<std::pair<double, double>> flows;           // (tid of "s", tid of "f") by id order
    std::map<double, double> flow_start_tid;
    for (const corio_test::json_value& event : events->array()) {
        const std::string ph = text_of(event, "ph");
        const double tid = number_of(event, "tid");
        if (ph == "M" && text_of(event, "name") == "thread_name") {
            const corio_test::json_value* args = event.find("args");
            ASSERT_NE(args, nullptr);
            track_names[tid] = text_of(*args, "name");
        } else if (ph == "X") {
            slices[track_names[tid]].push_back(text_of(event, "name"));
            starts[track_names[tid]].push_back(number_of(event, "ts"));
        } else if (ph == "s") {
            flow_start_tid[number_of(event, "id")] = tid;
        } else if (ph == "f") {
            flows.emplace_back(flow_start_tid[number_of(event, "id")], tid);
        }
    }
    std::vector<std::string> names;
    for (const auto& [tid, name] : track_names) {
        names.push_back(name);
    }
    ASSERT_GE(names.size(), 4U) << json;
    EXPECT_EQ(names[0], "main (#1)");
    EXPECT_EQ(names[1], "One (#2)");
    EXPECT_EQ(names[2], "Two (#3)");

    // One and Two: run, wait on their sleep, run again to finish.
    for (const std::string task : {"One (#2)", "Two (#3)"}) {
        const std::vector<std::string>& story = slices[task];
        ASSERT_EQ(story.size(), 3U) << task << "\n" << json;
        EXPECT_EQ(story[0], "run");
        EXPECT_EQ(story[1].rfind("wait: sleep", 0), 0U) << story[1];
        EXPECT_EQ(story[2], "run");
    }
    // main: run, wait to join One, run, wait to join Two, run.
    const std::vector<std::string>& main_story = slices["main (#1)"];
    ASSERT_EQ(main_story.size(), 5U) << json;
    EXPECT_EQ(main_story[1], "wait: join task #2");
    EXPECT_EQ(main_story[3], "wait: join task #3");
    for (const auto& [task, times] : starts) {
        EXPECT_TRUE(std::is_sorted(times.begin(), times.end())) << task;
    }
    // One's sleep ends (10 ms) before Two's (20 ms), both after they started together.
    EXPECT_LT(starts["One (#2)"][2], starts["Two (#3)"][2]);
    // The finishing tasks hand over to main: arrows from One's and Two's tracks to main's.
    double main_tid = -1;
    for (const auto& [tid, name] : track_names) {
        if (name == "main (#1)") {
            main_tid = tid;
        }
    }
    int arrows_to_main = 0;
    for (const auto& [from, to] : flows) {
        if (to == main_tid && from != main_tid) {
            ++arrows_to_main;
        }
    }
    EXPECT_EQ(arrows_to_main, 2) << json;
}

TEST(TraceEndToEnd, AKnownProgramsTimelineIsWellFormedWithOneRowPerTask) {
    const std::string svg =
        corio::timeline_svg(record_known_program(), {.title = "known program", .width = 960});
    const corio_test::xml_document document = corio_test::check_xml(svg);
    ASSERT_TRUE(document.well_formed) << document.error << "\n" << svg;
    EXPECT_EQ(document.elements[0].name, "svg");
    EXPECT_EQ(document.find_all("g", "class", "task-row").size(), 3U);
    EXPECT_EQ(document.find_all("g", "class", "loop-row").size(), 1U);
    EXPECT_NE(svg.find("known program"), std::string::npos);
    for (const char* name : {"main", "One", "Two"}) {
        EXPECT_NE(svg.find(std::string(">") + name), std::string::npos) << name;
    }
}

} // namespace
