// SPDX-License-Identifier: MIT
#include <corio/runtime/stopwatch.hpp>

#include <corio/runtime/error.hpp>
#include <corio/runtime/sleep.hpp>

#include <cstdio>
#include <iostream>

namespace corio {

stopwatch::stopwatch(std::string text, std::ostream* out)
    : text_(std::move(text))
    , out_(out != nullptr ? out : &std::cout) {}

void stopwatch::start() {
    started_ = now();
}

double stopwatch::stop() {
    if (!started_) {
        throw usage_error("corio::stopwatch::stop() without start()");
    }
    last_ = std::chrono::duration<double>(now() - *started_).count();
    started_.reset();
    *out_ << format(text_, last_) << '\n';
    out_->flush();
    return last_;
}

std::string stopwatch::format(const std::string& text, double seconds) {
    std::string out;
    out.reserve(text.size() + 16);
    bool substituted = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if ((c == '{' || c == '}') && i + 1 < text.size() && text[i + 1] == c) {
            out += c; // "{{" or "}}"
            ++i;
            continue;
        }
        const std::size_t close = c == '{' ? text.find('}', i) : std::string::npos;
        if (close == std::string::npos || substituted) {
            out += c;
            continue;
        }
        // Accept "{}", "{:f}", "{:.Nf}", "{:0.Nf}"; default precision is Python's repr-ish 6.
        const std::string spec = text.substr(i + 1, close - i - 1);
        int precision = 6;
        if (const std::size_t dot = spec.find('.'); dot != std::string::npos) {
            precision = std::atoi(spec.c_str() + dot + 1);
        }
        char number[64];
        std::snprintf(number, sizeof number, "%.*f", precision, seconds);
        out += number;
        substituted = true;
        i = close;
    }
    return out;
}

stopwatch::scope::scope(std::string text, std::ostream* out)
    : watch_(std::move(text), out) {
    watch_.start();
}

stopwatch::scope::~scope() {
    if (watch_.running()) {
        try {
            watch_.stop();
        } catch (...) { // printing failed; a destructor must not throw
        }
    }
}

} // namespace corio
