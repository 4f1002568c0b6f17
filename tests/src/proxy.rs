//! A TCP proxy a test can unplug: it stands between the application and a real service
//! (Meilisearch), and while it is down it refuses new connections and cuts open ones,
//! as a crashed or unreachable service would.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

pub struct Proxy {
    pub addr: std::net::SocketAddr,
    down: Arc<AtomicBool>,
    cut: watch::Sender<u64>,
}

impl Proxy {
    /// Listens on a loopback port and forwards to `target` (`host:port`).
    pub async fn start(target: String) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("proxy listens");
        let addr = listener.local_addr().unwrap();
        let down = Arc::new(AtomicBool::new(false));
        let (cut, cuts) = watch::channel(0u64);
        let is_down = down.clone();
        actix_web::rt::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if is_down.load(Ordering::SeqCst) {
                    continue; // dropped: the connection is refused
                }
                let (target, mut cuts) = (target.clone(), cuts.clone());
                // Only a cut from now on ends this connection, not an earlier one.
                cuts.borrow_and_update();
                actix_web::rt::spawn(async move {
                    let Ok(mut server) = TcpStream::connect(&target).await else { return };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                        _ = cuts.changed() => {}
                    }
                });
            }
        });
        Proxy { addr, down, cut }
    }

    /// Unplugs (every open connection is cut) or plugs back in.
    pub fn set_down(&self, down: bool) {
        self.down.store(down, Ordering::SeqCst);
        if down {
            self.cut.send_modify(|n| *n += 1);
        }
    }
}
