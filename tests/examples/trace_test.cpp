// SPDX-License-Identifier: MIT
// The examples' --trace, --timeline and --dump-on-signal, run as black boxes (and the hand-made
// recording of the generator steps, in process).
//
// The lesson the timelines exist for is checked on the trace data: in step 3 the blocking sleep
// happens inside a running slice, so the two tasks never wait at the same time (one runs, blocked,
// while the other is merely ready); in step 4 both tasks sleep at once.
#include "example_trace.hpp"
#include "support/child_process.hpp"
#include "trace_file_checks.hpp"

#ifndef _WIN32
#include "support/spawned_process.hpp"

#include <csignal>
#endif

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace std::chrono_literals;

// A fresh folder under the system's temporary one, removed with everything in it.
class scratch_folder {
public:
    scratch_folder()
        : path_(std::filesystem::temp_directory_path() /
                ("corio-trace-test-" + std::to_string(std::random_device{}()))) {
        std::filesystem::create_directories(path_);
    }
    ~scratch_folder() {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    scratch_folder(const scratch_folder&) = delete;
    scratch_folder& operator=(const scratch_folder&) = delete;

    [[nodiscard]] std::filesystem::path operator/(const std::string& name) const {
        return path_ / name;
    }

private:
    std::filesystem::path path_;
};

struct traced_run {
    corio_test::process_result result;
    std::string json;
    std::string svg;
};

// Runs `program` with `args` plus --trace and --timeline into a scratch folder; the files' text.
traced_run run_traced(const std::string& program, std::vector<std::string> args) {
    const scratch_folder folder;
    args.insert(args.end(), {"--trace", (folder / "run.json").string(), "--timeline",
                             (folder / "run.svg").string()});
    traced_run run{corio_test::run_process(program, args, 60s), {}, {}};
    run.json = corio_test::read_whole_file(folder / "run.json");
    run.svg = corio_test::read_whole_file(folder / "run.svg");
    return run;
}

TEST(ExampleTraces, EveryTutorialStepWritesATraceAndATimeline) {
    struct case_ {
        const char* program;
        bool time_scale;
    };
    for (const case_& example :
         {case_{EXAMPLE_01_synchronous, false}, case_{EXAMPLE_02_cooperative_generators, false},
          case_{EXAMPLE_03_cooperative_blocking, true},
          case_{EXAMPLE_04_cooperative_nonblocking, true}, case_{EXAMPLE_05_blocking_http, true},
          case_{EXAMPLE_06_async_http, true}, case_{EXAMPLE_07_task_per_url, true}}) {
        SCOPED_TRACE(example.program);
        std::vector<std::string> args;
        if (example.time_scale) {
            args = {"--time-scale", "0.01"};
        }
        const traced_run run = run_traced(example.program, args);
        ASSERT_EQ(run.result.exit_code, 0) << run.result.err;
        EXPECT_TRUE(corio_test::looks_like_chrome_trace(run.json)) << run.json.substr(0, 200);
        EXPECT_TRUE(corio_test::looks_like_svg(run.svg)) << run.svg.substr(0, 200);
        EXPECT_EQ(run.result.err, "");
    }
}

TEST(ExampleTraces, TheOtherExamplesWriteThemToo) {
    const traced_run udp = run_traced(EXAMPLE_UDP_ECHO, {"--count", "2"});
    EXPECT_EQ(udp.result.exit_code, 0) << udp.result.err;
    EXPECT_TRUE(corio_test::looks_like_chrome_trace(udp.json));
    EXPECT_TRUE(corio_test::looks_like_svg(udp.svg));

    // A failed fetch (nothing listens on port 1) still leaves its trace: exit status 1, files.
    const traced_run get = run_traced(EXAMPLE_CORIO_GET, {"--timeout", "5", "http://127.0.0.1:1/"});
    EXPECT_EQ(get.result.exit_code, 1) << get.result.out << get.result.err;
    EXPECT_TRUE(corio_test::looks_like_chrome_trace(get.json));
    EXPECT_TRUE(corio_test::looks_like_svg(get.svg));
}

// The tour runs every step with --trace and --timeline into one folder and names it at the end.
TEST(ExampleTraces, TheTourWritesEveryStepsTimelineIntoTheFolderItNames) {
    const scratch_folder folder;
    const std::filesystem::path timelines = folder / "timelines";
    const corio_test::process_result tour = corio_test::run_process(
        EXAMPLE_TOUR, {"--time-scale", "0.01", "--timeline-dir", timelines.string()}, 120s);
    ASSERT_EQ(tour.exit_code, 0) << tour.err;
    for (int step = 1; step <= 7; ++step) {
        const std::string name = "step0" + std::to_string(step);
        SCOPED_TRACE(name);
        EXPECT_TRUE(
            corio_test::looks_like_svg(corio_test::read_whole_file(timelines / (name + ".svg"))));
        EXPECT_TRUE(corio_test::looks_like_chrome_trace(
            corio_test::read_whole_file(timelines / (name + ".json"))));
    }
    // Its last line names the folder (lines_of drops the '\r' that Windows' text mode adds).
    const std::vector<std::string> lines = corio_test::lines_of(tour.out);
    ASSERT_GE(lines.size(), 2U);
    EXPECT_EQ(lines.back(), "are in " + std::filesystem::absolute(timelines).string()) << tour.out;
    // Its second line names the backend the steps' loops run on.
    EXPECT_TRUE(lines[1] == "reactor backend: epoll" || lines[1] == "reactor backend: io_uring" ||
                lines[1] == "reactor backend: kqueue" || lines[1] == "reactor backend: iocp")
        << tour.out;
}

TEST(ExampleTraces, AFileThatCannotBeWrittenIsAnErrorNamingIt) {
    const scratch_folder folder;
    const std::string missing = (folder / "no-such-folder" / "run.svg").string();
    for (const char* program :
         {EXAMPLE_03_cooperative_blocking, EXAMPLE_04_cooperative_nonblocking}) {
        SCOPED_TRACE(program);
        const corio_test::process_result run =
            corio_test::run_process(program, {"--time-scale", "0.01", "--timeline", missing});
        EXPECT_EQ(run.exit_code, 1);
        EXPECT_NE(run.err.find("error: cannot write the timeline to '" + missing + "'"),
                  std::string::npos)
            << run.err;
    }
}

TEST(ExampleTraces, TheFlagsWantAFileAndDumpOnSignalWantsALoop) {
    EXPECT_EQ(corio_test::run_process(EXAMPLE_04_cooperative_nonblocking, {"--trace"}).exit_code,
              2);
    EXPECT_EQ(corio_test::run_process(EXAMPLE_UDP_ECHO, {"--timeline"}).exit_code, 2);
    const corio_test::process_result step3 =
        corio_test::run_process(EXAMPLE_03_cooperative_blocking, {"--dump-on-signal"});
    EXPECT_EQ(step3.exit_code, 2);
    EXPECT_NE(step3.err.find("no event loop"), std::string::npos) << step3.err;
}

// The point of putting steps 3 and 4 one above the other. Step 3's tasks each sleep their
// delays inside a running slice (a blocking call), so no task ever waits: never two at once, and
// the slices of the two tasks never overlap and fill the run. In step 4 both tasks wait on
// timers at the same time: all of Two's 10 s sleep happens during One's 15 s one.
TEST(ExampleTraces, StepThreesTasksNeverWaitTogetherWhileStepFoursDo) {
    constexpr double scale = 0.05;
    constexpr double us_per_tutorial_second = scale * 1e6;

    const traced_run step3 =
        run_traced(EXAMPLE_03_cooperative_blocking, {"--time-scale", std::to_string(scale)});
    ASSERT_EQ(step3.result.exit_code, 0) << step3.result.err;
    {
        const std::vector<corio_test::trace_span> spans = corio_test::complete_events(step3.json);
        const std::uint64_t one = corio_test::tid_of_task(step3.json, "One");
        const std::uint64_t two = corio_test::tid_of_task(step3.json, "Two");
        ASSERT_NE(one, 0U) << step3.json;
        ASSERT_NE(two, 0U) << step3.json;
        EXPECT_EQ(corio_test::overlap_us(corio_test::spans_of(spans, one, "wait: "),
                                         corio_test::spans_of(spans, two, "wait: ")),
                  0.0);
        const auto one_runs = corio_test::spans_of(spans, one, "run");
        const auto two_runs = corio_test::spans_of(spans, two, "run");
        EXPECT_EQ(corio_test::overlap_us(one_runs, two_runs), 0.0);
        double running = 0;
        for (const auto* runs : {&one_runs, &two_runs}) {
            for (const corio_test::trace_span& run : *runs) {
                running += run.end_us - run.begin_us;
            }
        }
        // The delays add up to 32 tutorial seconds, all of them spent inside slices.
        EXPECT_GE(running, 32 * us_per_tutorial_second * 0.95) << step3.json;
    }

    const traced_run step4 =
        run_traced(EXAMPLE_04_cooperative_nonblocking, {"--time-scale", std::to_string(scale)});
    ASSERT_EQ(step4.result.exit_code, 0) << step4.result.err;
    {
        const std::vector<corio_test::trace_span> spans = corio_test::complete_events(step4.json);
        const std::uint64_t one = corio_test::tid_of_task(step4.json, "One");
        const std::uint64_t two = corio_test::tid_of_task(step4.json, "Two");
        ASSERT_NE(one, 0U) << step4.json;
        ASSERT_NE(two, 0U) << step4.json;
        auto sleeps_of = [&](std::uint64_t tid) {
            std::vector<corio_test::trace_span> sleeps;
            for (const corio_test::trace_span& span : corio_test::spans_of(spans, tid, "wait: ")) {
                if (span.category == "timer") {
                    sleeps.push_back(span);
                }
            }
            return sleeps;
        };
        const auto one_sleeps = sleeps_of(one);
        const auto two_sleeps = sleeps_of(two);
        EXPECT_GE(corio_test::overlap_us(one_sleeps, two_sleeps), 10 * us_per_tutorial_second * 0.9)
            << step4.json;
    }
}

// ---- the recording steps 1, 2, 3 and 5 make by hand (example_trace.hpp) ----

corio::generator<> blocking_steps(int steps) {
    for (int i = 0; i < steps; ++i) {
        std::this_thread::sleep_for(2ms); // blocks inside the slice, as step 3's sleep does
        co_yield {};
    }
}

TEST(HandTrace, RecordsOneSliceFromEachNextAndKeepsTheStreamsRules) {
    example::trace_settings settings;
    settings.trace_file = "unused.json"; // records; the test reads the recording, writes nothing
    example::hand_trace trace{settings, "test"};
    std::vector<example::traced_generator> tasks;
    tasks.push_back(trace.spawn(blocking_steps(2), "One"));
    tasks.push_back(trace.spawn(blocking_steps(1), "Two"));
    while (!tasks.empty()) {
        for (std::size_t i = 0; i < tasks.size(); ++i) {
            if (!tasks[i].next()) {
                tasks.erase(tasks.begin() + static_cast<std::ptrdiff_t>(i));
            }
        }
    }

    const corio::trace_recording& recording = trace.recording();
    ASSERT_EQ(recording.tasks.size(), 2U);
    EXPECT_EQ(recording.tasks[0].id, 1U);
    EXPECT_EQ(recording.tasks[0].name, "One");
    EXPECT_EQ(recording.tasks[1].id, 2U);
    EXPECT_EQ(recording.task_name(2), "Two");

    using enum corio::trace_kind;
    // One: 2 steps, then a last resume that finishes it; Two: 1 step, then its end.
    // Round 1: One, Two. Round 2: One, Two (ends). Round 3: One (ends).
    const std::vector<std::pair<corio::trace_kind, corio::task_id>> expected = {
        {task_spawned, 1}, {task_spawned, 2},   {task_resumed, 1}, {task_yielded, 1},
        {task_resumed, 2}, {task_yielded, 2},   {task_resumed, 1}, {task_yielded, 1},
        {task_resumed, 2}, {task_completed, 2}, {task_resumed, 1}, {task_completed, 1},
    };
    ASSERT_EQ(recording.events.size(), expected.size());
    std::uint64_t last = 0;
    for (std::size_t i = 0; i < expected.size(); ++i) {
        const corio::trace_event& event = recording.events[i];
        EXPECT_EQ(event.kind, expected[i].first) << "event " << i;
        EXPECT_EQ(event.task, expected[i].second) << "event " << i;
        EXPECT_EQ(event.other, 0U);
        EXPECT_GE(event.at_ns, last) << "event " << i;
        last = event.at_ns;
    }
    // The blocking sleep is inside the slice: resumed -> yielded takes at least the 2 ms.
    EXPECT_GE(recording.events[3].at_ns - recording.events[2].at_ns, 2'000'000U);
}

TEST(HandTrace, RecordsNothingWhenNoFileIsAskedFor) {
    example::hand_trace trace{{}, "test"};
    example::traced_generator task = trace.spawn(blocking_steps(1), "One");
    while (task.next()) {
    }
    { const example::hand_trace::call call{trace, "Two"}; }
    EXPECT_TRUE(trace.recording().tasks.empty());
    EXPECT_TRUE(trace.recording().events.empty());
    EXPECT_EQ(trace.finish(), 0);
}

#ifndef _WIN32

// --dump-on-signal: SIGQUIT prints every task and what it waits on to stderr, and the program
// carries on to its end. Step 4 at a scale where its tasks sleep for seconds: One 4.5 s, Two 3 s,
// 5.1 s in all.
TEST(ExampleTaskDump, SigquitListsTheSleepingTasksAndTheProgramCarriesOn) {
    // Through sh so that stderr, where the dump goes, arrives on the pipe the test reads. The
    // example's stdout is a pipe, so block-buffered: its lines are no clock to go by.
    corio_test::spawned_process step4{"/bin/sh",
                                      {"-c", "exec \"$0\" --time-scale 0.3 --dump-on-signal 2>&1",
                                       EXAMPLE_04_cooperative_nonblocking}};
    std::this_thread::sleep_for(1s); // both tasks are inside their first sleep now
    ASSERT_TRUE(step4.send_signal(SIGQUIT));

    const std::string output = step4.read_until("Total elapsed time: ", 15s);
    EXPECT_EQ(step4.wait_for_exit(10s), 0) << output;
    const std::size_t dump = output.find("corio: ");
    ASSERT_NE(dump, std::string::npos) << output;
    // The dump is one write to stderr: its lines run until the example's own output resumes.
    std::string listing;
    for (const std::string& line : corio_test::lines_of(output.substr(dump))) {
        if (line.empty() || line.starts_with("Task ") || line.starts_with("Total ")) {
            break;
        }
        listing += line + "\n";
    }
    EXPECT_NE(listing.find("One"), std::string::npos) << listing;
    EXPECT_NE(listing.find("Two"), std::string::npos) << listing;
    EXPECT_NE(listing.find("sleep"), std::string::npos) << listing;
    // It carried on: the run ended as it does without the signal.
    EXPECT_NE(output.find("\nTotal elapsed time: "), std::string::npos) << output;
}

#endif

} // namespace
