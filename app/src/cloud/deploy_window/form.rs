//! The credentials and deployment fields: where the credentials come from (clouds.yaml
//! or the form), the secret and the OS keyring, the name, workers and binaries. Apart
//! from the actions and the report so the fields' layout can be read on its own.

use egui::{RichText, TextEdit, Ui};

use super::DeployPanel;
use crate::cloud::credentials::{CredentialForm, CredentialSource, FormError, FormMethod, Target};
use crate::cloud::jobs::MAX_WORKERS;

impl DeployPanel {
    /// The cloud the fields point at (the secret is added in the job thread).
    pub(super) fn target(&self) -> Result<Target, FormError> {
        match self.settings.source {
            CredentialSource::CloudsYaml => Ok(Target { cloud: self.settings.cloud.clone(), ..Target::default() }),
            CredentialSource::Form => Ok(Target { form: Some(self.settings.form.env_pairs()?), ..Target::default() }),
        }
    }

    /// Reads the clouds and keeps the chosen one if it is still there (else `OS_CLOUD`'s,
    /// else the first).
    pub(super) fn load_clouds(&mut self) {
        let clouds = self.config.connector.clouds();
        if let Ok((_, names)) = &clouds {
            let keep = self.settings.cloud.as_ref().is_some_and(|c| names.contains(c));
            if !keep {
                let wanted = std::env::var("OS_CLOUD").ok().filter(|c| names.contains(c));
                self.settings.cloud = wanted.or_else(|| names.first().cloned());
            }
        }
        self.clouds = Some(clouds);
    }

    /// The fields, disabled while a job runs.
    pub(super) fn form_ui(&mut self, ui: &mut Ui) {
        let busy = self.is_busy();
        ui.add_enabled_ui(!busy, |ui| {
            self.credentials_ui(ui);
            ui.separator();
            let s = &mut self.settings;
            ui.horizontal(|ui| {
                let l = ui.label("Deployment name");
                ui.add(TextEdit::singleline(&mut s.name).desired_width(160.0)).labelled_by(l.id);
            });
            ui.horizontal(|ui| {
                let l = ui.label("Workers");
                ui.add(egui::DragValue::new(&mut s.workers).range(0..=MAX_WORKERS)).labelled_by(l.id);
                ui.label(RichText::new(format!("0 to {MAX_WORKERS}")).small());
            });
            if s.workers == 0 {
                let warning = "No workers: the controller takes tasks, but nothing renders them until you scale up.";
                ui.label(RichText::new(warning).color(ui.visuals().warn_fg_color));
            }
            ui.horizontal(|ui| {
                let l = ui.label("Binaries directory");
                ui.add(TextEdit::singleline(&mut self.binaries_dir).desired_width(300.0)).labelled_by(l.id);
            });
            ui.checkbox(&mut self.wait_for_health, "Wait until the API answers (else until the servers are ACTIVE)");
            ui.separator();
            self.pickers_ui(ui);
        });
    }

    /// Where the credentials come from, and the secret.
    fn credentials_ui(&mut self, ui: &mut Ui) {
        let s = &mut self.settings;
        ui.horizontal(|ui| {
            ui.label("Credentials:");
            ui.radio_value(&mut s.source, CredentialSource::CloudsYaml, "clouds.yaml");
            ui.radio_value(&mut s.source, CredentialSource::Form, "Form");
        });
        match s.source {
            CredentialSource::CloudsYaml => match &self.clouds {
                Some(Ok((source, names))) => {
                    ui.label(RichText::new(format!("Clouds: {source}")).small());
                    if !names.is_empty() {
                        let selected = s.cloud.clone().unwrap_or_default();
                        egui::ComboBox::from_label("Cloud").selected_text(selected).show_ui(ui, |ui| {
                            for n in names {
                                ui.selectable_value(&mut s.cloud, Some(n.clone()), n);
                            }
                        });
                    }
                }
                Some(Err(e)) => {
                    ui.label(RichText::new(format!("Cannot read the clouds: {e}")).color(ui.visuals().error_fg_color));
                }
                None => {}
            },
            CredentialSource::Form => form_fields_ui(&mut s.form, ui),
        }
        let mut forget = false;
        ui.horizontal(|ui| {
            let l = ui.label("Password or secret");
            ui.add(TextEdit::singleline(&mut self.secret).password(true).desired_width(200.0)).labelled_by(l.id);
            ui.add_enabled(!self.no_keyring, egui::Checkbox::new(&mut s.remember_secret, "Keep in the OS keyring"));
            forget = ui.button("Forget kept secret").clicked();
        });
        if forget {
            self.keyring_note = Some(match self.target() {
                Ok(t) => match self.config.secrets.delete(&t.keyring_account()) {
                    Ok(()) => "The OS keyring holds no secret for this cloud now.".to_owned(),
                    Err(e) => e.to_string(),
                },
                Err(e) => e.to_string(),
            });
        }
        let hint = self.keyring_note.as_deref().unwrap_or(
            "What is typed here is used, instead of any in clouds.yaml; leave it empty to use clouds.yaml's or the one \
             kept in the OS keyring. Never saved in a settings file.",
        );
        ui.label(RichText::new(hint).small());
    }
}

/// The form's fields, labelled as in an openrc file's comments.
fn form_fields_ui(form: &mut CredentialForm, ui: &mut Ui) {
    let field = |ui: &mut Ui, label: &str, value: &mut String| {
        ui.horizontal(|ui| {
            let l = ui.label(label);
            ui.add(TextEdit::singleline(value).desired_width(260.0)).labelled_by(l.id);
        });
    };
    field(ui, "Auth URL", &mut form.auth_url);
    ui.horizontal(|ui| {
        ui.radio_value(&mut form.method, FormMethod::Password, "Password");
        ui.radio_value(&mut form.method, FormMethod::ApplicationCredential, "Application credential");
    });
    match form.method {
        FormMethod::Password => {
            field(ui, "User name", &mut form.username);
            field(ui, "User domain", &mut form.user_domain);
            field(ui, "Project", &mut form.project);
            field(ui, "Project domain", &mut form.project_domain);
        }
        FormMethod::ApplicationCredential => field(ui, "Credential ID", &mut form.credential_id),
    }
    field(ui, "Region (optional)", &mut form.region);
}
