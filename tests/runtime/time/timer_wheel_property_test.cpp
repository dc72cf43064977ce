// SPDX-License-Identifier: MIT
// Property test of the hierarchical timer wheel: over a million random operations, the wheel must
// behave exactly like a reference model that keeps every armed timer in a std::set ordered by
// (deadline, arming sequence). After every operation the two must agree on which timers fired, in
// which order, in which advance() call, how many each advance() reported, what cancel() returned,
// size(), elapsed_tick() and next_expiry().
//
// Operations: arm (fresh or re-arm) with deadlines drawn from several distributions that together
// reach every level and the overflow list several 2^36-tick blocks out, plus exact level edges,
// already-due deadlines and deadlines copied from other timers (ties); cancel and disarm of random
// nodes, armed or not; destroying armed nodes; advance by steps from zero to 2^40 ticks, to the
// exact next_expiry() or earliest deadline (and one unit before), and backwards. Fired callbacks
// act too (re-arm themselves, already-due or later, cancel, arm or destroy other nodes), chosen by
// a hash of the firing so that the wheel and the model make the same choice independently.
//
// Reproducible: the default seed is fixed; CORIO_PROPERTY_SEED=<n> runs another one. A failure
// prints the seed, the operation index and the last operations.
#include "time/timer_wheel.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace {

using corio::detail::timer_node;
using corio::detail::timer_wheel;

constexpr std::uint64_t default_seed = 20240611;
constexpr std::size_t operation_count = 1'000'000;
constexpr std::size_t node_count = 1024;
// Deadlines and clock values stay below this, so products and sums in the test cannot wrap; a
// segment whose clock gets past `clock_limit` ends and a fresh wheel starts.
constexpr std::uint64_t deadline_limit = std::uint64_t{1} << 62;
constexpr std::uint64_t clock_limit = std::uint64_t{1} << 61;
// Tick lengths the segments cycle through: the unit tick, odd and power-of-two lengths, and the
// event loop's 1 ms in nanoseconds.
constexpr std::array<std::uint64_t, 5> tick_lengths = {1, 7, 1024, 1'000'000, 3};

std::uint64_t seed_from_environment() {
    if (const char* text = std::getenv("CORIO_PROPERTY_SEED"); text != nullptr && *text != '\0') {
        return std::strtoull(text, nullptr, 0);
    }
    return default_seed;
}

// splitmix64: tiny, fast and defined bit-for-bit, so a seed replays identically on every standard
// library (std::uniform_int_distribution is not specified exactly).
std::uint64_t mix(std::uint64_t x) {
    x += 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

class random_source {
public:
    explicit random_source(std::uint64_t seed)
        : state_(seed) {}
    std::uint64_t next() {
        state_ += 0x9E3779B97F4A7C15ULL;
        return mix(state_);
    }
    // Uniform in [0, bound); the modulo bias is irrelevant for a test.
    std::uint64_t below(std::uint64_t bound) { return bound == 0 ? 0 : next() % bound; }
    // Uniform in [0, 2^bits), bits drawn uniformly: spreads values over every order of magnitude.
    std::uint64_t log_uniform(unsigned max_bits) {
        return below(std::uint64_t{1} << below(max_bits + 1));
    }

private:
    std::uint64_t state_;
};

std::uint64_t ceil_div(std::uint64_t a, std::uint64_t b) {
    return a / b + (a % b != 0 ? 1 : 0);
}

std::uint64_t add_clamped(std::uint64_t a, std::uint64_t b, std::uint64_t limit) {
    return a >= limit || b >= limit - a ? limit : a + b;
}

// What a fired timer does in its callback. Derived from a hash of the firing (seed, sequence), so
// the wheel's callback and the model compute the same action without sharing any state.
struct callback_action {
    enum kind_t {
        nothing,
        rearm_self_later,
        rearm_self_due,
        cancel_other,
        arm_other,
        replace_other
    };
    kind_t kind = nothing;
    std::size_t other = 0;
    std::uint64_t deadline = 0;
};

callback_action action_for(std::uint64_t seed, std::uint64_t sequence, std::uint64_t deadline,
                           std::uint64_t tick_length) {
    const std::uint64_t h = mix(seed ^ mix(sequence));
    const std::uint64_t h2 = mix(h);
    callback_action action;
    action.other = static_cast<std::size_t>(h2 % node_count);
    // Later deadlines: a few ticks (the usual periodic timer) or anywhere up to the overflow list.
    const std::uint64_t distance =
        (h >> 32) % 2 == 0 ? ((h2 >> 16) % 130) * tick_length
                           : ((h2 >> 16) % (std::uint64_t{1} << ((h >> 40) % 40))) * tick_length;
    const std::uint64_t pick = h % 100;
    if (pick < 55) {
        return action; // most callbacks just run
    }
    if (pick < 67) {
        action.kind = callback_action::rearm_self_later;
        action.deadline = add_clamped(deadline, distance + 1, deadline_limit);
    } else if (pick < 72) {
        // At most the fired deadline, so already due: fires after the current batch.
        action.kind = callback_action::rearm_self_due;
        action.deadline = deadline - (h2 >> 8) % (deadline + 1);
    } else if (pick < 82) {
        action.kind = callback_action::cancel_other;
    } else if (pick < 96) {
        action.kind = callback_action::arm_other;
        action.deadline = add_clamped(deadline, distance, deadline_limit);
    } else {
        action.kind = callback_action::replace_other;
    }
    return action;
}

struct fired_record {
    std::size_t id;
    std::uint64_t deadline;
    std::uint64_t sequence;
    int cancel_result; // of the callback's cancel_other action: 0/1, or -1 if it did not cancel
    bool operator==(const fired_record&) const = default;
};

std::ostream& operator<<(std::ostream& out, const fired_record& r) {
    return out << "{node " << r.id << ", deadline " << r.deadline << ", seq " << r.sequence
               << ", cancel " << r.cancel_result << "}";
}

// One segment of the run: a wheel with its nodes, the model, and the random operations on both.
class harness {
public:
    harness(std::uint64_t seed, std::uint64_t tick_length, std::uint64_t start)
        : seed_(seed)
        , tick_length_(tick_length)
        , random_(seed)
        , wheel_(std::make_unique<timer_wheel>(tick_length, start))
        , clock_(start)
        , model_elapsed_(start / tick_length)
        , model_state_(node_count) {
        nodes_.reserve(node_count);
        for (std::size_t id = 0; id < node_count; ++id) {
            nodes_.push_back(std::make_unique<fuzz_node>(*this, id));
        }
    }
    harness(const harness&) = delete;
    harness& operator=(const harness&) = delete;
    ~harness() {
        // Nodes first would also work (each cancels itself); destroying the wheel first exercises
        // its disarm-everything path under the sanitizers.
        wheel_.reset();
    }

    [[nodiscard]] bool clock_exhausted() const { return clock_ >= clock_limit; }

    // Runs one random operation; returns a description of the first disagreement, if any.
    std::optional<std::string> step() {
        const std::uint64_t choice = random_.below(100);
        if (choice < 42) {
            do_arm(random_node(), random_deadline());
        } else if (choice < 44) {
            // A burst clustered around one deadline: crowded slots, shared ticks, big cascades;
            // the big dense ones make batches large enough for the wheel's distribution sort.
            const std::uint64_t centre = random_deadline();
            const bool dense = random_.below(4) == 0;
            const std::uint64_t spread =
                dense ? random_.below(2 * tick_length_) : random_.log_uniform(12) * tick_length_;
            for (int i = 0, n = dense ? 320 : 64; i < n; ++i) {
                do_arm(random_node(),
                       add_clamped(centre, random_.below(spread + 1), deadline_limit));
            }
        } else if (choice < 54) {
            const std::size_t id = random_node();
            const bool expected = model_cancel(id);
            const bool actual = wheel_->cancel(*nodes_[id]);
            note("cancel", id, 0);
            if (actual != expected) {
                return mismatch() << "cancel(node " << id << ") returned " << actual;
            }
        } else if (choice < 56) {
            const std::size_t id = random_node();
            model_cancel(id);
            nodes_[id]->disarm();
            note("disarm", id, 0);
        } else if (choice < 58) {
            const std::size_t id = random_node();
            note("replace", id, 0);
            replace_on_wheel(id);
            model_cancel(id);
        } else {
            const std::uint64_t now = random_now();
            note("advance", 0, now);
            if (auto error = do_advance(now)) {
                return error;
            }
        }
        return check_state();
    }

    [[nodiscard]] std::string history() const {
        std::ostringstream out;
        out << "last operations (oldest first), tick length " << tick_length_ << ":\n";
        for (std::size_t i = 0; i < history_.size(); ++i) {
            const op_note& n = history_[(history_next_ + i) % history_.size()];
            if (n.what != nullptr) {
                out << "  " << n.what << " node " << n.id << " value " << n.value << "\n";
            }
        }
        return out.str();
    }

private:
    struct fuzz_node final : timer_node {
        fuzz_node(harness& owner, std::size_t node_id)
            : timer_node(&on_expire)
            , harness_(&owner)
            , id(node_id) {}
        static void on_expire(timer_node& node) noexcept {
            auto& self = static_cast<fuzz_node&>(node);
            self.harness_->on_wheel_fire(self);
        }
        harness* harness_;
        std::size_t id;
    };

    struct key {
        std::uint64_t deadline;
        std::uint64_t sequence;
        std::size_t id;
        auto operator<=>(const key&) const = default;
    };

    struct op_note {
        const char* what = nullptr;
        std::size_t id = 0;
        std::uint64_t value = 0;
    };

    class mismatch_stream {
    public:
        template <class T>
        mismatch_stream& operator<<(const T& value) {
            out_ << value;
            return *this;
        }
        // Implicit, so `return mismatch() << ...;` reads as returning the message.
        operator std::optional<std::string>() const { return out_.str(); }

    private:
        std::ostringstream out_;
    };
    static mismatch_stream mismatch() { return {}; }

    void note(const char* what, std::size_t id, std::uint64_t value) {
        history_[history_next_] = {what, id, value};
        history_next_ = (history_next_ + 1) % history_.size();
    }

    std::size_t random_node() { return static_cast<std::size_t>(random_.below(node_count)); }

    std::uint64_t tick_of(std::uint64_t deadline) const { return ceil_div(deadline, tick_length_); }

    // A deadline in units: `ticks` from the current tick, anywhere inside that tick.
    std::uint64_t deadline_in(std::uint64_t ticks) {
        const std::uint64_t base =
            add_clamped(model_elapsed_, ticks, deadline_limit / tick_length_);
        return base == 0 ? 0 : base * tick_length_ - random_.below(tick_length_);
    }

    std::uint64_t random_deadline() {
        const std::uint64_t pick = random_.below(100);
        if (pick < 25) { // near: level 0 and 1
            return deadline_in(random_.below(130));
        }
        if (pick < 55) { // any level, overflow included (up to 2^42 ticks: 64 blocks out)
            return deadline_in(random_.log_uniform(42));
        }
        if (pick < 65) { // a few 2^36 blocks out, uniformly
            return deadline_in(random_.below(std::uint64_t{6} << 36));
        }
        if (pick < 78) { // the tick just before, at or after a level edge (64^L multiples)
            const unsigned shift = 6 * static_cast<unsigned>(1 + random_.below(6));
            const std::uint64_t edge = ((model_elapsed_ >> shift) + 1 + random_.below(2)) << shift;
            return deadline_in(edge + random_.below(3) - 1 - model_elapsed_);
        }
        if (pick < 88) { // already due: at or before the current time
            const std::uint64_t now_units = model_elapsed_ * tick_length_;
            return now_units -
                   random_.below(std::min<std::uint64_t>(now_units, 1000 * tick_length_) + 1);
        }
        // A tie with another armed timer's deadline, to exercise arming order.
        const std::size_t other = random_node();
        if (model_state_[other]) {
            return model_state_[other]->deadline;
        }
        return deadline_in(random_.below(64));
    }

    std::uint64_t random_now() {
        const std::uint64_t pick = random_.below(100);
        std::uint64_t ticks = 0;
        if (pick < 8) {
            return clock_; // the same time again
        }
        if (pick < 10) { // backwards
            return clock_ - random_.below(std::min<std::uint64_t>(clock_, 5000 * tick_length_) + 1);
        }
        if (pick < 25 && !model_.empty()) { // exactly the earliest deadline, or one unit before
            const std::uint64_t d = std::min(model_.begin()->deadline, clock_limit);
            return std::max(clock_, d - random_.below(2) * (d > 0 ? 1 : 0));
        }
        if (pick < 40) { // exactly what next_expiry() announces, or one unit before
            if (const auto next = wheel_->next_expiry(); next && *next < clock_limit) {
                return std::max(clock_, *next - random_.below(2) * (*next > 0 ? 1 : 0));
            }
        }
        if (pick < 60) {
            ticks = random_.below(4);
        } else if (pick < 75) {
            ticks = random_.below(70);
        } else if (pick < 88) {
            ticks = random_.below(5000);
        } else if (pick < 99) {
            ticks = random_.log_uniform(26);
        } else {
            ticks = random_.log_uniform(40); // huge: up to 16 blocks of 2^36 ticks
        }
        return add_clamped(clock_, ticks * tick_length_ + random_.below(tick_length_), clock_limit);
    }

    // --- The wheel side --------------------------------------------------------------------------

    void do_arm(std::size_t id, std::uint64_t deadline) {
        note("arm", id, deadline);
        model_arm(id, deadline);
        wheel_->arm(*nodes_[id], deadline);
    }

    void replace_on_wheel(std::size_t id) {
        nodes_[id] = std::make_unique<fuzz_node>(*this, id); // the old node's destructor cancels
    }

    void on_wheel_fire(fuzz_node& node) {
        fired_record record{node.id, node.deadline(), node.sequence(), -1};
        const callback_action action =
            action_for(seed_, node.sequence(), node.deadline(), tick_length_);
        switch (action.kind) {
        case callback_action::nothing:
            break;
        case callback_action::rearm_self_later:
        case callback_action::rearm_self_due:
            wheel_->arm(node, action.deadline);
            break;
        case callback_action::cancel_other:
            record.cancel_result = wheel_->cancel(*nodes_[action.other]) ? 1 : 0;
            break;
        case callback_action::arm_other:
            wheel_->arm(*nodes_[action.other], action.deadline);
            break;
        case callback_action::replace_other:
            if (action.other != node.id) { // never destroy the node whose callback is running
                replace_on_wheel(action.other);
            }
            break;
        }
        wheel_log_.push_back(record);
    }

    std::optional<std::string> do_advance(std::uint64_t now) {
        wheel_log_.clear();
        model_log_.clear();
        const std::size_t expected = model_advance(now);
        const std::size_t actual = wheel_->advance(now);
        clock_ = std::max(clock_, now);
        if (wheel_log_ != model_log_) {
            // Show where the two orders part, with a little context either side.
            const auto parted =
                static_cast<std::size_t>(std::mismatch(wheel_log_.begin(), wheel_log_.end(),
                                                       model_log_.begin(), model_log_.end())
                                             .first -
                                         wheel_log_.begin());
            const std::size_t from = parted > 2 ? parted - 2 : 0;
            auto out = mismatch();
            out << "advance(" << now << ") fired differently from firing #" << parted << " of "
                << wheel_log_.size() << " (model: " << model_log_.size() << "), shown from #"
                << from << "\n  wheel:";
            for (std::size_t i = from; i < std::min(wheel_log_.size(), from + 6); ++i) {
                out << " " << wheel_log_[i];
            }
            out << "\n  model:";
            for (std::size_t i = from; i < std::min(model_log_.size(), from + 6); ++i) {
                out << " " << model_log_[i];
            }
            return out;
        }
        if (actual != expected) {
            return mismatch() << "advance(" << now << ") returned " << actual << ", model fired "
                              << expected;
        }
        return std::nullopt;
    }

    // --- The reference model ---------------------------------------------------------------------

    void model_arm(std::size_t id, std::uint64_t deadline) {
        model_cancel(id);
        const key k{deadline, model_sequence_++, id};
        model_.insert(k);
        model_state_[id] = k;
    }

    bool model_cancel(std::size_t id) {
        if (!model_state_[id]) {
            return false;
        }
        model_.erase(*model_state_[id]);
        model_state_[id].reset();
        return true;
    }

    // The documented semantics, written the obvious way: fire every timer whose deadline rounds up
    // to a tick <= now / tick_length, tick by tick; within a tick, take the timers due at that
    // moment as one batch in (deadline, sequence) order; timers that the batch's callbacks arm
    // already-due form the next batch.
    std::size_t model_advance(std::uint64_t now) {
        const std::uint64_t target = std::max(now / tick_length_, model_elapsed_);
        std::size_t fired = 0;
        std::vector<key> batch;
        for (;;) {
            if (!model_.empty() && tick_of(model_.begin()->deadline) <= model_elapsed_) {
                batch.clear();
                for (auto it = model_.begin();
                     it != model_.end() && tick_of(it->deadline) <= model_elapsed_; ++it) {
                    batch.push_back(*it);
                }
                for (const key& k : batch) {
                    if (model_.erase(k) == 0) {
                        continue; // cancelled or re-armed by an earlier callback of this batch
                    }
                    model_state_[k.id].reset();
                    ++fired;
                    model_fire(k);
                }
                continue;
            }
            if (!model_.empty() && tick_of(model_.begin()->deadline) <= target) {
                model_elapsed_ = tick_of(model_.begin()->deadline);
                continue;
            }
            break;
        }
        model_elapsed_ = target;
        return fired;
    }

    void model_fire(const key& k) {
        fired_record record{k.id, k.deadline, k.sequence, -1};
        const callback_action action = action_for(seed_, k.sequence, k.deadline, tick_length_);
        switch (action.kind) {
        case callback_action::nothing:
            break;
        case callback_action::rearm_self_later:
        case callback_action::rearm_self_due:
            model_arm(k.id, action.deadline);
            break;
        case callback_action::cancel_other:
            record.cancel_result = model_cancel(action.other) ? 1 : 0;
            break;
        case callback_action::arm_other:
            model_arm(action.other, action.deadline);
            break;
        case callback_action::replace_other:
            if (action.other != k.id) {
                model_cancel(action.other);
            }
            break;
        }
        model_log_.push_back(record);
    }

    // next_expiry() as documented: the current time if something is due; the earliest timer's
    // rounded-up deadline if it is in level 0 (its tick shares the current 64-tick block); else
    // the start of its slot at its level (a cascade point); for the overflow list, the start of
    // its 2^36-tick block.
    std::optional<std::uint64_t> model_next_expiry() const {
        if (model_.empty()) {
            return std::nullopt;
        }
        const std::uint64_t first = tick_of(model_.begin()->deadline);
        if (first <= model_elapsed_) {
            return model_elapsed_ * tick_length_;
        }
        const auto level =
            static_cast<unsigned>(std::bit_width((first ^ model_elapsed_) | 63) - 1) / 6;
        std::uint64_t start = 0;
        if (level >= timer_wheel::level_count) {
            start = std::max(first & ~((std::uint64_t{1} << timer_wheel::range_bits) - 1),
                             model_elapsed_ + 1);
        } else {
            start = first & ~((std::uint64_t{1} << (6 * level)) - 1);
        }
        return start * tick_length_;
    }

    std::optional<std::string> check_state() {
        if (wheel_->size() != model_.size()) {
            return mismatch() << "size() is " << wheel_->size() << ", model has " << model_.size();
        }
        if (wheel_->elapsed_tick() != model_elapsed_) {
            return mismatch() << "elapsed_tick() is " << wheel_->elapsed_tick() << ", model "
                              << model_elapsed_;
        }
        const auto expected = model_next_expiry();
        if (const auto actual = wheel_->next_expiry(); actual != expected) {
            return mismatch() << "next_expiry() is " << (actual ? std::to_string(*actual) : "none")
                              << ", model " << (expected ? std::to_string(*expected) : "none");
        }
        // A full scan now and then: every node's armed(), deadline() and sequence().
        if (++checks_ % 1024 == 0) {
            for (std::size_t id = 0; id < node_count; ++id) {
                const fuzz_node& node = *nodes_[id];
                const auto& state = model_state_[id];
                if (node.armed() != state.has_value() ||
                    (state &&
                     (node.deadline() != state->deadline || node.sequence() != state->sequence))) {
                    return mismatch() << "node " << id << " armed " << node.armed() << " deadline "
                                      << node.deadline() << " seq " << node.sequence() << ", model "
                                      << (state ? "armed" : "disarmed");
                }
            }
        }
        return std::nullopt;
    }

    std::uint64_t seed_;
    std::uint64_t tick_length_;
    random_source random_;
    std::unique_ptr<timer_wheel> wheel_;
    std::vector<std::unique_ptr<fuzz_node>> nodes_;
    std::uint64_t clock_;
    std::vector<fired_record> wheel_log_;

    std::set<key> model_;
    std::uint64_t model_elapsed_;
    std::uint64_t model_sequence_ = 0;
    std::vector<std::optional<key>> model_state_;
    std::vector<fired_record> model_log_;

    std::array<op_note, 12> history_{};
    std::size_t history_next_ = 0;
    std::size_t checks_ = 0;
};

TEST(TimerWheelProperty, AMillionRandomOperationsMatchTheReferenceModel) {
    const std::uint64_t seed = seed_from_environment();
    SCOPED_TRACE(testing::Message()
                 << "seed " << seed << " (rerun with CORIO_PROPERTY_SEED=" << seed << ")");
    // Segments of up to 100k operations, each on a fresh wheel with the next tick length and a
    // random start time; a segment also ends early if its clock nears the end of the test's range.
    constexpr std::size_t segment_length = 100'000;
    std::size_t done = 0;
    for (std::size_t segment = 0; done < operation_count; ++segment) {
        const std::uint64_t segment_seed = mix(seed + segment);
        const std::uint64_t tick_length = tick_lengths[segment % tick_lengths.size()];
        const std::uint64_t start = segment % 2 == 0 ? 0 : mix(segment_seed) % (clock_limit / 4);
        harness run(segment_seed, tick_length, start);
        for (std::size_t i = 0;
             i < segment_length && done < operation_count && !run.clock_exhausted(); ++i, ++done) {
            if (auto error = run.step()) {
                FAIL() << "operation " << done << " (segment " << segment << ", step " << i
                       << "): " << *error << "\n"
                       << run.history();
            }
        }
    }
    EXPECT_EQ(done, operation_count);
}

} // namespace
