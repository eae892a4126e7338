//! Logging: `tracing` to standard error, as text lines or JSON. Never log ID numbers, phone
//! numbers, passwords, tokens or photos (see docs/LOGGING.md).
//!
//! The text lines are written by [`Line`], not by tracing-subscriber's own format: one line per
//! request is logged, and the stock format spent about 9,600 instructions on each (a tenth of a
//! public verification), most of them in `core::fmt` for the timestamp, the level and every field
//! (docs/PERFORMANCE.md). [`Line`] writes the same line, in logfmt's quoting, with few of them.

use crate::config::LogFormat;
use std::cell::RefCell;
use std::fmt::{self, Write as _};
use std::time::{SystemTime, UNIX_EPOCH};
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields, FormattedFields};
use tracing_subscriber::registry::LookupSpan;

/// Installs the global subscriber; a second call (tests) is a no-op. No colours: escape codes
/// have no place in a log file or a collector.
pub fn init(format: LogFormat, filter: &str) {
    let filter = EnvFilter::try_new(filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder =
        tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_ansi(false);
    let _ = match format {
        LogFormat::Pretty => builder.event_format(Line).try_init(),
        LogFormat::Json => builder.json().with_current_span(true).with_span_list(false).try_init(),
    };
}

/// One event as one line: `2026-12-03T04:30:00.123456Z  INFO message key=value key=value`, the
/// time in UTC to the microsecond, then the names and fields of the spans it is in, if any.
/// Values are written as they are when they hold only printable characters other than space,
/// `"`, `=` and `\`, and quoted with Rust's escapes otherwise, so that no value can start a line
/// or a field of its own.
#[derive(Debug, Clone, Copy, Default)]
pub struct Line;

impl<S, N> FormatEvent<S, N> for Line
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let mut line = String::with_capacity(256);
        timestamp(&mut line, SystemTime::now());
        line.push_str(match *event.metadata().level() {
            Level::TRACE => " TRACE ",
            Level::DEBUG => " DEBUG ",
            Level::INFO => "  INFO ",
            Level::WARN => "  WARN ",
            Level::ERROR => " ERROR ",
        });
        if let Some(scope) = ctx.event_scope() {
            for span in scope.from_root() {
                line.push_str(span.name());
                if let Some(fields) = span.extensions().get::<FormattedFields<N>>()
                    && !fields.is_empty()
                {
                    let _ = write!(line, "{{{fields}}}");
                }
                line.push_str(": ");
            }
        }
        let mut fields = Fields { line, first: true };
        event.record(&mut fields);
        let mut line = fields.line;
        line.push('\n');
        writer.write_str(&line)
    }
}

/// Writes the fields of an event after its message.
struct Fields {
    line: String,
    first: bool,
}

impl Fields {
    /// Starts a field: a space before all but the first, then `name=` except for the message.
    fn name(&mut self, field: &Field) {
        if !std::mem::take(&mut self.first) {
            self.line.push(' ');
        }
        if field.name() != "message" {
            self.line.push_str(field.name());
            self.line.push('=');
        }
    }
}

/// Whether a value can be written without quotes.
fn bare(value: &str) -> bool {
    !value.is_empty() && value.bytes().all(|b| b.is_ascii_graphic() && !matches!(b, b'"' | b'=' | b'\\'))
}

/// Whether text may be written as it is in a message: no control character (line breaks, escape
/// sequences for the terminal), and none of the Unicode line separators and direction overrides
/// that could make a line look like another. Anything else is quoted with escapes.
fn plain(text: &str) -> bool {
    !text.chars().any(tricky)
}

/// A character a message or quoted value must not carry as it is.
fn tricky(c: char) -> bool {
    c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Whether a value is already a quoted literal as `Debug` writes a string: in quotes, every quote
/// inside escaped, no control character.
fn quoted(value: &str) -> bool {
    let Some(inner) = value.strip_prefix('"').and_then(|v| v.strip_suffix('"')) else { return false };
    let mut escaped = false;
    for c in inner.chars() {
        if tricky(c) || (c == '"' && !escaped) {
            return false;
        }
        escaped = !escaped && c == '\\';
    }
    !escaped
}

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.name(field);
        if bare(value) || (field.name() == "message" && plain(value)) {
            self.line.push_str(value);
        } else {
            let _ = write!(self.line, "{value:?}");
        }
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.name(field);
        push_u64(&mut self.line, value);
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.name(field);
        if value < 0 {
            self.line.push('-');
        }
        push_u64(&mut self.line, value.unsigned_abs());
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.name(field);
        self.line.push_str(if value { "true" } else { "false" });
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.name(field);
        // `%value` and `?value` fields and the message come here; a value that needs quoting is
        // quoted, so that a line break in it cannot forge a line.
        let start = self.line.len();
        let _ = write!(self.line, "{value:?}");
        let written = &self.line[start..];
        let keep = bare(written) || quoted(written) || (field.name() == "message" && plain(written));
        if !keep {
            let quoted = format!("{written:?}");
            self.line.truncate(start);
            self.line.push_str(&quoted);
        }
    }
}

/// Appends `value` in decimal.
pub fn push_u64(out: &mut String, mut value: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (value % 10) as u8;
        value /= 10;
        if value == 0 {
            break;
        }
    }
    out.extend(digits[i..].iter().map(|&d| char::from(d)));
}

thread_local! {
    /// The last second formatted on this thread, and its text up to the seconds.
    static SECOND: RefCell<(u64, String)> = const { RefCell::new((u64::MAX, String::new())) };
}

/// Appends `2026-12-03T04:30:00.123456Z`: the date and time of the second are formatted once per
/// second and thread, the microseconds every time.
fn timestamp(out: &mut String, now: SystemTime) {
    let since = now.duration_since(UNIX_EPOCH).unwrap_or_default();
    let seconds = since.as_secs();
    SECOND.with_borrow_mut(|(cached, text)| {
        if *cached != seconds {
            let at = i64::try_from(seconds).ok().and_then(|s| chrono::DateTime::from_timestamp(s, 0));
            text.clear();
            let _ = write!(text, "{}", at.unwrap_or_default().format("%Y-%m-%dT%H:%M:%S"));
            *cached = seconds;
        }
        out.push_str(text);
    });
    let micros = since.subsec_micros();
    out.push('.');
    let mut digits = [b'0'; 6];
    let mut rest = micros;
    for d in digits.iter_mut().rev() {
        *d = b'0' + (rest % 10) as u8;
        rest /= 10;
    }
    out.extend(digits.iter().map(|&d| char::from(d)));
    out.push('Z');
}

/// A duration in milliseconds with two decimals (`12.34`), for the access line.
pub fn milliseconds(elapsed: std::time::Duration) -> String {
    let hundredths = (elapsed.as_micros() + 5) / 10;
    let mut out = String::with_capacity(12);
    push_u64(&mut out, u64::try_from(hundredths / 100).unwrap_or(u64::MAX));
    out.push('.');
    let cents = (hundredths % 100) as u8;
    out.push(char::from(b'0' + cents / 10));
    out.push(char::from(b'0' + cents % 10));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    /// Collects what the subscriber writes.
    #[derive(Clone, Default)]
    struct Sink(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Sink {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().map_or(Ok(0), |mut v| {
                v.extend_from_slice(buf);
                Ok(buf.len())
            })
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn lines(f: impl FnOnce()) -> String {
        let sink = Sink::default();
        let writer = sink.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_ansi(false)
            .event_format(Line)
            .with_writer(move || writer.clone())
            .with_max_level(Level::TRACE)
            .finish();
        tracing::subscriber::with_default(subscriber, f);
        let bytes = sink.0.lock().map(|v| v.clone()).unwrap_or_default();
        String::from_utf8(bytes).unwrap_or_default()
    }

    #[test]
    fn a_line_has_the_time_the_level_the_message_and_the_fields() {
        let out = lines(|| {
            tracing::info!(target: "access", request_id = "0193a1b2", method = "POST", route = "/api/v1/users/{id}", status = 201u64, latency_ms = "0.42", "request");
        });
        let (time, rest) = out.split_at(27);
        assert!(chrono::DateTime::parse_from_rfc3339(time).is_ok(), "{out}");
        assert!(time.ends_with('Z') && time.as_bytes()[19] == b'.', "{out}");
        assert_eq!(
            rest,
            "  INFO request request_id=0193a1b2 method=POST route=/api/v1/users/{id} status=201 latency_ms=0.42\n"
        );
    }

    #[test]
    fn values_that_could_forge_a_line_or_a_field_are_quoted() {
        let out = lines(|| {
            tracing::warn!(a = "two words", b = "x=1", c = "line\nbreak", d = "", e = %"shown", f = ?"debug", g = -3i64, h = true, "a \"quoted\" message");
        });
        let rest = &out[27..];
        assert_eq!(
            rest,
            "  WARN a \"quoted\" message a=\"two words\" b=\"x=1\" c=\"line\\nbreak\" d=\"\" e=shown f=\"debug\" g=-3 h=true\n"
        );
        let forged = lines(|| tracing::error!(error = %"boom\n2026-01-01T00:00:00Z  INFO forged", "failed"));
        assert_eq!(forged.lines().count(), 1, "{forged}");
        // A message with a control character or a Unicode line separator is quoted and escaped.
        let message = lines(|| tracing::info!("{}", "red \u{1b}[31m and\u{2028}next"));
        assert_eq!(&message[27..], "  INFO \"red \\u{1b}[31m and\\u{2028}next\"\n");
        let value = lines(|| tracing::info!(v = ?"a\u{202e}b", "m"));
        assert_eq!(&value[27..], "  INFO m v=\"a\\u{202e}b\"\n");
    }

    #[test]
    fn span_names_and_fields_precede_the_message() {
        let out = lines(|| {
            let span = tracing::info_span!("import", batch = 7u64);
            let _in = span.enter();
            tracing::debug!(rows = 3u64, "read");
        });
        assert_eq!(&out[27..], " DEBUG import{batch=7}: read rows=3\n");
    }

    #[test]
    fn milliseconds_have_two_rounded_decimals() {
        assert_eq!(milliseconds(Duration::from_micros(0)), "0.00");
        assert_eq!(milliseconds(Duration::from_micros(424)), "0.42");
        assert_eq!(milliseconds(Duration::from_micros(425)), "0.43");
        assert_eq!(milliseconds(Duration::from_micros(12_345_678)), "12345.68");
    }

    #[test]
    fn timestamps_are_utc_to_the_microsecond() {
        let mut out = String::new();
        timestamp(&mut out, UNIX_EPOCH + Duration::from_micros(1_796_270_400_000_042));
        assert_eq!(out, "2026-12-03T04:00:00.000042Z");
        out.clear();
        timestamp(&mut out, UNIX_EPOCH + Duration::from_micros(1_796_270_401_999_999));
        assert_eq!(out, "2026-12-03T04:00:01.999999Z");
    }
}
