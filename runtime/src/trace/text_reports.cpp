// SPDX-License-Identifier: MIT
// Text renderings: task names, the task dump, stall reports.
#include <corio/runtime/stall.hpp>
#include <corio/runtime/task_dump.hpp>
#include <corio/runtime/trace.hpp>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

namespace corio {

namespace {

// "52.1 ms", "1.250 s", "830.0 us": short enough for one line, precise enough to compare.
std::string short_duration(std::chrono::nanoseconds duration) {
    const double ns = static_cast<double>(duration.count());
    char text[48];
    if (ns >= 1e9) {
        std::snprintf(text, sizeof text, "%.3f s", ns / 1e9);
    } else if (ns >= 1e6) {
        std::snprintf(text, sizeof text, "%.1f ms", ns / 1e6);
    } else {
        std::snprintf(text, sizeof text, "%.1f us", ns / 1e3);
    }
    return text;
}

// The dump shows waits in seconds with millisecond precision, so the column lines up.
std::string seconds(std::chrono::nanoseconds duration) {
    char text[48];
    std::snprintf(text, sizeof text, "%.3f s", static_cast<double>(duration.count()) / 1e9);
    return text;
}

void pad_to(std::string& text, std::size_t width) {
    if (text.size() < width) {
        text.append(width - text.size(), ' ');
    }
}

} // namespace

std::string trace_recording::task_name(task_id id) const {
    if (id == 0) {
        return "loop";
    }
    for (const traced_task& task : tasks) {
        if (task.id == id && !task.name.empty()) {
            return task.name;
        }
    }
    return "task " + std::to_string(id);
}

std::string format_task_dump(const task_dump& dump) {
    if (!dump.tracking) {
        return "corio: task dump unavailable: the loop is not tracking tasks "
               "(loop_options::track_tasks)\n";
    }
    const std::size_t count = dump.tasks.size();
    std::string out =
        "corio: " + std::to_string(count) + (count == 1 ? " live task\n" : " live tasks\n");

    // Three columns (id, name, what it does), then who awaits it; padded to the widest entry.
    struct row {
        std::string id, name, doing, awaited;
    };
    std::vector<row> rows;
    rows.reserve(count);
    std::size_t id_width = 0;
    std::size_t name_width = 0;
    std::size_t doing_width = 0;
    for (const task_snapshot& task : dump.tasks) {
        row line;
        line.id = "#" + std::to_string(task.id);
        line.name = task.name.empty() ? "task " + std::to_string(task.id) : task.name;
        switch (task.state) {
        case task_run_state::running:
            line.doing = "running";
            break;
        case task_run_state::ready:
            line.doing = "ready";
            break;
        case task_run_state::waiting:
            line.doing = "waiting " + seconds(task.waiting_for);
            if (!task.waiting_on.empty()) {
                line.doing += " on " + task.waiting_on;
            }
            break;
        }
        if (!task.awaited_by.empty()) {
            line.awaited = "awaited by";
            for (std::size_t i = 0; i < task.awaited_by.size(); ++i) {
                line.awaited += (i == 0 ? " #" : " <- #") + std::to_string(task.awaited_by[i]);
            }
        }
        id_width = std::max(id_width, line.id.size());
        name_width = std::max(name_width, line.name.size());
        doing_width = std::max(doing_width, line.doing.size());
        rows.push_back(std::move(line));
    }
    for (row& line : rows) {
        std::string text = " ";
        std::string id = line.id;
        if (id.size() < id_width) {
            id.insert(0, id_width - id.size(), ' ');
        }
        text += id + ' ';
        pad_to(line.name, name_width);
        text += line.name + "   ";
        if (!line.awaited.empty()) {
            pad_to(line.doing, doing_width);
            text += line.doing + "   " + line.awaited;
        } else {
            text += line.doing;
        }
        while (!text.empty() && text.back() == ' ') {
            text.pop_back();
        }
        out += text + '\n';
    }
    return out;
}

std::string format_stall_report(const stall_report& report) {
    std::string who;
    if (report.task == 0) {
        who = report.name.empty() ? "posted callback" : report.name;
    } else {
        who = "task #" + std::to_string(report.task);
        if (!report.name.empty() && report.name != "task " + std::to_string(report.task)) {
            who += " \"" + report.name + "\"";
        }
    }
    return "corio: stall: " + who + " ran " + short_duration(report.ran) +
           " without suspending (threshold " + short_duration(report.threshold) + ")";
}

} // namespace corio
