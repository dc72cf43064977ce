// SPDX-License-Identifier: MIT
// loop.dump_tasks() and format_task_dump(): every live task, its state, its wait, and the chain
// of tasks awaiting it.
#include <corio/runtime/event_loop.hpp>

#include <corio/runtime/sleep.hpp>
#include <corio/runtime/sync/event.hpp>
#include <corio/runtime/task_dump.hpp>
#include <corio/runtime/yield.hpp>

#include "support/leak_check.hpp"
#include "support/trace_environment.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <thread>

using namespace std::chrono_literals;

namespace {

corio::task<> wait_for(corio::event& go) {
    co_await go.wait();
}

corio::task<> fetch(corio::event& go) {
    auto inner = corio::spawn(wait_for(go), "inner"); // 5
    co_await inner;
}

corio::task<> inspect(corio::event& release, corio::task_dump& out, std::string& out_text) {
    co_await corio::sleep_for(2s);
    out = corio::event_loop::current().dump_tasks();
    out_text = corio::format_task_dump(out);
    release.set();
}

corio::task<> heartbeat() {
    for (;;) {
        co_await corio::sleep_for(300ms);
    }
}

const corio::task_snapshot* find(const corio::task_dump& dump, corio::task_id id) {
    for (const corio::task_snapshot& task : dump.tasks) {
        if (task.id == id) {
            return &task;
        }
    }
    return nullptr;
}

// main (1) joins fetch (2), which joins inner (5), which waits on an event; heartbeat (3)
// sleeps; the inspector (4) takes the dump after 2 s and then lets everything finish.
corio::task<> known_state(corio::task_dump& dump, std::string& text) {
    corio::event go;
    auto fetcher = corio::spawn(fetch(go), "fetch");                     // 2
    auto beating = corio::spawn(heartbeat(), "heartbeat");               // 3
    auto inspector = corio::spawn(inspect(go, dump, text), "inspector"); // 4
    co_await fetcher;
    beating.cancel();
    co_await inspector;
}

TEST(TaskDump, NamesEachTaskItsStateItsWaitAndWhoAwaitsIt) {
    corio_test::leak_check check;
    corio::loop_options options = corio::loop_options::with_virtual_time();
    options.track_tasks = true;
    corio::event_loop loop{options};
    corio::task_dump dump;
    std::string text;
    loop.run_until_complete(known_state(dump, text));

    ASSERT_TRUE(dump.tracking);
    ASSERT_EQ(dump.tasks.size(), 5U) << text;
    for (std::size_t i = 0; i < dump.tasks.size(); ++i) {
        EXPECT_EQ(dump.tasks[i].id, i + 1) << "spawn order";
    }
    const corio::task_snapshot& main_task = *find(dump, 1);
    const corio::task_snapshot& fetcher = *find(dump, 2);
    const corio::task_snapshot& beating = *find(dump, 3);
    const corio::task_snapshot& inspector = *find(dump, 4);
    const corio::task_snapshot& inner = *find(dump, 5);

    EXPECT_EQ(main_task.name, "");
    EXPECT_EQ(fetcher.name, "fetch");
    EXPECT_EQ(beating.name, "heartbeat");
    EXPECT_EQ(inspector.name, "inspector");
    EXPECT_EQ(inner.name, "inner");
    EXPECT_EQ(fetcher.parent, 1U);
    EXPECT_EQ(inner.parent, 2U);

    EXPECT_EQ(inspector.state, corio::task_run_state::running);
    for (const corio::task_snapshot* waiting : {&main_task, &fetcher, &beating, &inner}) {
        EXPECT_EQ(waiting->state, corio::task_run_state::waiting) << waiting->id;
    }
    // The kind of wait; the full description ("join task #2 \"fetch\"", "sleep 0.300 s") comes
    // from the suspension itself.
    EXPECT_NE(main_task.waiting_on.find("join"), std::string::npos) << main_task.waiting_on;
    EXPECT_NE(fetcher.waiting_on.find("join"), std::string::npos) << fetcher.waiting_on;
    EXPECT_NE(beating.waiting_on.find("sleep"), std::string::npos) << beating.waiting_on;
    EXPECT_NE(inner.waiting_on.find("event"), std::string::npos) << inner.waiting_on;

    // Everyone but the heartbeat has waited since the start; it sleeps in 300 ms steps.
    EXPECT_EQ(main_task.waiting_for, 2s);
    EXPECT_EQ(inner.waiting_for, 2s);
    EXPECT_EQ(beating.waiting_for, 200ms); // 2000 = 6 x 300 + 200

    EXPECT_TRUE(main_task.awaited_by.empty());
    EXPECT_EQ(fetcher.awaited_by, (std::vector<corio::task_id>{1}));
    EXPECT_EQ(inner.awaited_by, (std::vector<corio::task_id>{2, 1}));

    // The text: a header, then one aligned line per task.
    EXPECT_EQ(text.substr(0, text.find('\n')), "corio: 5 live tasks");
    EXPECT_NE(text.find(" #1 task 1      waiting 2.000 s on "), std::string::npos) << text;
    EXPECT_NE(text.find(" #4 inspector   running\n"), std::string::npos) << text;
    EXPECT_NE(text.find("awaited by #2 <- #1\n"), std::string::npos) << text;
    std::size_t waiting_column = std::string::npos;
    std::size_t line_start = text.find('\n') + 1;
    while (line_start < text.size()) {
        const std::size_t line_end = text.find('\n', line_start);
        const std::string line = text.substr(line_start, line_end - line_start);
        const std::size_t column =
            line.find(line.find("running") != std::string::npos ? "running" : "waiting");
        if (waiting_column == std::string::npos) {
            waiting_column = column;
        }
        EXPECT_EQ(column, waiting_column) << "misaligned: " << line;
        line_start = line_end + 1;
    }
}

TEST(TaskDump, FinishedTasksLeaveTheDump) {
    corio::loop_options options = corio::loop_options::with_virtual_time();
    options.track_tasks = true;
    corio::event_loop loop{options};
    auto body = []() -> corio::task<std::size_t> {
        auto quick = corio::spawn([]() -> corio::task<> { co_return; }(), "quick");
        co_await quick;
        co_return corio::event_loop::current().dump_tasks().tasks.size();
    };
    EXPECT_EQ(loop.run_until_complete(body()), 1U); // only the main task is left
    EXPECT_EQ(loop.dump_tasks().tasks.size(), 0U);
    if (!loop.options().trace) {          // (CORIO_TRACE=1 in the environment turns tracing on)
        EXPECT_EQ(loop.trace(), nullptr); // tracking tasks alone records no trace
    }
    EXPECT_EQ(corio::format_task_dump(loop.dump_tasks()), "corio: 0 live tasks\n");
}

TEST(TaskDump, FromAnotherThreadThroughPost) {
    corio::loop_options options;
    options.track_tasks = true;
    corio::event_loop loop{options};
    std::optional<corio::task_dump> dump;
    auto body = [&]() -> corio::task<> {
        corio::event done;
        auto sleeper = corio::spawn(
            [](corio::event& released) -> corio::task<> { co_await released.wait(); }(done),
            "sleeper");
        co_await corio::yield_now(); // the sleeper runs and parks before the dump is posted
        std::thread other([&] {
            loop.post([&] {
                dump = loop.dump_tasks();
                done.set();
            });
        });
        co_await sleeper;
        other.join();
    };
    loop.run_until_complete(body());
    ASSERT_TRUE(dump.has_value());
    ASSERT_EQ(dump->tasks.size(), 2U);
    EXPECT_EQ(dump->tasks[1].name, "sleeper");
    EXPECT_EQ(dump->tasks[1].state, corio::task_run_state::waiting);
}

TEST(TaskDump, WithoutTrackingTheDumpSaysSo) {
    const corio_test::tracing_off_in_this_test untraced; // the default, not CORIO_TRACE's
    corio::event_loop loop;
    const corio::task_dump dump = loop.dump_tasks();
    EXPECT_FALSE(dump.tracking);
    EXPECT_NE(corio::format_task_dump(dump).find("not tracking"), std::string::npos);
}

} // namespace
