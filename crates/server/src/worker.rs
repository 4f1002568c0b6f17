//! A background thread that runs rounds of work until it is stopped: the mail worker and
//! the search worker are each one of these.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// The handle of a background thread: stops it when told to, or when dropped.
pub struct Worker {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Worker {
    /// Runs `round` again and again on a thread called `name`. A round returns whether
    /// there may be more to do at once; after one that found nothing, the thread waits
    /// `poll` (and notices a stop within 50 ms).
    pub fn spawn(name: &str, poll: Duration, mut round: impl FnMut() -> bool + Send + 'static) -> Worker {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::Builder::new()
            .name(name.into())
            .spawn(move || {
                while !flag.load(Ordering::Relaxed) {
                    if !round() {
                        sleep_unless_stopped(&flag, poll);
                    }
                }
            })
            .map_err(|e| tracing::error!(worker = name, error = %e, "could not start a background thread"))
            .ok();
        Worker { stop, thread }
    }

    pub fn stop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.stop();
    }
}

fn sleep_unless_stopped(flag: &AtomicBool, total: Duration) {
    let step = Duration::from_millis(50).min(total);
    let mut slept = Duration::ZERO;
    while slept < total && !flag.load(Ordering::Relaxed) {
        std::thread::sleep(step);
        slept += step;
    }
}
