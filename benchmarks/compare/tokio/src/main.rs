// SPDX-License-Identifier: MIT
// Tokio's current_thread runtime on the scheduler workloads of ../../protocol.hpp:
//   spawn_join  tokio::spawn(async { 1 }).await (a JoinHandle)
//   yield       tokio::task::yield_now().await
//   handoff     two tasks bounce a number through two tokio::sync::mpsc::channel(1)
//   chained_spawn  each task tokio::spawn()s the next; the last sends on a oneshot channel
//   post        a std::thread spawns tasks through the runtime's Handle (Tokio has no callbacks to
//               post); the last one to run wakes the measuring task through a Notify
//   parked_task_bytes  tasks parked in Notify::notified(), woken by notify_waiters(); heap bytes
//               from glibc's mallinfo2(), the count the C++ programs read (Rust's System
//               allocator is glibc's malloc), so allocator overhead is counted alike
// The runtime has its I/O and timer drivers (enable_all), as a real program's does.
// Usage: compare_tokio_scheduler <workload> <ops>; prints one JSON line like the C++ programs.
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::{mpsc, oneshot, Notify};

const CHAIN_LINKS: i64 = 100_000;

async fn spawn_join(ops: i64) -> i64 {
    let mut sum = 0;
    for _ in 0..ops {
        sum += tokio::spawn(async { 1_i64 }).await.expect("the no-op task panicked");
    }
    sum
}

async fn yield_round_trips(ops: i64) -> i64 {
    for _ in 0..ops {
        tokio::task::yield_now().await;
    }
    ops
}

async fn handoff(ops: i64) -> i64 {
    let (to_pong, mut pong_inbox) = mpsc::channel::<i64>(1);
    let (to_ping, mut ping_inbox) = mpsc::channel::<i64>(1);
    let pong = tokio::spawn(async move {
        while let Some(value) = pong_inbox.recv().await {
            if to_ping.send(value).await.is_err() {
                break;
            }
        }
    });
    let mut sum = 0;
    for i in 0..ops / 2 {
        to_pong.send(i).await.expect("pong stopped early");
        sum += ping_inbox.recv().await.expect("pong stopped early");
    }
    drop(to_pong); // pong's recv() then returns None and it ends
    pong.await.expect("the pong task panicked");
    sum
}

fn chain_link(links_after: i64, chain_done: oneshot::Sender<()>) {
    if links_after == 0 {
        let _ = chain_done.send(());
    } else {
        tokio::spawn(async move { chain_link(links_after - 1, chain_done) });
    }
}

async fn chained_spawn(mut ops: i64) -> i64 {
    let total = ops;
    while ops > 0 {
        let links = ops.min(CHAIN_LINKS);
        let (chain_done, chain_end) = oneshot::channel();
        tokio::spawn(async move { chain_link(links - 1, chain_done) });
        chain_end.await.expect("the chain broke");
        ops -= links;
    }
    total
}

async fn post(ops: i64) -> i64 {
    let handle = tokio::runtime::Handle::current();
    let ran = Arc::new(AtomicI64::new(0));
    let all_ran = Arc::new(Notify::new());
    let (ran_there, all_ran_there) = (ran.clone(), all_ran.clone());
    let poster = std::thread::spawn(move || {
        for _ in 0..ops {
            let (ran, all_ran) = (ran_there.clone(), all_ran_there.clone());
            handle.spawn(async move {
                if ran.fetch_add(1, Ordering::Relaxed) + 1 == ops {
                    all_ran.notify_one(); // stores a permit if the waiter is not there yet
                }
            });
        }
    });
    all_ran.notified().await;
    poster.join().expect("the posting thread panicked");
    ran.load(Ordering::Relaxed)
}

#[repr(C)]
struct MallInfo2 {
    arena: usize,
    ordblks: usize,
    smblks: usize,
    hblks: usize,
    hblkhd: usize,
    usmblks: usize,
    fsmblks: usize,
    uordblks: usize,
    fordblks: usize,
    keepcost: usize,
}

extern "C" {
    fn mallinfo2() -> MallInfo2;
}

fn heap_bytes_in_use() -> usize {
    // SAFETY: mallinfo2 only reads glibc's allocator statistics.
    unsafe { mallinfo2() }.uordblks
}

static PARKED_BYTES_PER_TASK: std::sync::Mutex<f64> = std::sync::Mutex::new(0.0);

async fn parked_task_bytes(ops: i64) -> i64 {
    let wake = Arc::new(Notify::new());
    let parked = Arc::new(AtomicI64::new(0));
    let mut handles = Vec::with_capacity(ops as usize); // before the first count
    let before = heap_bytes_in_use();
    for _ in 0..ops {
        let (wake, parked) = (wake.clone(), parked.clone());
        handles.push(tokio::spawn(async move {
            let notified = wake.notified();
            tokio::pin!(notified);
            // Registers as a waiter (notify_waiters wakes only registered ones), then parks.
            notified.as_mut().enable();
            parked.fetch_add(1, Ordering::Relaxed);
            notified.await;
        }));
    }
    while parked.load(Ordering::Relaxed) < ops {
        tokio::task::yield_now().await; // until every task has run to its wait
    }
    let bytes = (heap_bytes_in_use() - before) as f64 / ops as f64;
    *PARKED_BYTES_PER_TASK.lock().unwrap() = bytes;
    wake.notify_waiters();
    for handle in handles {
        handle.await.expect("a parked task panicked");
    }
    ops
}

async fn run_workload(workload: &str, ops: i64) -> i64 {
    match workload {
        "spawn_join" => spawn_join(ops).await,
        "yield" => yield_round_trips(ops).await,
        "handoff" => handoff(ops).await,
        "chained_spawn" => chained_spawn(ops).await,
        "post" => post(ops).await,
        _ => parked_task_bytes(ops).await,
    }
}

// Keeps every result observable so no work is optimised away (std::hint::black_box is newer
// than Debian 12's rustc 1.63).
static SINK: AtomicI64 = AtomicI64::new(0);

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let known = ["spawn_join", "yield", "handoff", "chained_spawn", "post", "parked_task_bytes"];
    let ops = args.get(2).and_then(|text| text.parse::<i64>().ok()).filter(|ops| *ops > 0);
    let (workload, ops) = match (args.get(1), ops) {
        (Some(workload), Some(ops)) if args.len() == 3 && known.contains(&workload.as_str()) => {
            (workload.clone(), ops)
        }
        _ => {
            eprintln!(
                "usage: {} spawn_join|yield|handoff|chained_spawn|post|parked_task_bytes <ops>  (ops > 0)",
                args[0]
            );
            std::process::exit(2);
        }
    };
    // enable_all(): the I/O and timer drivers on, as #[tokio::main(flavor = "current_thread")]
    // sets them up, so the scheduler is the one a real program gets (corio's loop always has its
    // reactor too).
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("cannot build the current_thread runtime");
    // The work runs in a spawned task, as in the other systems: block_on's own future is polled
    // outside the scheduler, and waking it goes through the driver's unpark (a system call).
    let measured = runtime.spawn(async move {
        // parked_task_bytes warms up with as many tasks (see protocol.hpp), the others a tenth.
        let warm_up = if workload == "parked_task_bytes" { ops } else { ops / 10 + 1 };
        SINK.store(run_workload(&workload, warm_up).await, Ordering::Relaxed);
        let start = Instant::now();
        SINK.store(run_workload(&workload, ops).await, Ordering::Relaxed);
        (workload, start.elapsed().as_nanos() as f64)
    });
    let (workload, nanoseconds) = runtime.block_on(measured).expect("the workload task panicked");
    if workload == "parked_task_bytes" {
        println!(
            "{{\"system\": \"tokio\", \"workload\": \"{}\", \"ops\": {}, \"bytes_per_op\": {:.3}, \"unit\": \"bytes\"}}",
            workload,
            ops,
            *PARKED_BYTES_PER_TASK.lock().unwrap()
        );
        return;
    }
    println!(
        "{{\"system\": \"tokio\", \"workload\": \"{}\", \"ops\": {}, \"ns_per_op\": {:.3}}}",
        workload,
        ops,
        nanoseconds / ops as f64
    );
}
