// SPDX-License-Identifier: MIT
// trace_environment.hpp - for tests that measure the loop with tracing off.
//
// CI runs the whole suite a second time with CORIO_TRACE=1, which turns tracing on in every loop.
// A test that counts allocations or bytes per connection measures the untraced loop: it clears
// the variable for its own lifetime (before it starts threads that make loops) and puts it back.
#pragma once

#include "support/scoped_environment.hpp"

namespace corio_test {

class tracing_off_in_this_test : scoped_environment_variable {
public:
    tracing_off_in_this_test()
        : scoped_environment_variable("CORIO_TRACE", nullptr) {}
};

} // namespace corio_test
