// SPDX-License-Identifier: MIT
// Coroutine frame memory. Spawning a task allocates its frame and finishing it frees it; with a
// general-purpose malloc that pair is a large share of a spawn. Frames of a size class (16-byte
// steps up to 1 KiB) freed on a thread are kept in that thread's free list and handed out again,
// so a loop that spawns and joins tasks at a steady rate stops calling malloc. Classes are 16
// bytes apart (malloc's own granularity) and each is 8 bytes short of a multiple of 16, because
// glibc's malloc adds an 8-byte header and rounds the chunk to 16: a class of 16k + 8 bytes fills
// a 16(k + 1)-byte chunk exactly, where a class of 16k bytes would take 16(k + 1) + 16. A frame
// wastes at most 15 bytes to rounding, in the class and the chunk together; larger frames go
// straight to malloc. Under AddressSanitizer the cache is off (frame_cache_enabled in
// promise_base.hpp), so use-after-free stays visible. With MinGW-w64 the cache lives on the heap
// and is freed at thread exit by a pthread key (why, below).
#include <corio/runtime/detail/promise_base.hpp>

#include <array>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <utility>

// MinGW-w64 emulates thread_local (libgcc's emutls), and at thread exit emutls may free a thread's
// variables before their destructors run (both are winpthreads key destructors, called in key
// order), so a thread_local frame_cache's destructor could walk freed memory. There the
// thread_local is only a pointer to a heap cache, and a key destructor of our own, which is handed
// the pointer itself, frees the cache whatever order the destructors run in.
#if defined(__MINGW32__)
#define CORIO_FRAME_CACHE_ON_HEAP 1
#include <pthread.h>
#else
#define CORIO_FRAME_CACHE_ON_HEAP 0
#endif

namespace corio::detail {

namespace {

constexpr std::size_t size_classes = frame_size_classes;
constexpr std::uint32_t max_cached_per_class = 256; // bounds what an idle thread holds on to

struct free_block {
    free_block* next;
};

struct frame_cache {
    std::array<free_block*, size_classes> heads{};
    std::array<std::uint32_t, size_classes> counts{};
    std::ptrdiff_t live = 0;

    frame_cache() = default;
    frame_cache(const frame_cache&) = delete;
    frame_cache& operator=(const frame_cache&) = delete;
    ~frame_cache() {
        for (free_block*& head : heads) {
            while (head != nullptr) {
                std::free(std::exchange(head, head->next));
            }
        }
    }
};

#if CORIO_FRAME_CACHE_ON_HEAP
void destroy_thread_cache(void* cache) {
    delete static_cast<frame_cache*>(cache);
}

frame_cache& this_thread_cache() noexcept {
    static const pthread_key_t cache_key = [] {
        pthread_key_t key{};
        if (pthread_key_create(&key, destroy_thread_cache) != 0) {
            std::abort(); // out of keys at the first coroutine: nothing sensible is left to do
        }
        return key;
    }();
    thread_local frame_cache* cache = nullptr;
    if (cache == nullptr) [[unlikely]] {
        cache = new frame_cache; // bad_alloc here, in a noexcept function, terminates
        pthread_setspecific(cache_key, cache);
    }
    return *cache;
}
#else
frame_cache& this_thread_cache() noexcept {
    thread_local frame_cache cache;
    return cache;
}
#endif

// Class i holds up to class_size(i) = 16(i + 1) - 8 bytes (frame_class_of in promise_base.hpp).
std::size_t class_size(std::size_t index) noexcept {
    return (index + 1) * frame_size_step - frame_chunk_header;
}
} // namespace

std::ptrdiff_t& live_frames_on_this_thread() noexcept {
    return this_thread_cache().live;
}

void* allocate_frame_of_class(std::size_t index) {
    frame_cache& cache = this_thread_cache();
    void* frame = nullptr;
    if (free_block* block = cache.heads[index]; block != nullptr) {
        cache.heads[index] = block->next;
        --cache.counts[index];
        frame = block;
    } else {
        frame = std::malloc(class_size(index)); // the whole class, so it can be reused
    }
    if (frame == nullptr) {
        throw std::bad_alloc();
    }
    ++cache.live;
    return frame;
}

void* allocate_uncached_frame(std::size_t size) {
    frame_cache& cache = this_thread_cache();
    void* frame = std::malloc(size);
    if (frame == nullptr) {
        throw std::bad_alloc();
    }
    ++cache.live;
    return frame;
}

void free_frame_of_class(void* frame, std::size_t index) noexcept {
    frame_cache& cache = this_thread_cache();
    --cache.live;
    if (cache.counts[index] < max_cached_per_class) {
        auto* block = static_cast<free_block*>(frame);
        block->next = cache.heads[index];
        cache.heads[index] = block;
        ++cache.counts[index];
        return;
    }
    std::free(frame);
}

void free_uncached_frame(void* frame) noexcept {
    --this_thread_cache().live;
    std::free(frame);
}

} // namespace corio::detail
