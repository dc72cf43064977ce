// SPDX-License-Identifier: MIT
// Tokio's current_thread runtime on the scheduler workloads of ../../protocol.hpp:
//   spawn_join  tokio::spawn(async { 1 }).await (a JoinHandle)
//   yield       tokio::task::yield_now().await
//   handoff     two tasks bounce a number through two tokio::sync::mpsc::channel(1)
// The runtime has its I/O and timer drivers (enable_all), as a real program's does.
// Usage: compare_tokio_scheduler <workload> <ops>; prints one JSON line like the C++ programs.
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Instant;
use tokio::sync::mpsc;

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

async fn run_workload(workload: &str, ops: i64) -> i64 {
    match workload {
        "spawn_join" => spawn_join(ops).await,
        "yield" => yield_round_trips(ops).await,
        _ => handoff(ops).await,
    }
}

// Keeps every result observable so no work is optimised away (std::hint::black_box is newer
// than Debian 12's rustc 1.63).
static SINK: AtomicI64 = AtomicI64::new(0);

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let known = ["spawn_join", "yield", "handoff"];
    let ops = args.get(2).and_then(|text| text.parse::<i64>().ok()).filter(|ops| *ops > 0);
    let (workload, ops) = match (args.get(1), ops) {
        (Some(workload), Some(ops)) if args.len() == 3 && known.contains(&workload.as_str()) => {
            (workload.clone(), ops)
        }
        _ => {
            eprintln!("usage: {} spawn_join|yield|handoff <ops>  (ops > 0)", args[0]);
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
        SINK.store(run_workload(&workload, ops / 10 + 1).await, Ordering::Relaxed);
        let start = Instant::now();
        SINK.store(run_workload(&workload, ops).await, Ordering::Relaxed);
        (workload, start.elapsed().as_nanos() as f64)
    });
    let (workload, nanoseconds) = runtime.block_on(measured).expect("the workload task panicked");
    println!(
        "{{\"system\": \"tokio\", \"workload\": \"{}\", \"ops\": {}, \"ns_per_op\": {:.3}}}",
        workload,
        ops,
        nanoseconds / ops as f64
    );
}
