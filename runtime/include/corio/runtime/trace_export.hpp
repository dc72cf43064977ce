// SPDX-License-Identifier: MIT
// trace_export.hpp - turn a trace_recording into something to look at.
//
// chrome_trace_json(): Chrome's Trace Event format. Open the file in https://ui.perfetto.dev or
// chrome://tracing: a track per task with a slice for every stretch it ran, the spans it spent
// waiting (labelled with what it waited on), arrows from the task that woke it, and a track for
// the loop's reactor waits.
// timeline_svg(): the same story as one standalone SVG picture drawn by corio itself: a row per
// task (running / ready / waiting on a timer, on I/O, on a queue or event...), a row for the
// reactor, a time axis, a legend. No external tool is needed to make or view it.
//
//     std::ofstream{"step4.svg"} << corio::timeline_svg(*loop.trace());
#pragma once

#include <corio/runtime/detail/export.hpp>
#include <corio/runtime/trace.hpp>

#include <string>

CORIO_EXPORT_BEGIN
namespace corio {

[[nodiscard]] std::string chrome_trace_json(const trace_recording& recording);

struct timeline_options {
    std::string title;    // drawn above the rows; empty: none
    unsigned width = 960; // pixels, the whole picture
};

[[nodiscard]] std::string timeline_svg(const trace_recording& recording,
                                       const timeline_options& options = {});

} // namespace corio
CORIO_EXPORT_END
