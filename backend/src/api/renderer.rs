//! The embedded mode's renderer: an in-process queue of uuids and one render at a time
//! (each render already uses every core through rayon).
//!
//! Rows left `pending` or `rendering` by a previous run are queued again at start, so a
//! restart loses nothing.

use faafo_engine::{BitDepth, Control, RenderOptions, write_png};
use tokio::sync::mpsc;

use super::AppState;
use crate::store::Store;
use crate::wire::fractal::{FieldValue, Status, column};
use crate::wire::search;

/// Renders fractals announced on `rx` until the channel closes.
pub async fn run(state: AppState, mut rx: mpsc::UnboundedReceiver<String>) {
    requeue_unfinished(&state).await;
    while let Some(uuid) = rx.recv().await {
        if let Err(e) = render_one(&state.store, &uuid, &state.hostname).await {
            eprintln!("faafo-api: render of {uuid} could not be recorded: {e}");
        }
    }
}

async fn requeue_unfinished(state: &AppState) {
    let q = r#"{"filters": [{"name": "status", "op": "in", "val": ["pending", "rendering"]}], "order_by": [{"field": "created_at"}]}"#;
    let Ok(s) = search::parse(q) else { return };
    match state.store.search(&s, None).await {
        Ok((_, rows)) => {
            for f in rows {
                let _ = state.queue.send(f.uuid);
            }
        }
        Err(e) => eprintln!("faafo-api: cannot list unfinished fractals: {e}"),
    }
}

fn set(name: &str, value: FieldValue) -> Option<(&'static crate::wire::fractal::Column, FieldValue)> {
    column(name).map(|c| (c, value))
}

/// Renders one fractal and stores the PNG (or the error).
pub async fn render_one(store: &Store, uuid: &str, hostname: &str) -> Result<(), crate::store::StoreError> {
    let Some(f) = store.get(uuid).await? else { return Ok(()) };
    if f.status == Status::Done {
        return Ok(());
    }
    let status = |s: Status| set("status", FieldValue::Text(s.as_str().to_owned()));
    store.update(uuid, &status(Status::Rendering).into_iter().collect::<Vec<_>>(), None).await?;
    let result = tokio::task::spawn_blocking(move || {
        let params = f.params().map_err(|e| e.body["message"].as_str().unwrap_or("bad parameters").to_owned())?;
        let mut png = Vec::new();
        let summary = write_png(&params, &RenderOptions::default(), &Control::new(), BitDepth::Eight, &mut png)
            .map_err(|e| e.to_string())?;
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
