//! RabbitMQ through lapin, with the original's topology.
//!
//! Unlike the original API (which declared only the exchange, so tasks published before
//! any worker had started were dropped), both the API and the workers declare the whole
//! topology, idempotently, on every connect. Messages are persistent and every publish
//! waits for the broker's confirm; `mandatory` turns an unroutable message into an error
//! instead of a silent drop.

use lapin::options::{
    BasicPublishOptions, ConfirmSelectOptions, ExchangeDeclareOptions, QueueBindOptions, QueueDeclareOptions,
};

use lapin::types::FieldTable;
use lapin::{BasicProperties, Channel, Confirmation, Connection, ConnectionProperties, ExchangeKind};
use tokio::sync::Mutex;

use super::{BoxFuture, DEAD_QUEUE, EXCHANGE, QUEUE, QueueError, TaskQueue, redact};

/// AMQP delivery mode 2: the broker writes the message to disk.
const PERSISTENT: u8 = 2;

/// Accepts `amqp://` and `amqps://` URLs (also the original's `rabbit://`), and maps
/// kombu's spelling of the default virtual host (`…:5672/` or `…:5672//`) to the AMQP
/// URI spelling (`/%2f`), so the original's `transport_url` values work unchanged.
pub fn normalize_url(url: &str) -> Result<String, QueueError> {
    let (scheme, rest) = url.split_once("://").ok_or_else(|| bad_url(url))?;
    let scheme = match scheme {
        "amqp" | "rabbit" => "amqp",
        "amqps" => "amqps",
        _ => return Err(bad_url(url)),
    };
    let (authority, path_and_query) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    if authority.is_empty() || authority.ends_with('@') {
        return Err(bad_url(url));
    }
    let (path, query) = match path_and_query.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (path_and_query, None),
    };
    let vhost = match path {
        "" | "/" | "//" => "/%2f",
        p => p,
    };
    Ok(format!("{scheme}://{authority}{vhost}{}", query.map(|q| format!("?{q}")).unwrap_or_default()))
}

fn bad_url(url: &str) -> QueueError {
    QueueError::Url(format!(
        "transport URL '{}' is not supported: use amqp://USER:PASSWORD@HOST:5672/ (or amqps://)",
        redact(url)
    ))
}

/// Declares exchange `tasks` (direct, durable), queue `normal` (durable) bound with key
/// `normal`, and the dead-letter queue. Returns the number of tasks waiting in `normal`.
pub async fn declare_topology(channel: &Channel) -> Result<u64, QueueError> {
    let durable = ExchangeDeclareOptions { durable: true, ..Default::default() };
    channel.exchange_declare(EXCHANGE.into(), ExchangeKind::Direct, durable, FieldTable::default()).await?;
    let queue_options = QueueDeclareOptions { durable: true, ..Default::default() };
    let queue = channel.queue_declare(QUEUE.into(), queue_options, FieldTable::default()).await?;
    channel
        .queue_bind(QUEUE.into(), EXCHANGE.into(), QUEUE.into(), QueueBindOptions::default(), FieldTable::default())
        .await?;
    channel.queue_declare(DEAD_QUEUE.into(), queue_options, FieldTable::default()).await?;
    Ok(u64::from(queue.message_count()))
}

/// Connects to the broker at `url` (see [`normalize_url`]) and opens one channel.
pub async fn connect(url: &str, name: &str) -> Result<(Connection, Channel), QueueError> {
    let url = normalize_url(url)?;
    let properties = ConnectionProperties::default().with_connection_name(name.into());
    let connection = Connection::connect(&url, properties)
        .await
        .map_err(|e| QueueError::Broker(format!("cannot connect to {}: {e}", redact(&url))))?;
    let channel = connection.create_channel().await?;
    Ok((connection, channel))
}

/// Properties of a task message: JSON as kombu sent it, persistent.
pub fn task_properties() -> BasicProperties {
    BasicProperties::default()
        .with_content_type("application/json".into())
        .with_content_encoding("utf-8".into())
        .with_delivery_mode(PERSISTENT)
}

/// Publishes `body` to `exchange`/`routing_key` and waits for the broker's confirm
/// (the channel must be in confirm mode).
pub async fn publish_confirmed(
    channel: &Channel,
    exchange: &str,
    routing_key: &str,
    body: &[u8],
    properties: BasicProperties,
) -> Result<(), QueueError> {
    let options = BasicPublishOptions { mandatory: true, ..Default::default() };
    let confirm = channel.basic_publish(exchange.into(), routing_key.into(), options, body, properties).await?;
    check(confirm.await?)
}

fn check(confirmation: Confirmation) -> Result<(), QueueError> {
    match confirmation {
        Confirmation::Ack(None) => Ok(()),
        Confirmation::Ack(Some(_)) => Err(QueueError::Broker("a task was unroutable (no queue bound)".into())),
        Confirmation::Nack(_) => Err(QueueError::Nacked),
        Confirmation::NotRequested => Err(QueueError::Broker("publisher confirms are not enabled".into())),
    }
}

/// Messages in `queue`, by a passive declare (which also fails if it does not exist).
async fn count(channel: &Channel, queue: &str) -> Result<u64, QueueError> {
    let passive = QueueDeclareOptions { passive: true, ..Default::default() };
    let queue = channel.queue_declare(queue.into(), passive, FieldTable::default()).await?;
    Ok(u64::from(queue.message_count()))
}

/// One open connection with a confirm-mode channel and the topology declared.
#[derive(Debug)]
struct Link {
    connection: Connection,
    channel: Channel,
}

impl Link {
    async fn open(url: &str) -> Result<Self, QueueError> {
        let (connection, channel) = connect(url, "faafo-api").await?;
        declare_topology(&channel).await?;
        channel.confirm_select(ConfirmSelectOptions::default()).await?;
        Ok(Self { connection, channel })
    }

    fn usable(&self) -> bool {
        self.connection.status().connected() && self.channel.status().connected()
    }
}

/// The API's publisher. Connects lazily and again after any failure, so a broker that
/// restarts costs only a delay (the outbox keeps the tasks meanwhile).
#[derive(Debug)]
pub struct AmqpQueue {
    url: String,
    link: Mutex<Option<Link>>,
}

impl AmqpQueue {
    /// A publisher for `url`; fails only when the URL itself is wrong.
    pub fn new(url: &str) -> Result<Self, QueueError> {
        normalize_url(url)?;
        Ok(Self { url: url.to_owned(), link: Mutex::new(None) })
    }

    /// Connects now (and declares the topology), to report a wrong URL or an
    /// unreachable broker at start.
    pub async fn connect(&self) -> Result<(), QueueError> {
        let mut link = self.link.lock().await;
        if !link.as_ref().is_some_and(Link::usable) {
            *link = Some(Link::open(&self.url).await?);
        }
        Ok(())
    }

    async fn with_link<T>(&self, f: impl AsyncFnOnce(&Link) -> Result<T, QueueError>) -> Result<T, QueueError> {
        let mut guard = self.link.lock().await;
        if !guard.as_ref().is_some_and(Link::usable) {
            *guard = None;
            *guard = Some(Link::open(&self.url).await?);
        }
        let Some(link) = guard.as_ref() else { return Err(QueueError::Broker("not connected".into())) };
        let result = f(link).await;
        if result.is_err() {
            // Start afresh next time: the channel may be closed or in an unknown state.
            *guard = None;
        }
        result
    }
}

impl TaskQueue for AmqpQueue {
    fn publish<'a>(&'a self, bodies: &'a [String]) -> BoxFuture<'a, Result<(), QueueError>> {
        Box::pin(self.with_link(async move |link: &Link| {
            // Publish the whole batch, then wait for every confirm: one round trip per
            // batch instead of one per task.
            let options = BasicPublishOptions { mandatory: true, ..Default::default() };
            let mut confirms = Vec::with_capacity(bodies.len());
            for body in bodies {
                let confirm = link
                    .channel
                    .basic_publish(EXCHANGE.into(), QUEUE.into(), options, body.as_bytes(), task_properties())
                    .await?;
                confirms.push(confirm);
            }
            for confirm in confirms {
                check(confirm.await?)?;
            }
            Ok(())
        }))
    }

    fn depth(&self) -> BoxFuture<'_, Result<u64, QueueError>> {
        Box::pin(self.with_link(async |link: &Link| count(&link.channel, QUEUE).await))
    }

    fn dead_letters(&self) -> BoxFuture<'_, Result<u64, QueueError>> {
        Box::pin(self.with_link(async |link: &Link| count(&link.channel, DEAD_QUEUE).await))
    }

    fn kind(&self) -> &'static str {
        "amqp"
    }

    fn consumers(&self) -> BoxFuture<'_, Result<Option<u64>, QueueError>> {
        Box::pin(self.with_link(async |link: &Link| {
            let passive = QueueDeclareOptions { passive: true, ..Default::default() };
            let queue = link.channel.queue_declare(QUEUE.into(), passive, FieldTable::default()).await?;
            Ok(Some(u64::from(queue.consumer_count())))
        }))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn original_spellings_are_accepted() {
        assert_eq!(
            normalize_url("amqp://guest:guest@localhost:5672//").unwrap(),
            "amqp://guest:guest@localhost:5672/%2f"
        );
        assert_eq!(
            normalize_url("amqp://guest:guest@localhost:5672/").unwrap(),
            "amqp://guest:guest@localhost:5672/%2f"
        );
        assert_eq!(normalize_url("rabbit://u:p@h:5672/vh?heartbeat=10").unwrap(), "amqp://u:p@h:5672/vh?heartbeat=10");
        assert_eq!(normalize_url("amqp://h").unwrap(), "amqp://h/%2f");
    }

    #[test]
    fn wrong_urls_name_the_allowed_form_and_hide_the_password() {
        let e = normalize_url("http://u:secret@h/").unwrap_err().to_string();
        assert!(e.contains("amqp://USER:PASSWORD@HOST"), "{e}");
        assert!(!e.contains("secret"), "{e}");
        assert!(normalize_url("amqp://").is_err());
        assert!(normalize_url("localhost:5672").is_err());
    }
}
