// SPDX-License-Identifier: MIT
// Tokio's current_thread runtime (I/O and timer drivers on) on the socket workloads of
// ../../../protocol.hpp: the ping-pong of ../net/socket_ping_pong.hpp as a pinging and an echoing
// task per connection, with AsyncWriteExt::write_all and AsyncReadExt::read on a
// tokio::net::UnixStream::pair() or on TCP connections over 127.0.0.1 with TCP_NODELAY on both
// ends (ping_pong_connections: N of them at once, the pings sharing one countdown). Each run makes
// warm-up connections, then the timed ones, before its clock starts.
#[path = "../common/protocol.rs"]
mod protocol;

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream, UnixStream};
use tokio::task::JoinHandle;

const READ_BUFFER_SIZE: usize = 128; // larger than any message, as in socket_ping_pong.hpp

// The round trips left, shared by every pinger of a run (tokio::spawn wants Send, hence atomic;
// uncontended on one thread).
type Countdown = Arc<AtomicI64>;

async fn ping<S: AsyncRead + AsyncWrite + Unpin>(mut socket: S, left: Countdown, message_size: usize) {
    let message = [b'p'; 64];
    let mut buffer = [0_u8; READ_BUFFER_SIZE];
    while left.fetch_sub(1, Ordering::Relaxed) > 0 {
        socket.write_all(&message[..message_size]).await.expect("ping: write failed");
        let mut received = 0;
        while received < message_size {
            let piece = socket.read(&mut buffer).await.expect("ping: read failed");
            assert!(piece > 0, "ping-pong: the reply did not come back");
            received += piece;
        }
    }
    // Dropping the socket closes it: pong reads end of stream and finishes.
}

async fn pong<S: AsyncRead + AsyncWrite + Unpin>(mut socket: S) {
    let mut buffer = [0_u8; READ_BUFFER_SIZE];
    loop {
        let received = socket.read(&mut buffer).await.expect("pong: read failed");
        if received == 0 {
            return;
        }
        socket.write_all(&buffer[..received]).await.expect("pong: write failed");
    }
}

// One end pings, the other echoes.
enum Connection {
    Unix(UnixStream, UnixStream),
    Tcp(TcpStream, TcpStream),
}

// A socketpair, or `count` TCP connections to one listener. The accepted end pings and closes
// first, so TIME_WAIT stays on the listener's port (as make_tcp_connections does).
async fn connect(work: &protocol::Request) -> Vec<Connection> {
    if work.family == "ping_pong_socketpair" {
        let (a, b) = UnixStream::pair().expect("socketpair failed");
        return vec![Connection::Unix(a, b)];
    }
    let count = if work.family == "ping_pong_connections" { work.parameter as usize } else { 1 };
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("cannot listen on 127.0.0.1");
    let address = listener.local_addr().expect("no local address");
    let mut connections = Vec::with_capacity(count);
    for _ in 0..count {
        let client = TcpStream::connect(address).await.expect("connect failed");
        let (server, _) = listener.accept().await.expect("accept failed");
        client.set_nodelay(true).expect("TCP_NODELAY");
        server.set_nodelay(true).expect("TCP_NODELAY");
        connections.push(Connection::Tcp(server, client));
    }
    connections
}

// Spawns the echoing task on b and the pinging one on a.
fn spawn_ping_pong<S>(tasks: &mut Vec<JoinHandle<()>>, a: S, b: S, left: &Countdown, message_size: usize)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    tasks.push(tokio::spawn(pong(b)));
    tasks.push(tokio::spawn(ping(a, left.clone(), message_size)));
}

async fn ping_pong(connections: Vec<Connection>, round_trips: i64, message_size: usize) {
    let left: Countdown = Arc::new(AtomicI64::new(round_trips));
    let mut tasks = Vec::with_capacity(2 * connections.len());
    for connection in connections {
        match connection {
            Connection::Unix(a, b) => spawn_ping_pong(&mut tasks, a, b, &left, message_size),
            Connection::Tcp(a, b) => spawn_ping_pong(&mut tasks, a, b, &left, message_size),
        }
    }
    for task in tasks {
        task.await.expect("a ping-pong task panicked");
    }
}

async fn measure(work: protocol::Request) {
    let message_size = if work.family == "ping_pong_connections" { 1 } else { work.parameter as usize };
    ping_pong(connect(&work).await, protocol::warm_up_ops(work.ops), message_size).await;
    let connections = connect(&work).await;
    let clock = protocol::WorkloadClock::start(&work.family);
    ping_pong(connections, work.ops, message_size).await;
    protocol::report(&work, clock.elapsed_ns());
}

fn main() {
    let work = protocol::parse_arguments(&["ping_pong_socketpair", "ping_pong_tcp", "ping_pong_connections"]);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("cannot build the current_thread runtime");
    runtime.block_on(runtime.spawn(measure(work))).expect("the workload task panicked");
}
