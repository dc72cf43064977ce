// SPDX-License-Identifier: MIT
// Uses all three parts of corio through the one installed umbrella header, <corio/corio.hpp>;
// prints "ok" and exits 0 on success.
#include <corio/corio.hpp>

#include <chrono>
#include <iostream>

corio::task<int> main_task() {
    co_await corio::sleep_for(std::chrono::milliseconds(1));
    co_return 42;
}

int main() {
    const bool ok = corio::run(main_task()) == 42 &&
                    corio::net::address::loopback_v4(80).to_string() == "127.0.0.1:80" &&
                    corio::http::url::parse("HTTP://Example.com:80/a").host() == "example.com";
    std::cout << (ok ? "ok" : "wrong") << "\n";
    return ok ? 0 : 1;
}
