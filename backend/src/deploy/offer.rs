//! What a person may pick from before deploying: the project's images, flavors and
//! networks ([`Choices`]), each with what `up` would take by itself preselected — the
//! defaults of [`Options::new`] when the cloud has them, the project's only network,
//! the first external network. A project without a network of its own (an admin
//! project) gets no preselected network and the reason, instead of a failure.

use serde::{Deserialize, Serialize};

use super::cloud::{Choices, Cloud};
use super::{BinarySource, DeployResult, Deployer, Options, Phase as _};

/// The pickers' contents and the automatic choices (names).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Offer {
    pub choices: Choices,
    /// `ubuntu-24.04` when the cloud has it.
    pub image: Option<String>,
    /// `m1.small` when the cloud has it.
    pub flavor: Option<String>,
    /// The project's only network of its own.
    pub network: Option<String>,
    /// Why no network is preselected ("the project has no network of its own…").
    pub network_note: Option<String>,
    /// The first external network.
    pub external_network: Option<String>,
}

impl<C: Cloud> Deployer<'_, C> {
    /// The images, flavors and networks of the project, with `up`'s own choices.
    pub async fn offer(&self) -> DeployResult<Offer> {
        let choices = self.cloud.choices().await.phase("listing images, flavors and networks")?;
        let defaults = Options::new(BinarySource::Recorded);
        let image = choices.images.iter().any(|i| i.name == defaults.image).then(|| defaults.image.clone());
        let flavor = choices.flavors.iter().any(|f| f.name == defaults.flavor).then(|| defaults.flavor.clone());
        let (network, network_note) = match self.cloud.find_network(None).await {
            Ok(n) => (Some(n.name), None),
            Err(e) => (None, Some(e.to_string())),
        };
        let external_network = self.cloud.find_external_network(None).await.ok().map(|n| n.name);
        Ok(Offer { choices, image, flavor, network, network_note, external_network })
    }
}
