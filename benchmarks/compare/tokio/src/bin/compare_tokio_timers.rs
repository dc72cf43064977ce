// SPDX-License-Identifier: MIT
// Tokio's current_thread runtime (I/O and timer drivers on) on the timer workloads of
// ../../../protocol.hpp:
//   timer_insert_cancel  tokio::time::sleep(delay) polled once, which registers it with the
//                        runtime's timer wheel, then dropped, which deregisters it (how a timeout
//                        around an operation that completes in time goes). The live timers are
//                        sleeps polled once and kept.
//   timer_insert_fire    Tokio has no callback timers: the idiom is a task that sleeps and then
//                        runs its code, so each timer is a spawned task awaiting sleep(delay); the
//                        last of a round wakes the measuring task through a Notify.
#[path = "../common/protocol.rs"]
mod protocol;

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::sync::Notify;
use tokio::time::Sleep;

// Polls a sleep once, so that it is registered, and completes whatever the sleep answered.
struct RegisterOnce<'a>(Pin<&'a mut Sleep>);
impl Future for RegisterOnce<'_> {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<()> {
        let _ = self.0.as_mut().poll(context);
        Poll::Ready(())
    }
}

fn micros(delay_us: i64) -> Duration {
    Duration::from_micros(delay_us as u64)
}

async fn insert_cancel(next_timer: &mut i64, ops: i64) {
    for _ in 0..ops {
        let sleep = tokio::time::sleep(micros(protocol::far_delay_us(*next_timer)));
        *next_timer += 1;
        tokio::pin!(sleep);
        RegisterOnce(sleep.as_mut()).await;
    }
}

async fn insert_fire(next_timer: &mut i64, live: i64, ops: i64) {
    let mut done = 0;
    while done < ops {
        let round = live.min(ops - done);
        let fired = Arc::new(AtomicI64::new(0));
        let all_fired = Arc::new(Notify::new());
        for _ in 0..round {
            let delay = micros(protocol::fire_delay_us(*next_timer));
            *next_timer += 1;
            let fired = fired.clone();
            let all_fired = all_fired.clone();
            tokio::spawn(async move {
                tokio::time::sleep(delay).await;
                if fired.fetch_add(1, Ordering::Relaxed) + 1 == round {
                    all_fired.notify_one();
                }
            });
        }
        all_fired.notified().await;
        done += round;
    }
}

async fn measure(work: protocol::Request) {
    let mut next_timer = 0;
    let clock;
    let mut live: Vec<Pin<Box<Sleep>>> = Vec::new();
    if work.family == "timer_insert_cancel" {
        for _ in 0..work.parameter {
            let mut sleep = Box::pin(tokio::time::sleep(micros(protocol::far_delay_us(next_timer))));
            next_timer += 1;
            RegisterOnce(sleep.as_mut()).await;
            live.push(sleep);
        }
        // Let the driver park once, as it does between any two awaits that wait: the timer driver
        // notes its next wake-up then, and until it has one, every insert unparks the driver (a
        // write to its eventfd, a system call per timer), which no real program pays per timer.
        tokio::task::yield_now().await;
        insert_cancel(&mut next_timer, protocol::warm_up_ops(work.ops)).await;
        tokio::task::yield_now().await;
        clock = protocol::WorkloadClock::start(&work.family);
        insert_cancel(&mut next_timer, work.ops).await;
    } else {
        insert_fire(&mut next_timer, work.parameter, protocol::warm_up_ops(work.ops)).await;
        clock = protocol::WorkloadClock::start(&work.family);
        insert_fire(&mut next_timer, work.parameter, work.ops).await;
    }
    protocol::report(&work, clock.elapsed_ns());
    drop(live);
}

fn main() {
    let work = protocol::parse_arguments(&["timer_insert_cancel", "timer_insert_fire"]);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("cannot build the current_thread runtime");
    // In a spawned task, as in the scheduler program: block_on's own future is polled outside
    // the scheduler.
    runtime.block_on(runtime.spawn(measure(work))).expect("the workload task panicked");
}
