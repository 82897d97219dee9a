//! The rule for a deployment's name: it names a state file and the servers, so it is
//! kept to what every OpenStack and every file system takes.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A valid deployment name: 1 to [`DeploymentName::MAX_LEN`] ASCII letters, digits, `-`
/// and `_`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DeploymentName(String);

/// A name that breaks the rule; says the rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("letters, digits, '-' and '_', starting with a letter or digit, at most 40")]
pub struct InvalidName {
    /// What was given.
    pub name: String,
}

impl DeploymentName {
    /// The longest name, in characters.
    pub const MAX_LEN: usize = 40;

    /// `s` if it is a valid name.
    pub fn parse(s: &str) -> Result<Self, InvalidName> {
        // A leading '-' would read as an option on the command line.
        let ok = s.starts_with(|c: char| c.is_ascii_alphanumeric())
            && s.len() <= Self::MAX_LEN
            && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if ok { Ok(Self(s.to_owned())) } else { Err(InvalidName { name: s.to_owned() }) }
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for DeploymentName {
    /// `faafo`, the CLI's default.
    fn default() -> Self {
        Self("faafo".to_owned())
    }
}

impl FromStr for DeploymentName {
    type Err = InvalidName;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for DeploymentName {
    type Error = InvalidName;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<DeploymentName> for String {
    fn from(n: DeploymentName) -> Self {
        n.0
    }
}

impl AsRef<str> for DeploymentName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DeploymentName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rule() {
        for ok in ["faafo", "a", "my-deploy_2", &"x".repeat(40)] {
            assert_eq!(DeploymentName::parse(ok).map(|n| n.to_string()), Ok(ok.to_owned()));
        }
        for bad in ["", "a b", "dé", "a.b", "a/b", "-bad", "_x", &"x".repeat(41)] {
            let e = DeploymentName::parse(bad).unwrap_err();
            assert_eq!(e.to_string(), "letters, digits, '-' and '_', starting with a letter or digit, at most 40");
            assert_eq!(e.name, bad);
        }
        assert_eq!(DeploymentName::default().as_str(), "faafo");
        assert!(serde_json::from_str::<DeploymentName>("\"a b\"").is_err());
    }
}
