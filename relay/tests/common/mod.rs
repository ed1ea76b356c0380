//! Test harness: a real sandbox (the upstream) and a real relay process in front of it, a
//! real ledger (a SQLite file, or PostgreSQL when `MINITOOLAI_RELAY_POSTGRES_URL` is set),
//! and raw HTTP/1.1 so that every header is what the wire carried.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The upstream key the relay holds (a sandbox key).
pub const UPSTREAM_KEY: &str = "sk-upstream-held-by-relay";
/// The variable the relay reads it from.
pub const KEY_ENV: &str = "RELAY_TEST_UPSTREAM_KEY";

/// `target/debug` (or whichever profile built this test).
fn bin_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test exe path");
    exe.parent().and_then(Path::parent).expect("target/<profile>").to_owned()
}

/// A child process, killed on drop, with its stderr collected.
pub struct Proc {
    child: Child,
    /// `127.0.0.1:PORT`.
    pub addr: String,
    /// Every stdout line after the listening line.
    pub stdout: Arc<Mutex<Vec<String>>>,
    /// Everything it wrote to stderr so far.
    pub stderr: Arc<Mutex<String>>,
}

fn spawn(mut cmd: Command, prefix: &str) -> Proc {
    cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap_or_else(|e| panic!("{prefix}: cannot start: {e}"));
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
    let mut out = BufReader::new(child.stdout.take().expect("piped stdout"));
    let mut line = String::new();
    out.read_line(&mut line).expect("reads the listening line");
    let Some(addr) = line.trim().strip_prefix(&format!("{prefix} listening on http://")).map(str::to_owned) else {
        let _ = child.kill();
        let _ = child.wait();
        panic!("{prefix}: unexpected first line {line:?}; stderr: {}", stderr.lock().expect("lock"));
    };
    let lines = Arc::new(Mutex::new(Vec::new()));
    let sink = lines.clone();
    std::thread::spawn(move || {
        for l in out.lines() {
            let Ok(l) = l else { break };
            sink.lock().expect("lock").push(l);
        }
    });
    Proc { child, addr, stdout: lines, stderr }
}

impl Proc {
    /// Kills it hard (no graceful shutdown): a crash.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// `http://ADDR`.
    pub fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Sends a request with these exact headers (a Host header is added unless given).
    pub fn request(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Resp {
        let mut stream = self.open(method, path, headers, body);
        let mut raw = Vec::new();
        let _ = stream.read_to_end(&mut raw);
        Resp::parse(&raw)
    }

    /// Sends a request and returns the open connection.
    pub fn open(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> TcpStream {
        let mut stream = TcpStream::connect(&self.addr).expect("connects");
        stream.set_read_timeout(Some(Duration::from_secs(60))).expect("timeout");
        let mut head = format!("{method} {path} HTTP/1.1\r\nConnection: close\r\n");
        if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("host")) {
            head += &format!("Host: {}\r\n", self.addr);
        }
        for (k, v) in headers {
            head += &format!("{k}: {v}\r\n");
        }
        if method != "GET" || !body.is_empty() {
            head += &format!("Content-Length: {}\r\n", body.len());
        }
        head += "\r\n";
        stream.write_all(head.as_bytes()).expect("writes head");
        let _ = stream.write_all(body);
        stream
    }

    /// A JSON POST, with a bearer token when given.
    pub fn post(&self, path: &str, token: Option<&str>, body: &str) -> Resp {
        let auth = token.map(|t| format!("Bearer {t}"));
        let mut headers = vec![("Content-Type", "application/json")];
        if let Some(a) = &auth {
            headers.push(("Authorization", a.as_str()));
        }
        self.request("POST", path, &headers, body.as_bytes())
    }

    /// A GET, with a bearer token when given.
    pub fn get(&self, path: &str, token: Option<&str>) -> Resp {
        let auth = token.map(|t| format!("Bearer {t}"));
        let headers: Vec<(&str, &str)> = auth.iter().map(|a| ("Authorization", a.as_str())).collect();
        self.request("GET", path, &headers, b"")
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The sandbox as the relay's upstream: one key with USD 100, unpaced unless told.
pub struct Upstream {
    pub proc: Proc,
    /// Its admin token (from the `admin token: …` stdout line), if it prints one.
    pub admin: Option<String>,
}

impl Upstream {
    pub fn start(extra: &[&str]) -> Self {
        let path = bin_dir().join("minitoolai-sandbox");
        assert!(
            path.exists(),
            "{} is missing: build the sandbox first (cargo build -p minitoolai-sandbox; cargo test --workspace does)",
            path.display()
        );
        let mut cmd = Command::new(path);
        let key = format!("{UPSTREAM_KEY}=100");
        cmd.args(["--port", "0", "--job-latency-ms", "200", "--key", &key]);
        if !extra.contains(&"--tokens-per-second") {
            cmd.args(["--tokens-per-second", "0"]);
        }
        cmd.args(extra);
        let proc = spawn(cmd, "minitoolai-sandbox");
        // The admin token line follows the listening line at once.
        let deadline = Instant::now() + Duration::from_secs(2);
        let admin = loop {
            let found = proc
                .stdout
                .lock()
                .expect("lock")
                .iter()
                .find_map(|l| l.strip_prefix("admin token: ").map(|t| t.trim().to_owned()));
            if found.is_some() || Instant::now() > deadline {
                break found;
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        Self { proc, admin }
    }

    /// `http://ADDR/api/`.
    pub fn api(&self) -> String {
        format!("{}/api/", self.proc.origin())
    }

    /// The nano-USD the upstream billed the relay's key.
    pub fn billed(&self) -> u64 {
        let b = self.proc.get("/sandbox/balance", Some(UPSTREAM_KEY)).json();
        b["spent_nano_usd"].as_u64().unwrap_or_else(|| panic!("balance: {b}"))
    }

    /// Requests the upstream received on its API endpoints.
    pub fn api_requests(&self) -> u64 {
        let s = self.proc.get("/sandbox/stats", None).json();
        s["endpoints"].as_object().map_or(0, |m| m.values().map(|e| e["requests"].as_u64().unwrap_or(0)).sum())
    }

    /// The upstream's chat stream counters.
    pub fn streams(&self) -> serde_json::Value {
        self.proc.get("/sandbox/stats", None).json()["streams"].clone()
    }

    /// Sets faults on the relay's upstream key (admin endpoint).
    pub fn set_fault(&self, fault: &str) {
        let body = serde_json::json!({ "key": UPSTREAM_KEY, "fault": fault }).to_string();
        let mut headers = vec![("Content-Type", "application/json")];
        if let Some(a) = &self.admin {
            headers.push(("x-sandbox-admin", a.as_str()));
        }
        let r = self.proc.request("POST", "/sandbox/faults", &headers, body.as_bytes());
        assert_eq!(r.status, 200, "set fault: {}", r.text());
    }
}

/// A relay's ledger for a test: a fresh SQLite file, or the PostgreSQL server of the
/// environment.
pub struct Ledger {
    pub spec: String,
    _dir: Option<tempfile::TempDir>,
}

impl Ledger {
    pub fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let spec = format!("sqlite:{}", dir.path().join("ledger.sqlite3").display());
        Self { spec, _dir: Some(dir) }
    }

    /// The PostgreSQL ledger, when `MINITOOLAI_RELAY_POSTGRES_URL` names one.
    pub fn postgres() -> Option<Self> {
        let url = std::env::var("MINITOOLAI_RELAY_POSTGRES_URL").ok().filter(|u| !u.is_empty())?;
        Some(Self { spec: url, _dir: None })
    }

    /// Runs a relay command against this ledger and returns its stdout.
    pub fn command(&self, args: &[&str]) -> String {
        let out = Command::new(env!("CARGO_BIN_EXE_minitoolai-relay"))
            .args(args)
            .args(["--store", &self.spec])
            .output()
            .expect("runs the relay");
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).expect("utf-8")
    }

    /// Creates a token with a unique name (PostgreSQL ledgers are shared between tests) and
    /// these extra flags; returns (name, token).
    pub fn token(&self, flags: &[&str]) -> (String, String) {
        static N: AtomicU64 = AtomicU64::new(0);
        let name = format!(
            "t{}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed),
            Instant::now().elapsed().as_nanos() % 1000
        );
        let mut args = vec!["token", "create", "--name", &name];
        args.extend_from_slice(flags);
        let token = self.command(&args).trim().to_owned();
        assert!(token.starts_with("mtr_"), "{token}");
        (name, token)
    }
}

/// A relay in front of `upstream` with `ledger`.
pub fn relay(upstream: &Upstream, ledger: &Ledger, extra: &[&str]) -> Proc {
    relay_with_key(upstream, ledger, UPSTREAM_KEY, extra)
}

/// A relay holding `key` as its upstream key.
pub fn relay_with_key(upstream: &Upstream, ledger: &Ledger, key: &str, extra: &[&str]) -> Proc {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_minitoolai-relay"));
    let api = upstream.api();
    cmd.args(["serve", "--port", "0", "--upstream", &api, "--upstream-key-env", KEY_ENV, "--store", &ledger.spec]);
    cmd.args(extra);
    cmd.env(KEY_ENV, key);
    spawn(cmd, "minitoolai-relay")
}

/// A raw HTTP answer.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// The whole answer as received.
    pub raw: Vec<u8>,
}

impl Resp {
    pub fn parse(raw: &[u8]) -> Self {
        let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") else {
            return Self { status: 0, headers: vec![], body: vec![], raw: raw.to_vec() };
        };
        let head = String::from_utf8_lossy(&raw[..end]).into_owned();
        let mut lines = head.split("\r\n");
        let status = lines.next().and_then(|l| l.split(' ').nth(1)).and_then(|s| s.parse().ok()).unwrap_or(0);
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
            .collect();
        let rest = &raw[end + 4..];
        let chunked = headers.iter().any(|(k, v)| k == "transfer-encoding" && v.contains("chunked"));
        let body = if chunked { dechunk(rest) } else { rest.to_vec() };
        Self { status, headers, body, raw: raw.to_vec() }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("JSON body ({e}), status {}: {}", self.status, self.text()))
    }

    /// The usage object of an SSE answer.
    pub fn usage(&self) -> serde_json::Value {
        self.text()
            .split("\n\n")
            .filter_map(|e| e.strip_prefix("data: "))
            .filter(|d| *d != "[DONE]")
            .filter_map(|d| serde_json::from_str::<serde_json::Value>(d).ok())
            .find(|c| c["usage"].is_object())
            .map(|c| c["usage"].clone())
            .unwrap_or_default()
    }
}

fn dechunk(mut raw: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    loop {
        let Some(eol) = raw.windows(2).position(|w| w == b"\r\n") else { return body };
        let size_text = String::from_utf8_lossy(&raw[..eol]);
        let Ok(size) = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16) else {
            return body;
        };
        raw = &raw[eol + 2..];
        if size == 0 || raw.len() < size {
            body.extend_from_slice(&raw[..raw.len().min(size)]);
            return body;
        }
        body.extend_from_slice(&raw[..size]);
        raw = &raw[(size + 2).min(raw.len())..];
    }
}

/// A chat body.
pub fn chat_body(model: &str, prompt: &str, max_tokens: Option<u32>) -> String {
    let mut v = serde_json::json!({ "model": model, "messages": [{ "role": "user", "content": prompt }] });
    if let Some(m) = max_tokens {
        v["max_completion_tokens"] = m.into();
    }
    v.to_string()
}

/// An image job body.
pub fn image_body(model: &str, prompt: &str) -> String {
    serde_json::json!({ "model": model, "prompt": prompt, "width": 256, "height": 256 }).to_string()
}

/// The token's figures from `/api/info`.
pub fn info(relay: &Proc, token: &str) -> serde_json::Value {
    let r = relay.get("/api/info", Some(token));
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()["token"].clone()
}

/// Waits until the token has nothing reserved (every request settled); returns its info.
pub fn settled(relay: &Proc, token: &str) -> serde_json::Value {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let i = info(relay, token);
        if i["reserved_nano_usd"] == 0 {
            return i;
        }
        assert!(Instant::now() < deadline, "never settled: {i}");
        std::thread::sleep(Duration::from_millis(20));
    }
}
