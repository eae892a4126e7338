//! Processes the whole-system benchmarks start and measure: `skillcert` and `verify-limit`
//! servers (optionally pinned to a core with `taskset`), readiness, memory, and `wrk`.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Where the release binaries and tools are.
#[derive(Debug, Clone)]
pub struct Tools {
    pub skillcert: PathBuf,
    pub limit: PathBuf,
    pub wrk: PathBuf,
}

impl Tools {
    /// The binaries next to this one (`target/release`), `wrk` from `PATH`.
    pub fn find() -> Tools {
        let dir = std::env::current_exe()
            .ok()
            .and_then(|e| e.parent().map(Path::to_path_buf))
            .unwrap_or_else(|| PathBuf::from("target/release"));
        Tools {
            skillcert: dir.join("skillcert"),
            limit: dir.join("verify-limit"),
            wrk: PathBuf::from(std::env::var("WRK").unwrap_or_else(|_| "wrk".into())),
        }
    }
}

/// A child process, killed on drop.
pub struct Server {
    pub child: Child,
    pub address: String,
    /// When it was spawned.
    pub spawned: Instant,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// Starts `bin` with `env` (and nothing else but `PATH`), on `cpu` if given, listening on `port`.
    pub fn start(bin: &Path, env: &[(String, String)], port: u16, cpu: Option<u32>) -> Server {
        let cmd = match cpu {
            Some(c) => {
                let mut t = Command::new("taskset");
                t.arg("-c").arg(c.to_string()).arg(bin);
                t
            }
            None => Command::new(bin),
        };
        Server::spawn(cmd, bin, env, port)
    }

    /// Starts `bin` under callgrind (valgrind), which counts the instructions it runs into
    /// `out` (`%p` is the process id) from the start; see [`callgrind_zero`] and
    /// [`callgrind_dump`].
    pub fn start_counted(bin: &Path, env: &[(String, String)], port: u16, out: &Path) -> Server {
        let mut cmd = Command::new("valgrind");
        cmd.arg("--tool=callgrind")
            .arg(format!("--callgrind-out-file={}", out.display()))
            .arg("--separate-threads=no")
            .arg(bin);
        Server::spawn(cmd, bin, env, port)
    }

    fn spawn(mut cmd: Command, bin: &Path, env: &[(String, String)], port: u16) -> Server {
        cmd.env_clear().env("PATH", std::env::var("PATH").unwrap_or_default());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let spawned = Instant::now();
        let child = cmd
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("{} does not start: {e}", bin.display()));
        Server { child, address: format!("http://127.0.0.1:{port}"), spawned }
    }

    /// Polls `path` every millisecond until it answers 2xx; the time since spawning.
    pub async fn ready(&self, client: &reqwest::Client, path: &str) -> Duration {
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if let Ok(r) = client.get(format!("{}{path}", self.address)).send().await
                && r.status().is_success()
            {
                return self.spawned.elapsed();
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        panic!("{} is not ready after 60 s", self.address)
    }

    /// (VmRSS, VmHWM) in KiB of the server itself (not of `taskset`, which execs it).
    pub fn memory(&self) -> (u64, u64) {
        memory(self.child.id())
    }
}

/// (VmRSS, VmHWM) in KiB of process `pid`.
pub fn memory(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// Whether valgrind's callgrind can run here.
pub fn callgrind_available() -> bool {
    Command::new("callgrind_control").arg("--version").output().is_ok_and(|o| o.status.success())
}

/// Sets the instruction counts of the callgrind process `pid` to zero.
pub fn callgrind_zero(pid: u32) {
    let _ = Command::new("callgrind_control").arg("-z").arg(pid.to_string()).output();
}

/// Has the callgrind process `pid` write its counts since the last zero to `{out}.1` (the
/// first dump), and returns the instructions counted there.
pub fn callgrind_dump(pid: u32, out: &Path) -> u64 {
    let _ = Command::new("callgrind_control").arg("-d").arg(pid.to_string()).output();
    let file = PathBuf::from(format!("{}.1", out.display()));
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if let Ok(text) = std::fs::read_to_string(&file)
            && let Some(n) = text.lines().find_map(|l| l.strip_prefix("summary: "))
        {
            return n.trim().parse().unwrap_or(0);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    0
}

/// A free TCP port on 127.0.0.1.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(18_099)
}

/// What one `wrk` run measured.
#[derive(Debug, Clone, Copy, Default, serde::Serialize)]
pub struct Load {
    pub requests: u64,
    pub per_second: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    /// Non-2xx answers and socket errors.
    pub errors: u64,
}

/// Runs `wrk` with `script` against `url` on `cpu` with `connections` for `seconds`.
pub fn wrk(
    tools: &Tools,
    url: &str,
    script: &Path,
    connections: u32,
    seconds: u32,
    cpu: u32,
    pairs: &Path,
) -> Load {
    let out = Command::new("taskset")
        .arg("-c")
        .arg(cpu.to_string())
        .arg(&tools.wrk)
        .args(["-t1", &format!("-c{connections}"), &format!("-d{seconds}s"), "--latency", "-s"])
        .arg(script)
        .arg(url)
        .env("PAIRS", pairs)
        .output()
        .unwrap_or_else(|e| panic!("wrk does not run ({}): {e}", tools.wrk.display()));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "wrk failed: {text} {}", String::from_utf8_lossy(&out.stderr));
    parse_wrk(&text)
}

fn duration_ms(v: &str) -> f64 {
    let (num, unit): (String, String) = v.chars().partition(|c| c.is_ascii_digit() || *c == '.');
    let n: f64 = num.parse().unwrap_or(f64::NAN);
    match unit.as_str() {
        "us" => n / 1000.0,
        "ms" => n,
        "s" => n * 1000.0,
        "m" => n * 60_000.0,
        _ => f64::NAN,
    }
}

/// Reads wrk's `--latency` report.
pub fn parse_wrk(text: &str) -> Load {
    let mut load = Load::default();
    for line in text.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["50%", v] => load.p50_ms = duration_ms(v),
            ["99%", v] => load.p99_ms = duration_ms(v),
            ["Requests/sec:", v] => load.per_second = v.parse().unwrap_or(0.0),
            [n, "requests", "in", ..] => load.requests = n.parse().unwrap_or(0),
            ["Non-2xx", "or", "3xx", "responses:", n] => load.errors += n.parse::<u64>().unwrap_or(0),
            ["Socket", "errors:", rest @ ..] => {
                load.errors +=
                    rest.iter().filter_map(|w| w.trim_end_matches(',').parse::<u64>().ok()).sum::<u64>();
            }
            _ => {}
        }
    }
    load
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_wrk_report() {
        let text = "Running 10s test @ http://127.0.0.1:1/verify\n  1 threads and 8 connections\n  Latency Distribution\n     50%  612.00us\n     75%  700.00us\n     90%    1.01ms\n     99%    2.50ms\n  120345 requests in 10.00s, 50.00MB read\n  Socket errors: connect 0, read 1, write 0, timeout 2\n  Non-2xx or 3xx responses: 3\nRequests/sec:  12034.50\nTransfer/sec:      5.00MB\n";
        let l = parse_wrk(text);
        assert_eq!((l.requests, l.errors), (120_345, 6));
        assert!((l.p50_ms - 0.612).abs() < 1e-9 && (l.p99_ms - 2.5).abs() < 1e-9);
        assert!((l.per_second - 12_034.5).abs() < 1e-9);
    }
}
