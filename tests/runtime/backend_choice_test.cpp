// SPDX-License-Identifier: MIT
// Choosing the reactor backend (issue 16, part 3): naming backends, CORIO_BACKEND, `automatic`
// falling back from io_uring for each way io_uring can fail (forced through the real probe code
// with a fake io_uring_system, and through the chooser), and the errors for impossible requests.
#include <corio/runtime/event_loop.hpp>
#include <corio/runtime/io_backend.hpp>

#include "reactor/backend_choice.hpp"
#if defined(__linux__)
#include "reactor/io_uring_probe.hpp"
#endif

#include "support/scoped_environment.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>

namespace {

using corio::io_backend;
using corio::detail::backend_choice;
using corio::detail::backend_platform;
using corio::detail::io_uring_probe_result;
using corio::detail::resolve_backend;

// Sets CORIO_BACKEND (or removes it, for nullptr) for the test's lifetime, then puts back what
// was there: CI may run the whole suite with CORIO_BACKEND set (the dev-io-uring test preset).
class backend_variable : corio_test::scoped_environment_variable {
public:
    explicit backend_variable(const char* value)
        : scoped_environment_variable("CORIO_BACKEND", value) {}
};

// Linux as it would be once io_uring is the default and built in: the chooser's every branch.
constexpr backend_platform linux_preferring_io_uring{io_backend::epoll, true, true};
constexpr backend_platform linux_today{io_backend::epoll, true, false};

io_uring_probe_result usable_probe() {
    return {true, {}, {}};
}

io_uring_probe_result failed_probe(int error, std::string reason) {
    return {false, std::error_code(error, std::generic_category()), std::move(reason)};
}

// A probe that must not be asked (io_uring is no candidate).
io_uring_probe_result unexpected_probe() {
    ADD_FAILURE() << "io_uring was probed although it was no candidate";
    return usable_probe();
}

template <class Exception>
std::string message_of(const std::function<void()>& action) {
    try {
        action();
    } catch (const Exception& error) {
        return error.what();
    }
    ADD_FAILURE() << "nothing was thrown";
    return {};
}

TEST(BackendNames, EveryBackendParsesFromItsOwnName) {
    for (const io_backend backend : {io_backend::automatic, io_backend::epoll, io_backend::io_uring,
                                     io_backend::kqueue, io_backend::iocp}) {
        EXPECT_EQ(corio::parse_io_backend(corio::to_string(backend)), backend);
    }
    EXPECT_EQ(corio::to_string(io_backend::automatic), "auto");
    EXPECT_EQ(corio::to_string(io_backend::io_uring), "io_uring");
}

TEST(BackendNames, OtherTextNamesNoBackend) {
    for (const std::string_view text :
         {"", "automatic", "EPOLL", "io-uring", "uring", " epoll", "epoll ", "select"}) {
        EXPECT_EQ(corio::parse_io_backend(text), std::nullopt) << text;
    }
    EXPECT_EQ(corio::to_string(static_cast<io_backend>(42)), "unknown");
}

TEST(BackendChoice, AutomaticIsThePlatformsOwnBackendWhileIoUringIsNotPreferred) {
    // Issue 16, part 5: until io_uring measures at least as fast, `automatic` stays on epoll.
    EXPECT_FALSE(corio::detail::automatic_prefers_io_uring);
    const backend_choice linux_choice =
        resolve_backend(io_backend::automatic, nullptr, linux_today, unexpected_probe);
    EXPECT_EQ(linux_choice.backend, io_backend::epoll);
    EXPECT_FALSE(linux_choice.named);
    EXPECT_NE(linux_choice.reason.find("automatic"), std::string::npos) << linux_choice.reason;
    EXPECT_EQ(resolve_backend(io_backend::automatic, nullptr, {io_backend::kqueue, false, true},
                              unexpected_probe)
                  .backend,
              io_backend::kqueue);
    EXPECT_EQ(resolve_backend(io_backend::automatic, nullptr, {io_backend::iocp, false, true},
                              unexpected_probe)
                  .backend,
              io_backend::iocp);
}

TEST(BackendChoice, AutomaticTakesIoUringWhenPreferredAndTheProbeSucceeds) {
    const backend_choice choice =
        resolve_backend(io_backend::automatic, nullptr, linux_preferring_io_uring, usable_probe);
    EXPECT_EQ(choice.backend, io_backend::io_uring);
    EXPECT_FALSE(choice.named); // so that make_reactor falls back if the real ring fails
}

TEST(BackendChoice, AutomaticFallsBackToEpollWithTheProbesReasonForEveryFailure) {
    const io_uring_probe_result failures[] = {
        failed_probe(EPERM, "io_uring is disabled (/proc/sys/kernel/io_uring_disabled is 2)"),
        failed_probe(EPERM, "io_uring_setup: Operation not permitted (forbidden by seccomp)"),
        failed_probe(ENOSYS, "io_uring_setup: Function not implemented"),
        failed_probe(ENOMEM, "io_uring_setup: Cannot allocate memory"),
        failed_probe(ENOSYS, "the kernel lacks IORING_OP_SEND"),
        failed_probe(ENOSYS, "the kernel lacks IORING_FEAT_EXT_ARG (io_uring_params::features)"),
    };
    for (const io_uring_probe_result& failure : failures) {
        int probes = 0;
        const backend_choice choice =
            resolve_backend(io_backend::automatic, nullptr, linux_preferring_io_uring, [&] {
                ++probes;
                return failure;
            });
        EXPECT_EQ(choice.backend, io_backend::epoll) << failure.reason;
        EXPECT_EQ(probes, 1);
        EXPECT_NE(choice.reason.find(failure.reason), std::string::npos) << choice.reason;
    }
}

TEST(BackendChoice, AutomaticUsesEpollWhenThisBuildHasNoIoUring) {
    const backend_choice choice = resolve_backend(
        io_backend::automatic, nullptr, {io_backend::epoll, false, true}, unexpected_probe);
    EXPECT_EQ(choice.backend, io_backend::epoll);
    EXPECT_NE(choice.reason.find("CORIO_HAVE_IO_URING_REACTOR"), std::string::npos)
        << choice.reason;
}

TEST(BackendChoice, ANamedBackendIsTakenAsIs) {
    const backend_choice epoll =
        resolve_backend(io_backend::epoll, nullptr, linux_preferring_io_uring, unexpected_probe);
    EXPECT_EQ(epoll.backend, io_backend::epoll);
    EXPECT_TRUE(epoll.named);
    const backend_choice uring =
        resolve_backend(io_backend::io_uring, nullptr, linux_today, usable_probe);
    EXPECT_EQ(uring.backend, io_backend::io_uring);
    EXPECT_TRUE(uring.named);
}

TEST(BackendChoice, AskingForIoUringWhereItCannotWorkThrowsTheProbesReason) {
    const io_uring_probe_result refused =
        failed_probe(EPERM, "io_uring_setup: Operation not permitted (forbidden by seccomp)");
    try {
        (void)resolve_backend(io_backend::io_uring, nullptr, linux_today, [&] { return refused; });
        ADD_FAILURE() << "nothing was thrown";
    } catch (const std::system_error& error) {
        EXPECT_EQ(error.code(), std::errc::operation_not_permitted);
        const std::string what = error.what();
        EXPECT_NE(what.find("loop_options::backend = io_uring"), std::string::npos) << what;
        EXPECT_NE(what.find(refused.reason), std::string::npos) << what;
    }
    const std::string missing = message_of<std::system_error>([] {
        (void)resolve_backend(io_backend::io_uring, "io_uring", linux_today, [] {
            return failed_probe(ENOSYS, "the kernel lacks IORING_OP_SEND");
        });
    });
    EXPECT_NE(missing.find("CORIO_BACKEND=io_uring"), std::string::npos) << missing;
    EXPECT_NE(missing.find("IORING_OP_SEND"), std::string::npos) << missing;
}

TEST(BackendChoice, AskingForIoUringInABuildWithoutItNamesTheMacro) {
    const std::string what = message_of<std::system_error>([] {
        (void)resolve_backend(io_backend::io_uring, nullptr, {io_backend::epoll, false, false},
                              unexpected_probe);
    });
    EXPECT_NE(what.find("CORIO_HAVE_IO_URING_REACTOR"), std::string::npos) << what;
}

TEST(BackendChoice, AskingForAnotherPlatformsBackendThrows) {
    struct impossible {
        io_backend requested;
        backend_platform platform;
    };
    for (const impossible& request :
         {impossible{io_backend::kqueue, linux_today}, impossible{io_backend::iocp, linux_today},
          impossible{io_backend::epoll, {io_backend::iocp, false, false}},
          impossible{io_backend::io_uring, {io_backend::kqueue, false, false}},
          impossible{io_backend::iocp, {io_backend::kqueue, false, false}}}) {
        try {
            (void)resolve_backend(request.requested, nullptr, request.platform, unexpected_probe);
            ADD_FAILURE() << "nothing was thrown for " << corio::to_string(request.requested);
        } catch (const std::system_error& error) {
            EXPECT_EQ(error.code(), std::errc::function_not_supported);
            const std::string what = error.what();
            EXPECT_NE(what.find(corio::to_string(request.requested)), std::string::npos) << what;
            EXPECT_NE(what.find(corio::to_string(request.platform.native)), std::string::npos)
                << what;
        }
    }
}

TEST(BackendChoice, TheEnvironmentVariableWinsOverTheOption) {
    const backend_choice choice =
        resolve_backend(io_backend::io_uring, "epoll", linux_today, unexpected_probe);
    EXPECT_EQ(choice.backend, io_backend::epoll);
    EXPECT_EQ(choice.reason, "CORIO_BACKEND=epoll");
    // CORIO_BACKEND=auto undoes a named option; an empty value counts as unset.
    EXPECT_EQ(resolve_backend(io_backend::kqueue, "auto", linux_today, unexpected_probe).backend,
              io_backend::epoll);
    EXPECT_EQ(
        resolve_backend(io_backend::epoll, "", linux_preferring_io_uring, unexpected_probe).backend,
        io_backend::epoll);
}

TEST(BackendChoice, AnUnknownEnvironmentValueNamesTheVariableTheValueAndTheChoices) {
    const std::string what = message_of<std::invalid_argument>([] {
        (void)resolve_backend(io_backend::automatic, "uring", linux_today, unexpected_probe);
    });
    for (const std::string_view part :
         {"CORIO_BACKEND", "'uring'", "auto", "epoll", "io_uring", "kqueue", "iocp"}) {
        EXPECT_NE(what.find(part), std::string::npos) << part << " in: " << what;
    }
    EXPECT_THROW(
        (void)resolve_backend(static_cast<io_backend>(42), nullptr, linux_today, unexpected_probe),
        std::invalid_argument);
}

// ---- The real loop: make_reactor reads the option and CORIO_BACKEND. ----

TEST(BackendChoice, ADefaultLoopRunsThePlatformsDefaultBackend) {
    const backend_variable unset{nullptr};
    corio::event_loop loop;
#if defined(__linux__)
    EXPECT_EQ(loop.backend_name(), "epoll");
#elif defined(_WIN32)
    EXPECT_EQ(loop.backend_name(), "iocp");
#else
    EXPECT_EQ(loop.backend_name(), "kqueue");
#endif
}

TEST(BackendChoice, TheLoopTakesTheBackendTheEnvironmentNames) {
    const std::string_view native = corio::to_string(corio::detail::this_platform().native);
    const backend_variable named{std::string(native).c_str()};
    corio::loop_options options;
    options.backend = io_backend::io_uring; // overridden
    corio::event_loop loop{options};
    EXPECT_EQ(loop.backend_name(), native);
}

TEST(BackendChoice, TheLoopRefusesAnUnknownEnvironmentValue) {
    const backend_variable bogus{"select"};
    const std::string what = message_of<std::invalid_argument>([] { corio::event_loop loop; });
    EXPECT_NE(what.find("CORIO_BACKEND='select'"), std::string::npos) << what;
    EXPECT_EQ(corio::event_loop::try_current(), nullptr); // the failed loop left the thread free
}

TEST(BackendChoice, TheLoopRefusesABackendThisPlatformLacks) {
    const backend_variable unset{nullptr};
    corio::loop_options options;
#if defined(_WIN32)
    options.backend = io_backend::epoll;
#else
    options.backend = io_backend::iocp;
#endif
    EXPECT_THROW(corio::event_loop{options}, std::system_error);
}

#if defined(__linux__)

TEST(BackendChoice, ALoopAskedForIoUringRunsItOrSaysWhyNot) {
    const backend_variable unset{nullptr};
    corio::loop_options options;
    options.backend = io_backend::io_uring;
    if (!corio::detail::this_platform().io_uring_built) {
        const std::string what =
            message_of<std::system_error>([&] { corio::event_loop loop{options}; });
        EXPECT_NE(what.find("CORIO_HAVE_IO_URING_REACTOR"), std::string::npos) << what;
        GTEST_SKIP() << "this build has no io_uring backend (CORIO_HAVE_IO_URING_REACTOR is not "
                        "defined): only the refusal was checked";
    }
    const io_uring_probe_result& probe = corio::detail::io_uring_probe_once();
    if (!probe.usable) {
        const std::string what =
            message_of<std::system_error>([&] { corio::event_loop loop{options}; });
        EXPECT_NE(what.find(probe.reason), std::string::npos) << what;
        GTEST_SKIP() << "io_uring cannot run here (" << probe.reason
                     << "): only the refusal was checked";
    }
    corio::event_loop loop{options};
    EXPECT_EQ(loop.backend_name(), "io_uring");
}

// ---- The probe itself, each system call failing for real through a fake io_uring_system. ----

// What the fake kernel does; reset by each test.
struct fake_kernel {
    int disabled_setting = 0;
    int setup_result = 3; // a ring fd, or -errno
    unsigned features = IORING_FEAT_NODROP | IORING_FEAT_EXT_ARG;
    int register_result = 0;
    unsigned char ops_len = IORING_OP_LAST;
    int unsupported_opcode = -1; // one opcode the fake kernel lacks
    int setups = 0;
    int opened = 0; // setups that returned a ring
    int closes = 0;
};
fake_kernel kernel;

corio::detail::io_uring_system fake_system() {
    corio::detail::io_uring_system system;
    system.read_disabled_setting = [] { return kernel.disabled_setting; };
    system.setup = [](unsigned, io_uring_params& params) {
        ++kernel.setups;
        params.features = kernel.features;
        kernel.opened += kernel.setup_result >= 0 ? 1 : 0;
        return kernel.setup_result;
    };
    system.register_probe = [](int, io_uring_probe& probe, unsigned ops) {
        if (kernel.register_result < 0) {
            return kernel.register_result;
        }
        probe.last_op = static_cast<__u8>(kernel.ops_len - 1);
        probe.ops_len = static_cast<__u8>(std::min<unsigned>(kernel.ops_len, ops));
        for (unsigned op = 0; op < probe.ops_len; ++op) {
            probe.ops[op].op = static_cast<__u8>(op);
            if (static_cast<int>(op) != kernel.unsupported_opcode) {
                probe.ops[op].flags = IO_URING_OP_SUPPORTED;
            }
        }
        return 0;
    };
    system.close_ring = [](int) { ++kernel.closes; };
    return system;
}

class IoUringProbe : public ::testing::Test {
protected:
    void SetUp() override { kernel = fake_kernel{}; }
    void TearDown() override {
        // Every ring the probe set up, it closed.
        EXPECT_EQ(kernel.closes, kernel.opened);
    }
    static io_uring_probe_result probe() { return corio::detail::probe_io_uring(fake_system()); }
};

TEST_F(IoUringProbe, AKernelWithEverythingIsUsable) {
    const io_uring_probe_result result = probe();
    EXPECT_TRUE(result.usable) << result.reason;
    EXPECT_TRUE(result.reason.empty());
}

TEST_F(IoUringProbe, TheSysctlForbiddingIoUringIsReportedWithoutSettingUpARing) {
    kernel.disabled_setting = 2;
    const io_uring_probe_result result = probe();
    EXPECT_FALSE(result.usable);
    EXPECT_EQ(result.error, std::errc::operation_not_permitted);
    EXPECT_NE(result.reason.find("io_uring_disabled"), std::string::npos) << result.reason;
    EXPECT_EQ(kernel.setups, 0);
}

TEST_F(IoUringProbe, TheGroupOnlySettingIsTriedAndItsRefusalReported) {
    kernel.disabled_setting = 1;
    EXPECT_TRUE(probe().usable); // a member of kernel.io_uring_group
    kernel.setup_result = -EPERM;
    const io_uring_probe_result refused = probe();
    EXPECT_FALSE(refused.usable);
    EXPECT_EQ(refused.error, std::errc::operation_not_permitted);
    EXPECT_NE(refused.reason.find("io_uring_setup: "), std::string::npos) << refused.reason;
    EXPECT_NE(refused.reason.find("seccomp"), std::string::npos) << refused.reason;
}

TEST_F(IoUringProbe, EachSetupFailureIsReportedWithItsErrno) {
    for (const int error : {EPERM, ENOSYS, ENOMEM, EMFILE}) {
        kernel = fake_kernel{};
        kernel.setup_result = -error;
        const io_uring_probe_result result = probe();
        EXPECT_FALSE(result.usable);
        EXPECT_EQ(result.error.value(), error);
        EXPECT_EQ(
            result.reason.rfind("io_uring_setup: " + std::generic_category().message(error), 0), 0u)
            << result.reason;
        EXPECT_EQ(kernel.closes, 0);
    }
    kernel = fake_kernel{};
    kernel.setup_result = -ENOSYS;
    EXPECT_NE(probe().reason.find("no io_uring"), std::string::npos);
}

TEST_F(IoUringProbe, ARingWithoutNoDropIsUnusable) {
    kernel.features = IORING_FEAT_EXT_ARG;
    const io_uring_probe_result result = probe();
    EXPECT_FALSE(result.usable);
    EXPECT_EQ(result.error, std::errc::function_not_supported);
    EXPECT_NE(result.reason.find("IORING_FEAT_NODROP"), std::string::npos) << result.reason;
}

TEST_F(IoUringProbe, ARingWithoutExtArgIsUnusable) {
    kernel.features = IORING_FEAT_NODROP;
    const io_uring_probe_result result = probe();
    EXPECT_FALSE(result.usable);
    EXPECT_EQ(result.error, std::errc::function_not_supported);
    EXPECT_NE(result.reason.find("IORING_FEAT_EXT_ARG"), std::string::npos) << result.reason;
}

TEST_F(IoUringProbe, AKernelWithoutTheProbeRegistrationIsUnusable) {
    kernel.register_result = -EINVAL;
    const io_uring_probe_result result = probe();
    EXPECT_FALSE(result.usable);
    EXPECT_EQ(result.error, std::errc::invalid_argument);
    EXPECT_NE(result.reason.find("IORING_REGISTER_PROBE"), std::string::npos) << result.reason;
}

TEST_F(IoUringProbe, EachMissingOpcodeIsNamed) {
    for (const corio::detail::io_uring_opcode& opcode : corio::detail::io_uring_required_opcodes) {
        kernel = fake_kernel{};
        kernel.unsupported_opcode = opcode.code;
        const io_uring_probe_result result = probe();
        EXPECT_FALSE(result.usable) << opcode.name;
        EXPECT_EQ(result.error, std::errc::function_not_supported);
        EXPECT_EQ(result.reason, "the kernel lacks " + std::string(opcode.name));
        EXPECT_EQ(kernel.closes, 1);
    }
}

TEST_F(IoUringProbe, OpcodesPastWhatTheKernelKnowsAreMissing) {
    kernel.ops_len = IORING_OP_RECV; // an older kernel: its probe ends before RECV
    const io_uring_probe_result result = probe();
    EXPECT_FALSE(result.usable);
    EXPECT_NE(result.reason.find("the kernel lacks IORING_OP_"), std::string::npos)
        << result.reason;
}

TEST_F(IoUringProbe, AutomaticFallsBackForEachFailureTheProbeFinds) {
    // The probe and the chooser together, as make_reactor uses them.
    const auto chosen = [] {
        return resolve_backend(io_backend::automatic, nullptr, linux_preferring_io_uring,
                               [] { return probe(); });
    };
    kernel.disabled_setting = 2;
    EXPECT_EQ(chosen().backend, io_backend::epoll);
    kernel = fake_kernel{};
    kernel.setup_result = -EPERM;
    EXPECT_EQ(chosen().backend, io_backend::epoll);
    kernel = fake_kernel{};
    kernel.unsupported_opcode = IORING_OP_ASYNC_CANCEL;
    const backend_choice choice = chosen();
    EXPECT_EQ(choice.backend, io_backend::epoll);
    EXPECT_NE(choice.reason.find("IORING_OP_ASYNC_CANCEL"), std::string::npos) << choice.reason;
    kernel = fake_kernel{};
    EXPECT_EQ(chosen().backend, io_backend::io_uring);
}

TEST(IoUringProbeHere, TheRealProbeAnswersOnceWithAReasonWhenItSaysNo) {
    const io_uring_probe_result& first = corio::detail::io_uring_probe_once();
    EXPECT_EQ(&first, &corio::detail::io_uring_probe_once()); // remembered, not probed again
    EXPECT_EQ(first.usable, first.reason.empty());
    std::printf("io_uring on this machine: %s\n", first.usable ? "usable" : first.reason.c_str());
}

#endif // __linux__

} // namespace
