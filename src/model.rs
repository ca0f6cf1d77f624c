//! The canonical training value: what a local file means and what a remote
//! training is, in one shape both sides of the pipeline convert into.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};

/// Metadata key marking which workspace owns a remote training.
pub const META_WORKSPACE: &str = "cxtrain_workspace";
/// Metadata key carrying a training's stable identity (its `key`).
pub const META_KEY: &str = "cxtrain_key";
/// Metadata key carrying the hash of the desired state last applied.
pub const META_HASH: &str = "cxtrain_hash";
/// Prefix reserved for cxtrain's own metadata keys.
pub const META_PREFIX: &str = "cxtrain_";

/// Fewest characters a title may have (the API's minimum).
pub const TITLE_MIN: usize = 3;
/// Fewest characters content may have (the API's minimum).
pub const CONTENT_MIN: usize = 10;

/// How a training is used by the AI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum TrainingType {
    /// Always active: tone, guardrails, formatting.
    #[serde(rename = "BEHAVIORAL")]
    Behavioral,
    /// Matched semantically against the customer's question (the API default).
    #[serde(rename = "SCENARIO_SPECIFIC")]
    ScenarioSpecific,
}

impl TrainingType {
    /// The API's spelling (`BEHAVIORAL` / `SCENARIO_SPECIFIC`).
    pub fn api_name(self) -> &'static str {
        match self {
            Self::Behavioral => "BEHAVIORAL",
            Self::ScenarioSpecific => "SCENARIO_SPECIFIC",
        }
    }

    /// The front matter spelling (`behavioral` / `scenario`).
    pub fn file_name(self) -> &'static str {
        match self {
            Self::Behavioral => "behavioral",
            Self::ScenarioSpecific => "scenario",
        }
    }

    /// Every spelling files and the config accept: the front matter names,
    /// then the API names.
    pub const NAMES: [&'static str; 4] =
        ["scenario", "behavioral", "SCENARIO_SPECIFIC", "BEHAVIORAL"];

    /// Parses one of [`TrainingType::NAMES`]; `None` for anything else.
    pub fn parse(name: &str) -> Option<TrainingType> {
        match name {
            "scenario" | "SCENARIO_SPECIFIC" => Some(Self::ScenarioSpecific),
            "behavioral" | "BEHAVIORAL" => Some(Self::Behavioral),
            _ => None,
        }
    }
}

impl fmt::Display for TrainingType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.file_name())
    }
}

/// A channel a training can be restricted to. Unknown strings from the API
/// are kept as [`Channel::Other`] so that a newer server never breaks us.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Channel {
    /// The website chat widget.
    Web,
    /// Email conversations.
    Email,
    /// Phone calls.
    PhoneVoice,
    /// Slack.
    Slack,
    /// Text messages.
    Sms,
    /// WhatsApp.
    Whatsapp,
    /// Instagram direct messages.
    Instagram,
    /// Facebook Messenger.
    Messenger,
    /// Conversations started through the public API.
    Api,
    /// Voice calls in the browser.
    WebVoice,
    /// A value this version of cxtrain does not know (only ever from the API).
    Other(String),
}

impl Channel {
    /// Every channel of the API enum, in documentation order.
    pub const KNOWN: [Channel; 10] = [
        Channel::Web,
        Channel::Email,
        Channel::PhoneVoice,
        Channel::Slack,
        Channel::Sms,
        Channel::Whatsapp,
        Channel::Instagram,
        Channel::Messenger,
        Channel::Api,
        Channel::WebVoice,
    ];

    /// The wire spelling (`web`, `phone_voice`, ...).
    pub fn as_str(&self) -> &str {
        match self {
            Self::Web => "web",
            Self::Email => "email",
            Self::PhoneVoice => "phone_voice",
            Self::Slack => "slack",
            Self::Sms => "sms",
            Self::Whatsapp => "whatsapp",
            Self::Instagram => "instagram",
            Self::Messenger => "messenger",
            Self::Api => "api",
            Self::WebVoice => "web_voice",
            Self::Other(s) => s,
        }
    }

    /// Parses a known channel name; `None` for anything else.
    pub fn known(name: &str) -> Option<Channel> {
        Self::KNOWN.into_iter().find(|c| c.as_str() == name)
    }

    /// Parses any name, keeping unknown ones as [`Channel::Other`].
    pub fn lenient(name: &str) -> Channel {
        Self::known(name).unwrap_or_else(|| Channel::Other(name.to_owned()))
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Channel {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Channel {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Ok(Channel::lenient(&s))
    }
}

/// The desired (or observed) state of one training, independent of where it
/// came from. Lists whose order has no meaning are sets, so two values that
/// mean the same thing compare equal and hash the same.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Training {
    /// Stable identity: the file path below the root without `.md`, or the
    /// front matter `key`.
    pub key: String,
    /// What the training is about, as the dashboard lists it.
    pub title: String,
    /// The Markdown body the assistant is trained with.
    pub content: String,
    /// Scenario or behavioral.
    #[serde(rename = "type")]
    pub kind: TrainingType,
    /// Empty means every channel.
    pub channels: BTreeSet<Channel>,
    /// Empty means every segment.
    pub segments: BTreeSet<String>,
    /// `true`: saved but not used by the AI.
    pub draft: bool,
    /// `None`: at the root (no directory).
    pub directory_id: Option<String>,
    /// User metadata sent to the API; never contains `cxtrain_*` keys.
    pub metadata: BTreeMap<String, String>,
}

/// A sha256 digest in lowercase hex, as stored in `cxtrain_hash`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct StateHash(pub String);

impl fmt::Display for StateHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl StateHash {
    /// Hashes arbitrary bytes (used for local file hashes in plan files).
    pub fn of_bytes(bytes: &[u8]) -> StateHash {
        StateHash(hex(&Sha256::digest(bytes)))
    }
}

impl Training {
    /// The hash of the state this training asks for: every field the API
    /// stores, but not the key (identity is stored beside it). Sets are
    /// sorted and the encoding is length-prefixed, so the hash is stable
    /// across list order and cannot collide by shifting text between fields.
    pub fn state_hash(&self) -> StateHash {
        let mut h = Sha256::new();
        let mut field = |name: &str, value: &str| {
            for part in [name, value] {
                h.update((part.len() as u64).to_le_bytes());
                h.update(part.as_bytes());
            }
        };
        field("v", "1");
        field("title", &self.title);
        field("content", &self.content);
        field("type", self.kind.api_name());
        for c in &self.channels {
            field("channel", c.as_str());
        }
        for s in &self.segments {
            field("segment", s);
        }
        field("draft", if self.draft { "true" } else { "false" });
        if let Some(d) = &self.directory_id {
            field("directory", d);
        }
        for (k, v) in &self.metadata {
            field("meta.key", k);
            field("meta.value", v);
        }
        StateHash(hex(&h.finalize()))
    }

    /// A published scenario for every channel and segment, at the root, with
    /// no user metadata: the value tests and fixtures start from.
    pub fn scenario(key: &str, title: &str, content: &str) -> Training {
        Training {
            key: key.into(),
            title: title.into(),
            content: content.into(),
            kind: TrainingType::ScenarioSpecific,
            channels: BTreeSet::new(),
            segments: BTreeSet::new(),
            draft: false,
            directory_id: None,
            metadata: BTreeMap::new(),
        }
    }
}

/// Lowercase hex of a byte slice (sha2 0.11 digests have no `LowerHex`).
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 0xf)] as char);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Training {
        Training {
            channels: [Channel::Web, Channel::Email].into_iter().collect(),
            directory_id: Some("dir_1".into()),
            ..Training::scenario(
                "billing/refund",
                "Refund after 30 days",
                "Apologise and offer store credit.",
            )
        }
    }

    #[test]
    fn hash_ignores_key_and_set_order() {
        let a = sample();
        let mut b = sample();
        b.key = "elsewhere".into();
        b.channels = [Channel::Email, Channel::Web].into_iter().collect();
        assert_eq!(a.state_hash(), b.state_hash());
        assert_eq!(a.state_hash().0.len(), 64);
    }

    #[test]
    fn hash_changes_with_every_field() {
        let base = sample().state_hash();
        let edits: Vec<fn(&mut Training)> = vec![
            |t| t.title.push('!'),
            |t| t.content.push('!'),
            |t| t.kind = TrainingType::Behavioral,
            |t| {
                t.channels.insert(Channel::Sms);
            },
            |t| {
                t.segments.insert("vip".into());
            },
            |t| t.draft = true,
            |t| t.directory_id = None,
            |t| {
                t.metadata.insert("team".into(), "billing".into());
            },
        ];
        for edit in edits {
            let mut t = sample();
            edit(&mut t);
            assert_ne!(t.state_hash(), base, "{t:?}");
        }
    }

    #[test]
    fn hash_does_not_collide_by_shifting_text() {
        let mut a = sample();
        a.title = "abc".into();
        a.content = "defghijklmnop".into();
        let mut b = sample();
        b.title = "abcd".into();
        b.content = "efghijklmnop".into();
        assert_ne!(a.state_hash(), b.state_hash());
    }

    #[test]
    fn channels_round_trip_and_keep_unknown() {
        let parsed: Vec<Channel> = serde_json::from_str(r#"["web","phone_voice","fax"]"#).unwrap();
        assert_eq!(
            parsed,
            vec![
                Channel::Web,
                Channel::PhoneVoice,
                Channel::Other("fax".into())
            ]
        );
        assert_eq!(
            serde_json::to_string(&parsed).unwrap(),
            r#"["web","phone_voice","fax"]"#
        );
    }

    #[test]
    fn training_types_parse_in_every_accepted_spelling_only() {
        for name in TrainingType::NAMES {
            let kind = TrainingType::parse(name).unwrap();
            assert!(
                name == kind.file_name() || name == kind.api_name(),
                "{name}"
            );
        }
        for name in ["Scenario", "behavioural", "", "scenario_specific"] {
            assert_eq!(TrainingType::parse(name), None, "{name}");
        }
    }

    #[test]
    fn hex_encodes() {
        assert_eq!(hex(&[0x00, 0xab, 0xff]), "00abff");
    }
}
