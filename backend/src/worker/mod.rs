//! `faafo-worker`: takes tasks from RabbitMQ, renders them with the engine, reports the
//! results to the API, and never loses or hoards a task.
//!
//! - [`config`]: options under the original's names.
//! - [`task`]: parsing and validating a message before any work.
//! - [`report`]: the API client (binary upload or the original's base64 JSON).
//!
//! The rules, each against a failure the original had:
//! - A task is acked only after the API answered 2xx to its result (or recorded it as
//!   failed). While the API is down, uploads retry with backoff and jitter; the task
//!   stays unacked, so a worker that dies hands it back to the queue.
//! - Prefetch is bounded by `--concurrency` (the original had none, so one worker could
//!   hoard the backlog).
//! - A message that is not a task goes to `normal.dead`; a task whose parameters cannot
//!   be rendered is reported `failed` and acked; a task redelivered more than
//!   `--max-attempts` times (it keeps killing workers) goes to `normal.dead`. Nothing
//!   crash-loops and nothing is dropped silently.
//! - Broker and API restarts are survived by reconnecting; SIGTERM/SIGINT stops taking
//!   tasks, finishes the ones in hand (or hands them back) and exits 0.

pub mod backoff;
pub mod config;
pub mod deep;
pub mod report;
pub mod task;

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use faafo_engine::Limits;
use futures_util::StreamExt as _;
use lapin::message::Delivery;
use lapin::options::{
    BasicAckOptions, BasicCancelOptions, BasicConsumeOptions, BasicNackOptions, BasicQosOptions, ConfirmSelectOptions,
};
use lapin::types::{AMQPValue, FieldTable, ShortString};
use lapin::{BasicProperties, Channel};
use tokio::sync::watch;
use tokio::task::JoinSet;

use backoff::Backoff;
pub use config::Config;
use report::{RenderResult, ReportError, Reporter};

use crate::queue::amqp::{self, task_properties};
use crate::queue::{DEAD_QUEUE, EXCHANGE, QUEUE, QueueError, redact};

/// Header counting the deliveries of a task that ended without a result.
const ATTEMPTS_HEADER: &str = "x-faafo-attempts";
/// Header saying why a message was dead-lettered.
const REASON_HEADER: &str = "x-faafo-dead-reason";

/// Why the worker stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    /// The options are wrong.
    #[error("{0}")]
    Config(String),
    /// The API refuses our token: every task would fail the same way.
    #[error("{0}")]
    Unauthorized(String),
}

/// What the worker did, returned when it stops.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    /// Tasks rendered and accepted by the API.
    pub done: u64,
    /// Tasks reported as failed (cannot be rendered).
    pub failed: u64,
    /// Messages moved to the dead-letter queue.
    pub dead: u64,
}

#[derive(Debug, Default)]
struct Counters {
    done: AtomicU64,
    failed: AtomicU64,
    dead: AtomicU64,
}

impl Counters {
    fn summary(&self) -> Summary {
        Summary {
            done: self.done.load(Ordering::Relaxed),
            failed: self.failed.load(Ordering::Relaxed),
            dead: self.dead.load(Ordering::Relaxed),
        }
    }
}

/// Everything a task handler needs.
#[derive(Debug, Clone)]
struct Context {
    reporter: Reporter,
    limits: Limits,
    max_attempts: u32,
    max_retry: Duration,
    stop: watch::Receiver<bool>,
    counters: Arc<Counters>,
}

/// How one delivery ended.
enum Outcome {
    /// Acked.
    Finished,
    /// Handed back to the queue (shutdown during an upload retry).
    Returned,
}

/// Runs the worker until `shutdown` resolves or the task limit is reached.
pub async fn run(config: Config, shutdown: impl Future<Output = ()> + Send + 'static) -> Result<Summary, WorkerError> {
    amqp::normalize_url(&config.transport_url).map_err(|e| WorkerError::Config(e.to_string()))?;
    let token = config.token().map_err(WorkerError::Config)?;
    let name = config.name.clone().unwrap_or_else(crate::host::hostname);
    let reporter = Reporter::new(&config.endpoint_url, token, name.clone()).map_err(WorkerError::Config)?;
    let (stop_tx, stop) = watch::channel(false);
    let mut ctx = Context {
        reporter,
        limits: Limits::default(),
        max_attempts: config.max_attempts,
        max_retry: config.max_retry(),
        stop,
        counters: Arc::new(Counters::default()),
    };
    let mut stop_rx = ctx.stop.clone();
    tokio::spawn(async move {
        shutdown.await;
        let _ = stop_tx.send(true);
        // Keep the sender alive so receivers see `true` rather than a closed channel.
        std::future::pending::<()>().await;
    });

    wait_for_api(&mut ctx, &config).await;
    let mut remaining = config.task_limit();
    let mut backoff = Backoff::new(Duration::from_millis(200), Duration::from_secs(10));
    while !*stop_rx.borrow() && remaining != Some(0) {
        match session(&config, &name, &ctx, &mut remaining).await {
            Ok(()) => backoff.reset(),
            Err(SessionError::Fatal(e)) => return Err(e),
            Err(SessionError::Broker(e)) => {
                tracing::warn!(
                    "broker {}: {e}; reconnecting in {:.1} s",
                    redact(&config.transport_url),
                    backoff.current().as_secs_f64()
                );
                backoff.wait(&mut stop_rx).await;
            }
        }
    }
    let summary = ctx.counters.summary();
    tracing::info!("stopping: {} done, {} failed, {} dead-lettered", summary.done, summary.failed, summary.dead);
    Ok(summary)
}

/// Learns which upload protocol the API speaks, retrying while it is unreachable (tasks
/// stay in the queue meanwhile).
async fn wait_for_api(ctx: &mut Context, config: &Config) {
    let mut backoff = Backoff::new(Duration::from_millis(200), Duration::from_secs(10));
    let mut stop = ctx.stop.clone();
    loop {
        match ctx.reporter.probe().await {
            Ok(()) => {
                let protocol = if ctx.reporter.binary() { "binary upload" } else { "original base64 JSON" };
                tracing::info!("API {} reachable; results go by {protocol}", config.endpoint_url);
                return;
            }
            Err(e) => {
                tracing::warn!("{e} ({}); retrying", config.endpoint_url);
                if backoff.wait(&mut stop).await {
                    return;
                }
            }
        }
    }
}

enum SessionError {
    Broker(String),
    Fatal(WorkerError),
}

impl From<QueueError> for SessionError {
    fn from(e: QueueError) -> Self {
        Self::Broker(e.to_string())
    }
}

impl From<lapin::Error> for SessionError {
    fn from(e: lapin::Error) -> Self {
        Self::Broker(e.to_string())
    }
}

/// One broker connection: consume until stopped, the limit is reached or the connection
/// is lost. Tasks in hand are finished before returning.
async fn session(config: &Config, name: &str, ctx: &Context, remaining: &mut Option<u64>) -> Result<(), SessionError> {
    let (connection, channel) = amqp::connect(&config.transport_url, &format!("faafo-worker {name}")).await?;
    amqp::declare_topology(&channel).await?;
    let prefetch = remaining.map_or(config.concurrency, |r| r.min(u64::from(config.concurrency)) as u16);
    channel.basic_qos(prefetch, BasicQosOptions::default()).await?;
    // Confirms for the re-publishes (attempt counting, dead letters).
    channel.confirm_select(ConfirmSelectOptions::default()).await?;
    let tag = format!("faafo-worker-{name}-{}", std::process::id());
    let mut consumer = channel
        .basic_consume(QUEUE.into(), tag.as_str().into(), BasicConsumeOptions::default(), FieldTable::default())
        .await?;
    tracing::info!("{name} consuming queue '{QUEUE}' (prefetch {prefetch})");

    let mut stop = ctx.stop.clone();
    let mut in_hand: JoinSet<Result<Outcome, WorkerError>> = JoinSet::new();
    let mut result = Ok(());
    loop {
        if *remaining == Some(0) || *stop.borrow() {
            break;
        }
        tokio::select! {
            _ = stop.wait_for(|s| *s) => break,
            Some(joined) = in_hand.join_next(), if !in_hand.is_empty() => {
                if let Err(e) = settle(joined) {
                    result = Err(SessionError::Fatal(e));
                    break;
                }
            }
            // Bounded by the prefetch: the broker sends no more than that unacked.
            next = consumer.next(), if in_hand.len() < usize::from(prefetch) => match next {
                Some(Ok(delivery)) => {
                    if let Some(r) = remaining.as_mut() {
                        *r -= 1;
                    }
                    in_hand.spawn(handle(delivery, channel.clone(), ctx.clone()));
                }
                Some(Err(e)) => {
                    result = Err(SessionError::Broker(e.to_string()));
                    break;
                }
                None => {
                    result = Err(SessionError::Broker("the broker cancelled the consumer".into()));
                    break;
                }
            },
        }
    }
    // Take no more; messages prefetched but not started go back when the channel closes.
    let _ = channel.basic_cancel(tag.as_str().into(), BasicCancelOptions::default()).await;
    while let Some(joined) = in_hand.join_next().await {
        if let Err(e) = settle(joined) {
            result = Err(SessionError::Fatal(e));
        }
    }
    let _ = channel.close(200, "worker stopping".into()).await;
    let _ = connection.close(200, "worker stopping".into()).await;
    result
}

fn settle(joined: Result<Result<Outcome, WorkerError>, tokio::task::JoinError>) -> Result<(), WorkerError> {
    match joined {
        Ok(Ok(Outcome::Finished | Outcome::Returned)) => Ok(()),
        Ok(Err(e)) => Err(e),
        // A panic in a handler is a bug; its delivery stays unacked and is redelivered.
        Err(e) => {
            tracing::error!("a task handler failed: {e}");
            Ok(())
        }
    }
}

fn header_u32(properties: &BasicProperties, name: &str) -> u32 {
    let value = properties.headers().as_ref().and_then(|h| h.inner().get(name).cloned());
    match value {
        Some(AMQPValue::LongUInt(n)) => n,
        Some(AMQPValue::LongInt(n)) => n.max(0) as u32,
        Some(AMQPValue::LongLongInt(n)) => n.clamp(0, i64::from(u32::MAX)) as u32,
        Some(AMQPValue::ShortUInt(n)) => u32::from(n),
        _ => 0,
    }
}

fn with_header(properties: &BasicProperties, name: &str, value: AMQPValue) -> BasicProperties {
    let mut headers = properties.headers().clone().unwrap_or_default();
    headers.insert(ShortString::from(name), value);
    let base = if properties.delivery_mode().is_some() { properties.clone() } else { task_properties() };
    base.with_headers(headers)
}

/// Handles one delivery to the end: acked, or handed back. Its events are in a `task`
/// span that carries the uuid once the message is parsed.
#[tracing::instrument(name = "task", skip_all, fields(uuid = tracing::field::Empty))]
async fn handle(delivery: Delivery, channel: Channel, ctx: Context) -> Result<Outcome, WorkerError> {
    let started = Instant::now();
    // Deliveries of this task that ended without a result, including this one's
    // predecessor when the broker marks it redelivered.
    let failures = header_u32(&delivery.properties, ATTEMPTS_HEADER) + u32::from(delivery.redelivered);
    if failures >= ctx.max_attempts {
        let reason = format!("delivered {failures} times without a result");
        dead_letter(&delivery, &channel, &ctx, &reason).await;
        return Ok(Outcome::Finished);
    }
    if delivery.redelivered {
        // Count this redelivery durably before working on it: put the task back with
        // the count, then ack this copy.
        let properties = with_header(&delivery.properties, ATTEMPTS_HEADER, AMQPValue::LongUInt(failures));
        match amqp::publish_confirmed(&channel, EXCHANGE, QUEUE, &delivery.data, properties).await {
            Ok(()) => {
                tracing::warn!(
                    "a task was redelivered ({failures} of {} deliveries without a result); re-queued with its count",
                    ctx.max_attempts
                );
                ack(&delivery).await;
            }
            Err(e) => tracing::error!("cannot re-queue a redelivered task: {e}"),
        }
        return Ok(Outcome::Finished);
    }

    let task = match task::parse(&delivery.data, &ctx.limits) {
        Ok(t) => t,
        Err(task::TaskError::Unparseable(reason)) => {
            dead_letter(&delivery, &channel, &ctx, &reason).await;
            return Ok(Outcome::Finished);
        }
        Err(task::TaskError::Invalid { uuid, reason }) => {
            return fail(&delivery, &channel, &ctx, &uuid, &reason).await;
        }
    };

    let uuid = task.uuid.clone();
    tracing::Span::current().record("uuid", uuid.as_str());
    let (width, height) = task.window.map_or((task.params.width, task.params.height), |w| (w.width, w.height));
    let rendered = tokio::task::spawn_blocking(move || {
        let mut png = Vec::new();
        let summary = task.write_png(&mut png).map_err(|e| e.to_string())?;
        // The render's compute time, as the embedded renderer records it (the PNG
        // encoding is part of the worker's overhead, logged apart).
        Ok::<_, String>(RenderResult { png, checksum: summary.sha256, duration: summary.compute })
    })
    .await
    .unwrap_or_else(|e| Err(format!("render thread failed: {e}")));
    let result = match rendered {
        Ok(r) => r,
        Err(reason) => return fail(&delivery, &channel, &ctx, &uuid, &reason).await,
    };
    let upload_start = Instant::now();
    match retry(&ctx, &uuid, || ctx.reporter.upload(&uuid, &result)).await? {
        Reported::Accepted => {
            ack(&delivery).await;
            ctx.counters.done.fetch_add(1, Ordering::Relaxed);
            tracing::info!(
                "{uuid} done: {width}x{height}, {} bytes, render {:.1} ms, upload {:.1} ms, total {:.1} ms",
                result.png.len(),
                result.duration.as_secs_f64() * 1e3,
                upload_start.elapsed().as_secs_f64() * 1e3,
                started.elapsed().as_secs_f64() * 1e3
            );
            Ok(Outcome::Finished)
        }
        Reported::Refused(ReportError::Rejected { status, body }) => {
            // Deleted meanwhile (404) or refused for good: nothing to retry.
            tracing::warn!("{uuid}: the API refused the result ({status} {body}); dropping it");
            ack(&delivery).await;
            Ok(Outcome::Finished)
        }
        Reported::Refused(e) => Err(WorkerError::Unauthorized(e.to_string())),
        Reported::Stopped => give_back(&delivery, &uuid).await,
    }
}

async fn ack(delivery: &Delivery) {
    if let Err(e) = delivery.acker.ack(BasicAckOptions::default()).await {
        // The channel is gone; the broker will redeliver, and a repeated result is
        // harmless.
        tracing::warn!("ack failed: {e}");
    }
}

/// Reports a task that cannot be rendered as failed, then acks it. When the API cannot
/// record it (the original API has no status; or the fractal is unknown) the task goes
/// to the dead-letter queue instead, so it is kept, not dropped.
async fn fail(
    delivery: &Delivery,
    channel: &Channel,
    ctx: &Context,
    uuid: &str,
    reason: &str,
) -> Result<Outcome, WorkerError> {
    tracing::warn!("{uuid} failed: {reason}");
    if !ctx.reporter.binary() {
        dead_letter(delivery, channel, ctx, &format!("cannot be rendered: {reason}")).await;
        return Ok(Outcome::Finished);
    }
    match retry(ctx, uuid, || ctx.reporter.report_failure(uuid, reason)).await? {
        Reported::Accepted => {
            ack(delivery).await;
            ctx.counters.failed.fetch_add(1, Ordering::Relaxed);
            Ok(Outcome::Finished)
        }
        Reported::Refused(e) => {
            dead_letter(delivery, channel, ctx, &format!("cannot be rendered ({reason}); reporting it failed: {e}"))
                .await;
            Ok(Outcome::Finished)
        }
        Reported::Stopped => give_back(delivery, uuid).await,
    }
}

/// Hands a task back to the queue (shutdown while the API was unreachable).
async fn give_back(delivery: &Delivery, uuid: &str) -> Result<Outcome, WorkerError> {
    tracing::warn!("{uuid}: stopping before the API took the result; handing the task back");
    let _ = delivery.acker.nack(BasicNackOptions { requeue: true, ..Default::default() }).await;
    Ok(Outcome::Returned)
}

/// How reporting a result to the API ended.
enum Reported {
    /// The API took it (2xx).
    Accepted,
    /// The API answered, and refused it for good.
    Refused(ReportError),
    /// The worker is stopping and the API was unreachable to the end.
    Stopped,
}

impl Reported {
    fn from_answer(answer: Result<(), ReportError>) -> Self {
        match answer {
            Ok(()) => Self::Accepted,
            Err(e) => Self::Refused(e),
        }
    }
}

/// Calls `attempt` until it succeeds, fails for good, or the worker stops while the API
/// is unreachable. `Err`: the API refused our credentials (every task would fail).
async fn retry<F: Future<Output = Result<(), ReportError>>>(
    ctx: &Context,
    uuid: &str,
    mut attempt: impl FnMut() -> F,
) -> Result<Reported, WorkerError> {
    let mut backoff = Backoff::new(Duration::from_millis(100), ctx.max_retry);
    let mut stop = ctx.stop.clone();
    let mut logged = false;
    loop {
        match attempt().await {
            Err(ReportError::Transient(e)) => {
                if *stop.borrow() {
                    return Ok(Reported::Stopped);
                }
                if !logged {
                    tracing::warn!("{uuid}: {e}; retrying until the API answers");
                    logged = true;
                }
                if backoff.wait(&mut stop).await {
                    // Stopping: one last try below, then hand the task back.
                    return Ok(match attempt().await {
                        Err(ReportError::Transient(_)) => Reported::Stopped,
                        Err(ReportError::Unauthorized(s)) => return Err(unauthorized(s)),
                        other => Reported::from_answer(other),
                    });
                }
            }
            Err(ReportError::Unauthorized(s)) => return Err(unauthorized(s)),
            other => {
                if logged {
                    tracing::info!("{uuid}: the API answers again");
                }
                return Ok(Reported::from_answer(other));
            }
        }
    }
}

fn unauthorized(status: reqwest::StatusCode) -> WorkerError {
    WorkerError::Unauthorized(ReportError::Unauthorized(status).to_string())
}

/// Moves a message to `normal.dead` with the reason, then acks it.
async fn dead_letter(delivery: &Delivery, channel: &Channel, ctx: &Context, reason: &str) {
    tracing::warn!("moving a message to '{DEAD_QUEUE}': {reason}");
    let properties = with_header(&delivery.properties, REASON_HEADER, AMQPValue::LongString(reason.into()));
    // The default exchange routes by queue name.
    match amqp::publish_confirmed(channel, "", DEAD_QUEUE, &delivery.data, properties).await {
        Ok(()) => {
            ack(delivery).await;
            ctx.counters.dead.fetch_add(1, Ordering::Relaxed);
        }
        // Leave it unacked: it comes back, and is dead-lettered on a later try.
        Err(e) => tracing::error!("cannot dead-letter a message: {e}"),
    }
}
