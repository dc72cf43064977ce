// SPDX-License-Identifier: MIT
// The trace recorder (runtime/src/trace/loop_instruments.cpp): the event stream of a small known
// program, task ids, capacity, timer and reactor events, blocking jobs, and that recording
// changes nothing the program does.
#include <corio/runtime/event_loop.hpp>

#include <corio/runtime/error.hpp>
#include <corio/runtime/gather.hpp>
#include <corio/runtime/run_blocking.hpp>
#include <corio/runtime/sleep.hpp>
#include <corio/runtime/sync/event.hpp>
#include <corio/runtime/sync/queue.hpp>
#include <corio/runtime/trace.hpp>
#include <corio/runtime/yield.hpp>

#include "support/leak_check.hpp"
#include "support/trace_environment.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <iostream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

namespace {

corio::loop_options traced_virtual_time() {
    corio::loop_options options = corio::loop_options::with_virtual_time();
    options.trace = true;
    return options;
}

// One line per task event: "woken 3 by 2", "suspended 1", "spawned 2 by 1"...
std::vector<std::string> task_story(const corio::trace_recording& recording) {
    std::vector<std::string> story;
    for (const corio::trace_event& event : recording.events) {
        const std::string task = std::to_string(event.task);
        const std::string other = std::to_string(event.other);
        switch (event.kind) {
        case corio::trace_kind::task_spawned:
            story.push_back("spawned " + task + " by " + other);
            break;
        case corio::trace_kind::task_resumed:
            story.push_back("resumed " + task);
            break;
        case corio::trace_kind::task_suspended:
            story.push_back("suspended " + task);
            break;
        case corio::trace_kind::task_yielded:
            story.push_back("yielded " + task);
            break;
        case corio::trace_kind::task_woken:
            story.push_back("woken " + task + " by " + other);
            break;
        case corio::trace_kind::task_completed:
            story.push_back("completed " + task);
            break;
        case corio::trace_kind::task_failed:
            story.push_back("failed " + task);
            break;
        case corio::trace_kind::task_cancelled:
            story.push_back("cancelled " + task);
            break;
        case corio::trace_kind::timer_fired:
            story.push_back("timers fired " + std::to_string(event.count));
            break;
        default:
            break;
        }
    }
    return story;
}

void expect_time_never_decreases(const corio::trace_recording& recording) {
    for (std::size_t i = 1; i < recording.events.size(); ++i) {
        EXPECT_LE(recording.events[i - 1].at_ns, recording.events[i].at_ns) << "event " << i;
        if (recording.events[i - 1].at_ns > recording.events[i].at_ns) {
            for (const auto& e : recording.events) {
                std::cout << e.at_ns << " +" << e.duration_ns << " kind "
                          << static_cast<int>(e.kind) << " task " << e.task << "\n";
            }
            break;
        }
    }
}

// The waiters report their own suspensions and wake-ups (task_parked / task_woken) once the
// suspensions describe themselves (the suspend work of issue 15): until then the recorder infers
// suspensions from the task's state and attributes every wake-up to the loop, when the woken
// task next runs. A recording tells which: real descriptions give the sleep the timer category.
bool waiters_report_wakeups(const corio::trace_recording& recording) {
    return std::any_of(recording.events.begin(), recording.events.end(),
                       [](const corio::trace_event& event) {
                           return event.kind == corio::trace_kind::task_suspended &&
                                  event.wait == corio::wait_category::timer;
                       });
}

corio::task<> produce(corio::queue<int>& items) {
    co_await corio::sleep_for(10ms);
    co_await items.put(7);
}

corio::task<int> consume(corio::queue<int>& items) {
    co_return co_await items.get();
}

corio::task<> fail_at_once() {
    throw std::runtime_error("boom");
    co_return;
}

corio::task<> sleep_long() {
    co_await corio::sleep_for(1h);
}

// Two named tasks, a sleep, a queue hand-off, joins, a failing task and a cancelled one.
corio::task<int> known_program() {
    corio::queue<int> items{1};
    auto producer = corio::spawn(produce(items), "producer"); // 2
    auto consumer = corio::spawn(consume(items), "consumer"); // 3
    const int got = co_await consumer;
    co_await producer;
    auto failing = corio::spawn(fail_at_once(), "failing"); // 4
    try {
        co_await failing;
    } catch (const std::runtime_error&) {
    }
    auto sleeper = corio::spawn(sleep_long()); // 5, unnamed
    co_await corio::yield_now();
    sleeper.cancel();
    try {
        co_await sleeper;
    } catch (const corio::cancelled_error&) {
    }
    co_return got;
}

corio::trace_recording record_known_program() {
    corio::event_loop loop{traced_virtual_time()};
    EXPECT_EQ(loop.run_until_complete(known_program()), 7);
    return *loop.trace();
}

TEST(Trace, OffByDefault) {
    const corio_test::tracing_off_in_this_test untraced; // the default, not CORIO_TRACE's
    corio::event_loop loop;
    EXPECT_EQ(loop.trace(), nullptr);
    EXPECT_EQ(loop.instruments(), nullptr);
    EXPECT_FALSE(loop.dump_tasks().tracking);
}

TEST(Trace, KnownProgramGivesTheExpectedStory) {
    corio_test::leak_check check;
    const corio::trace_recording recording = record_known_program();
    const bool reported = waiters_report_wakeups(recording);
    // Who makes the consumer ready: the producer's put (reported by the queue), or, until the
    // waiters report wake-ups, the loop as the consumer starts running.
    std::vector<std::string> expected = {
        "spawned 1 by 0", "resumed 1",   "spawned 2 by 1", "spawned 3 by 1",
        "suspended 1",    "resumed 2",   "suspended 2", // sleep 10 ms
        "resumed 3",      "suspended 3",                // queue.get
    };
    // The timer's callback reports the wake-up as it fires; before that, the loop infers it when
    // the task runs next.
    if (reported) {
        expected.insert(expected.end(), {"woken 2 by 0", "timers fired 1", "resumed 2"});
    } else {
        expected.insert(expected.end(), {"timers fired 1", "woken 2 by 0", "resumed 2"});
    }
    if (reported) {
        expected.insert(expected.end(), {"woken 3 by 2", "completed 2", "resumed 3"});
    } else {
        expected.insert(expected.end(), {"completed 2", "woken 3 by 0", "resumed 3"});
    }
    expected.insert(expected.end(), {
                                        "completed 3",
                                        "woken 1 by 3",
                                        "resumed 1", // symmetric transfer to the joiner
                                        "spawned 4 by 1",
                                        "suspended 1", // join the failing task
                                        "resumed 4",
                                        "failed 4",
                                        "woken 1 by 4",
                                        "resumed 1",
                                        "spawned 5 by 1",
                                        "yielded 1",
                                        "resumed 5",
                                        "suspended 5", // sleep 1 h
                                        "resumed 1",
                                    });
    if (reported) {
        expected.insert(expected.end(), {"woken 5 by 1", "suspended 1", "resumed 5"});
    } else {
        expected.insert(expected.end(), {"suspended 1", "woken 5 by 0", "resumed 5"});
    }
    expected.insert(expected.end(), {"cancelled 5", "woken 1 by 5", "resumed 1", "completed 1"});
    EXPECT_EQ(task_story(recording), expected);

    expect_time_never_decreases(recording);
    EXPECT_EQ(recording.dropped_events, 0U);
    EXPECT_EQ(recording.backend, std::string(corio::event_loop{}.backend_name()));
    ASSERT_EQ(recording.tasks.size(), 5U);
    EXPECT_EQ(recording.task_name(1), "task 1");
    EXPECT_EQ(recording.task_name(2), "producer");
    EXPECT_EQ(recording.task_name(3), "consumer");
    EXPECT_EQ(recording.task_name(4), "failing");
    EXPECT_EQ(recording.task_name(5), "task 5");
    EXPECT_EQ(recording.task_name(0), "loop");
    for (std::size_t i = 0; i < recording.tasks.size(); ++i) {
        EXPECT_EQ(recording.tasks[i].id, i + 1);
        EXPECT_EQ(recording.tasks[i].parent, i == 0 ? 0U : 1U);
    }

    // The producer resumes when its 10 ms sleep ends, on the virtual clock.
    const auto producer_resumes = std::find_if(
        recording.events.begin(), recording.events.end(), [](const corio::trace_event& event) {
            return event.kind == corio::trace_kind::task_woken && event.task == 2;
        });
    ASSERT_NE(producer_resumes, recording.events.end());
    EXPECT_EQ(producer_resumes->at_ns, 10'000'000U);

    // The failure carries its type and message; suspensions carry a description (loosely: the
    // exact words come from the suspension descriptions).
    for (const corio::trace_event& event : recording.events) {
        if (event.kind == corio::trace_kind::task_failed) {
            EXPECT_NE(event.text.find("boom"), std::string::npos) << event.text;
            EXPECT_NE(event.text.find("runtime_error"), std::string::npos) << event.text;
        }
        if (event.kind == corio::trace_kind::task_suspended) {
            EXPECT_FALSE(event.text.empty());
            if (event.task == 2 && reported) {
                EXPECT_EQ(event.wait, corio::wait_category::timer);
                EXPECT_NE(event.text.find("sleep"), std::string::npos) << event.text;
            }
            if (event.task == 3 && reported) {
                EXPECT_EQ(event.wait, corio::wait_category::queue);
            }
        }
    }
}

TEST(Trace, IdsAreStableAcrossRuns) {
    const corio::trace_recording first = record_known_program();
    const corio::trace_recording second = record_known_program();
    EXPECT_EQ(task_story(first), task_story(second));
    ASSERT_EQ(first.events.size(), second.events.size());
    for (std::size_t i = 0; i < first.events.size(); ++i) {
        EXPECT_EQ(first.events[i].at_ns, second.events[i].at_ns) << "event " << i;
        EXPECT_EQ(first.events[i].kind, second.events[i].kind) << "event " << i;
    }
}

// Yields and joins report nothing themselves while they happen (they cost no trace-point check
// with tracing off): the recorder learns at the end of the slice where the task will resume. That
// must hold when the yield or the join is inside a nested coroutine, whose frame it has not seen.
corio::task<> yield_twice_nested() {
    co_await corio::yield_now();
    co_await corio::yield_now();
}
corio::task<int> answer_later() {
    co_await corio::yield_now();
    co_return 42;
}
corio::task<int> join_nested() {
    co_return co_await corio::spawn(answer_later(), "joined");
}
corio::task<int> outer_with_nested_waits() {
    co_await yield_twice_nested();
    co_return co_await join_nested();
}

TEST(Trace, YieldsAndJoinsInsideNestedCoroutinesKeepTheirTask) {
    corio::event_loop loop{traced_virtual_time()};
    EXPECT_EQ(loop.run_until_complete(outer_with_nested_waits(), "outer"), 42);
    const corio::trace_recording& recording = *loop.trace();
    EXPECT_EQ(task_story(recording), (std::vector<std::string>{
                                         "spawned 1 by 0",
                                         "resumed 1",
                                         "yielded 1", // in yield_twice_nested's frame
                                         "resumed 1",
                                         "yielded 1",
                                         "resumed 1",
                                         "spawned 2 by 1", // in join_nested's frame
                                         "suspended 1",    // the join
                                         "resumed 2",
                                         "yielded 2",
                                         "resumed 2",
                                         "completed 2",
                                         "woken 1 by 2", // straight from the joined task's end
                                         "resumed 1",
                                         "completed 1",
                                     }));
    EXPECT_EQ(recording.task_name(2), "joined");
}

// gather's children are named after it, so a timeline's rows say whose helpers they are.
TEST(Trace, GathersChildrenAreNamedGather) {
    corio::event_loop loop{traced_virtual_time()};
    auto program = []() -> corio::task<> {
        co_await corio::gather(corio::spawn(answer_later(), "One"), answer_later());
    };
    loop.run_until_complete(program(), "main");
    const corio::trace_recording& recording = *loop.trace();
    ASSERT_EQ(recording.tasks.size(), 4U);
    EXPECT_EQ(recording.task_name(1), "main");
    EXPECT_EQ(recording.task_name(2), "One");
    EXPECT_EQ(recording.task_name(3), "gather"); // the wrapper that joins One
    EXPECT_EQ(recording.task_name(4), "gather"); // answer_later(), spawned as it is
}

TEST(Trace, CapacityKeepsTheFirstEventsAndCountsTheRest) {
    corio::loop_options options = traced_virtual_time();
    options.trace_capacity = 10;
    corio::event_loop loop{options};
    auto spinner = []() -> corio::task<> {
        for (int i = 0; i < 100; ++i) {
            co_await corio::yield_now();
        }
    };
    loop.run_until_complete(spinner());
    const corio::trace_recording& recording = *loop.trace();
    EXPECT_EQ(recording.events.size(), 10U);
    EXPECT_GE(recording.dropped_events, 190U); // a resume and a yield per round, at least
    EXPECT_EQ(recording.events.front().kind, corio::trace_kind::task_spawned);
}

TEST(Trace, TimersArmedAndFired) {
    corio::event_loop loop{traced_virtual_time()};
    auto sleepers = []() -> corio::task<> {
        co_await corio::gather(corio::sleep_for(5ms), corio::sleep_for(5ms), corio::sleep_for(2s));
    };
    loop.run_until_complete(sleepers());
    const corio::trace_recording& recording = *loop.trace();
    std::vector<const corio::trace_event*> armed;
    std::size_t fired = 0;
    bool cascaded = false;
    for (const corio::trace_event& event : recording.events) {
        if (event.kind == corio::trace_kind::timer_armed) {
            armed.push_back(&event);
        } else if (event.kind == corio::trace_kind::timer_fired) {
            fired += event.count;
        } else if (event.kind == corio::trace_kind::timer_cascaded) {
            cascaded = true;
            EXPECT_GE(event.level, 1U);
            EXPECT_GE(event.count, 1U);
        }
    }
    ASSERT_EQ(armed.size(), 3U);
    EXPECT_EQ(armed[0]->value, 5'000'000);
    EXPECT_EQ(armed[0]->level, 0U); // 5 ticks of 1 ms: the finest level
    EXPECT_EQ(armed[0]->slot, 5U);
    EXPECT_EQ(armed[2]->value, 2'000'000'000);
    EXPECT_EQ(armed[2]->level, 1U); // 2000 ticks: level 1 (64-tick slots)
    EXPECT_EQ(armed[2]->slot, 2000U / 64U);
    EXPECT_EQ(fired, 3U);
    EXPECT_TRUE(cascaded); // the 2 s timer came down a level before it fired
    expect_time_never_decreases(recording);
}

TEST(Trace, ReactorWaitRecordsTheTimeoutAndTheBackend) {
    corio::loop_options options;
    options.trace = true;
    corio::event_loop loop{options};
    auto nap = []() -> corio::task<> { co_await corio::sleep_for(20ms); };
    loop.run_until_complete(nap());
    const corio::trace_recording& recording = *loop.trace();
    EXPECT_EQ(recording.backend, loop.backend_name());
    bool found = false;
    for (const corio::trace_event& event : recording.events) {
        if (event.kind == corio::trace_kind::reactor_wait && event.value > 0) {
            found = true;
            EXPECT_LE(event.value, 22'000'000); // the deadline rounds up to a 1 ms tick
            EXPECT_GE(event.value, 10'000'000);
            EXPECT_GE(event.duration_ns, 5'000'000U); // it really waited for the timer
            EXPECT_EQ(event.count, 0U);
        }
    }
    EXPECT_TRUE(found);
    expect_time_never_decreases(recording);
}

TEST(Trace, PostedCallbacksAndBlockingJobsAreRecorded) {
    corio::loop_options options;
    options.trace = true;
    corio::event_loop loop{options};
    auto body = [&]() -> corio::task<int> {
        corio::event posted;
        std::thread poster([&] { loop.post([&] { posted.set(); }); });
        co_await posted.wait();
        poster.join();
        co_return co_await corio::run_blocking([] {
            std::this_thread::sleep_for(5ms);
            return 3;
        });
    };
    EXPECT_EQ(loop.run_until_complete(body()), 3);
    const corio::trace_recording& recording = *loop.trace();
    std::size_t posted = 0;
    const corio::trace_event* started = nullptr;
    const corio::trace_event* finished = nullptr;
    for (const corio::trace_event& event : recording.events) {
        if (event.kind == corio::trace_kind::posted_callback) {
            ++posted;
        } else if (event.kind == corio::trace_kind::blocking_started) {
            started = &event;
        } else if (event.kind == corio::trace_kind::blocking_finished) {
            finished = &event;
        }
    }
    EXPECT_GE(posted, 2U); // the post, and the blocking job coming back
    ASSERT_NE(started, nullptr);
    ASSERT_NE(finished, nullptr);
    EXPECT_EQ(started->task, 1U);
    EXPECT_EQ(finished->task, 1U);
    EXPECT_GE(finished->at_ns - started->at_ns, 4'000'000U);
    expect_time_never_decreases(recording);
}

// The same programs, traced and not: identical results and identical order of work.
template <class Program>
auto run_both_ways(Program program) {
    auto once = [&](bool trace) {
        corio::loop_options options = corio::loop_options::with_virtual_time();
        options.trace = trace;
        corio::event_loop loop{options};
        return loop.run_until_complete(program());
    };
    return std::pair{once(false), once(true)};
}

TEST(Trace, TracingChangesNoBehaviour) {
    corio_test::leak_check check;
    // Interleaving of yielding tasks.
    auto interleave = []() -> corio::task<std::string> {
        std::string order;
        auto worker = [&](char name, int steps) -> corio::task<> {
            for (int i = 0; i < steps; ++i) {
                order += name;
                co_await corio::yield_now();
            }
        };
        co_await corio::gather(worker('a', 3), worker('b', 2), worker('c', 4));
        co_return order;
    };
    auto [plain_order, traced_order] = run_both_ways(interleave);
    EXPECT_EQ(plain_order, traced_order);
    EXPECT_EQ(plain_order, "abcabcacc");

    // Timers in deadline order (ties in arming order), and when each fired on the virtual clock.
    auto timers = []() -> corio::task<std::string> {
        std::string order;
        const auto start = corio::event_loop::current().now();
        auto at = [&](int ms, char name) -> corio::task<> {
            co_await corio::sleep_for(std::chrono::milliseconds(ms));
            order += name;
            order += std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        corio::event_loop::current().now() - start)
                                        .count());
        };
        co_await corio::gather(at(30, 'c'), at(10, 'a'), at(20, 'b'), at(10, 'd'));
        co_return order;
    };
    auto [plain_timers, traced_timers] = run_both_ways(timers);
    EXPECT_EQ(plain_timers, "a10d10b20c30");
    EXPECT_EQ(plain_timers, traced_timers);

    // A failure and a cancellation propagate the same way.
    auto outcomes = []() -> corio::task<std::string> {
        std::string seen;
        auto failing = corio::spawn(fail_at_once());
        try {
            co_await failing;
        } catch (const std::runtime_error& e) {
            seen += e.what();
        }
        auto sleeper = corio::spawn(sleep_long());
        co_await corio::yield_now();
        sleeper.cancel();
        try {
            co_await sleeper;
        } catch (const corio::cancelled_error&) {
            seen += "+cancelled";
        }
        co_return seen;
    };
    auto [plain_outcome, traced_outcome] = run_both_ways(outcomes);
    EXPECT_EQ(plain_outcome, "boom+cancelled");
    EXPECT_EQ(plain_outcome, traced_outcome);
}

} // namespace
