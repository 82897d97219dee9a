//! The Cluster window taking in the answers of its network calls (connected, refreshed,
//! submitted, downloaded, deleted, poster news), on the UI thread, without waiting.

use super::browse::Browse;
use super::connection::Connection;
use super::errors::{ClusterError, describe};
use super::tasks::{self, Reply, Submitted};
use super::window::{ClusterPanel, Note};

impl ClusterPanel {
    /// Takes in every answer that arrived.
    pub fn poll(&mut self) {
        while let Some(reply) = self.net.try_recv() {
            self.take(reply);
        }
        self.poll_dialog();
    }

    fn take(&mut self, reply: Reply) {
        match reply {
            Reply::Connected { generation, outcome } if generation == self.generation => {
                self.connecting = false;
                self.take_connected(generation, outcome);
            }
            Reply::Refreshed { generation, refreshed } if generation == self.generation => {
                let Some(conn) = &mut self.connection else { return };
                conn.take_status(refreshed.status);
                match refreshed.rows {
                    Some(Ok(rows)) => self.browse.take_rows(rows),
                    Some(Err(e)) => self.feedback.browse = Note::error(&e),
                    None => {}
                }
                if let Some(Ok(rows)) = refreshed.tracked {
                    self.tracked_counts = Some(count_batch(&self.tracked, &rows));
                }
            }
            Reply::Connected { .. } | Reply::Refreshed { .. } => {}
            Reply::Submitted(submitted) => self.take_submitted(submitted),
            Reply::Downloaded(result) => self.browse.take_download(result, &mut self.feedback),
            Reply::Deleted(result) => {
                self.browse.take_delete(result, &mut self.feedback);
                self.refresh_soon();
            }
            Reply::Thumbnail { uuid, image } => self.browse.thumbs.take_download(self.net.ctx(), &uuid, image),
            Reply::Poster { id, news } => self.take_poster(&id, news),
        }
    }

    fn take_connected(&mut self, generation: u64, outcome: Result<tasks::Connected, ClusterError>) {
        match outcome {
            Ok(c) => {
                let connection = Connection::new(c.client, generation, c.status);
                let endpoint = connection.endpoint();
                self.settings.remember(&endpoint);
                self.endpoint = endpoint.clone();
                if c.token_kept {
                    self.token.clear();
                }
                self.feedback.keyring = c.keyring_note;
                self.feedback.connect = Note::info(format!("Connected to {endpoint}."));
                self.browse = Browse::default();
                self.connection = Some(connection);
            }
            Err(e) => {
                self.connection = None;
                self.feedback.connect = Note::error(&e);
            }
        }
    }

    fn take_submitted(&mut self, s: Submitted) {
        self.submitting = false;
        let n = s.created.len();
        self.feedback.submit = match &s.error {
            None => Note::info(format!("Submitted {n} fractal(s).")),
            Some(e) => Some(Note { text: format!("Submitted {n}; then: {}", describe(e)), error: true }),
        };
        self.tracked = s.created;
        self.refresh_soon();
    }
}

/// Done, failed (or deleted) and pending fractals of `uuids` among `rows`.
fn count_batch(uuids: &[String], rows: &[faafo_backend::client::Fractal]) -> (usize, usize, usize) {
    use faafo_backend::client::Status;
    let mut counts = (0, 0, 0);
    for uuid in uuids {
        match rows.iter().find(|f| &f.uuid == uuid).map(|f| f.status) {
            Some(Status::Done) => counts.0 += 1,
            Some(Status::Failed) | None => counts.1 += 1,
            Some(Status::Pending | Status::Rendering) => counts.2 += 1,
        }
    }
    counts
}
