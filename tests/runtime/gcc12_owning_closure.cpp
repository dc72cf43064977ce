// SPDX-License-Identifier: MIT
// Must NOT compile with g++ 12: the form g++ 12 miscompiles (an owning lambda written inside
// co_await is destroyed twice). ctest builds this file and expects run_blocking's static_assert.
#include <corio/runtime/run_blocking.hpp>

#include <memory>

corio::task<int> owning_lambda_inside_co_await() {
    auto owned = std::make_unique<int>(5);
    co_return co_await corio::run_blocking([p = std::move(owned)] { return *p; });
}
