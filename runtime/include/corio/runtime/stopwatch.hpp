// SPDX-License-Identifier: MIT
// stopwatch.hpp - time a piece of code and print the result (Python's codetiming.Timer).
//
//     corio::stopwatch timer{"Task One elapsed time: {:.1f}"};
//     timer.start();
//     co_await corio::sleep_for(15s);
//     timer.stop();                                  // prints "Task One elapsed time: 15.0"
//
//     {                                              // like `with Timer(...):`
//         corio::stopwatch::scope total{"\nTotal elapsed time: {:.1f}"};
//         co_await work();
//     }                                              // prints the total here
//
// The text is a template with one replacement field for the elapsed seconds: `{}` or a fixed-point
// spec such as `{:.1f}` / `{:0.4f}`; `{{` and `}}` print braces. Time comes from corio::now(): the
// loop's clock inside a loop (so virtual-time tests print virtual seconds), steady_clock outside.
// stop() without start() throws usage_error (codetiming raises TimerError). Not thread-safe.
#pragma once

#include <corio/runtime/detail/export.hpp>

#include <chrono>
#include <iosfwd>
#include <optional>
#include <string>

CORIO_EXPORT_BEGIN
namespace corio {

class stopwatch {
public:
    using time_point = std::chrono::steady_clock::time_point;

    // `out` defaults to std::cout; pass nullptr to print nothing.
    explicit stopwatch(std::string text = "Elapsed time: {:0.4f} seconds",
                       std::ostream* out = nullptr);

    void start();
    // Prints the text with the seconds since start() and returns them.
    double stop();
    [[nodiscard]] bool running() const noexcept { return started_.has_value(); }
    // Seconds measured by the last stop().
    [[nodiscard]] double last() const noexcept { return last_; }

    // Renders `text` with `seconds` in its replacement field (exposed for tests and examples).
    [[nodiscard]] static std::string format(const std::string& text, double seconds);

    // Starts on construction, stops (and prints) on destruction.
    class scope;

private:
    std::string text_;
    std::ostream* out_;
    std::optional<time_point> started_;
    double last_ = 0.0;
};

class stopwatch::scope {
public:
    explicit scope(std::string text = "Elapsed time: {:0.4f} seconds", std::ostream* out = nullptr);
    ~scope();
    scope(const scope&) = delete;
    scope& operator=(const scope&) = delete;

private:
    stopwatch watch_;
};

} // namespace corio
CORIO_EXPORT_END
