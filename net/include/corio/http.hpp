// SPDX-License-Identifier: MIT
// http.hpp - all of corio::http in one include: the async and blocking clients, the server, URLs,
// header fields and the HTTP errors.
//
//     #include <corio/http.hpp>
//     corio::http::blocking_session session;
//     std::cout << session.get("https://example.com/").text();
//
// Only corio/http/: the net and runtime parts these headers use come with them, the rest is
// <corio/net.hpp> and <corio/runtime.hpp>, and <corio/corio.hpp> is all three. Each header below
// also stands alone, and including only the ones a file uses keeps its build faster:
// <corio/http/blocking_client.hpp> is all a blocking program needs.
#pragma once

#include <corio/http/blocking_client.hpp>
#include <corio/http/client.hpp>
#include <corio/http/client_options.hpp>
#include <corio/http/error.hpp>
#include <corio/http/headers.hpp>
#include <corio/http/response.hpp>
#include <corio/http/server.hpp>
#include <corio/http/url.hpp>
