// SPDX-License-Identifier: MIT
// Child processes on Windows: CreateProcessW with a quoted command line and a UTF-16
// environment, overlapped named pipes registered with the IOCP reactor, and a thread-pool wait
// on the process handle (RegisterWaitForSingleObject) that posts the exit to the loop.
#include <corio/runtime/detail/os_error.hpp>
#include <corio/runtime/error.hpp>
#include <corio/runtime/sync/event.hpp>

#include "process_state.hpp"

#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>

#include <array>
#include <atomic>
#include <exception>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace corio::net::detail {

// The exit, seen by a thread-pool thread, reaches the loop as a post(): the callback touches
// nothing of the loop's but post(), which is thread-safe, and the posted work finds the watch
// through a weak_ptr, so a child destroyed meanwhile is simply skipped.
struct process_state::exit_watch {
    event_loop* loop = nullptr;
    std::weak_ptr<exit_watch> self;
    HANDLE wait_handle = nullptr;
    corio::event exited; // set on the loop thread
};

namespace {

[[noreturn]] void throw_last_error(const char* call) {
    corio::detail::throw_os_error(static_cast<int>(::GetLastError()), call);
}

class owned_handle {
public:
    owned_handle() = default;
    explicit owned_handle(HANDLE handle) noexcept
        : handle_(handle == INVALID_HANDLE_VALUE ? nullptr : handle) {}
    owned_handle(owned_handle&& other) noexcept
        : handle_(std::exchange(other.handle_, nullptr)) {}
    owned_handle& operator=(owned_handle&& other) noexcept {
        if (this != &other) {
            reset();
            handle_ = std::exchange(other.handle_, nullptr);
        }
        return *this;
    }
    ~owned_handle() { reset(); }
    [[nodiscard]] HANDLE get() const noexcept { return handle_; }
    HANDLE release() noexcept { return std::exchange(handle_, nullptr); }
    void reset() noexcept {
        if (handle_ != nullptr) {
            ::CloseHandle(handle_);
            handle_ = nullptr;
        }
    }

private:
    HANDLE handle_ = nullptr;
};

std::wstring widen(const std::string& text) {
    if (text.empty()) {
        return {};
    }
    const int size = ::MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, text.data(),
                                           static_cast<int>(text.size()), nullptr, 0);
    if (size <= 0) {
        throw_last_error("MultiByteToWideChar");
    }
    std::wstring wide(static_cast<std::size_t>(size), L'\0');
    ::MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, text.data(), static_cast<int>(text.size()),
                          wide.data(), size);
    return wide;
}

// One argument quoted so that CommandLineToArgvW and the C runtime split it back as it was:
// backslashes are literal except before a quote, where each pair stands for one backslash.
void append_quoted(std::wstring& command_line, const std::wstring& arg) {
    if (!command_line.empty()) {
        command_line += L' ';
    }
    if (!arg.empty() && arg.find_first_of(L" \t\n\v\"") == std::wstring::npos) {
        command_line += arg;
        return;
    }
    command_line += L'"';
    std::size_t backslashes = 0;
    for (const wchar_t c : arg) {
        if (c == L'\\') {
            ++backslashes;
            continue;
        }
        command_line.append(c == L'"' ? backslashes * 2 + 1 : backslashes, L'\\');
        backslashes = 0;
        command_line += c;
    }
    command_line.append(backslashes * 2, L'\\'); // they precede the closing quote
    command_line += L'"';
}

struct stream_ends {
    owned_handle parent; // overlapped, for the reactor
    owned_handle child;  // inheritable, ordinary (synchronous) I/O, as programs expect
};

// An anonymous pipe cannot do overlapped I/O, so each stream is a named pipe of its own with a
// name nobody else uses: this process's id and a counter. FILE_FLAG_FIRST_PIPE_INSTANCE makes
// the creation fail rather than join a pipe someone else made under that name.
stream_ends make_pipe(bool child_reads) {
    static std::atomic<unsigned long> counter{0};
    const std::wstring name = L"\\\\.\\pipe\\corio-process-" +
                              std::to_wstring(::GetCurrentProcessId()) + L"-" +
                              std::to_wstring(counter.fetch_add(1));
    constexpr DWORD buffer_size = 64 * 1024;
    const DWORD direction = child_reads ? PIPE_ACCESS_OUTBOUND : PIPE_ACCESS_INBOUND;
    stream_ends ends;
    ends.parent = owned_handle{::CreateNamedPipeW(
        name.c_str(), direction | FILE_FLAG_OVERLAPPED | FILE_FLAG_FIRST_PIPE_INSTANCE,
        PIPE_TYPE_BYTE | PIPE_READMODE_BYTE | PIPE_WAIT | PIPE_REJECT_REMOTE_CLIENTS, 1,
        buffer_size, buffer_size, 0, nullptr)};
    if (ends.parent.get() == nullptr) {
        throw_last_error("CreateNamedPipeW");
    }
    SECURITY_ATTRIBUTES inheritable{sizeof(SECURITY_ATTRIBUTES), nullptr, TRUE};
    ends.child =
        owned_handle{::CreateFileW(name.c_str(), child_reads ? GENERIC_READ : GENERIC_WRITE, 0,
                                   &inheritable, OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, nullptr)};
    if (ends.child.get() == nullptr) {
        throw_last_error("CreateFileW (pipe)");
    }
    return ends;
}

owned_handle open_null_device(bool child_reads) {
    SECURITY_ATTRIBUTES inheritable{sizeof(SECURITY_ATTRIBUTES), nullptr, TRUE};
    owned_handle device{::CreateFileW(L"NUL", child_reads ? GENERIC_READ : GENERIC_WRITE,
                                      FILE_SHARE_READ | FILE_SHARE_WRITE, &inheritable,
                                      OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, nullptr)};
    if (device.get() == nullptr) {
        throw_last_error("CreateFileW (NUL)");
    }
    return device;
}

// An inheritable copy of the parent's own stream, or nothing if it has none (a GUI program).
owned_handle inherit_own(DWORD which) {
    HANDLE own = ::GetStdHandle(which);
    if (own == nullptr || own == INVALID_HANDLE_VALUE) {
        return {};
    }
    HANDLE copy = nullptr;
    if (!::DuplicateHandle(::GetCurrentProcess(), own, ::GetCurrentProcess(), &copy, 0, TRUE,
                           DUPLICATE_SAME_ACCESS)) {
        return {}; // a console handle that cannot be duplicated: the child goes without
    }
    return owned_handle{copy};
}

// Only the three standard handles may reach the child, not every inheritable handle this
// process (or another thread) holds at the moment: PROC_THREAD_ATTRIBUTE_HANDLE_LIST.
class handle_list_attribute {
public:
    explicit handle_list_attribute(std::vector<HANDLE>& handles) {
        SIZE_T size = 0;
        ::InitializeProcThreadAttributeList(nullptr, 1, 0, &size);
        storage_.resize(size);
        list_ = reinterpret_cast<LPPROC_THREAD_ATTRIBUTE_LIST>(storage_.data());
        if (!::InitializeProcThreadAttributeList(list_, 1, 0, &size)) {
            throw_last_error("InitializeProcThreadAttributeList");
        }
        if (!::UpdateProcThreadAttribute(list_, 0, PROC_THREAD_ATTRIBUTE_HANDLE_LIST,
                                         handles.data(), handles.size() * sizeof(HANDLE), nullptr,
                                         nullptr)) {
            const DWORD error = ::GetLastError();
            ::DeleteProcThreadAttributeList(list_);
            corio::detail::throw_os_error(static_cast<int>(error), "UpdateProcThreadAttribute");
        }
    }
    ~handle_list_attribute() { ::DeleteProcThreadAttributeList(list_); }
    handle_list_attribute(const handle_list_attribute&) = delete;
    handle_list_attribute& operator=(const handle_list_attribute&) = delete;
    [[nodiscard]] LPPROC_THREAD_ATTRIBUTE_LIST get() const noexcept { return list_; }

private:
    std::vector<char> storage_;
    LPPROC_THREAD_ATTRIBUTE_LIST list_ = nullptr;
};

void CALLBACK on_process_exit(void* context, BOOLEAN /*timed_out*/) {
    auto* watch = static_cast<process_state::exit_watch*>(context);
    try {
        watch->loop->post([weak = watch->self] {
            if (const std::shared_ptr<process_state::exit_watch> alive = weak.lock()) {
                alive->exited.set();
            }
        });
    } catch (...) {
        // Out of memory on a thread-pool thread: the waiter would hang; nothing better to do
        // here than to end the process loudly.
        std::terminate();
    }
}

} // namespace

std::unique_ptr<process_state> start_process(const process_options& options) {
    auto state = std::make_unique<process_state>();
    const std::array<stdio, 3> modes{options.stdin_mode, options.stdout_mode, options.stderr_mode};
    constexpr std::array<DWORD, 3> own_streams{STD_INPUT_HANDLE, STD_OUTPUT_HANDLE,
                                               STD_ERROR_HANDLE};
    std::array<stream_ends, 3> ends;
    std::vector<HANDLE> inherited;
    for (std::size_t index = 0; index < 3; ++index) {
        const bool child_reads = index == 0;
        switch (modes[index]) {
        case stdio::pipe:
            ends[index] = make_pipe(child_reads);
            state->piped[index] = true;
            break;
        case stdio::null:
            ends[index].child = open_null_device(child_reads);
            break;
        case stdio::inherit:
            ends[index].child = inherit_own(own_streams[index]);
            break;
        }
        if (ends[index].child.get() != nullptr) {
            inherited.push_back(ends[index].child.get());
        }
    }

    std::wstring command_line;
    append_quoted(command_line, widen(options.program));
    for (const std::string& arg : options.args) {
        append_quoted(command_line, widen(arg));
    }
    std::wstring environment;
    if (options.env) {
        for (const std::string& entry : *options.env) {
            environment += widen(entry);
            environment += L'\0';
        }
        if (options.env->empty()) {
            environment += L'\0';
        }
        environment += L'\0';
    }
    const std::wstring directory = widen(options.working_directory);
    // A bare name is looked up (application directory, current directory, system directories,
    // PATH; ".exe" appended); a path is taken as it is.
    const bool search = options.program.find_first_of("/\\") == std::string::npos;
    const std::wstring application = search ? std::wstring{} : widen(options.program);

    STARTUPINFOEXW startup{};
    startup.StartupInfo.cb = sizeof startup;
    startup.StartupInfo.dwFlags = STARTF_USESTDHANDLES;
    startup.StartupInfo.hStdInput = ends[0].child.get();
    startup.StartupInfo.hStdOutput = ends[1].child.get();
    startup.StartupInfo.hStdError = ends[2].child.get();
    std::unique_ptr<handle_list_attribute> handle_list;
    if (!inherited.empty()) {
        handle_list = std::make_unique<handle_list_attribute>(inherited);
        startup.lpAttributeList = handle_list->get();
    }
    PROCESS_INFORMATION created{};
    const BOOL started = ::CreateProcessW(
        search ? nullptr : application.c_str(), command_line.data(), nullptr, nullptr,
        inherited.empty() ? FALSE : TRUE, CREATE_UNICODE_ENVIRONMENT | EXTENDED_STARTUPINFO_PRESENT,
        options.env ? environment.data() : nullptr, directory.empty() ? nullptr : directory.c_str(),
        &startup.StartupInfo, &created);
    if (!started) {
        throw spawn_error(corio::detail::os_error_code(static_cast<int>(::GetLastError())),
                          options.program);
    }
    ::CloseHandle(created.hThread);
    state->process = created.hProcess;
    state->id = created.dwProcessId;
    // From here the state's destructor terminates the child if anything below throws.

    auto watch = std::make_shared<process_state::exit_watch>();
    watch->loop = &event_loop::current();
    watch->self = watch;
    HANDLE wait_handle = nullptr;
    if (!::RegisterWaitForSingleObject(&wait_handle, created.hProcess, &on_process_exit,
                                       watch.get(), INFINITE, WT_EXECUTEONLYONCE)) {
        throw_last_error("RegisterWaitForSingleObject");
    }
    watch->wait_handle = wait_handle;
    state->watch = std::move(watch);

    for (std::size_t index = 0; index < 3; ++index) {
        ends[index].child.reset(); // the child has its copies
        if (state->piped[index]) {
            state->pipes[index] = process_pipe{
                io_object{reinterpret_cast<native_handle_t>(ends[index].parent.release())},
                index == 0 ? process_pipe::direction::to_child
                           : process_pipe::direction::from_child};
        }
    }
    return state;
}

std::optional<exit_status> poll_exit(process_state& state) {
    if (state.status) {
        return state.status;
    }
    const DWORD signalled = ::WaitForSingleObject(static_cast<HANDLE>(state.process), 0);
    if (signalled == WAIT_TIMEOUT) {
        return std::nullopt;
    }
    if (signalled != WAIT_OBJECT_0) {
        throw_last_error("WaitForSingleObject (process)");
    }
    DWORD code = 0;
    if (!::GetExitCodeProcess(static_cast<HANDLE>(state.process), &code)) {
        throw_last_error("GetExitCodeProcess");
    }
    state.status = exit_status::exited_with(static_cast<int>(code));
    return state.status;
}

task<exit_status> wait_for_exit(process_state& state) {
    for (;;) {
        if (std::optional<exit_status> status = poll_exit(state)) {
            co_return *status;
        }
        co_await state.watch->exited.wait();
    }
}

void signal_process(process_state& state, bool /*forcefully*/) {
    // Windows has no polite request to end a console process that is not in our console group:
    // both kill() and terminate() are TerminateProcess.
    if (state.status) {
        return;
    }
    if (!::TerminateProcess(static_cast<HANDLE>(state.process), 1)) {
        const DWORD error = ::GetLastError();
        // Access is denied to a process that has already ended: that is not a failure.
        if (::WaitForSingleObject(static_cast<HANDLE>(state.process), 0) != WAIT_OBJECT_0) {
            corio::detail::throw_os_error(static_cast<int>(error), "TerminateProcess");
        }
    }
}

process_state::~process_state() {
    if (process == nullptr) {
        return;
    }
    const auto handle = static_cast<HANDLE>(process);
    if (!status) {
        ::TerminateProcess(handle, 1);
        ::WaitForSingleObject(handle, INFINITE); // termination is asynchronous; it is quick
    }
    if (watch && watch->wait_handle != nullptr) {
        // Blocks until a callback already running has returned, so it never sees a freed watch.
        ::UnregisterWaitEx(watch->wait_handle, INVALID_HANDLE_VALUE);
    }
    ::CloseHandle(handle);
}

} // namespace corio::net::detail
