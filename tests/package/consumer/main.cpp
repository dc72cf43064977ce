// SPDX-License-Identifier: MIT
// Uses both libraries through their installed headers; prints "ok" and exits 0 on success.
#include <corio/net/address.hpp>
#include <corio/runtime/event_loop.hpp>
#include <corio/runtime/sleep.hpp>

#include <chrono>
#include <iostream>

corio::task<int> main_task() {
    co_await corio::sleep_for(std::chrono::milliseconds(1));
    co_return 42;
}

int main() {
    const bool ok = corio::run(main_task()) == 42 &&
                    corio::net::address::loopback_v4(80).to_string() == "127.0.0.1:80";
    std::cout << (ok ? "ok" : "wrong") << "\n";
    return ok ? 0 : 1;
}
