//! Prometheus metrics (`GET /metrics`, text exposition format 0.0.4): requests by method, route
//! template and status with latency histograms, the database pool, the outbox's depth and age, and
//! certificates issued. Counters are per process; Prometheus adds up the replicas.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// Latency bucket bounds in seconds.
const BUCKETS: [f64; 12] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0];

#[derive(Debug, Default, Clone)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

/// A request's labels: method, route template and status.
type Labels = (&'static str, Arc<str>, u16);

/// The process's metrics.
#[derive(Debug, Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<Labels, Histogram>>,
    certificates_issued: AtomicU64,
    /// SQL statements sent by this process (counted by the database driver's callback).
    db_statements: Arc<AtomicU64>,
}

impl Metrics {
    /// Records one request by route template (never the raw path). The route is shared, so that
    /// a request of a route seen before allocates nothing here.
    pub fn observe(&self, method: &'static str, route: Arc<str>, status: u16, seconds: f64) {
        let Ok(mut map) = self.requests.lock() else { return };
        let key = (method, route, status);
        let h = match map.get_mut(&key) {
            Some(h) => h,
            None => map.entry(key).or_default(),
        };
        h.count += 1;
        h.sum += seconds;
        for (i, bound) in BUCKETS.iter().enumerate() {
            if seconds <= *bound {
                h.counts[i] += 1;
            }
        }
    }

    /// Counts issued certificates.
    pub fn certificates_issued(&self, n: u64) {
        self.certificates_issued.fetch_add(n, Ordering::Relaxed);
    }

    /// The counter the database connection adds every statement to.
    pub fn statement_counter(&self) -> Arc<AtomicU64> {
        self.db_statements.clone()
    }

    /// The same counter, for statements sent past the ORM straight to the driver's pool.
    pub fn statements(&self) -> &AtomicU64 {
        &self.db_statements
    }

    /// SQL statements sent so far.
    pub fn db_statements(&self) -> u64 {
        self.db_statements.load(Ordering::Relaxed)
    }

    /// The exposition text, with the gauges read at scrape time.
    pub fn render(&self, gauges: &Gauges) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# HELP skillcert_http_requests_total Requests by method, route template and status."
        );
        let _ = writeln!(out, "# TYPE skillcert_http_requests_total counter");
        let snapshot = self.requests.lock().map(|m| m.clone()).unwrap_or_default();
        for ((method, route, status), h) in &snapshot {
            let _ = writeln!(
                out,
                "skillcert_http_requests_total{{method=\"{method}\",route=\"{}\",status=\"{status}\"}} {}",
                escape(route),
                h.count
            );
        }
        let _ = writeln!(
            out,
            "# HELP skillcert_http_request_duration_seconds Request latency by method, route template and status."
        );
        let _ = writeln!(out, "# TYPE skillcert_http_request_duration_seconds histogram");
        for ((method, route, status), h) in &snapshot {
            let labels = format!("method=\"{method}\",route=\"{}\",status=\"{status}\"", escape(route));
            for (i, bound) in BUCKETS.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "skillcert_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {}",
                    h.counts[i]
                );
            }
            let _ = writeln!(
                out,
                "skillcert_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                h.count
            );
            let _ = writeln!(out, "skillcert_http_request_duration_seconds_sum{{{labels}}} {}", h.sum);
            let _ = writeln!(out, "skillcert_http_request_duration_seconds_count{{{labels}}} {}", h.count);
        }
        let gauge = |out: &mut String, name: &str, help: &str, kind: &str, value: String| {
            let _ = writeln!(out, "# HELP {name} {help}");
            let _ = writeln!(out, "# TYPE {name} {kind}");
            let _ = writeln!(out, "{name} {value}");
        };
        gauge(
            &mut out,
            "skillcert_db_pool_connections",
            "Open database connections of this process.",
            "gauge",
            gauges.pool_size.to_string(),
        );
        gauge(
            &mut out,
            "skillcert_db_pool_idle_connections",
            "Idle database connections of this process.",
            "gauge",
            gauges.pool_idle.to_string(),
        );
        gauge(
            &mut out,
            "skillcert_db_pool_max_connections",
            "The pool's maximum size.",
            "gauge",
            gauges.pool_max.to_string(),
        );
        gauge(
            &mut out,
            "skillcert_outbox_pending",
            "Events waiting for delivery to the national platform.",
            "gauge",
            gauges.outbox_pending.to_string(),
        );
        gauge(
            &mut out,
            "skillcert_outbox_dead",
            "Dead-lettered events.",
            "gauge",
            gauges.outbox_dead.to_string(),
        );
        gauge(
            &mut out,
            "skillcert_outbox_oldest_pending_age_seconds",
            "Age of the oldest pending event (0 when none).",
            "gauge",
            format!("{:.3}", gauges.outbox_oldest_age_seconds),
        );
        gauge(
            &mut out,
            "skillcert_certificates_issued_total",
            "Certificates issued by this process.",
            "counter",
            self.certificates_issued.load(Ordering::Relaxed).to_string(),
        );
        gauge(
            &mut out,
            "skillcert_db_statements_total",
            "SQL statements sent to the database by this process.",
            "counter",
            self.db_statements().to_string(),
        );
        gauge(
            &mut out,
            "skillcert_rate_limit_sync_statements_total",
            "Of those, statements that shared rate-limit counts with the other replicas (once a second at most).",
            "counter",
            gauges.rate_limit_statements.to_string(),
        );
        out
    }
}

/// Values read at scrape time.
#[derive(Debug, Default)]
pub struct Gauges {
    pub pool_size: u32,
    pub pool_idle: usize,
    pub pool_max: u32,
    pub outbox_pending: u64,
    pub outbox_dead: u64,
    pub outbox_oldest_age_seconds: f64,
    /// Statements the rate limiter sent to share its counts (included in the statements total).
    pub rate_limit_statements: u64,
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histograms_are_cumulative_and_labelled_by_route_template() {
        let m = Metrics::default();
        m.observe("GET", "/api/v1/institutions/{id}".into(), 200, 0.003);
        m.observe("GET", "/api/v1/institutions/{id}".into(), 200, 0.2);
        m.certificates_issued(3);
        let text = m.render(&Gauges { outbox_pending: 2, ..Default::default() });
        let labels = "method=\"GET\",route=\"/api/v1/institutions/{id}\",status=\"200\"";
        assert!(text.contains(&format!("skillcert_http_requests_total{{{labels}}} 2")), "{text}");
        assert!(text.contains(&format!(
            "skillcert_http_request_duration_seconds_bucket{{{labels},le=\"0.0025\"}} 0"
        )));
        assert!(
            text.contains(&format!(
                "skillcert_http_request_duration_seconds_bucket{{{labels},le=\"0.005\"}} 1"
            ))
        );
        assert!(
            text.contains(&format!(
                "skillcert_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} 2"
            ))
        );
        assert!(text.contains("skillcert_outbox_pending 2"));
        assert!(text.contains("skillcert_certificates_issued_total 3"));
    }
}
