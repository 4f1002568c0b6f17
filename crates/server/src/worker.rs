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

    /// Tells the thread to stop and waits for its round to end, at most [`STOP_WAIT`]: a
    /// round stuck on an unresponsive search engine must not hold up a shutdown. What a
    /// round left unfinished is in the database (queue leases run out), and is done by
    /// the next start.
    pub fn stop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        let Some(thread) = self.thread.take() else { return };
        let deadline = std::time::Instant::now() + STOP_WAIT;
        while !thread.is_finished() {
            if std::time::Instant::now() >= deadline {
                let name = thread.thread().name().unwrap_or("worker").to_owned();
                tracing::warn!(worker = name, "background worker did not stop in time; leaving it");
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let _ = thread.join();
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.stop();
    }
}

/// How long [`Worker::stop`] waits for a round to end.
pub const STOP_WAIT: Duration = Duration::from_secs(15);

fn sleep_unless_stopped(flag: &AtomicBool, total: Duration) {
    let step = Duration::from_millis(50).min(total);
    let mut slept = Duration::ZERO;
    while slept < total && !flag.load(Ordering::Relaxed) {
        std::thread::sleep(step);
        slept += step;
    }
}
