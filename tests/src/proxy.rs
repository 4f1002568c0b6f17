//! A TCP proxy a test can unplug: it stands between the application and a real service
//! (Meilisearch), and while it is down it refuses new connections and cuts open ones,
//! as a crashed or unreachable service would.
//!
//! It runs on a thread and runtime of its own. On the test's runtime it would deadlock:
//! when a test ends, the application is dropped on that runtime's thread and waits for
//! its search worker, which may be waiting for a reply through the proxy.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

pub struct Proxy {
    pub addr: std::net::SocketAddr,
    down: Arc<AtomicBool>,
    cut: watch::Sender<u64>,
    /// Dropping it ends the proxy's thread.
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl Proxy {
    /// Listens on a loopback port and forwards to `target` (`host:port`).
    pub fn start(target: String) -> Proxy {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("proxy listens");
        listener.set_nonblocking(true).expect("non-blocking listener");
        let addr = listener.local_addr().unwrap();
        let down = Arc::new(AtomicBool::new(false));
        let (cut, cuts) = watch::channel(0u64);
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let is_down = down.clone();
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("proxy runtime");
        std::thread::Builder::new()
            .name("meili-proxy".into())
            .spawn(move || {
                runtime.block_on(async move {
                    let listener = TcpListener::from_std(listener).expect("proxy listener");
                    let accept = async {
                        while let Ok((mut client, _)) = listener.accept().await {
                            if is_down.load(Ordering::SeqCst) {
                                continue; // dropped: the connection is refused
                            }
                            let (target, mut cuts) = (target.clone(), cuts.clone());
                            // Only a cut from now on ends this connection, not an earlier one.
                            cuts.borrow_and_update();
                            tokio::spawn(async move {
                                let Ok(mut server) = TcpStream::connect(&target).await else { return };
                                tokio::select! {
                                    _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                                    _ = cuts.changed() => {}
                                }
                            });
                        }
                    };
                    tokio::select! {
                        _ = accept => {}
                        _ = stopped => {}
                    }
                })
            })
            .expect("proxy thread");
        Proxy { addr, down, cut, _stop: stop }
    }

    /// Unplugs (every open connection is cut) or plugs back in.
    pub fn set_down(&self, down: bool) {
        self.down.store(down, Ordering::SeqCst);
        if down {
            self.cut.send_modify(|n| *n += 1);
        }
    }
}
