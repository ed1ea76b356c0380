//! Test harness: starts the real binary and talks raw HTTP/1.1 to it, so framing can be
//! checked byte for byte.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub const DEMO: &str = "sk-sandbox-demo";

/// A running sandbox, killed on drop.
pub struct Sandbox {
    child: Child,
    /// `127.0.0.1:PORT`.
    pub addr: String,
    /// Everything it wrote to stderr so far.
    pub stderr: Arc<Mutex<String>>,
    /// The admin token it printed (`admin token: …`, its second stdout line).
    pub admin: String,
}

impl Sandbox {
    /// Starts the sandbox with `--port 0`, unpaced and with a short job latency unless
    /// `args` say otherwise.
    pub fn start(args: &[&str]) -> Self {
        let mut all: Vec<&str> = vec!["--port", "0"];
        if !args.contains(&"--tokens-per-second") {
            all.extend(["--tokens-per-second", "0"]);
        }
        if !args.contains(&"--job-latency-ms") {
            all.extend(["--job-latency-ms", "300"]);
        }
        all.extend(args);
        Self::start_exact(&all, &[])
    }

    /// Starts the sandbox with exactly these arguments and extra environment variables.
    pub fn start_exact(args: &[&str], env: &[(&str, &str)]) -> Self {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_minitoolai-sandbox"));
        cmd.args(args).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("the sandbox binary starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut out = BufReader::new(stdout);
        let mut line = String::new();
        out.read_line(&mut line).expect("reads the listening line");
        let mut admin_line = String::new();
        out.read_line(&mut admin_line).expect("reads the admin token line");
        let admin = admin_line
            .trim()
            .strip_prefix("admin token: ")
            .unwrap_or_else(|| panic!("unexpected second line: {admin_line:?}"))
            .to_owned();
        let addr = line
            .trim()
            .strip_prefix("minitoolai-sandbox listening on http://")
            .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
            .to_owned();
        let stderr = Arc::new(Mutex::new(String::new()));
        let sink = stderr.clone();
        let mut err = child.stderr.take().expect("piped stderr");
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = err.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock().expect("lock").push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        Self { child, addr, stderr, admin }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Whether the process has exited, waiting up to `timeout`.
    pub fn exited_within(&mut self, timeout: Duration) -> bool {
        let deadline = std::time::Instant::now() + timeout;
        while std::time::Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }

    /// Sends a request and reads the whole answer.
    pub fn request(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Resp {
        let (raw, reads) = self.read_all(method, path, headers, body);
        Resp::parse(&raw, reads)
    }

    /// Sends a request and returns the bytes received until the connection closed.
    pub fn request_raw(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
        self.read_all(method, path, headers, body).0
    }

    fn read_all(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> (Vec<u8>, usize) {
        let mut stream = self.open(method, path, headers, body);
        let mut raw = Vec::new();
        let mut buf = [0u8; 16384];
        let mut reads = 0;
        loop {
            match stream.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    raw.extend_from_slice(&buf[..n]);
                    reads += 1;
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock || e.kind() == std::io::ErrorKind::TimedOut => {
                    panic!("timed out reading {method} {path}")
                }
                Err(_) => break,
            }
        }
        (raw, reads)
    }

    /// Sends a request and returns the open connection.
    pub fn open(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> TcpStream {
        let mut stream = TcpStream::connect(&self.addr).expect("connects");
        stream.set_read_timeout(Some(Duration::from_secs(60))).expect("timeout");
        let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n", self.addr);
        for (k, v) in headers {
            head += &format!("{k}: {v}\r\n");
        }
        if method != "GET" || !body.is_empty() {
            head += &format!("Content-Length: {}\r\n", body.len());
        }
        head += "\r\n";
        stream.write_all(head.as_bytes()).expect("writes head");
        // A server may answer (413) before reading a huge body; a failed write is fine then.
        let _ = stream.write_all(body);
        stream
    }

    pub fn post_json(&self, path: &str, key: Option<&str>, body: &str) -> Resp {
        self.post_with(path, key, &[], body)
    }

    /// A JSON POST; admin paths get the admin token.
    pub fn post_with(&self, path: &str, key: Option<&str>, extra: &[(&str, &str)], body: &str) -> Resp {
        let auth = key.map(|k| format!("Bearer {k}"));
        let mut headers: Vec<(&str, &str)> = vec![("Content-Type", "application/json")];
        if let Some(a) = &auth {
            headers.push(("Authorization", a));
        }
        if is_admin(path) {
            headers.push(("X-Sandbox-Admin", &self.admin));
        }
        headers.extend_from_slice(extra);
        self.request("POST", path, &headers, body.as_bytes())
    }

    /// A GET; admin paths get the admin token.
    pub fn get(&self, path: &str, key: Option<&str>) -> Resp {
        let auth = key.map(|k| format!("Bearer {k}"));
        let mut headers: Vec<(&str, &str)> = auth.iter().map(|a| ("Authorization", a.as_str())).collect();
        if is_admin(path) {
            headers.push(("X-Sandbox-Admin", &self.admin));
        }
        self.request("GET", path, &headers, b"")
    }

    /// A chat with an optional `x-sandbox-fault` spec.
    pub fn chat(&self, key: &str, body: &str, fault: Option<&str>) -> Resp {
        let mut extra = Vec::new();
        if let Some(f) = fault {
            extra.push(("x-sandbox-fault", f));
        }
        self.post_with("/api/chat-completions/", Some(key), &extra, body)
    }

    pub fn balance(&self, key: &str) -> serde_json::Value {
        self.get("/sandbox/balance", Some(key)).json()
    }

    pub fn stats(&self) -> serde_json::Value {
        self.get("/sandbox/stats", None).json()
    }

    /// Waits until `n` chat streams are running.
    pub fn wait_active_streams(&self, n: u64) {
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while self.stats()["streams"]["active"] != n {
            assert!(std::time::Instant::now() < deadline, "never reached {n} active streams");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A raw HTTP answer.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    /// The bytes after the head, as sent (still chunk-encoded).
    pub raw_body: Vec<u8>,
    /// The body, decoded.
    pub body: Vec<u8>,
    /// Sizes of the chunks, when chunked.
    pub chunks: Vec<usize>,
    /// Whether the body ended properly (final chunk, or full content-length).
    pub complete: bool,
    /// How many reads the whole answer took.
    pub reads: usize,
}

impl Resp {
    fn parse(raw: &[u8], reads: usize) -> Self {
        let end = raw.windows(4).position(|w| w == b"\r\n\r\n").expect("a complete head");
        let head = String::from_utf8_lossy(&raw[..end]).into_owned();
        let mut lines = head.split("\r\n");
        let status_line = lines.next().expect("status line");
        let status = status_line.split(' ').nth(1).and_then(|s| s.parse().ok()).expect("status code");
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
            .collect();
        let raw_body = raw[end + 4..].to_vec();
        let chunked = headers.iter().any(|(k, v)| k == "transfer-encoding" && v.contains("chunked"));
        let (body, chunks, complete) = if chunked {
            dechunk(&raw_body)
        } else {
            let len = headers.iter().find(|(k, _)| k == "content-length").and_then(|(_, v)| v.parse().ok());
            let complete = len.is_none_or(|l: usize| l == raw_body.len());
            (raw_body.clone(), Vec::new(), complete)
        };
        Self { status, headers, raw_body, body, chunks, complete, reads }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8(self.body.clone()).expect("utf-8 body")
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("JSON body ({e}): {}", self.text()))
    }

    /// The `data:` payloads of an LF-framed SSE body.
    pub fn events(&self) -> Vec<String> {
        self.text().split("\n\n").filter_map(|e| e.strip_prefix("data: ")).map(str::to_owned).collect()
    }

    /// The JSON chunks of an SSE body (everything but `[DONE]`).
    pub fn chunks_json(&self) -> Vec<serde_json::Value> {
        self.events()
            .iter()
            .filter(|e| *e != "[DONE]")
            .map(|e| serde_json::from_str(e).unwrap_or_else(|err| panic!("chunk {e}: {err}")))
            .collect()
    }

    /// The streamed text.
    pub fn content(&self) -> String {
        self.chunks_json()
            .iter()
            .filter_map(|c| c["choices"][0]["delta"]["content"].as_str().map(str::to_owned))
            .collect()
    }

    /// The usage of the last chunk.
    pub fn usage(&self) -> serde_json::Value {
        self.chunks_json().last().expect("chunks")["usage"].clone()
    }
}

fn dechunk(mut raw: &[u8]) -> (Vec<u8>, Vec<usize>, bool) {
    let mut body = Vec::new();
    let mut sizes = Vec::new();
    loop {
        let Some(eol) = raw.windows(2).position(|w| w == b"\r\n") else { return (body, sizes, false) };
        let size_text = String::from_utf8_lossy(&raw[..eol]);
        let Ok(size) = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16) else {
            return (body, sizes, false);
        };
        raw = &raw[eol + 2..];
        if size == 0 {
            return (body, sizes, true);
        }
        if raw.len() < size + 2 {
            body.extend_from_slice(&raw[..raw.len().min(size)]);
            return (body, sizes, false);
        }
        body.extend_from_slice(&raw[..size]);
        sizes.push(size);
        raw = &raw[size + 2..];
    }
}

/// Whether a path is one of the admin endpoints.
pub fn is_admin(path: &str) -> bool {
    ["/sandbox/keys", "/sandbox/faults", "/sandbox/reset-stats"].contains(&path)
}

/// A chat body for `model` with one user message.
pub fn chat_body(model: &str, prompt: &str) -> String {
    serde_json::json!({ "model": model, "messages": [{ "role": "user", "content": prompt }] }).to_string()
}

/// Percent-encodes text for `x-sandbox-reply`.
pub fn pct(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}
