// SPDX-License-Identifier: MIT
// Tokio's current_thread runtime (I/O and timer drivers on) on the socket workloads of
// ../../../protocol.hpp: the ping-pong of ../net/socket_ping_pong.hpp as two tasks, with
// AsyncWriteExt::write_all and AsyncReadExt::read on a tokio::net::UnixStream::pair() or a TCP
// connection over 127.0.0.1 with TCP_NODELAY on both ends. Each run makes a warm-up connection,
// then the timed one.
#[path = "../common/protocol.rs"]
mod protocol;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream, UnixStream};

const READ_BUFFER_SIZE: usize = 128; // larger than any message, as in socket_ping_pong.hpp

async fn ping<S: AsyncRead + AsyncWrite + Unpin>(mut socket: S, round_trips: i64, message_size: usize) {
    let message = [b'p'; 64];
    let mut buffer = [0_u8; READ_BUFFER_SIZE];
    for _ in 0..round_trips {
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

async fn ping_pong(tcp: bool, round_trips: i64, message_size: usize) {
    if tcp {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("cannot listen on 127.0.0.1");
        let address = listener.local_addr().expect("no local address");
        let accepting = tokio::spawn(async move { listener.accept().await });
        let client = TcpStream::connect(address).await.expect("connect failed");
        let (server, _) = accepting.await.expect("the accept task panicked").expect("accept failed");
        client.set_nodelay(true).expect("TCP_NODELAY");
        server.set_nodelay(true).expect("TCP_NODELAY");
        let ponger = tokio::spawn(pong(server));
        ping(client, round_trips, message_size).await;
        ponger.await.expect("the pong task panicked");
    } else {
        let (a, b) = UnixStream::pair().expect("socketpair failed");
        let ponger = tokio::spawn(pong(b));
        ping(a, round_trips, message_size).await;
        ponger.await.expect("the pong task panicked");
    }
}

async fn measure(work: protocol::Request) {
    let tcp = work.family == "ping_pong_tcp";
    let message_size = work.parameter as usize;
    ping_pong(tcp, protocol::warm_up_ops(work.ops), message_size).await;
    // The timed run's connection is made inside ping_pong, as the other systems make theirs
    // before the clock starts: its setup is a few microseconds against seconds of round trips.
    let clock = protocol::WorkloadClock::start(&work.family);
    ping_pong(tcp, work.ops, message_size).await;
    protocol::report(&work, clock.elapsed_ns());
}

fn main() {
    let work = protocol::parse_arguments(&["ping_pong_socketpair", "ping_pong_tcp"]);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("cannot build the current_thread runtime");
    runtime.block_on(runtime.spawn(measure(work))).expect("the workload task panicked");
}
