// SPDX-License-Identifier: MIT
// scoped_environment.hpp - sets (or removes) an environment variable for a test's lifetime.
//
// CI runs the whole suite again with variables that change every loop (CORIO_TRACE=1,
// CORIO_BACKEND=io_uring). A test that needs one of them set its own way does it through this
// class, before it starts threads that make loops, and gets the old value back at the end.
#pragma once

#include <cstdlib>
#include <optional>
#include <string>

namespace corio_test {

class scoped_environment_variable {
public:
    // `value` null removes the variable.
    scoped_environment_variable(const char* name, const char* value)
        : name_(name) {
        if (const char* old = std::getenv(name)) {
            saved_ = old;
        }
        set(value);
    }
    ~scoped_environment_variable() { set(saved_ ? saved_->c_str() : nullptr); }
    scoped_environment_variable(const scoped_environment_variable&) = delete;
    scoped_environment_variable& operator=(const scoped_environment_variable&) = delete;

private:
    void set(const char* value) const {
#ifdef _WIN32
        _putenv_s(name_, value != nullptr ? value : ""); // "" removes it on Windows
#else
        if (value != nullptr) {
            setenv(name_, value, 1);
        } else {
            unsetenv(name_);
        }
#endif
    }

    const char* name_;
    std::optional<std::string> saved_;
};

} // namespace corio_test
