// SPDX-License-Identifier: MIT
#include "support/child_process.hpp"

#include <windows.h>

#include <cstring>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>

namespace corio_test {

namespace {

// One argument quoted the way CommandLineToArgvW (and the C runtime) splits it back.
void append_quoted(std::string& command_line, const std::string& arg) {
    if (!command_line.empty()) {
        command_line += ' ';
    }
    if (!arg.empty() && arg.find_first_of(" \t\"") == std::string::npos) {
        command_line += arg;
        return;
    }
    command_line += '"';
    std::size_t backslashes = 0;
    for (char c : arg) {
        if (c == '\\') {
            ++backslashes;
            continue;
        }
        if (c == '"') {
            command_line.append(backslashes * 2 + 1, '\\'); // escape them and the quote
        } else {
            command_line.append(backslashes, '\\');
        }
        backslashes = 0;
        command_line += c;
    }
    command_line.append(backslashes * 2, '\\'); // before the closing quote
    command_line += '"';
}

void drain(HANDLE pipe, std::string& sink) {
    char chunk[4096];
    DWORD got = 0;
    while (::ReadFile(pipe, chunk, sizeof chunk, &got, nullptr) && got != 0) {
        sink.append(chunk, got);
    }
}

} // namespace

std::vector<std::string> environment_with(const std::vector<std::string>& overrides) {
    std::vector<std::string> entries;
    char* block = ::GetEnvironmentStringsA();
    for (const char* entry = block; entry != nullptr && *entry != '\0';
         entry += std::strlen(entry) + 1) {
        const std::string_view text = entry;
        // Entries such as "=C:=C:\\dir" start with '=': their name is what follows it.
        const std::string_view name = text.substr(0, text.find('=', 1));
        bool replaced = false;
        for (const std::string& override : overrides) {
            replaced = replaced || override.substr(0, override.find('=')) == name;
        }
        if (!replaced) {
            entries.emplace_back(text);
        }
    }
    ::FreeEnvironmentStringsA(block);
    entries.insert(entries.end(), overrides.begin(), overrides.end());
    return entries;
}

process_result run_process(const std::string& program, const std::vector<std::string>& args,
                           std::chrono::seconds limit,
                           const std::vector<std::string>& environment) {
    process_result result;
    SECURITY_ATTRIBUTES inheritable{sizeof(SECURITY_ATTRIBUTES), nullptr, TRUE};
    HANDLE out_read = nullptr;
    HANDLE out_write = nullptr;
    HANDLE err_read = nullptr;
    HANDLE err_write = nullptr;
    if (!::CreatePipe(&out_read, &out_write, &inheritable, 0) ||
        !::CreatePipe(&err_read, &err_write, &inheritable, 0)) {
        throw std::system_error(static_cast<int>(::GetLastError()), std::system_category(),
                                "CreatePipe");
    }
    // Only the child's ends are inherited.
    ::SetHandleInformation(out_read, HANDLE_FLAG_INHERIT, 0);
    ::SetHandleInformation(err_read, HANDLE_FLAG_INHERIT, 0);
    HANDLE nul = ::CreateFileA("NUL", GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE,
                               &inheritable, OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, nullptr);

    std::string command_line;
    append_quoted(command_line, program);
    for (const std::string& arg : args) {
        append_quoted(command_line, arg);
    }
    STARTUPINFOA startup{};
    startup.cb = sizeof startup;
    startup.dwFlags = STARTF_USESTDHANDLES;
    startup.hStdInput = nul;
    startup.hStdOutput = out_write;
    startup.hStdError = err_write;
    PROCESS_INFORMATION process{};
    // The environment block: "NAME=value\0" entries, then one more '\0'. Only when overriding:
    // otherwise the child inherits ours as is.
    std::string environment_block;
    if (!environment.empty()) {
        for (const std::string& entry : environment_with(environment)) {
            environment_block.append(entry).push_back('\0');
        }
        environment_block.push_back('\0');
    }
    const auto started = std::chrono::steady_clock::now();
    const BOOL created = ::CreateProcessA(
        program.c_str(), command_line.data(), nullptr, nullptr, TRUE, 0,
        environment.empty() ? nullptr : environment_block.data(), nullptr, &startup, &process);
    const DWORD create_error = ::GetLastError();
    ::CloseHandle(out_write);
    ::CloseHandle(err_write);
    ::CloseHandle(nul);
    if (!created) {
        ::CloseHandle(out_read);
        ::CloseHandle(err_read);
        throw std::system_error(static_cast<int>(create_error), std::system_category(),
                                "CreateProcess " + program);
    }
    // Anonymous pipes cannot be polled: one reader thread per pipe keeps the child from blocking.
    std::thread out_reader([&] { drain(out_read, result.out); });
    std::thread err_reader([&] { drain(err_read, result.err); });
    const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(limit).count();
    if (::WaitForSingleObject(process.hProcess, static_cast<DWORD>(millis)) == WAIT_TIMEOUT) {
        ::TerminateProcess(process.hProcess, 1);
        ::WaitForSingleObject(process.hProcess, INFINITE);
        result.timed_out = true;
    }
    out_reader.join();
    err_reader.join();
    DWORD exit_code = 0;
    if (!result.timed_out && ::GetExitCodeProcess(process.hProcess, &exit_code)) {
        result.exit_code = static_cast<int>(exit_code);
    }
    result.took = std::chrono::steady_clock::now() - started;
    ::CloseHandle(process.hThread);
    ::CloseHandle(process.hProcess);
    ::CloseHandle(out_read);
    ::CloseHandle(err_read);
    return result;
}

} // namespace corio_test
