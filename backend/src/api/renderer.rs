//! The embedded mode's renderer: fed by the in-process queue, one render at a time (each
//! render already uses every core through rayon).
//!
//! Rows left `pending` or `rendering` by a previous run are queued again at start, so a
//! restart loses nothing.

use super::AppState;
use crate::queue::memory::{InProcessQueue, InProcessReceiver};
use crate::store::Store;
use crate::wire::fractal::{FieldValue, Status, column};
use crate::wire::search;

/// Renders the tasks arriving on `rx` until every sender is gone. `queue` is the sending
/// side, used to re-queue unfinished work at start.
pub async fn run(state: AppState, queue: InProcessQueue, mut rx: InProcessReceiver) {
    requeue_unfinished(&state.store, &queue).await;
    drop(queue);
    while let Some(body) = rx.recv().await {
        let Some(uuid) = task_uuid(&body) else {
            tracing::warn!("ignoring a task without a uuid");
            continue;
        };
        if let Err(e) = render_one(&state.store, &uuid, &state.hostname).await {
            tracing::error!("render of {uuid} could not be recorded: {e}");
        }
    }
}

/// The `uuid` of a task body (the created object's JSON).
fn task_uuid(body: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(body).ok()?;
    value.get("uuid")?.as_str().map(str::to_owned)
}

async fn requeue_unfinished(store: &Store, queue: &InProcessQueue) {
    let q = r#"{"filters": [{"name": "status", "op": "in", "val": ["pending", "rendering"]}], "order_by": [{"field": "created_at"}]}"#;
    let Ok(s) = search::parse(q) else { return };
    match store.search(&s, None).await {
        Ok((_, rows)) => {
            for f in rows {
                let _ = queue.send(f.to_object().to_string());
            }
        }
        Err(e) => tracing::error!("cannot list unfinished fractals: {e}"),
    }
}

fn set(name: &str, value: FieldValue) -> Option<(&'static crate::wire::fractal::Column, FieldValue)> {
    column(name).map(|c| (c, value))
}

/// Renders one fractal and stores the PNG (or the error). A fractal already done (a
/// task delivered twice) is left alone.
pub async fn render_one(store: &Store, uuid: &str, hostname: &str) -> Result<(), crate::store::StoreError> {
    let Some(f) = store.get(uuid).await? else { return Ok(()) };
    if f.status == Status::Done {
        return Ok(());
    }
    let status = |s: Status| set("status", FieldValue::Text(s.as_str().to_owned()));
    store.update(uuid, &status(Status::Rendering).into_iter().collect::<Vec<_>>(), None).await?;
    let result = tokio::task::spawn_blocking(move || {
        let task = crate::worker::task::Task::from_row(&f)?;
        let mut png = Vec::new();
        let summary = task.write_png(&mut png).map_err(|e| e.to_string())?;
        Ok::<_, String>((png, summary))
    })
    .await
    .unwrap_or_else(|e| Err(format!("render thread failed: {e}")));
    let fields: Vec<_> = match &result {
        Ok((png, summary)) => [
            set("checksum", FieldValue::Text(summary.sha256.clone())),
            set("size", FieldValue::Integer(png.len() as i64)),
            set("duration", FieldValue::Real(summary.compute.as_secs_f64())),
            set("generated_by", FieldValue::Text(hostname.to_owned())),
            status(Status::Done),
            set("error", FieldValue::Null),
        ]
        .into_iter()
        .flatten()
        .collect(),
        Err(message) => {
            [status(Status::Failed), set("error", FieldValue::Text(message.clone()))].into_iter().flatten().collect()
        }
    };
    let image = result.as_ref().ok().map(|(png, _)| png.as_slice());
    store.update(uuid, &fields, image).await?;
    Ok(())
}
