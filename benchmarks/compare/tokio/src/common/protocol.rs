// SPDX-License-Identifier: MIT
// The Rust side of ../../../protocol.hpp for the `<family>:<parameter>` workloads (timers and
// sockets), shared by the programs in src/bin: argument checking, the delays, the clocks and the
// output line. Comments on what each workload is live in protocol.hpp.
// Each program uses part of this module (the socket one has no delays).
#![allow(dead_code)]

use std::time::Instant;

pub const FAR_DELAY_BASE_US: i64 = 3_600_000_000;
pub const FAR_DELAY_RANGE_US: i64 = 3_600_000_000;
pub const FIRE_DELAY_RANGE_US: i64 = 20_000;

pub fn spread(index: i64, range: i64) -> i64 {
    ((index as u64).wrapping_mul(2_654_435_761) % 4_294_967_296 % range as u64) as i64
}
pub fn far_delay_us(index: i64) -> i64 {
    FAR_DELAY_BASE_US + spread(index, FAR_DELAY_RANGE_US)
}
pub fn fire_delay_us(index: i64) -> i64 {
    spread(index, FIRE_DELAY_RANGE_US)
}
pub fn warm_up_ops(ops: i64) -> i64 {
    ops / 10 + 1
}

pub struct Request {
    pub workload: String,
    pub family: String,
    pub parameter: i64,
    pub ops: i64,
}

pub const MAX_MESSAGE_BYTES: i64 = 64;
pub const MAX_CONNECTIONS: i64 = 10_000;

// The largest parameter a family takes; timers have no limit.
pub fn max_parameter_of(family: &str) -> Option<i64> {
    if family == "ping_pong_connections" {
        Some(MAX_CONNECTIONS)
    } else if family.starts_with("ping_pong") {
        Some(MAX_MESSAGE_BYTES)
    } else {
        None
    }
}

// `<program> <family>:<parameter> <ops>`; a bad command line gets a usage line and exit status 2.
pub fn parse_arguments(families: &[&str]) -> Request {
    let args: Vec<String> = std::env::args().collect();
    let positive = |text: &str| text.parse::<i64>().ok().filter(|value| *value > 0);
    if args.len() == 3 {
        if let Some((family, parameter)) = args[1].split_once(':') {
            if let (true, Some(parameter), Some(ops)) =
                (families.contains(&family), positive(parameter), positive(&args[2]))
            {
                if max_parameter_of(family).map_or(true, |limit| parameter <= limit) {
                    return Request { workload: args[1].clone(), family: family.to_string(), parameter, ops };
                }
            }
        }
    }
    eprintln!(
        "usage: {} {}:<live timers, message bytes 1-64, or connections 1-10000> <ops>  (ops > 0)",
        args[0],
        families.join("|")
    );
    std::process::exit(2);
}

fn process_cpu_ns() -> f64 {
    let mut now = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: clock_gettime only writes the timespec it is given.
    unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut now) };
    now.tv_sec as f64 * 1e9 + now.tv_nsec as f64
}

// Wall time, or the process's CPU time for timer_insert_fire (see protocol.hpp).
pub struct WorkloadClock {
    cpu: bool,
    wall_start: Instant,
    cpu_start: f64,
}
impl WorkloadClock {
    pub fn start(family: &str) -> WorkloadClock {
        WorkloadClock { cpu: family == "timer_insert_fire", wall_start: Instant::now(), cpu_start: process_cpu_ns() }
    }
    pub fn elapsed_ns(&self) -> f64 {
        if self.cpu {
            process_cpu_ns() - self.cpu_start
        } else {
            self.wall_start.elapsed().as_nanos() as f64
        }
    }
}

pub fn report(work: &Request, nanoseconds: f64) {
    println!(
        "{{\"system\": \"tokio\", \"workload\": \"{}\", \"ops\": {}, \"ns_per_op\": {:.3}}}",
        work.workload,
        work.ops,
        nanoseconds / work.ops as f64
    );
}
