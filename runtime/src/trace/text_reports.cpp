// SPDX-License-Identifier: MIT
// Text renderings: task names, the task dump, stall reports (SKELETON).
#include <corio/runtime/stall.hpp>
#include <corio/runtime/task_dump.hpp>
#include <corio/runtime/trace.hpp>

namespace corio {

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
    return "corio: " + std::to_string(dump.tasks.size()) + " live tasks\n";
}

std::string format_stall_report(const stall_report& report) {
    return "stall: " + report.name + " ran without suspending";
}

} // namespace corio
