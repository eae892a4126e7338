//! ZIP downloads written as they are read (issue 22, point 9). The archive and the batch's PDFs
//! used to be built whole in memory before the first byte left: 10,000 certificates took their
//! whole ZIP at once, per download. Here the ZIP is written on a blocking thread in streaming mode
//! (the zip crate's `new_stream`: no seeking back, sizes in data descriptors) into a bounded
//! channel of [`QUEUE`] chunks of [`CHUNK`] bytes that the response body drains: a slow client
//! slows the writer down instead of letting the ZIP pile up in memory.

use actix_web::HttpResponse;
use actix_web::web::Bytes;
use std::io::Write;
use zip::write::StreamWriter;

/// The size of the chunks handed to the response.
pub const CHUNK: usize = 256 * 1024;
/// Chunks that may wait for the client.
pub const QUEUE: usize = 8;

/// A writer that hands its bytes to the response in chunks, waiting while the queue is full.
pub struct ChannelWriter {
    tx: tokio::sync::mpsc::Sender<Bytes>,
    buf: Vec<u8>,
}

impl Write for ChannelWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= CHUNK {
            self.flush()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK)));
        self.tx
            .blocking_send(chunk)
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::BrokenPipe, "the client went away"))
    }
}

/// The ZIP being written.
pub type Zip = zip::ZipWriter<StreamWriter<ChannelWriter>>;

/// A `200 application/zip` response named `file_name` whose body `write` produces on a blocking
/// thread. Whatever `write` needs must be loaded (and every check made) before: once the first
/// byte is sent, an error can only cut the download short (the client sees a damaged ZIP, and
/// the cause is logged).
pub fn respond(
    file_name: &str,
    write: impl FnOnce(&mut Zip) -> Result<(), String> + Send + 'static,
) -> HttpResponse {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Bytes>(QUEUE);
    let request_id = crate::context::with_request_id(str::to_owned);
    tokio::task::spawn_blocking(move || {
        let mut z = zip::ZipWriter::new_stream(ChannelWriter { tx, buf: Vec::with_capacity(CHUNK) });
        let written = write(&mut z)
            .and_then(|()| z.finish().map_err(|e| e.to_string()))
            .and_then(|mut w| w.get_mut().flush().map_err(|e| e.to_string()));
        if let Err(error) = written {
            tracing::warn!(request_id = %request_id, %error, "a ZIP download was cut short");
        }
    });
    let body =
        futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx).map(|c| c.map(Ok::<_, std::io::Error>)));
    HttpResponse::Ok()
        .content_type("application/zip")
        .insert_header(("Content-Disposition", format!("attachment; filename=\"{file_name}\"")))
        .insert_header(("Cache-Control", "private, no-store"))
        .streaming(body)
}

/// Entry options: stored (PDFs, PNGs and JPEGs are compressed already) or deflated (text).
pub fn options(deflate: bool) -> zip::write::SimpleFileOptions {
    let method = if deflate { zip::CompressionMethod::Deflated } else { zip::CompressionMethod::Stored };
    zip::write::SimpleFileOptions::default().compression_method(method).large_file(false)
}
