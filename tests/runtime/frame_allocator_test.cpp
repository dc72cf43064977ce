// SPDX-License-Identifier: MIT
// The frame allocator gives coroutine frames their memory and keeps each thread's freed frames in
// size classes 16 bytes apart (16k + 8 bytes each, to fill a malloc chunk), to hand them out again
// (runtime/src/scheduler/frame_allocator.cpp).
// Each case runs on a thread of its own and ends that thread with frames still cached: the moment
// MinGW-w64's emulated thread_local once made unsafe, so it is exercised on every platform.
#include <corio/runtime/detail/promise_base.hpp>

#include <gtest/gtest.h>

#include <cstddef>
#include <thread>
#include <vector>

namespace {

using corio::detail::allocate_frame;
using corio::detail::free_frame;
using corio::detail::live_frames_on_this_thread;

// Under AddressSanitizer the cache is compiled out, so that a use after free stays visible.
constexpr bool frames_are_cached = corio::detail::frame_cache_enabled;

template <class Body>
void on_a_thread_of_its_own(Body body) {
    std::thread thread{body};
    thread.join();
}

TEST(FrameAllocator, LiveFramesCountsWhatThisThreadAllocatedAndHasNotFreed) {
    on_a_thread_of_its_own([] {
        const std::ptrdiff_t before = live_frames_on_this_thread();
        void* small = allocate_frame(40);
        void* large = allocate_frame(5000); // past the largest size class: straight from malloc
        EXPECT_EQ(live_frames_on_this_thread(), before + 2);
        free_frame(small, 40);
        free_frame(large, 5000);
        EXPECT_EQ(live_frames_on_this_thread(), before);
    });
}

TEST(FrameAllocator, AFreedFrameServesTheNextFrameOfItsSizeClassLastInFirstOut) {
    if (!frames_are_cached) {
        GTEST_SKIP() << "this build has no frame cache (AddressSanitizer)";
    }
    on_a_thread_of_its_own([] {
        void* first = allocate_frame(100);
        void* second = allocate_frame(100);
        free_frame(first, 100);
        free_frame(second, 100);
        // 89..104 bytes share a class; the frame freed last is handed out first.
        EXPECT_EQ(allocate_frame(104), second);
        EXPECT_EQ(allocate_frame(89), first);
        free_frame(first, 89);
        free_frame(second, 104);
        // 105 bytes is the next class: neither cached frame fits it.
        void* next_class = allocate_frame(105);
        EXPECT_NE(next_class, first);
        EXPECT_NE(next_class, second);
        free_frame(next_class, 105);
    });
}

TEST(FrameAllocator, ThreadsThatEndWithFullCachesStartTheNextThreadAfresh) {
    // Every size class filled past its limit of 256 cached frames, then the thread ends: its
    // cache must be released then, not walked after the thread's storage is gone.
    constexpr int threads = 8;
    constexpr std::size_t frames_per_class = 300;
    for (int round = 0; round < threads; ++round) {
        on_a_thread_of_its_own([] {
            EXPECT_EQ(live_frames_on_this_thread(), 0) << "a new thread starts with nothing live";
            std::vector<void*> frames;
            for (std::size_t size = 16; size <= 1024; size += 16) {
                for (std::size_t i = 0; i < frames_per_class; ++i) {
                    frames.push_back(allocate_frame(size));
                }
            }
            EXPECT_EQ(live_frames_on_this_thread(), static_cast<std::ptrdiff_t>(frames.size()));
            std::size_t index = 0;
            for (std::size_t size = 16; size <= 1024; size += 16) {
                for (std::size_t i = 0; i < frames_per_class; ++i) {
                    free_frame(frames[index++], size);
                }
            }
            EXPECT_EQ(live_frames_on_this_thread(), 0);
        });
    }
}

} // namespace
