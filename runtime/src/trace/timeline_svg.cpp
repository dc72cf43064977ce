// SPDX-License-Identifier: MIT
// timeline_svg(): a trace_recording drawn as one standalone SVG picture, by corio itself.
//
// The choices, and why:
// - Standalone: no script, no stylesheet or font file, only presentation attributes and the
//   reader's own sans-serif font, so the file shows the same in a browser, an image viewer, a
//   README on a code host (which strips scripts) and rsvg/ImageMagick.
// - A row per task, in spawn order, labelled "name (#id)" in a left column sized to the longest
//   label (cut with an ellipsis past a third of the width), then one row for the loop: its
//   reactor waits, posted callbacks and stalls of callbacks. Rows are <g class="task-row"
//   data-task="N"> and <g class="loop-row">, so a test (or a reader's tool) can count them.
// - A state is a colour and a height: running is a tall dark green bar, ready (queued, waiting
//   for the loop) a tall amber one, waiting a thinner bar in one calm colour per wait_category.
//   A reader tells doing from waiting by height alone, and the kind of waiting by colour.
//   Stalls are outlined in red over the bar that stalled; a cross marks where a task failed
//   (red) or was cancelled (grey); a thin arrow goes from a task that woke another (a join, a
//   queue put, an event set) to the woken task's next bar. Wake-ups by the loop itself (timers,
//   I/O) get no arrow: the reactor row already shows them.
// - Bars shorter than a pixel and a half are widened to that, so a 20 us slice in a 3 s run
//   still shows; every bar carries a <title> tooltip with its exact interval (ms since the
//   first event, to the nanosecond) and what it waited on.
// - The time axis starts at the first event; ticks are 1, 2 or 5 x 10^k ns apart, about one per
//   90 px, labelled in s, ms, us or ns by the length of the run, with as few decimals as the
//   step needs.
// - The legend lists only the states that occur, in a fixed order.
// - Every number is written from integers (tenths of a pixel), never through printf, so the
//   output does not depend on the locale and is the same for the same recording.
// - Names and texts are valid UTF-8 (build_timeline) and escaped for XML: & < > " ' as entities,
//   control characters (which XML 1.0 forbids even as references) as U+FFFD.
#include <corio/runtime/trace_export.hpp>

#include "trace/trace_timeline.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace corio {

namespace {

// ---- Text -------------------------------------------------------------------------------------

std::string xml_escape(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        switch (c) {
        case '&':
            out += "&amp;";
            break;
        case '<':
            out += "&lt;";
            break;
        case '>':
            out += "&gt;";
            break;
        case '"':
            out += "&quot;";
            break;
        case '\'':
            out += "&apos;";
            break;
        default:
            if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n') {
                out += "\xEF\xBF\xBD";
            } else {
                out += c;
            }
        }
    }
    return out;
}

// Code points of a valid UTF-8 string (what a label's width is estimated from).
std::size_t code_points(std::string_view text) {
    return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
        return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    }));
}

// The first `count` code points of a valid UTF-8 string.
std::string first_code_points(std::string_view text, std::size_t count) {
    std::size_t seen = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
            if (seen == count) {
                return std::string{text.substr(0, i)};
            }
            ++seen;
        }
    }
    return std::string{text};
}

// A coordinate to a tenth of a pixel, locale-free: 12.25 -> "12.3" (half away from zero).
std::string px(double value) {
    const long long tenths = std::llround(value * 10.0);
    const long long magnitude = tenths < 0 ? -tenths : tenths;
    std::string out = tenths < 0 ? "-" : "";
    out += std::to_string(magnitude / 10);
    if (magnitude % 10 != 0) {
        out += '.';
        out += static_cast<char>('0' + magnitude % 10);
    }
    return out;
}

// A time since the first event, exact: "1512.000250 ms".
std::string exact_ms(std::uint64_t ns) {
    return detail::fixed_point(ns, 1'000'000, 6) + " ms";
}

// ---- States and their colours ------------------------------------------------------------------

enum class drawn_state : std::uint8_t {
    running,
    ready,
    wait_timer,
    wait_io,
    wait_queue,
    wait_event,
    wait_lock,
    wait_task,
    wait_blocking,
    wait_other,
    reactor_wait,
    posted_callback,
    stall,
    wake_up,
    cancelled,
    failed,
    count_,
};

struct state_style {
    std::string_view key;   // data-state attribute
    std::string_view label; // legend text
    std::string_view fill;
    std::string_view stroke; // empty: none
};

// Calm, distinguishable on white, and readable by most colour-blind readers through the height
// difference between doing and waiting.
constexpr std::array<state_style, static_cast<std::size_t>(drawn_state::count_)> styles{{
    {"running", "running", "#2e7d4f", ""},
    {"ready", "ready (queued)", "#f0c75e", ""},
    {"wait-timer", "waiting: timer", "#8ecae6", ""},
    {"wait-io", "waiting: I/O", "#5e81ac", ""},
    {"wait-queue", "waiting: queue", "#e39b7b", ""},
    {"wait-event", "waiting: event", "#c39bd3", ""},
    {"wait-lock", "waiting: lock", "#d0695e", ""},
    {"wait-task", "waiting: task", "#b7a57a", ""},
    {"wait-blocking", "waiting: blocking pool", "#6fb3a6", ""},
    {"wait-other", "waiting: other", "#b8b8b8", ""},
    {"reactor-wait", "reactor waiting", "#dfe6ee", "#9aa9bb"},
    {"posted-callback", "posted callback", "#e07b39", ""},
    {"stall", "stall", "none", "#c62828"},
    {"wake-up", "woken by a task", "none", "#5f6b7a"},
    {"cancelled", "cancelled", "none", "#6b6b6b"},
    {"failed", "failed", "none", "#c62828"},
}};

const state_style& style_of(drawn_state state) {
    return styles[static_cast<std::size_t>(state)];
}

drawn_state state_of(const detail::task_interval& interval) {
    switch (interval.state) {
    case detail::timeline_state::running:
        return drawn_state::running;
    case detail::timeline_state::ready:
        return drawn_state::ready;
    case detail::timeline_state::waiting:
        break;
    }
    switch (interval.wait) {
    case wait_category::timer:
        return drawn_state::wait_timer;
    case wait_category::io:
        return drawn_state::wait_io;
    case wait_category::queue:
        return drawn_state::wait_queue;
    case wait_category::event:
        return drawn_state::wait_event;
    case wait_category::lock:
        return drawn_state::wait_lock;
    case wait_category::task:
        return drawn_state::wait_task;
    case wait_category::blocking:
        return drawn_state::wait_blocking;
    case wait_category::other:
        break;
    }
    return drawn_state::wait_other;
}

// ---- The time axis -----------------------------------------------------------------------------

struct axis_ticks {
    std::uint64_t step_ns = 1;
    std::uint64_t unit_ns = 1; // 1, 1e3, 1e6, 1e9
    std::string_view unit_name = "ns";
    int decimals = 0;
};

// Steps of 1, 2 or 5 x 10^k ns, the smallest that keeps ticks `min_gap_px` apart.
axis_ticks choose_ticks(std::uint64_t span_ns, double plot_width, double min_gap_px) {
    axis_ticks ticks;
    const double wanted = std::max(1.0, plot_width / min_gap_px);
    const double raw = static_cast<double>(span_ns) / wanted;
    std::uint64_t power = 1;
    int exponent = 0;
    for (;;) {
        bool chosen = false;
        for (std::uint64_t multiple : {1U, 2U, 5U}) {
            if (static_cast<double>(multiple * power) >= raw) {
                ticks.step_ns = multiple * power;
                chosen = true;
                break;
            }
        }
        if (chosen || exponent >= 18) {
            if (!chosen) {
                ticks.step_ns = power;
            }
            break;
        }
        power *= 10;
        ++exponent;
    }
    int unit_exponent = 0;
    if (span_ns >= 1'000'000'000) {
        ticks.unit_ns = 1'000'000'000, ticks.unit_name = "s", unit_exponent = 9;
    } else if (span_ns >= 1'000'000) {
        ticks.unit_ns = 1'000'000, ticks.unit_name = "ms", unit_exponent = 6;
    } else if (span_ns >= 1'000) {
        ticks.unit_ns = 1'000, ticks.unit_name = "us", unit_exponent = 3;
    }
    ticks.decimals = std::max(0, unit_exponent - exponent);
    return ticks;
}

// ---- Layout ------------------------------------------------------------------------------------

constexpr double margin = 12.0;
constexpr double row_height = 24.0;
constexpr double tall_bar = 16.0;  // running, ready, the loop's spans
constexpr double short_bar = 10.0; // waiting
constexpr double min_bar_width = 1.5;
constexpr double char_width = 6.8; // of the 12 px label font, on average
constexpr double small_char = 6.2; // of the 11 px legend and axis font

} // namespace

std::string timeline_svg(const trace_recording& recording, const timeline_options& options) {
    const detail::timeline_model model = detail::build_timeline(recording);
    const double width = std::max(480.0, static_cast<double>(options.width));
    const std::string backend = model.backend.empty() ? std::string{"reactor"} : model.backend;
    const std::string loop_label = "loop (" + backend + ")";

    // Left column: as wide as the longest label, at most a third of the picture.
    std::size_t longest = code_points(loop_label);
    for (const detail::timeline_row& row : model.rows) {
        longest = std::max(longest, code_points(row.label));
    }
    const double label_width =
        std::clamp(static_cast<double>(longest) * char_width + 20.0, 96.0, width / 3.0);
    const auto label_chars = static_cast<std::size_t>((label_width - 20.0) / char_width);
    const double plot_left = margin + label_width;
    const double plot_right = width - margin - 8.0;
    const double plot_width = plot_right - plot_left;

    double top = margin;
    std::string header;
    const std::string title =
        options.title.empty() ? std::string{} : detail::valid_utf8(options.title);
    if (!title.empty()) {
        header += "<text class=\"title\" x=\"" + px(margin) + "\" y=\"" + px(top + 16) +
                  "\" font-size=\"16\" font-weight=\"600\" fill=\"#222\">" + xml_escape(title) +
                  "</text>\n";
        top += 30;
    }
    if (model.dropped_events > 0) {
        header += "<text class=\"dropped\" x=\"" + px(margin) + "\" y=\"" + px(top + 12) +
                  "\" font-size=\"12\" fill=\"#c62828\">The recording was full: " +
                  std::to_string(model.dropped_events) +
                  " later events were dropped; the picture ends early.</text>\n";
        top += 20;
    }
    top += 6;

    const std::uint64_t origin = model.first_ns;
    const std::uint64_t span_ns = std::max<std::uint64_t>(model.last_ns - model.first_ns, 1);
    const double scale = plot_width / static_cast<double>(span_ns);
    auto x_of = [&](std::uint64_t ns) {
        return plot_left + static_cast<double>(ns - origin) * scale;
    };
    const std::size_t row_count = model.rows.size() + 1;
    const double rows_bottom = top + row_height * static_cast<double>(row_count);
    const bool empty = recording.events.empty();

    std::array<bool, styles.size()> used{};
    // Zebra stripes first, then the grid, then the bars: each drawn over the one before.
    std::string body;
    for (std::size_t i = 0; i < row_count; i += 2) {
        body += "<rect class=\"stripe\" x=\"" + px(margin) + "\" y=\"" +
                px(top + row_height * static_cast<double>(i)) + "\" width=\"" +
                px(width - 2 * margin) + "\" height=\"" + px(row_height) +
                "\" fill=\"#f5f6f8\"/>\n";
    }

    // Grid lines first, behind the bars.
    const axis_ticks ticks = choose_ticks(span_ns, plot_width, 90.0);
    std::string axis;
    if (!empty) {
        for (std::uint64_t t = 0; t <= span_ns; t += ticks.step_ns) {
            const double x = plot_left + static_cast<double>(t) * scale;
            body += "<line x1=\"" + px(x) + "\" y1=\"" + px(top) + "\" x2=\"" + px(x) + "\" y2=\"" +
                    px(rows_bottom) + "\" stroke=\"#e8eaed\" stroke-width=\"1\"/>\n";
            axis += "<line x1=\"" + px(x) + "\" y1=\"" + px(rows_bottom) + "\" x2=\"" + px(x) +
                    "\" y2=\"" + px(rows_bottom + 4) + "\" stroke=\"#888\" stroke-width=\"1\"/>\n";
            axis += "<text x=\"" + px(x) + "\" y=\"" + px(rows_bottom + 16) +
                    "\" text-anchor=\"middle\">" +
                    detail::fixed_point(t, ticks.unit_ns, ticks.decimals) + " " +
                    std::string{ticks.unit_name} + "</text>\n";
            if (span_ns - t < ticks.step_ns) {
                break; // the next tick would pass the end (and t could overflow)
            }
        }
    } else {
        axis += "<text x=\"" + px(plot_left) + "\" y=\"" + px(rows_bottom + 16) +
                "\">no events were recorded</text>\n";
    }

    auto bar = [&](drawn_state state, double row_top, std::uint64_t begin, std::uint64_t end,
                   double height, const std::string& tooltip) {
        const state_style& style = style_of(state);
        used[static_cast<std::size_t>(state)] = true;
        const double x = x_of(begin);
        const double w = std::max(min_bar_width, x_of(end) - x);
        std::string out = "<rect class=\"bar\" data-state=\"" + std::string{style.key} + "\" x=\"" +
                          px(std::min(x, plot_right - min_bar_width)) + "\" y=\"" +
                          px(row_top + (row_height - height) / 2) + "\" width=\"" + px(w) +
                          "\" height=\"" + px(height) + "\" fill=\"" + std::string{style.fill} +
                          "\"";
        if (!style.stroke.empty()) {
            out += " stroke=\"" + std::string{style.stroke} + "\" stroke-width=\"1\"";
        }
        if (state != drawn_state::stall) {
            out += " rx=\"1.5\"";
        }
        out += "><title>" + xml_escape(tooltip) + "</title></rect>\n";
        return out;
    };
    auto interval_text = [&](std::uint64_t begin, std::uint64_t end) {
        return exact_ms(begin - origin) + " \xE2\x86\x92 " + exact_ms(end - origin) + " (" +
               detail::human_duration(end - begin) + ")";
    };
    auto label = [&](double row_top, const std::string& text) {
        std::string shown = text;
        if (code_points(text) > label_chars) {
            shown = first_code_points(text, label_chars > 1 ? label_chars - 1 : 1) + "\xE2\x80\xA6";
        }
        return "<text class=\"label\" x=\"" + px(plot_left - 10) + "\" y=\"" +
               px(row_top + row_height / 2 + 4) + "\" text-anchor=\"end\" font-size=\"12\">" +
               xml_escape(shown) + "<title>" + xml_escape(text) + "</title></text>\n";
    };

    std::vector<std::string> rows(model.rows.size());
    std::vector<double> row_tops(model.rows.size());
    std::map<task_id, std::size_t> row_of;
    for (std::size_t i = 0; i < model.rows.size(); ++i) {
        row_of.emplace(model.rows[i].id, i);
    }
    auto row_index = [&](task_id id) -> std::size_t {
        const auto found = row_of.find(id);
        return found == row_of.end() ? model.rows.size() : found->second;
    };
    for (std::size_t i = 0; i < model.rows.size(); ++i) {
        row_tops[i] = top + row_height * static_cast<double>(i);
    }
    std::string loop_bars;
    const double loop_top = top + row_height * static_cast<double>(model.rows.size());
    for (const detail::task_interval& interval : model.intervals) {
        const std::size_t index = row_index(interval.task);
        if (index == model.rows.size()) {
            continue;
        }
        if (interval.state == detail::timeline_state::ready &&
            interval.end_ns == interval.begin_ns) {
            continue; // handed over at once (symmetric transfer): nothing to see
        }
        const drawn_state state = state_of(interval);
        std::string tooltip = model.rows[index].label + ": ";
        if (interval.state == detail::timeline_state::waiting) {
            tooltip += "waiting on " + (interval.text.empty()
                                            ? std::string{detail::wait_category_name(interval.wait)}
                                            : interval.text);
        } else {
            tooltip += interval.state == detail::timeline_state::running ? "running" : "ready";
        }
        tooltip += ", " + interval_text(interval.begin_ns, interval.end_ns);
        if (interval.unfinished) {
            tooltip += ", still so when the recording ended";
        }
        const double height =
            interval.state == detail::timeline_state::waiting ? short_bar : tall_bar;
        rows[index] +=
            bar(state, row_tops[index], interval.begin_ns, interval.end_ns, height, tooltip);
    }
    const std::string call = detail::reactor_call_name(model.backend);
    for (const detail::loop_span& span : model.spans) {
        if (span.kind == trace_kind::reactor_wait) {
            loop_bars +=
                bar(drawn_state::reactor_wait, loop_top, span.begin_ns, span.end_ns, tall_bar,
                    detail::reactor_wait_label(model.backend, span) + ", " +
                        interval_text(span.begin_ns, span.end_ns));
        } else if (span.kind == trace_kind::posted_callback) {
            loop_bars +=
                bar(drawn_state::posted_callback, loop_top, span.begin_ns, span.end_ns, tall_bar,
                    "posted callback, " + interval_text(span.begin_ns, span.end_ns));
        } else {
            const std::size_t index = span.task == 0 ? model.rows.size() : row_index(span.task);
            const std::string who = index == model.rows.size() ? std::string{"a posted callback"}
                                                               : model.rows[index].label;
            const std::string tooltip =
                "stall: " + who + " ran " + detail::human_duration(span.end_ns - span.begin_ns) +
                " without suspending, " + interval_text(span.begin_ns, span.end_ns);
            const double row_top = index == model.rows.size() ? loop_top : row_tops[index];
            std::string outline =
                bar(drawn_state::stall, row_top, span.begin_ns, span.end_ns, tall_bar + 4, tooltip);
            (index == model.rows.size() ? loop_bars : rows[index]) += outline;
        }
    }

    // Failures and cancellations: a cross where the task ended.
    for (const detail::task_mark& mark : model.marks) {
        if (mark.kind != trace_kind::task_failed && mark.kind != trace_kind::task_cancelled) {
            continue;
        }
        const std::size_t index = row_index(mark.task);
        if (index == model.rows.size()) {
            continue;
        }
        const drawn_state state =
            mark.kind == trace_kind::task_failed ? drawn_state::failed : drawn_state::cancelled;
        used[static_cast<std::size_t>(state)] = true;
        const double x = std::min(x_of(mark.at_ns), plot_right - 4);
        const double y = row_tops[index] + row_height / 2;
        std::string tooltip = model.rows[index].label +
                              (state == drawn_state::failed ? ": failed" : ": cancelled") + " at " +
                              exact_ms(mark.at_ns - origin);
        if (!mark.text.empty()) {
            tooltip += ": " + mark.text;
        }
        rows[index] += "<path class=\"mark\" data-state=\"" + std::string{style_of(state).key} +
                       "\" d=\"M" + px(x - 4) + " " + px(y - 4) + "L" + px(x + 4) + " " +
                       px(y + 4) + "M" + px(x - 4) + " " + px(y + 4) + "L" + px(x + 4) + " " +
                       px(y - 4) + "\" stroke=\"" + std::string{style_of(state).stroke} +
                       "\" stroke-width=\"2\" fill=\"none\"><title>" + xml_escape(tooltip) +
                       "</title></path>\n";
    }
    // Wake-ups by another task: an arrow from the waker's row, when it woke the task, to the
    // woken task's bar, when that ran next. Wake-ups by the loop (timers, I/O) have none.
    std::string wake_ups;
    for (const detail::wake_edge& wake : model.wakes) {
        const std::size_t from = row_index(wake.waker);
        const std::size_t to = row_index(wake.woken);
        if (from == model.rows.size() || to == model.rows.size() || from == to) {
            continue;
        }
        used[static_cast<std::size_t>(drawn_state::wake_up)] = true;
        const double x1 = x_of(wake.woken_at_ns);
        const double x2 = x_of(wake.resumed_at_ns);
        const double y1 = row_tops[from] + row_height / 2;
        const double bar_gap = (row_height - tall_bar) / 2;
        const double y2 = to > from ? row_tops[to] + bar_gap : row_tops[to] + row_height - bar_gap;
        wake_ups += "<path class=\"wake-up\" data-state=\"wake-up\" d=\"M" + px(x1) + " " + px(y1) +
                    "L" + px(x2) + " " + px(y2) +
                    "\" stroke=\"#5f6b7a\" stroke-width=\"1\" fill=\"none\" "
                    "marker-end=\"url(#corio-arrow)\"><title>" +
                    xml_escape(model.rows[from].label + " woke " + model.rows[to].label + " at " +
                               exact_ms(wake.woken_at_ns - origin) + "; it ran at " +
                               exact_ms(wake.resumed_at_ns - origin)) +
                    "</title></path>\n";
    }

    for (std::size_t i = 0; i < model.rows.size(); ++i) {
        body += "<g class=\"task-row\" data-task=\"" + std::to_string(model.rows[i].id) + "\">\n" +
                label(row_tops[i], model.rows[i].label) + rows[i] + "</g>\n";
    }
    body += "<g class=\"loop-row\">\n<line x1=\"" + px(margin) + "\" y1=\"" + px(loop_top) +
            "\" x2=\"" + px(width - margin) + "\" y2=\"" + px(loop_top) +
            "\" stroke=\"#c9ced6\"/>\n" + label(loop_top, loop_label) + loop_bars + "</g>\n";

    if (!wake_ups.empty()) {
        body += "<g class=\"wake-ups\">\n" + wake_ups + "</g>\n";
    }

    // The axis under the rows.
    body += "<g class=\"axis\" font-size=\"11\" fill=\"#555\">\n<line x1=\"" + px(plot_left) +
            "\" y1=\"" + px(rows_bottom) + "\" x2=\"" + px(plot_right) + "\" y2=\"" +
            px(rows_bottom) + "\" stroke=\"#888\" stroke-width=\"1\"/>\n" + axis + "</g>\n";

    // The legend: only what occurs, wrapped to the width.
    double legend_x = plot_left;
    double legend_y = rows_bottom + 34;
    std::string legend = "<g class=\"legend\" font-size=\"11\" fill=\"#333\">\n";
    bool any_entry = false;
    for (std::size_t i = 0; i < styles.size(); ++i) {
        if (!used[i]) {
            continue;
        }
        const state_style& style = styles[i];
        std::string text{style.label};
        if (static_cast<drawn_state>(i) == drawn_state::reactor_wait) {
            text += " (" + call + ")";
        }
        const double entry_width =
            12 + 6 + static_cast<double>(code_points(text)) * small_char + 16;
        if (any_entry && legend_x + entry_width > width - margin) {
            legend_x = plot_left;
            legend_y += 18;
        }
        any_entry = true;
        const bool waiting = i >= static_cast<std::size_t>(drawn_state::wait_timer) &&
                             i <= static_cast<std::size_t>(drawn_state::wait_other);
        const double swatch_height = waiting ? 7 : 11;
        const double middle = legend_y - 5;
        legend += "<g class=\"legend-entry\" data-state=\"" + std::string{style.key} + "\">";
        const auto state = static_cast<drawn_state>(i);
        if (state == drawn_state::wake_up) {
            legend += "<path d=\"M" + px(legend_x) + " " + px(middle) + "L" + px(legend_x + 10) +
                      " " + px(middle) + "\" stroke=\"" + std::string{style.stroke} +
                      "\" fill=\"none\" marker-end=\"url(#corio-arrow)\"/>";
        } else if (state == drawn_state::failed || state == drawn_state::cancelled) {
            const double x = legend_x + 6;
            legend += "<path d=\"M" + px(x - 4) + " " + px(middle - 4) + "L" + px(x + 4) + " " +
                      px(middle + 4) + "M" + px(x - 4) + " " + px(middle + 4) + "L" + px(x + 4) +
                      " " + px(middle - 4) + "\" stroke=\"" + std::string{style.stroke} +
                      "\" stroke-width=\"2\" fill=\"none\"/>";
        } else {
            legend += "<rect x=\"" + px(legend_x) + "\" y=\"" + px(middle - swatch_height / 2) +
                      "\" width=\"12\" height=\"" + px(swatch_height) + "\" fill=\"" +
                      std::string{style.fill} + "\"";
            if (!style.stroke.empty()) {
                legend += " stroke=\"" + std::string{style.stroke} + "\"";
            }
            legend += "/>";
        }
        legend += "<text x=\"" + px(legend_x + 18) + "\" y=\"" + px(legend_y - 1) + "\">" +
                  xml_escape(text) + "</text></g>\n";
        legend_x += entry_width;
    }
    legend += "</g>\n";
    body += legend;

    const double height = legend_y + (any_entry ? 14 : 0) + margin;
    std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    out += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + px(width) + "\" height=\"" +
           px(height) + "\" viewBox=\"0 0 " + px(width) + " " + px(height) +
           "\" font-family=\"system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, "
           "sans-serif\">\n";
    out += "<title>" + xml_escape(title.empty() ? std::string{"corio timeline"} : title) +
           "</title>\n";
    out += "<defs><marker id=\"corio-arrow\" viewBox=\"0 0 6 6\" refX=\"6\" refY=\"3\" "
           "markerWidth=\"6\" markerHeight=\"6\" orient=\"auto\"><path d=\"M0 0L6 3L0 6z\" "
           "fill=\"#5f6b7a\"/></marker></defs>\n";
    out += "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n";
    out += header + body + "</svg>\n";
    return out;
}

} // namespace corio
