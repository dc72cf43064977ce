// SPDX-License-Identifier: MIT
#include "support/child_process.hpp"

#include <windows.h>

#include <string>
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

process_result run_process(const std::string& program, const std::vector<std::string>& args,
                           std::chrono::seconds limit) {
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
    const auto started = std::chrono::steady_clock::now();
    const BOOL created = ::CreateProcessA(program.c_str(), command_line.data(), nullptr, nullptr,
                                          TRUE, 0, nullptr, nullptr, &startup, &process);
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
