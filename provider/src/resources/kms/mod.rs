//! KMS kinds, and what they share: key lookup (DescribeKey by key id, key ARN or alias), tags (`TagKey`/`TagValue`,
//! by key id, [`KmsTags`]), errors with what to do about them ([`kms_error`]) and tag rules.

pub mod key;

use std::collections::BTreeMap;

use aws_sdk_kms::error::SdkError;
use aws_sdk_kms::types::{KeyMetadata, KeyState, Tag};

use super::tags::Tagging;
use crate::aws::Aws;
use crate::error::{ResourceError, aws_error};
use crate::resource::Failures;

/// KMS tags from a map.
pub fn kms_tags(tags: &BTreeMap<String, String>) -> Result<Vec<Tag>, ResourceError> {
    tags.iter()
        .map(|(k, v)| {
            Tag::builder()
                .tag_key(k)
                .tag_value(v)
                .build()
                .map_err(|e| ResourceError::Internal(format!("building a KMS tag: {e}")))
        })
        .collect()
}

/// Tags as KMS returns them, as a map.
pub fn tag_map(tags: &[Tag]) -> BTreeMap<String, String> {
    tags.iter()
        .map(|t| (t.tag_key().to_string(), t.tag_value().to_string()))
        .collect()
}

/// An SDK error of KMS `operation` (e.g. `kms:PutKeyPolicy`), with what to do where KMS's own message does not
/// say it.
pub fn kms_error<E, R>(operation: &'static str, err: SdkError<E, R>) -> ResourceError
where
    E: aws_sdk_kms::error::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    let mut e = aws_error(operation, err);
    if let ResourceError::Aws { code, hint, .. } = &mut e
        && hint.is_none()
    {
        let advice = match code.as_str() {
            "MalformedPolicyDocumentException" => Some(
                "KMS refused the key policy: it must be valid, name principals that exist, and let the principal \
                 Pulumi runs as administer the key (KMS's lockout safety check; keep the account root statement \
                 or grant that principal kms:PutKeyPolicy); fix `policy`, then run `pulumi up` again",
            ),
            "LimitExceededException" => Some(
                "a KMS quota was reached (customer managed keys or aliases per region, or aliases per key); \
                 request an increase in Service Quotas or delete keys and aliases no longer used",
            ),
            "KMSInvalidStateException" => Some(
                "the key is not in a state that allows this (pending deletion, or disabled); see its KeyState \
                 with `aws kms describe-key`, and `aws kms cancel-key-deletion` / `aws kms enable-key` to \
                 bring it back",
            ),
            "TagException" => Some("KMS refused a tag; check the keys and values of `tags`"),
            _ => None,
        };
        *hint = advice.map(str::to_string);
    }
    e
}

/// The key `key` names (key id, key ARN, alias name or alias ARN), `None` when there is none. A key pending
/// deletion is returned; callers decide what that means ([`is_pending_deletion`]).
pub async fn describe_key(aws: &Aws, key: &str) -> Result<Option<KeyMetadata>, ResourceError> {
    match aws
        .kms
        .describe_key()
        .key_id(key)
        .send()
        .await
        .map_err(|e| kms_error("kms:DescribeKey", e))
    {
        Ok(out) => Ok(out.key_metadata().cloned()),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e),
    }
}

/// Whether the key is scheduled for deletion (or its replica is): unusable at once, gone when the window ends.
pub fn is_pending_deletion(key: &KeyMetadata) -> bool {
    matches!(
        key.key_state(),
        Some(KeyState::PendingDeletion | KeyState::PendingReplicaDeletion)
    )
}

/// Every tag on key `key_id` (ListResourceTags, every page).
pub async fn live_tags(aws: &Aws, key_id: &str) -> Result<BTreeMap<String, String>, ResourceError> {
    let mut all = BTreeMap::new();
    let mut marker: Option<String> = None;
    loop {
        let out = aws
            .kms
            .list_resource_tags()
            .key_id(key_id)
            .set_marker(marker.clone())
            .send()
            .await
            .map_err(|e| kms_error("kms:ListResourceTags", e))?;
        all.extend(tag_map(out.tags()));
        match out.next_marker() {
            Some(m) if out.truncated() && !m.is_empty() && marker.as_deref() != Some(m) => {
                marker = Some(m.to_string());
            }
            _ => return Ok(all),
        }
    }
}

/// KMS tags a key by key id (or ARN).
pub struct KmsTags;

impl Tagging for KmsTags {
    async fn tag(
        aws: &Aws,
        key_id: &str,
        tags: &BTreeMap<String, String>,
    ) -> Result<(), ResourceError> {
        aws.kms
            .tag_resource()
            .key_id(key_id)
            .set_tags(Some(kms_tags(tags)?))
            .send()
            .await
            .map_err(|e| kms_error("kms:TagResource", e))?;
        Ok(())
    }

    async fn untag(aws: &Aws, key_id: &str, keys: &[String]) -> Result<(), ResourceError> {
        aws.kms
            .untag_resource()
            .key_id(key_id)
            .set_tag_keys(Some(keys.to_vec()))
            .send()
            .await
            .map_err(|e| kms_error("kms:UntagResource", e))?;
        Ok(())
    }
}

/// Validates user tags against KMS's limits (50 per key, keys 1-128, values ≤ 256).
pub fn check_tags(tags: Option<&BTreeMap<String, String>>, f: &mut Failures) {
    super::tags::check(tags, "KMS", f);
}
