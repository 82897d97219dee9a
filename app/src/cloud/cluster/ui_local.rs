//! The local-cluster row of the Connect section: *Start local cluster* where the cluster
//! programs are installed (and how to install them where they are not), *Stop*.

use egui::{RichText, Ui};

use super::local::{self, LocalCluster};
use super::window::ClusterPanel;

impl ClusterPanel {
    pub(super) fn local_ui(&mut self, ui: &mut Ui) {
        let running = self.local.as_mut().map(LocalCluster::running);
        ui.horizontal(|ui| match running {
            None => {
                if ui.button("Start local cluster").clicked() {
                    self.start_local();
                }
            }
            Some(alive) => {
                if ui.button("Stop local cluster").clicked() {
                    self.stop_local();
                }
                if let Some(l) = &self.local {
                    let how = match l.workers {
                        0 => "its built-in renderer on every core (no RabbitMQ on 127.0.0.1:5672)".to_owned(),
                        n => format!("{n} worker(s) on the local RabbitMQ"),
                    };
                    let state = if alive { "running" } else { "stopped unexpectedly (see its log)" };
                    ui.label(RichText::new(format!("Local cluster {state} at {}: {how}", l.endpoint)).small());
                }
            }
        });
    }

    /// Starts a local cluster and connects to it with its fresh token (never kept).
    pub fn start_local(&mut self) {
        let Some(programs) = local::find_programs() else {
            self.feedback.connect = super::window::Note::error(&local::LocalError::NotInstalled.into());
            return;
        };
        self.start_local_with(&programs, &local::data_dir());
    }

    /// [`ClusterPanel::start_local`] with the programs from `programs` and the data in
    /// `dir` (tests: the build's binaries and a scratch folder).
    pub fn start_local_with(&mut self, programs: &std::path::Path, dir: &std::path::Path) {
        self.open = true;
        match LocalCluster::start(programs, dir) {
            Ok(cluster) => {
                let (endpoint, token) = (cluster.endpoint.clone(), cluster.token.clone());
                self.local = Some(cluster);
                // The token is fresh for this run: nothing to keep in the keyring.
                let remember = std::mem::replace(&mut self.settings.remember_token, false);
                self.connect_to(&endpoint, Some(&token));
                self.settings.remember_token = remember;
                self.token.clear();
            }
            Err(e) => self.feedback.connect = super::window::Note::error(&e.into()),
        }
    }

    /// Stops the local cluster (its data stays for next time).
    pub fn stop_local(&mut self) {
        if self.local.take().is_some() {
            self.disconnect();
            self.feedback.connect = super::window::Note::info("Local cluster stopped; its fractals are kept.");
        }
    }

    /// The local cluster this window started, if one runs.
    pub fn local_cluster(&self) -> Option<&super::local::LocalCluster> {
        self.local.as_ref()
    }

    /// The local cluster's processes, API first (empty when none runs).
    pub fn local_pids(&self) -> Vec<u32> {
        self.local.as_ref().map(LocalCluster::pids).unwrap_or_default()
    }
}
