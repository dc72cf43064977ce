// SPDX-License-Identifier: MIT
// trace_environment.hpp - for tests that measure the loop with tracing off.
//
// CI runs the whole suite a second time with CORIO_TRACE=1, which turns tracing on in every loop.
// A test that counts allocations or bytes per connection measures the untraced loop: it clears
// the variable for its own lifetime (before it starts threads that make loops) and puts it back.
#pragma once

#include <cstdlib>
#include <optional>
#include <string>

namespace corio_test {

class tracing_off_in_this_test {
public:
    tracing_off_in_this_test() {
        if (const char* value = std::getenv(name)) {
            saved_ = value;
            set(nullptr);
        }
    }
    ~tracing_off_in_this_test() {
        if (saved_) {
            set(saved_->c_str());
        }
    }
    tracing_off_in_this_test(const tracing_off_in_this_test&) = delete;
    tracing_off_in_this_test& operator=(const tracing_off_in_this_test&) = delete;

private:
    static constexpr const char* name = "CORIO_TRACE";
    static void set(const char* value) {
#ifdef _WIN32
        _putenv_s(name, value != nullptr ? value : ""); // "" removes it on Windows
#else
        if (value != nullptr) {
            setenv(name, value, 1);
        } else {
            unsetenv(name);
        }
#endif
    }
    std::optional<std::string> saved_;
};

} // namespace corio_test
