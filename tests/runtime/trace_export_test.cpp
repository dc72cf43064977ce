// SPDX-License-Identifier: MIT
// chrome_trace_json() and timeline_svg() on recordings written by hand, event by event, as the
// recorder writes them (trace.hpp): the exports are checked on their own, and on streams no
// loop would produce (cut short, out of order, names full of markup).
#include <corio/runtime/trace.hpp>
#include <corio/runtime/trace_export.hpp>

#include "support/json_dom.hpp"
#include "support/xml_check.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <set>
#include <string>
#include <variant>
#include <vector>

namespace {

using corio::task_id;
using corio::trace_kind;
using corio::wait_category;

class recording_builder {
public:
    explicit recording_builder(std::string backend = "epoll") {
        recording_.backend = std::move(backend);
    }

    recording_builder& task(task_id id, task_id parent, std::string name, std::uint64_t at) {
        recording_.tasks.push_back({id, parent, std::move(name), at});
        return event(at, trace_kind::task_spawned, id, parent);
    }
    recording_builder& event(std::uint64_t at, trace_kind kind, task_id id, task_id other = 0) {
        corio::trace_event event;
        event.at_ns = at;
        event.kind = kind;
        event.task = id;
        event.other = other;
        recording_.events.push_back(event);
        return *this;
    }
    recording_builder& suspended(std::uint64_t at, task_id id, wait_category wait,
                                 std::string text) {
        event(at, trace_kind::task_suspended, id);
        recording_.events.back().wait = wait;
        recording_.events.back().text = std::move(text);
        return *this;
    }
    recording_builder& span(std::uint64_t at, std::uint64_t duration, trace_kind kind,
                            task_id id = 0, std::int64_t value = 0, std::uint32_t count = 0) {
        event(at, kind, id);
        recording_.events.back().duration_ns = duration;
        recording_.events.back().value = value;
        recording_.events.back().count = count;
        return *this;
    }
    corio::trace_recording& get() { return recording_; }

private:
    corio::trace_recording recording_;
};

constexpr std::uint64_t sleep_ns = 1'500'000'000;

// main (#1) spawns One (#2) and an unnamed task 3, then joins One; One sleeps 1.5 s, task 3
// waits on a socket that never becomes readable. One finishes and hands over to main at once
// (symmetric transfer); main spends its budget, yields, stalls, finishes. A posted callback
// runs last. Task 3 is still waiting when the recording ends.
corio::trace_recording two_tasks_and_a_socket() {
    recording_builder b;
    b.task(1, 0, "main", 0)
        .event(1000, trace_kind::task_resumed, 1)
        .task(2, 1, "One", 2000)
        .task(3, 1, "", 3000)
        .suspended(4000, 1, wait_category::task, "join task #2")
        .event(5000, trace_kind::task_resumed, 2)
        .suspended(6000, 2, wait_category::timer, "sleep 1.500 s")
        .event(7000, trace_kind::task_resumed, 3)
        .suspended(8000, 3, wait_category::io, "read fd 7")
        .span(9000, sleep_ns, trace_kind::reactor_wait, 0, 1'500'000'000, 0)
        .event(sleep_ns + 9000, trace_kind::task_woken, 2, 0)
        .event(sleep_ns + 10000, trace_kind::task_resumed, 2)
        .event(sleep_ns + 11000, trace_kind::task_completed, 2)
        .event(sleep_ns + 11000, trace_kind::task_woken, 1, 2)
        .event(sleep_ns + 11000, trace_kind::task_resumed, 1)
        .span(sleep_ns + 12000, 0, trace_kind::budget_exhausted, 1, 0, 64)
        .event(sleep_ns + 12000, trace_kind::task_yielded, 1)
        .event(sleep_ns + 13000, trace_kind::task_resumed, 1)
        .span(sleep_ns + 13000, 1000, trace_kind::stall, 1)
        .event(sleep_ns + 14000, trace_kind::task_completed, 1)
        .span(sleep_ns + 15000, 2000, trace_kind::posted_callback);
    return b.get();
}

const corio_test::json_value& member(const corio_test::json_value& value, std::string_view key) {
    const corio_test::json_value* found = value.find(key);
    if (found == nullptr) {
        ADD_FAILURE() << "no member " << key;
        static const corio_test::json_value null_value{};
        return null_value;
    }
    return *found;
}

std::string text_of(const corio_test::json_value& event, std::string_view key) {
    const corio_test::json_value* found = event.find(key);
    return found != nullptr && found->is_string() ? found->string() : std::string{"<missing>"};
}

double number_of(const corio_test::json_value& event, std::string_view key) {
    const corio_test::json_value* found = event.find(key);
    return found != nullptr && found->is_number() ? found->number() : -1.0;
}

// The trace's events, after checking the document's frame.
std::vector<corio_test::json_value> parsed_events(const std::string& json) {
    const corio_test::json_parse_result parsed = corio_test::parse_json(json);
    if (!parsed.value) {
        ADD_FAILURE() << "invalid JSON: " << parsed.error << "\n" << json;
        return {};
    }
    const corio_test::json_value& root = *parsed.value;
    EXPECT_EQ(text_of(root, "displayTimeUnit"), "ns");
    EXPECT_TRUE(member(root, "otherData").is_object());
    const corio_test::json_value& events = member(root, "traceEvents");
    if (!events.is_array()) {
        ADD_FAILURE() << "traceEvents is no array";
        return {};
    }
    double last_ts = -1;
    bool timed_seen = false;
    for (const corio_test::json_value& event : events.array()) {
        EXPECT_TRUE(event.is_object());
        const std::string ph = text_of(event, "ph");
        EXPECT_EQ(number_of(event, "pid"), 1.0);
        EXPECT_GE(number_of(event, "tid"), 1.0) << "tid 0 is the idle thread to Perfetto";
        if (ph == "M") {
            EXPECT_FALSE(timed_seen) << "metadata events come first";
            continue;
        }
        timed_seen = true;
        const double ts = number_of(event, "ts");
        EXPECT_GE(ts, last_ts) << "events are sorted by time";
        last_ts = ts;
        if (ph == "X") {
            EXPECT_GE(number_of(event, "dur"), 0.0);
        }
    }
    return events.array();
}

std::vector<const corio_test::json_value*>
with_ph(const std::vector<corio_test::json_value>& events, std::string_view ph) {
    std::vector<const corio_test::json_value*> found;
    for (const corio_test::json_value& event : events) {
        if (text_of(event, "ph") == ph) {
            found.push_back(&event);
        }
    }
    return found;
}

TEST(ChromeTraceJson, NamesATrackPerTaskInSpawnOrderAndOneForTheLoop) {
    const auto events = parsed_events(corio::chrome_trace_json(two_tasks_and_a_socket()));
    const auto metadata = with_ph(events, "M");
    ASSERT_EQ(metadata.size(), 9U);
    EXPECT_EQ(text_of(*metadata[0], "name"), "process_name");
    EXPECT_EQ(text_of(member(*metadata[0], "args"), "name"), "corio loop (epoll)");
    const std::vector<std::pair<double, std::string>> tracks{
        {1, "main (#1)"}, {2, "One (#2)"}, {3, "task 3 (#3)"}, {4, "loop (epoll)"}};
    for (std::size_t i = 0; i < tracks.size(); ++i) {
        const auto& name = *metadata[1 + 2 * i];
        const auto& sort = *metadata[2 + 2 * i];
        EXPECT_EQ(text_of(name, "name"), "thread_name");
        EXPECT_EQ(number_of(name, "tid"), tracks[i].first);
        EXPECT_EQ(text_of(member(name, "args"), "name"), tracks[i].second);
        EXPECT_EQ(text_of(sort, "name"), "thread_sort_index");
        EXPECT_EQ(number_of(sort, "tid"), tracks[i].first);
        EXPECT_EQ(number_of(member(sort, "args"), "sort_index"), static_cast<double>(i + 1));
    }
}

TEST(ChromeTraceJson, HoldsRunSlicesWaitSpansAndTheLoopsSpansInOrder) {
    const std::string json = corio::chrome_trace_json(two_tasks_and_a_socket());
    const auto events = parsed_events(json);
    struct expected_slice {
        double tid;
        std::string name;
        std::string cat;
        double ts;
        double dur;
    };
    const double s = 1'500'000.0; // the sleep, in microseconds
    const std::vector<expected_slice> expected{
        {1, "run", "run", 1, 3},
        {1, "wait: join task #2", "task", 4, s + 7},
        {2, "run", "run", 5, 1},
        {2, "wait: sleep 1.500 s", "timer", 6, s + 3},
        {3, "run", "run", 7, 1},
        {3, "wait: read fd 7", "io", 8, s + 9}, // unfinished: to the last timestamp
        {4, "epoll_wait timeout=1.500 s, events=0", "reactor", 9, s},
        {2, "run", "run", s + 10, 1},
        {1, "run", "run", s + 11, 1},
        {1, "run", "run", s + 13, 1},
        {1, "stall: ran 1.000 us without suspending", "stall", s + 13, 1},
        {4, "posted callback", "posted", s + 15, 2},
    };
    const auto slices = with_ph(events, "X");
    ASSERT_EQ(slices.size(), expected.size()) << json;
    for (std::size_t i = 0; i < expected.size(); ++i) {
        SCOPED_TRACE("slice " + std::to_string(i) + ": " + expected[i].name);
        EXPECT_EQ(number_of(*slices[i], "tid"), expected[i].tid);
        EXPECT_EQ(text_of(*slices[i], "name"), expected[i].name);
        EXPECT_EQ(text_of(*slices[i], "cat"), expected[i].cat);
        EXPECT_DOUBLE_EQ(number_of(*slices[i], "ts"), expected[i].ts);
        EXPECT_DOUBLE_EQ(number_of(*slices[i], "dur"), expected[i].dur);
    }
    const auto& unfinished = member(member(*slices[5], "args"), "unfinished");
    EXPECT_TRUE(std::holds_alternative<bool>(unfinished.data) && std::get<bool>(unfinished.data));
    // Microseconds with their nanoseconds, written exactly.
    EXPECT_NE(json.find("\"ts\":1500013.000,\"dur\":1.000"), std::string::npos);
}

TEST(ChromeTraceJson, DrawsAFlowFromTheWakerToTheWokenTasksNextSlice) {
    const auto events = parsed_events(corio::chrome_trace_json(two_tasks_and_a_socket()));
    const auto starts = with_ph(events, "s");
    const auto finishes = with_ph(events, "f");
    // Only One -> main: the timer's wake-up of One came from the loop and has no arrow.
    ASSERT_EQ(starts.size(), 1U);
    ASSERT_EQ(finishes.size(), 1U);
    EXPECT_EQ(number_of(*starts[0], "tid"), 2.0);
    EXPECT_EQ(number_of(*finishes[0], "tid"), 1.0);
    EXPECT_EQ(number_of(*starts[0], "id"), number_of(*finishes[0], "id"));
    EXPECT_EQ(text_of(*finishes[0], "bp"), "e");
    // One's slice ends as it wakes main (it finished): the arrow starts 1 ns inside it, where
    // a viewer finds the slice to bind it to.
    EXPECT_DOUBLE_EQ(number_of(*starts[0], "ts"), 1'500'010.999);
    EXPECT_DOUBLE_EQ(number_of(*finishes[0], "ts"), 1'500'011.0);
}

TEST(ChromeTraceJson, MarksSpawnsFailuresCancellationsAndSpentBudgets) {
    auto recording = two_tasks_and_a_socket();
    recording.tasks.push_back({4, 1, "Doomed", sleep_ns + 20000});
    recording_builder extra;
    extra.event(sleep_ns + 20000, trace_kind::task_spawned, 4, 1)
        .event(sleep_ns + 21000, trace_kind::task_resumed, 4)
        .event(sleep_ns + 22000, trace_kind::task_failed, 4);
    extra.get().events.back().text = "std::runtime_error: boom";
    for (auto& event : extra.get().events) {
        recording.events.push_back(event);
    }
    const auto events = parsed_events(corio::chrome_trace_json(recording));
    std::vector<std::string> instants;
    for (const auto* event : with_ph(events, "i")) {
        instants.push_back(text_of(*event, "name") + "@" +
                           std::to_string(static_cast<int>(number_of(*event, "tid"))));
    }
    EXPECT_EQ(instants, (std::vector<std::string>{"spawned@1", "spawned@2", "spawned@3",
                                                  "budget spent@1", "spawned@4", "failed@4"}));
    const auto failed = with_ph(events, "i").back();
    EXPECT_EQ(text_of(member(*failed, "args"), "what"), "std::runtime_error: boom");
    const auto spawned_one = with_ph(events, "i")[1];
    EXPECT_EQ(text_of(member(*spawned_one, "args"), "parent"), "main (#1)");
}

TEST(ChromeTraceJson, EscapesEveryStringSoItRoundTrips) {
    const std::string name =
        "He said \"hi\"\\ <&> tab\t newline\n bell\x07 caf\xC3\xA9 \xE2\x9C\x93";
    const std::string on = "queue \"jobs\"\r\n\x01\x1F</script>";
    recording_builder b{"ep\"oll"};
    b.task(1, 0, name, 0)
        .event(10, trace_kind::task_resumed, 1)
        .suspended(20, 1, wait_category::queue, on);
    const std::string json = corio::chrome_trace_json(b.get());
    for (char c : json) {
        const auto byte = static_cast<unsigned char>(c);
        EXPECT_TRUE(byte >= 0x20 || c == '\n') << "raw control character " << int{byte};
    }
    const auto parsed = corio_test::parse_json(json);
    ASSERT_TRUE(parsed.value) << parsed.error << "\n" << json;
    EXPECT_EQ(text_of(member(*parsed.value, "otherData"), "backend"), "ep\"oll");
    const auto events = member(*parsed.value, "traceEvents").array();
    bool named = false;
    bool waited = false;
    for (const auto& event : events) {
        if (text_of(event, "name") == "thread_name" && number_of(event, "tid") == 1.0) {
            EXPECT_EQ(text_of(member(event, "args"), "name"), name + " (#1)");
            named = true;
        }
        if (text_of(event, "cat") == "queue") {
            EXPECT_EQ(text_of(event, "name"), "wait: " + on);
            EXPECT_EQ(text_of(member(event, "args"), "on"), on);
            waited = true;
        }
    }
    EXPECT_TRUE(named);
    EXPECT_TRUE(waited);
    // Non-ASCII stays UTF-8, not \u escapes.
    EXPECT_NE(json.find("caf\xC3\xA9"), std::string::npos);
}

TEST(ChromeTraceJson, ReplacesBytesThatAreNotUtf8) {
    recording_builder b;
    b.task(1, 0, "bad \xFF\xC3 byte", 0).event(5, trace_kind::task_resumed, 1);
    const auto events = parsed_events(corio::chrome_trace_json(b.get()));
    ASSERT_GE(events.size(), 2U);
    EXPECT_EQ(text_of(member(events[1], "args"), "name"), "bad \xEF\xBF\xBD\xEF\xBF\xBD byte (#1)");
}

TEST(ChromeTraceJson, AnEmptyRecordingIsAValidTraceWithOnlyTheLoopsTrack) {
    const corio::trace_recording empty;
    const std::string json = corio::chrome_trace_json(empty);
    const auto events = parsed_events(json);
    EXPECT_EQ(events.size(), 3U) << json; // process_name, the loop's thread_name and sort index
    EXPECT_TRUE(with_ph(events, "X").empty());
}

TEST(ChromeTraceJson, ACutShortOrDisorderlyStreamStillGivesAValidTrace) {
    recording_builder b;
    // The list misses task 9; task 9 resumes without being spawned; time runs backwards once;
    // a task suspends twice; a completed task resumes; a wake-up names a task never seen.
    b.task(1, 0, "first", 100)
        .event(50, trace_kind::task_resumed, 9)
        .suspended(40, 9, wait_category::lock, "mutex")
        .suspended(200, 1, wait_category::event, "event.wait")
        .suspended(210, 1, wait_category::event, "event.wait")
        .event(220, trace_kind::task_completed, 1)
        .event(230, trace_kind::task_resumed, 1)
        .event(240, trace_kind::task_woken, 9, 77);
    b.get().dropped_events = 12345;
    const std::string json = corio::chrome_trace_json(b.get());
    const auto parsed = corio_test::parse_json(json);
    ASSERT_TRUE(parsed.value) << parsed.error;
    EXPECT_EQ(number_of(member(*parsed.value, "otherData"), "dropped"), 12345.0);
    const auto events = parsed_events(json);
    bool row_for_nine = false;
    for (const auto& event : events) {
        if (text_of(event, "name") == "thread_name" && number_of(event, "tid") == 9.0) {
            row_for_nine = true;
        }
    }
    EXPECT_TRUE(row_for_nine);
    EXPECT_NE(json.find("12345 later events dropped"), std::string::npos);
}

TEST(ChromeTraceJson, IsTheSameForTheSameRecording) {
    const auto recording = two_tasks_and_a_socket();
    EXPECT_EQ(corio::chrome_trace_json(recording), corio::chrome_trace_json(recording));
}

// ---- SVG --------------------------------------------------------------------------------------

corio_test::xml_document checked_svg(const std::string& svg) {
    corio_test::xml_document document = corio_test::check_xml(svg);
    EXPECT_TRUE(document.well_formed) << document.error << "\n" << svg;
    if (document.well_formed) {
        EXPECT_EQ(document.elements[0].name, "svg");
        EXPECT_NE(document.elements[0].attribute("xmlns"), nullptr);
    }
    // Nothing a standalone picture must not hold.
    EXPECT_EQ(svg.find("<script"), std::string::npos);
    EXPECT_EQ(svg.find("href"), std::string::npos);
    EXPECT_EQ(svg.find("@import"), std::string::npos);
    EXPECT_EQ(svg.find("nan"), std::string::npos);
    EXPECT_EQ(svg.find("inf"), std::string::npos);
    return document;
}

std::vector<std::string> attribute_values(const corio_test::xml_document& document,
                                          std::string_view name, std::string_view cls,
                                          std::string_view attribute) {
    std::vector<std::string> values;
    for (const auto* element : document.find_all(name, "class", cls)) {
        const std::string* value = element->attribute(attribute);
        values.push_back(value != nullptr ? *value : "<missing>");
    }
    return values;
}

TEST(TimelineSvg, IsWellFormedWithOneRowPerTaskInSpawnOrderAndOneLoopRow) {
    const std::string svg = corio::timeline_svg(two_tasks_and_a_socket(), {"Two tasks", 960});
    const auto document = checked_svg(svg);
    ASSERT_TRUE(document.well_formed);
    EXPECT_EQ(*document.elements[0].attribute("width"), "960");
    EXPECT_EQ(attribute_values(document, "g", "task-row", "data-task"),
              (std::vector<std::string>{"1", "2", "3"}));
    EXPECT_EQ(document.find_all("g", "class", "loop-row").size(), 1U);
    std::vector<std::string> labels;
    for (const auto* label : document.find_all("text", "class", "label")) {
        labels.push_back(label->text);
    }
    EXPECT_EQ(labels,
              (std::vector<std::string>{"main (#1)", "One (#2)", "task 3 (#3)", "loop (epoll)"}));
    const auto titles = document.find_all("text", "class", "title");
    ASSERT_EQ(titles.size(), 1U);
    EXPECT_EQ(titles[0]->text, "Two tasks");
}

TEST(TimelineSvg, HasALegendEntryForEachStateThatOccursAndNoOther) {
    const auto document = checked_svg(corio::timeline_svg(two_tasks_and_a_socket()));
    const auto legend = attribute_values(document, "g", "legend-entry", "data-state");
    EXPECT_EQ(legend,
              (std::vector<std::string>{"running", "ready", "wait-timer", "wait-io", "wait-task",
                                        "reactor-wait", "posted-callback", "stall", "wake-up"}));
    // Every drawn state is in the legend: bars, marks and wake-up arrows.
    std::set<std::string> drawn;
    for (const char* kind : {"bar", "mark", "wake-up"}) {
        for (const auto* element : document.find_all("rect", "class", kind)) {
            drawn.insert(*element->attribute("data-state"));
        }
        for (const auto* element : document.find_all("path", "class", kind)) {
            drawn.insert(*element->attribute("data-state"));
        }
    }
    EXPECT_EQ(drawn, std::set<std::string>(legend.begin(), legend.end()));
}

TEST(TimelineSvg, BarsCarryTheirIntervalAndWhatTheyWaitOnAndStayVisible) {
    const auto document = checked_svg(corio::timeline_svg(two_tasks_and_a_socket()));
    bool sleep_seen = false;
    bool unfinished_seen = false;
    for (std::size_t i = 0; i < document.elements.size(); ++i) {
        const auto& element = document.elements[i];
        if (element.name != "rect" || element.attribute("class") == nullptr ||
            *element.attribute("class") != "bar") {
            continue;
        }
        EXPECT_GE(std::stod(*element.attribute("width")), 1.5) << "a bar too thin to see";
        const std::string tooltip = document.all_text(i);
        EXPECT_NE(tooltip.find(" ms"), std::string::npos) << tooltip;
        if (tooltip.find("sleep 1.500 s") != std::string::npos) {
            EXPECT_EQ(*element.attribute("data-state"), "wait-timer");
            EXPECT_NE(tooltip.find("0.006000 ms \xE2\x86\x92 1500.009000 ms (1.500 s)"),
                      std::string::npos)
                << tooltip;
            sleep_seen = true;
        }
        if (tooltip.find("read fd 7") != std::string::npos) {
            EXPECT_NE(tooltip.find("still so when the recording ended"), std::string::npos);
            unfinished_seen = true;
        }
    }
    EXPECT_TRUE(sleep_seen);
    EXPECT_TRUE(unfinished_seen);
}

TEST(TimelineSvg, LabelsTheAxisInRoundSteps) {
    const auto document = checked_svg(corio::timeline_svg(two_tasks_and_a_socket()));
    std::vector<std::string> ticks;
    for (std::size_t i = 0; i < document.elements.size(); ++i) {
        const auto& element = document.elements[i];
        if (element.name == "text" && element.parent != corio_test::xml_element::npos &&
            document.elements[element.parent].attribute("class") != nullptr &&
            *document.elements[element.parent].attribute("class") == "axis") {
            ticks.push_back(element.text);
        }
    }
    // 1.5 s over about 760 px: a tick every 0.2 s.
    EXPECT_EQ(ticks, (std::vector<std::string>{"0.0 s", "0.2 s", "0.4 s", "0.6 s", "0.8 s", "1.0 s",
                                               "1.2 s", "1.4 s"}));
}

TEST(TimelineSvg, EscapesMarkupInNamesTextsAndTheTitle) {
    const std::string name = "<One & \"Two\"> 'three' \x01";
    recording_builder b;
    b.task(1, 0, name, 0)
        .event(10, trace_kind::task_resumed, 1)
        .suspended(20, 1, wait_category::event, "event <&> \"ready\"")
        .event(2000, trace_kind::task_woken, 1)
        .event(2010, trace_kind::task_resumed, 1)
        .event(2020, trace_kind::task_completed, 1);
    const std::string svg = corio::timeline_svg(b.get(), {"A & B <\"x\">", 640});
    const auto document = checked_svg(svg);
    ASSERT_TRUE(document.well_formed);
    EXPECT_EQ(document.find_all("text", "class", "title")[0]->text, "A & B <\"x\">");
    const auto labels = document.find_all("text", "class", "label");
    ASSERT_EQ(labels.size(), 2U);
    EXPECT_EQ(labels[0]->text, "<One & \"Two\"> 'three' \xEF\xBF\xBD (#1)");
    EXPECT_NE(svg.find("event &lt;&amp;&gt; &quot;ready&quot;"), std::string::npos);
}

TEST(TimelineSvg, CutsLabelsTooLongForTheLabelColumn) {
    recording_builder b;
    const std::string name(300, 'x');
    b.task(1, 0, name, 0).event(10, trace_kind::task_resumed, 1);
    const auto document = checked_svg(corio::timeline_svg(b.get(), {"", 960}));
    const auto labels = document.find_all("text", "class", "label");
    ASSERT_FALSE(labels.empty());
    EXPECT_LT(labels[0]->text.size(), 60U);
    EXPECT_NE(labels[0]->text.find("\xE2\x80\xA6"), std::string::npos);
}

TEST(TimelineSvg, AnEmptyRecordingIsAValidPictureWithTheLoopRowAndNoLegend) {
    const corio::trace_recording empty;
    const auto document = checked_svg(corio::timeline_svg(empty, {"Nothing", 960}));
    EXPECT_TRUE(document.find_all("g", "class", "task-row").empty());
    EXPECT_EQ(document.find_all("g", "class", "loop-row").size(), 1U);
    EXPECT_TRUE(document.find_all("g", "class", "legend-entry").empty());
}

TEST(TimelineSvg, ACutShortOrDisorderlyStreamStillGivesAValidPicture) {
    recording_builder b;
    b.task(1, 0, "first", 100)
        .event(50, trace_kind::task_resumed, 9)
        .suspended(40, 9, wait_category::lock, "mutex")
        .event(240, trace_kind::task_woken, 9, 77)
        .event(250, trace_kind::task_resumed, 1);
    b.get().dropped_events = 7;
    const std::string svg = corio::timeline_svg(b.get(), {"", 200}); // narrower than allowed
    const auto document = checked_svg(svg);
    EXPECT_EQ(attribute_values(document, "g", "task-row", "data-task"),
              (std::vector<std::string>{"1", "9"}));
    EXPECT_NE(svg.find("7 later events were dropped"), std::string::npos);
}

TEST(TimelineSvg, IsTheSameForTheSameRecordingAndGrowsWithTheRows) {
    const auto recording = two_tasks_and_a_socket();
    const std::string svg = corio::timeline_svg(recording, {"t", 960});
    EXPECT_EQ(svg, corio::timeline_svg(recording, {"t", 960}));
    auto more = recording;
    for (task_id id = 4; id < 14; ++id) {
        more.tasks.push_back({id, 1, "", 0});
    }
    const auto small = checked_svg(svg);
    const auto large = checked_svg(corio::timeline_svg(more, {"t", 960}));
    EXPECT_GT(std::stod(*large.elements[0].attribute("height")),
              std::stod(*small.elements[0].attribute("height")) + 9 * 20);
}

// ---- The checkers themselves -------------------------------------------------------------------

TEST(JsonChecker, RefusesWhatViewersRefuse) {
    EXPECT_TRUE(
        corio_test::parse_json(R"({"a":[1,-2.5e3,true,false,null,"\u00e9\ud83d\ude00"]})").value);
    for (const char* bad : {"{\"a\":1,}", "[1 2]", "\"raw\ttab\"", "\"\\x\"", "\"\\ud800\"", "01",
                            "{} {}", "{\"a\"}", "\"\xFF\"", "[", "nul"}) {
        EXPECT_FALSE(corio_test::parse_json(bad).value) << bad;
    }
    const auto escaped = corio_test::parse_json(R"("q\" b\\ n\n u\u0001 e\u00e9")");
    ASSERT_TRUE(escaped.value);
    EXPECT_EQ(escaped.value->string(), "q\" b\\ n\n u\x01 e\xC3\xA9");
}

TEST(XmlChecker, RefusesWhatBrowsersRefuse) {
    const auto good = corio_test::check_xml(
        "<?xml version=\"1.0\"?>\n<!-- c --><a x='1' y=\"&lt;&#65;&#x42;\"><b/>t &amp; u</a>\n");
    ASSERT_TRUE(good.well_formed) << good.error;
    EXPECT_EQ(*good.elements[0].attribute("y"), "<AB");
    EXPECT_EQ(good.elements[0].text, "t & u");
    for (const char* bad :
         {"<a>", "<a></b>", "<a x=1/>", "<a x='1' x='2'/>", "<a>&nbsp;</a>", "<a>a & b</a>",
          "<a>a < b</a>", "<a/><b/>", "<a x='<'/>", "<a>\x01</a>", "<a>&#0;</a>", "text",
          "<a><!-- -- --></a>", "<a x='1'y='2'/>", "<a>\xFF</a>"}) {
        EXPECT_FALSE(corio_test::check_xml(bad).well_formed) << bad;
    }
}

} // namespace
