// SPDX-License-Identifier: MIT
// net.hpp - all of corio::net in one include: addresses, name resolution, TCP, UDP, Unix domain
// and TLS streams, buffered reading and writing over them, and child processes with piped
// stdin/stdout/stderr.
//
//     #include <corio/net.hpp>
//     auto stream = co_await corio::net::tcp_stream::connect("example.com", 80, 5s);
//
// Only corio/net/: the runtime parts these headers use come with them, the rest of the runtime
// is <corio/runtime.hpp>, HTTP is <corio/http.hpp>, and <corio/corio.hpp> is all three. Each
// header below also stands alone, and including only the ones a file uses keeps its build faster.
#pragma once

#include <corio/net/address.hpp>
#include <corio/net/buffered_stream.hpp>
#include <corio/net/byte_stream.hpp>
#include <corio/net/process.hpp>
#include <corio/net/resolver.hpp>
#include <corio/net/socket_options.hpp>
#include <corio/net/tcp_listener.hpp>
#include <corio/net/tcp_stream.hpp>
#include <corio/net/tls_context.hpp>
#include <corio/net/tls_error.hpp>
#include <corio/net/tls_stream.hpp>
#include <corio/net/udp_socket.hpp>
#include <corio/net/unix_listener.hpp>
#include <corio/net/unix_stream.hpp>
