// SPDX-License-Identifier: MIT
// malformed_responses.hpp - the broken and hostile responses every HTTP client must refuse.
//
// One table, which client_suite_test.cpp runs against both clients (async and blocking), so that
// they provably pass the same framing tests: each case is the raw bytes a server sends, and the
// error kind the client must raise for them - never a guess, a crash or a silently shortened
// body. client_test.cpp also checks, for the async client, that a case fails with the head or
// only in the body read, as fails_in_body says. The cases assume the limits of
// malformed_case_limits().
#pragma once

#include <corio/http/client.hpp>
#include <corio/http/error.hpp>

#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <vector>

namespace corio_test {

struct malformed_case {
    const char* name;
    std::string wire;
    corio::http::error_kind kind;
    bool fails_in_body; // the head is fine, the body is not
};

// `options` with the small limits the cases exceed: a 1,024-byte head, 10 fields, a 100-byte body.
corio::http::client_options malformed_case_limits(corio::http::client_options options = {});

const std::vector<malformed_case>& malformed_responses();

// For INSTANTIATE_TEST_SUITE_P: the case's name.
std::string malformed_case_name(const testing::TestParamInfo<malformed_case>& info);

// How GoogleTest shows a case: its name, not its bytes.
void PrintTo(const malformed_case& param, std::ostream* out);

} // namespace corio_test
