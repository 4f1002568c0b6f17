//! A real SMTP listener for tests: accepts connections on a random loopback port,
//! speaks enough SMTP for a client to deliver, and keeps what it received. It can be
//! told to refuse the next deliveries, to test retries.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

#[derive(Debug, Clone)]
pub struct Received {
    pub from: String,
    pub to: Vec<String>,
    /// The message as sent after DATA (headers and body).
    pub data: String,
}

impl Received {
    pub fn subject(&self) -> Option<&str> {
        self.data.lines().find_map(|l| l.strip_prefix("Subject: "))
    }

    /// The body as its author wrote it: lines longer than 76 characters (links, tokens)
    /// arrive quoted-printable, which this undoes.
    pub fn text(&self) -> String {
        let (headers, body) = self.data.split_once("\r\n\r\n").unwrap_or(("", &self.data));
        let quoted = headers.lines().any(|l| {
            l.to_ascii_lowercase().starts_with("content-transfer-encoding:") && l.contains("quoted-printable")
        });
        if !quoted {
            return body.to_owned();
        }
        let joined = body.replace("=\r\n", "").replace("=\n", "");
        let bytes = joined.as_bytes();
        let mut out = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
            match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
                (b'=', Some(b)) => {
                    out.push(b);
                    i += 3;
                }
                (c, _) => {
                    out.push(c);
                    i += 1;
                }
            }
        }
        String::from_utf8_lossy(&out).into_owned()
    }
}

#[derive(Clone)]
pub struct SmtpSink {
    pub port: u16,
    received: Arc<Mutex<Vec<Received>>>,
    refuse: Arc<AtomicUsize>,
}

impl SmtpSink {
    pub fn start() -> SmtpSink {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind smtp sink");
        let port = listener.local_addr().unwrap().port();
        let sink = SmtpSink { port, received: Arc::default(), refuse: Arc::default() };
        let s = sink.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let s = s.clone();
                std::thread::spawn(move || {
                    let _ = s.session(stream);
                });
            }
        });
        sink
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Refuse the next `n` deliveries with a temporary failure (451).
    pub fn refuse_next(&self, n: usize) {
        self.refuse.store(n, Ordering::SeqCst);
    }

    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    fn session(&self, stream: TcpStream) -> std::io::Result<()> {
        let mut out = stream.try_clone()?;
        let mut lines = BufReader::new(stream);
        let reply = |out: &mut TcpStream, s: &str| out.write_all(format!("{s}\r\n").as_bytes());
        reply(&mut out, "220 sink.test ESMTP ready")?;
        let (mut from, mut to) = (String::new(), Vec::new());
        let mut line = String::new();
        loop {
            line.clear();
            if lines.read_line(&mut line)? == 0 {
                return Ok(());
            }
            let cmd = line.trim_end().to_string();
            let upper = cmd.to_ascii_uppercase();
            if upper.starts_with("EHLO") || upper.starts_with("HELO") {
                reply(&mut out, "250-sink.test\r\n250 8BITMIME")?;
            } else if upper.starts_with("MAIL FROM:") {
                from = cmd[10..]
                    .trim()
                    .trim_matches(|c| c == '<' || c == '>')
                    .split_whitespace()
                    .next()
                    .unwrap_or("")
                    .to_owned();
                to.clear();
                reply(&mut out, "250 OK")?;
            } else if upper.starts_with("RCPT TO:") {
                if self.refuse.load(Ordering::SeqCst) > 0 {
                    self.refuse.fetch_sub(1, Ordering::SeqCst);
                    reply(&mut out, "451 4.3.0 try again later")?;
                } else {
                    to.push(cmd[8..].trim().trim_matches(|c| c == '<' || c == '>').to_owned());
                    reply(&mut out, "250 OK")?;
                }
            } else if upper == "DATA" {
                reply(&mut out, "354 end with .")?;
                let mut data = String::new();
                loop {
                    line.clear();
                    if lines.read_line(&mut line)? == 0 {
                        return Ok(());
                    }
                    if line.trim_end_matches(['\r', '\n']) == "." {
                        break;
                    }
                    data.push_str(line.strip_prefix('.').unwrap_or(&line));
                }
                self.received.lock().unwrap().push(Received { from: from.clone(), to: to.clone(), data });
                reply(&mut out, "250 OK queued")?;
            } else if upper == "QUIT" {
                reply(&mut out, "221 bye")?;
                return Ok(());
            } else {
                reply(&mut out, "250 OK")?;
            }
        }
    }
}
