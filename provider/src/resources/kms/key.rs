//! `orderapi:kms:Key` — a customer managed KMS key (symmetric, for encryption) with its alias, key policy,
//! automatic rotation and tags.
//!
//! Why a key of our own: an SNS topic that CloudWatch alarms publish to can only be encrypted with a key whose
//! policy lets `cloudwatch.amazonaws.com` call `kms:GenerateDataKey*` and `kms:Decrypt`; the AWS managed
//! `alias/aws/sns` key's policy does not, so alarm notifications to such a topic silently fail (AWS knowledge
//! center, "cloudwatch-configure-alarm-sns"). `serviceUsers` grants exactly that.
//!
//! # The alias is the key's name
//!
//! A key has no name, only a generated id; the alias (`alias/<name>`) is what the program declares and what AWS
//! keeps unique per account and region, so it is [`CustomResource::UNIQUE_BY`]. A changed alias is renamed in
//! place (CreateAlias of the new one, then DeleteAlias of the old one): the key, its id and ARN, and every
//! ciphertext made under it stay, so nothing that references the key (a topic's `kmsMasterKeyId`) changes and
//! nothing encrypted becomes undecryptable. Replacing the key instead would schedule the old key's deletion and
//! lose whatever only it can decrypt.
//!
//! A replacement for another reason (`pulumi up --replace`, the `replaceOnChanges` option) is created first: the
//! new key is made, then the alias is moved to it in one UpdateAlias call (there is no moment without the alias),
//! and the old key's delete leaves an alias that no longer points at it alone. So the kind never needs to delete
//! before replacing.
//!
//! # Exactly once
//!
//! CreateKey takes no client token and makes a new key per call. It is sent with the SDK's retry off, inside
//! [`create_once`], whose lookup finds a key of this resource two ways: by the alias (DescribeKey `alias/…`), and,
//! when the alias is not set yet (the answer of CreateKey was lost, or the provider died before CreateAlias), by
//! the [`IDENTITY_TAG`] CreateKey puts on the key (ListKeys, then ListResourceTags of each key: one call per key
//! in the account and region). An orphan is adopted and brought to the declared alias, policy, rotation,
//! description and tags; a key of another resource or not ours holding the alias is a conflict.
//!
//! # Deletion
//!
//! KMS never deletes a key at once: ScheduleKeyDeletion makes it unusable immediately (state `PendingDeletion`:
//! nothing can encrypt or decrypt with it) and deletes it for good after `deletionWindowInDays` (7-30 days; 7 by
//! default, so a destroyed platform is gone within a week). Until then it can be brought back with
//! `aws kms cancel-key-deletion`. The delete removes the declared alias first, so the name is free at once. A key
//! pending deletion counts as gone: a refresh drops it from the stack and a second delete is done.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_kms::types::{KeyMetadata, KeySpec, KeyUsageType};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{
    KmsTags, check_tags, describe_key, is_pending_deletion, kms_error, kms_tags, live_tags,
};
use crate::arn::Arn;
use crate::error::{ErrorClass, ResourceError};
use crate::lifecycle::{
    Found, IDENTITY_TAG, conflict, create_once, delete_retrying_plain, retry_while,
};
use crate::no_retry;
use crate::resource::{CheckContext, CheckFailure, Context, CustomResource, Failures};
use crate::resources::iam::policy::{
    Conditions, Effect, Principal, ResourcePolicyDocument, ResourcePolicyStatement,
};
use crate::resources::tags;

/// The only key usage the kind makes: symmetric encryption (what SNS, SQS, CloudWatch Logs and the other
/// services' encryption at rest use).
pub const KEY_USAGE: &str = "ENCRYPT_DECRYPT";
/// The only key spec the kind makes: a 256-bit symmetric key.
pub const KEY_SPEC: &str = "SYMMETRIC_DEFAULT";
/// Rotation period when rotation is on and none is declared (KMS's default).
pub const DEFAULT_ROTATION_DAYS: i32 = 365;
/// Deletion window when none is declared: the shortest KMS allows, so a destroyed platform is gone quickly.
pub const DEFAULT_DELETION_WINDOW_DAYS: i32 = 7;
/// The Sid of the statement of KMS's default key policy (which the kind writes when `policy` is absent).
pub const ROOT_SID: &str = "Enable IAM User Permissions";
/// The Sid of the statement `serviceUsers` adds; reserved in a declared `policy`.
pub const SERVICE_USERS_SID: &str = "AllowAwsServicesToUseTheKey";
/// What `serviceUsers` may do: make data keys and decrypt them (what SNS needs for an encrypted topic).
pub const SERVICE_USER_ACTIONS: [&str; 2] = ["kms:Decrypt", "kms:GenerateDataKey*"];
/// KMS's limit on a key policy, in bytes.
pub const MAX_POLICY_BYTES: usize = 32_768;
/// KMS's limit on a key description, in characters.
pub const MAX_DESCRIPTION: usize = 8_192;
/// How long the calls right after CreateKey wait for the new key to be visible (KMS is eventually consistent).
const NEW_KEY_VISIBLE: Duration = Duration::from_secs(30);

/// Inputs of a KMS key.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct KeyInputs {
    /// The key's alias and stable name, `alias/<name>`: 1-256 characters of `a-zA-Z0-9/_-`, not starting with
    /// `alias/aws/` (reserved for AWS managed keys); unique per account and region. A change renames the alias in
    /// place: the key, its id and ARN stay.
    pub alias: String,
    /// Description (at most 8192 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `ENCRYPT_DECRYPT` (the default and the only value supported: a symmetric encryption key).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_usage: Option<String>,
    /// `SYMMETRIC_DEFAULT` (the default and the only value supported).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_spec: Option<String>,
    /// Whether KMS rotates the key material automatically (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enable_key_rotation: Option<bool>,
    /// Days between automatic rotations, 90-2560 (default 365); only with `enableKeyRotation`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rotation_period_in_days: Option<i32>,
    /// Days (7-30, default 7) between `pulumi destroy` and KMS deleting the key for good. The key is scheduled for
    /// deletion, not deleted: it is unusable at once (nothing can decrypt with it), and can be restored with
    /// `aws kms cancel-key-deletion` until the window ends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deletion_window_in_days: Option<i32>,
    /// The key policy (at most 32 KB). Absent = KMS's default: the account (`arn:<partition>:iam::<account>:root`)
    /// may administer and use the key (`kms:*`), so IAM policies decide. A declared policy must let the
    /// principal Pulumi runs as administer the key (KMS refuses one that would lock it out).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<ResourcePolicyDocument>,
    /// AWS service principals (e.g. `cloudwatch.amazonaws.com`, `sns.amazonaws.com`) allowed to call
    /// `kms:GenerateDataKey*` and `kms:Decrypt` with the key when acting for this account (condition
    /// `aws:SourceAccount`): one statement added to the key policy (the default one, or `policy`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_users: Option<Vec<String>>,
    /// Tags, in addition to the provider's default tags and the `ManagedBy` ownership tag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<BTreeMap<String, String>>,
}

/// Outputs of a KMS key.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct KeyOutputs {
    /// The key id (a UUID; also the resource's id).
    pub key_id: String,
    /// The key ARN (`arn:<partition>:kms:<region>:<account>:key/<key id>`), what other services take as their
    /// KMS key.
    pub arn: String,
    /// The alias ARN (`arn:<partition>:kms:<region>:<account>:alias/<name>`).
    pub alias_arn: String,
    /// Every tag on the key, including the provider's default and ownership tags.
    pub tags_all: BTreeMap<String, String>,
}

pub struct Key;

/// Whether `alias` is a name KMS lets a customer managed key have; the reason when not.
fn alias_problem(alias: &str) -> Option<String> {
    let Some(name) = alias.strip_prefix("alias/") else {
        return Some(format!(
            "'{alias}' must start with alias/ (e.g. alias/kms-alarms-prod-x7k2)"
        ));
    };
    if alias.starts_with("alias/aws/") {
        return Some(format!(
            "'{alias}': the alias/aws/ prefix is reserved for AWS managed keys; choose another name"
        ));
    }
    let ok = !name.is_empty()
        && alias.len() <= 256
        && alias
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/_-".contains(c));
    (!ok).then(|| {
        format!("'{alias}' is not an alias: alias/ followed by a name, 1-256 characters of a-zA-Z0-9/_- in all")
    })
}

/// Whether `p` is an AWS service principal (`<service>.amazonaws.com`, `.amazonaws.com.cn` in China).
fn is_service_principal(p: &str) -> bool {
    let service = p
        .strip_suffix(".amazonaws.com")
        .or_else(|| p.strip_suffix(".amazonaws.com.cn"));
    service.is_some_and(|s| {
        !s.is_empty()
            && !s.starts_with(['.', '-'])
            && s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-')
    })
}

/// The partition and account of a key ARN.
fn partition_and_account(arn: &str) -> Result<(String, String), ResourceError> {
    Arn::of_service(arn, "kms")
        .filter(|a| !a.account.is_empty())
        .map(|a| (a.partition, a.account))
        .ok_or_else(|| {
            ResourceError::Internal(format!(
                "KMS answered with a key ARN '{arn}' that names no account"
            ))
        })
}

/// The ARN of `alias` in the key's region and account.
fn alias_arn(key_arn: &str, alias: &str) -> String {
    match Arn::of_service(key_arn, "kms") {
        Some(a) if !alias.is_empty() => Arn {
            resource: alias.to_string(),
            ..a
        }
        .to_string(),
        _ => String::new(),
    }
}

/// KMS's default key policy: the account may administer and use the key, so IAM policies decide.
pub fn default_policy(partition: &str, account: &str) -> ResourcePolicyDocument {
    let mut doc = ResourcePolicyDocument::new(vec![ResourcePolicyStatement {
        sid: Some(ROOT_SID.to_string()),
        effect: Effect::Allow,
        principal: Principal {
            aws: Some(vec![format!("arn:{partition}:iam::{account}:root")]),
            ..Default::default()
        },
        actions: vec!["kms:*".to_string()],
        resources: vec!["*".to_string()],
        condition: None,
    }]);
    doc.normalize();
    doc
}

/// The statement `serviceUsers` adds: the services may make data keys and decrypt, for this account only.
pub fn service_users_statement(services: &[String], account: &str) -> ResourcePolicyStatement {
    let condition: Conditions = BTreeMap::from([(
        "StringEquals".to_string(),
        BTreeMap::from([("aws:SourceAccount".to_string(), vec![account.to_string()])]),
    )]);
    let mut doc = ResourcePolicyDocument::new(vec![ResourcePolicyStatement {
        sid: Some(SERVICE_USERS_SID.to_string()),
        effect: Effect::Allow,
        principal: Principal {
            service: Some(services.to_vec()),
            ..Default::default()
        },
        actions: SERVICE_USER_ACTIONS.iter().map(|a| a.to_string()).collect(),
        resources: vec!["*".to_string()],
        condition: Some(condition),
    }]);
    doc.normalize();
    doc.statements.remove(0)
}

/// The key policy `inputs` declare, in the key's partition and account: `policy` (or the default one), plus the
/// `serviceUsers` statement.
pub fn effective_policy(
    inputs: &KeyInputs,
    partition: &str,
    account: &str,
) -> ResourcePolicyDocument {
    let mut doc = inputs
        .policy
        .clone()
        .unwrap_or_else(|| default_policy(partition, account));
    if let Some(services) = inputs.service_users.as_ref().filter(|s| !s.is_empty()) {
        doc.statements
            .push(service_users_statement(services, account));
    }
    doc.normalize();
    doc
}

/// A live key policy as the program would declare it: `(policy, serviceUsers)`. The `serviceUsers` statement is
/// taken out when it is exactly what the kind writes; what remains is `None` when it is the default policy (and
/// the program did not declare that very policy).
fn split_policy(
    mut live: ResourcePolicyDocument,
    partition: &str,
    account: &str,
    prior: Option<&KeyInputs>,
) -> (Option<ResourcePolicyDocument>, Option<Vec<String>>) {
    let declared = prior.and_then(|p| p.policy.as_ref());
    live.reconcile_with(declared);
    let mut services = None;
    if let Some(pos) = live
        .statements
        .iter()
        .position(|s| s.sid.as_deref() == Some(SERVICE_USERS_SID))
    {
        let s = &live.statements[pos];
        if let Some(named) = s.principal.service.clone()
            && *s == service_users_statement(&named, account)
        {
            services = Some(named);
            live.statements.remove(pos);
        }
    }
    let policy = if declared == Some(&live) {
        Some(live)
    } else if live == default_policy(partition, account) {
        None
    } else {
        Some(live)
    };
    (policy, services)
}

impl Key {
    /// A key of this resource found at create time (by alias, then by identity), to adopt; the conflict error
    /// when the alias belongs to a key of someone else.
    async fn find(ctx: &Context, alias: &str) -> Result<Option<KeyMetadata>, ResourceError> {
        let mut holder_id = None;
        if let Some(holder) = describe_key(&ctx.aws, alias).await? {
            let id = holder.key_id().to_string();
            let found = ctx.found(&id, &Self::tags_of(ctx, &id).await?);
            match found {
                Found::Orphan if !is_pending_deletion(&holder) => {
                    ctx.adopting("KMS key", &id);
                    return Ok(Some(holder));
                }
                // The key a replacement replaces, or one of this resource's being deleted: the alias moves to the
                // new key once it exists.
                Found::Orphan | Found::Recorded => {}
                other => return Err(Self::alias_conflict(alias, &holder, &other)),
            }
            holder_id = Some(id);
        }
        // A key made for this resource before its alias was set (the answer of CreateKey was lost, or the
        // provider stopped): it carries this resource's identity.
        for key_id in Self::key_ids(ctx).await? {
            if holder_id.as_deref() == Some(key_id.as_str()) {
                continue;
            }
            let tags = match live_tags(&ctx.aws, &key_id).await {
                Ok(t) => t,
                // Throttled or unanswered: the orphan may be this one, so the lookup fails (and create_once
                // does not create blindly).
                Err(e) if matches!(e.class(), ErrorClass::Throttled | ErrorClass::Transient) => {
                    return Err(e);
                }
                // Gone meanwhile, a key these credentials may not look at, or one whose tags KMS will not list
                // (an AWS managed key, a key in an unusual state): not one this provider made and can adopt.
                Err(_) => continue,
            };
            if tags.get(IDENTITY_TAG).map(String::as_str) != Some(ctx.identity.as_str()) {
                continue;
            }
            let Some(meta) = describe_key(&ctx.aws, &key_id).await? else {
                continue;
            };
            if !is_pending_deletion(&meta) && ctx.is_orphan(&key_id, &tags) {
                ctx.adopting("KMS key", &key_id);
                return Ok(Some(meta));
            }
        }
        Ok(None)
    }

    /// Every key id of the account and region (ListKeys, every page).
    async fn key_ids(ctx: &Context) -> Result<Vec<String>, ResourceError> {
        let mut ids = Vec::new();
        let mut marker: Option<String> = None;
        loop {
            let out = ctx
                .aws
                .kms
                .list_keys()
                .set_marker(marker.clone())
                .send()
                .await
                .map_err(|e| kms_error("kms:ListKeys", e))?;
            ids.extend(
                out.keys()
                    .iter()
                    .filter_map(|k| k.key_id().map(str::to_string)),
            );
            match out.next_marker() {
                Some(m) if out.truncated() && !m.is_empty() && marker.as_deref() != Some(m) => {
                    marker = Some(m.to_string());
                }
                _ => return Ok(ids),
            }
        }
    }

    /// The tags of a key found holding an alias; none when these credentials may not read them (then it is
    /// not a key this provider made).
    async fn tags_of(
        ctx: &Context,
        key_id: &str,
    ) -> Result<BTreeMap<String, String>, ResourceError> {
        match live_tags(&ctx.aws, key_id).await {
            Ok(t) => Ok(t),
            Err(e) if matches!(e.class(), ErrorClass::NotFound | ErrorClass::AccessDenied) => {
                Ok(BTreeMap::new())
            }
            Err(e) => Err(e),
        }
    }

    fn alias_conflict(alias: &str, holder: &KeyMetadata, found: &Found) -> ResourceError {
        let pending = if is_pending_deletion(holder) {
            format!(
                ", which is pending deletion: free the name with `aws kms delete-alias --alias-name {alias}`"
            )
        } else {
            String::new()
        };
        conflict(
            &format!("KMS alias '{alias}' (on key {}{pending})", holder.key_id()),
            found,
        )
    }

    /// The aliases of key `key_id`: (name, ARN), sorted by name.
    async fn aliases_of(
        ctx: &Context,
        key_id: &str,
    ) -> Result<Vec<(String, String)>, ResourceError> {
        let mut all = Vec::new();
        let mut marker: Option<String> = None;
        loop {
            let out = ctx
                .aws
                .kms
                .list_aliases()
                .key_id(key_id)
                .set_marker(marker.clone())
                .send()
                .await
                .map_err(|e| kms_error("kms:ListAliases", e))?;
            all.extend(
                out.aliases()
                    .iter()
                    .filter(|a| a.target_key_id() == Some(key_id))
                    .filter_map(|a| {
                        Some((
                            a.alias_name()?.to_string(),
                            a.alias_arn().unwrap_or_default().to_string(),
                        ))
                    }),
            );
            match out.next_marker() {
                Some(m) if out.truncated() && !m.is_empty() && marker.as_deref() != Some(m) => {
                    marker = Some(m.to_string());
                }
                _ => break,
            }
        }
        all.sort();
        Ok(all)
    }

    /// Makes `alias` point at `key_id`: creates it, or moves it (UpdateAlias) from a key this resource replaces or
    /// abandoned; another's alias is a conflict.
    async fn ensure_alias(ctx: &Context, key_id: &str, alias: &str) -> Result<(), ResourceError> {
        for attempt in 0..3 {
            match describe_key(&ctx.aws, alias).await? {
                Some(holder) if holder.key_id() == key_id => return Ok(()),
                Some(holder) => {
                    let other = holder.key_id().to_string();
                    let found = ctx.found(&other, &Self::tags_of(ctx, &other).await?);
                    if !matches!(found, Found::Recorded | Found::Orphan) {
                        return Err(Self::alias_conflict(alias, &holder, &found));
                    }
                    ctx.debug(format!(
                        "moving KMS alias {alias} from key {other} (this resource's earlier key) to key {key_id}"
                    ));
                    ctx.aws
                        .kms
                        .update_alias()
                        .alias_name(alias)
                        .target_key_id(key_id)
                        .send()
                        .await
                        .map_err(|e| kms_error("kms:UpdateAlias", e))?;
                    return Ok(());
                }
                None => {
                    match ctx
                        .aws
                        .kms
                        .create_alias()
                        .alias_name(alias)
                        .target_key_id(key_id)
                        .send()
                        .await
                        .map_err(|e| kms_error("kms:CreateAlias", e))
                    {
                        Ok(_) => return Ok(()),
                        // Made meanwhile (the lost answer of this very call, retried by the SDK, or a race):
                        // look at whose it is.
                        Err(e) if e.class() == ErrorClass::Exists && attempt < 2 => {}
                        // Right after CreateKey the new key may not be visible to CreateAlias yet.
                        Err(e) if e.is_not_found() && attempt < 2 => {
                            ctx.sleep("the new KMS key to be visible", Duration::from_secs(2))
                                .await?;
                        }
                        Err(e) => return Err(e),
                    }
                }
            }
        }
        Err(ResourceError::Conflict(format!(
            "KMS alias '{alias}' could not be set on key {key_id}: it kept changing hands; run `pulumi up` again"
        )))
    }

    /// Deletes `alias` if it points at `key_id` (and only then: after a replacement it points at the new key).
    async fn remove_alias(ctx: &Context, key_id: &str, alias: &str) -> Result<(), ResourceError> {
        if alias.is_empty() {
            return Ok(());
        }
        match describe_key(&ctx.aws, alias).await? {
            Some(holder) if holder.key_id() == key_id => {}
            _ => return Ok(()),
        }
        match ctx
            .aws
            .kms
            .delete_alias()
            .alias_name(alias)
            .send()
            .await
            .map_err(|e| kms_error("kms:DeleteAlias", e))
        {
            Err(e) if !e.is_not_found() => Err(e),
            _ => Ok(()),
        }
    }

    /// The live key policy, parsed; `None` when it uses elements the typed policy does not model.
    async fn live_policy(
        ctx: &Context,
        key_id: &str,
    ) -> Result<Result<ResourcePolicyDocument, String>, ResourceError> {
        let out = ctx
            .aws
            .kms
            .get_key_policy()
            .key_id(key_id)
            .policy_name("default")
            .send()
            .await
            .map_err(|e| kms_error("kms:GetKeyPolicy", e))?;
        Ok(ResourcePolicyDocument::from_aws(
            out.policy().unwrap_or("{}"),
        ))
    }

    /// Brings key `key_id` to `new`: alias (renamed from `old`'s), key policy, rotation, description and tags, each
    /// compared with what AWS holds, so a create or update that stopped half-way is finished by the next one.
    /// Returns the key ARN.
    async fn converge(
        ctx: &Context,
        key_id: &str,
        old: Option<&KeyInputs>,
        new: &KeyInputs,
        tags: &BTreeMap<String, String>,
        fresh: bool,
    ) -> Result<String, ResourceError> {
        let what = format!("KMS key {key_id}");
        let meta = if fresh {
            // KMS is eventually consistent: a key just made may not be found for a moment.
            retry_while(
                ctx,
                &what,
                &[ErrorClass::NotFound],
                NEW_KEY_VISIBLE,
                || async {
                    describe_key(&ctx.aws, key_id)
                        .await?
                        .ok_or_else(|| ResourceError::Aws {
                            operation: "kms:DescribeKey",
                            code: "NotFoundException".into(),
                            message: format!("key {key_id} is not visible yet"),
                            hint: None,
                        })
                },
            )
            .await?
        } else {
            describe_key(&ctx.aws, key_id).await?.ok_or_else(|| {
                ResourceError::Conflict(format!(
                    "{what} no longer exists; run `pulumi refresh` to drop it from the stack, then `pulumi up` \
                     to create a new key"
                ))
            })?
        };
        if is_pending_deletion(&meta) {
            return Err(ResourceError::Conflict(format!(
                "{what} is pending deletion (unusable); bring it back with `aws kms cancel-key-deletion --key-id \
                 {key_id}` and `aws kms enable-key --key-id {key_id}`, or run `pulumi refresh` to drop it and \
                 `pulumi up` to create a new key"
            )));
        }
        let arn = meta.arn().unwrap_or_default().to_string();
        let (partition, account) = partition_and_account(&arn)?;

        Self::ensure_alias(ctx, key_id, &new.alias).await?;
        if let Some(old) = old
            && old.alias != new.alias
        {
            Self::remove_alias(ctx, key_id, &old.alias).await?;
        }

        let want = effective_policy(new, &partition, &account);
        if Self::live_policy(ctx, key_id).await?.ok().as_ref() != Some(&want) {
            ctx.aws
                .kms
                .put_key_policy()
                .key_id(key_id)
                .policy_name("default")
                .policy(want.to_json_string())
                .send()
                .await
                .map_err(|e| kms_error("kms:PutKeyPolicy", e))?;
        }

        let status = ctx
            .aws
            .kms
            .get_key_rotation_status()
            .key_id(key_id)
            .send()
            .await
            .map_err(|e| kms_error("kms:GetKeyRotationStatus", e))?;
        if new.enable_key_rotation != Some(false) {
            let period = new.rotation_period_in_days.unwrap_or(DEFAULT_ROTATION_DAYS);
            let stale = !status.key_rotation_enabled()
                || match status.rotation_period_in_days() {
                    Some(live) => live != period,
                    // Not reported (emulators): set it when it was never set or the declaration changed.
                    None => {
                        old.is_none_or(|o| o.rotation_period_in_days != new.rotation_period_in_days)
                    }
                };
            if stale {
                ctx.aws
                    .kms
                    .enable_key_rotation()
                    .key_id(key_id)
                    .rotation_period_in_days(period)
                    .send()
                    .await
                    .map_err(|e| kms_error("kms:EnableKeyRotation", e))?;
            }
        } else if status.key_rotation_enabled() {
            ctx.aws
                .kms
                .disable_key_rotation()
                .key_id(key_id)
                .send()
                .await
                .map_err(|e| kms_error("kms:DisableKeyRotation", e))?;
        }

        let description = new.description.as_deref().unwrap_or_default();
        if meta.description().unwrap_or_default() != description {
            ctx.aws
                .kms
                .update_key_description()
                .key_id(key_id)
                .description(description)
                .send()
                .await
                .map_err(|e| kms_error("kms:UpdateKeyDescription", e))?;
        }

        let live = live_tags(&ctx.aws, key_id).await?;
        tags::sync::<KmsTags>(&ctx.aws, key_id, &live, tags).await?;
        Ok(arn)
    }
}

impl CustomResource for Key {
    const TOKEN: &'static str = "orderapi:kms:Key";
    const DESCRIPTION: &'static str = "A customer managed KMS key (symmetric, for encryption) named by its alias, \
        with its key policy (KMS's default, or declared, plus AWS services allowed to use it), automatic rotation \
        and tags, owned by this provider. Deleting schedules the key's deletion (7-30 days; unusable at once).";
    /// KMS cannot change a key's usage or spec (each has one allowed value here, so this never happens).
    const REPLACE_ON_CHANGES: &'static [&'static str] = &["keyUsage", "keySpec"];
    /// A replacement moves the alias to the new key (UpdateAlias) instead of waiting for the old key to go, so
    /// the new key is created first.
    const DELETE_BEFORE_REPLACE: bool = false;
    /// The alias is what AWS keeps unique; a changed alias is renamed in place (see the module docs).
    const UNIQUE_BY: &'static [&'static str] = &["alias"];
    const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5 * 60);
    type Inputs = KeyInputs;
    type Outputs = KeyOutputs;

    fn check(_: &CheckContext, mut inputs: KeyInputs) -> Result<KeyInputs, Vec<CheckFailure>> {
        let mut f = Failures::default();
        if let Some(problem) = alias_problem(&inputs.alias) {
            f.push("alias", problem);
        }
        // KMS stores "no description" as an empty one.
        if inputs.description.as_ref().is_some_and(String::is_empty) {
            inputs.description = None;
        }
        if let Some(d) = &inputs.description {
            f.require(
                d.chars().count() <= MAX_DESCRIPTION,
                "description",
                format!("at most {MAX_DESCRIPTION} characters"),
            );
        }
        let usage = inputs
            .key_usage
            .get_or_insert_with(|| KEY_USAGE.to_string());
        f.require(
            usage == KEY_USAGE,
            "keyUsage",
            format!("'{usage}' is not supported: only {KEY_USAGE} (a symmetric encryption key)"),
        );
        let spec = inputs.key_spec.get_or_insert_with(|| KEY_SPEC.to_string());
        f.require(
            spec == KEY_SPEC,
            "keySpec",
            format!("'{spec}' is not supported: only {KEY_SPEC} (a symmetric encryption key)"),
        );
        let rotate = *inputs.enable_key_rotation.get_or_insert(true);
        match (rotate, inputs.rotation_period_in_days) {
            (true, None) => inputs.rotation_period_in_days = Some(DEFAULT_ROTATION_DAYS),
            (true, Some(days)) => f.require(
                (90..=2560).contains(&days),
                "rotationPeriodInDays",
                format!("{days} is not within 90-2560 days"),
            ),
            (false, Some(_)) => f.push(
                "rotationPeriodInDays",
                "applies only when enableKeyRotation is true; leave it out",
            ),
            (false, None) => {}
        }
        let window = *inputs
            .deletion_window_in_days
            .get_or_insert(DEFAULT_DELETION_WINDOW_DAYS);
        f.require(
            (7..=30).contains(&window),
            "deletionWindowInDays",
            format!("{window} is not within 7-30 days (KMS deletes a key only after such a waiting period)"),
        );
        if let Some(policy) = &mut inputs.policy {
            policy.normalize();
            policy.validate("policy", &mut f);
            for (i, s) in policy.statements.iter().enumerate() {
                f.require(
                    s.sid.as_deref() != Some(SERVICE_USERS_SID),
                    format!("policy.statements[{i}].sid"),
                    format!(
                        "'{SERVICE_USERS_SID}' is reserved for the statement serviceUsers adds"
                    ),
                );
            }
            let size = policy.to_json_string().len();
            f.require(
                size <= MAX_POLICY_BYTES,
                "policy",
                format!("the key policy is {size} bytes; KMS takes at most {MAX_POLICY_BYTES}"),
            );
        }
        if let Some(services) = &mut inputs.service_users {
            for (i, s) in services.iter().enumerate() {
                f.require(
                    is_service_principal(s),
                    format!("serviceUsers[{i}]"),
                    format!(
                        "'{s}' is not an AWS service principal such as cloudwatch.amazonaws.com (lowercase, ending \
                         in .amazonaws.com or .amazonaws.com.cn)"
                    ),
                );
            }
            services.sort();
            services.dedup();
        }
        if inputs.service_users.as_ref().is_some_and(Vec::is_empty) {
            inputs.service_users = None;
        }
        check_tags(inputs.tags.as_ref(), &mut f);
        f.finish(inputs)
    }

    async fn create(
        ctx: &Context,
        inputs: &KeyInputs,
    ) -> Result<(String, KeyOutputs), ResourceError> {
        let alias = inputs.alias.clone();
        let tags = ctx.tags(inputs.tags.as_ref());
        let made = create_once(
            ctx,
            &format!("KMS key {alias}"),
            || Self::find(ctx, &alias),
            || async {
                let out = ctx
                    .aws
                    .kms
                    .create_key()
                    .set_description(inputs.description.clone())
                    .key_usage(KeyUsageType::from(
                        inputs.key_usage.as_deref().unwrap_or(KEY_USAGE),
                    ))
                    .key_spec(KeySpec::from(
                        inputs.key_spec.as_deref().unwrap_or(KEY_SPEC),
                    ))
                    // The serviceUsers statement needs the account, known from the key's ARN: added right after.
                    .set_policy(
                        inputs
                            .policy
                            .as_ref()
                            .map(ResourcePolicyDocument::to_json_string),
                    )
                    .set_tags(Some(kms_tags(&tags)?))
                    .customize()
                    .config_override(no_retry!(aws_sdk_kms))
                    .send()
                    .await
                    .map_err(|e| kms_error("kms:CreateKey", e))?;
                out.key_metadata().cloned().ok_or_else(|| {
                    ResourceError::Internal(
                        "kms:CreateKey answered without the key's metadata".into(),
                    )
                })
            },
        )
        .await?;
        let fresh = !made.is_adopted();
        let meta = made.into_inner();
        let key_id = meta.key_id().to_string();
        let arn = meta.arn().unwrap_or_default().to_string();
        let mut outputs = KeyOutputs {
            key_id: key_id.clone(),
            alias_arn: alias_arn(&arn, &alias),
            arn,
            tags_all: tags.clone(),
        };
        match Self::converge(ctx, &key_id, None, inputs, &tags, fresh).await {
            Ok(arn) if !arn.is_empty() => {
                outputs.alias_arn = alias_arn(&arn, &alias);
                outputs.arn = arn;
            }
            Ok(_) => {}
            Err(e) => return Err(e.partial(&key_id, &outputs)),
        }
        Ok((key_id, outputs))
    }

    async fn read(
        ctx: &Context,
        id: &str,
        prior: Option<&KeyInputs>,
    ) -> Result<Option<(KeyInputs, KeyOutputs)>, ResourceError> {
        let Some(meta) = describe_key(&ctx.aws, id).await? else {
            return Ok(None);
        };
        if is_pending_deletion(&meta) {
            return Ok(None);
        }
        let arn = meta.arn().unwrap_or_default().to_string();
        let (partition, account) = partition_and_account(&arn)?;
        let live = Self::live_policy(ctx, id).await?.map_err(|e| {
            ResourceError::Conflict(format!(
                "the key policy of KMS key {id} cannot be read as a typed policy ({e}); replace those elements \
                 (e.g. with `aws kms put-key-policy`) or declare the policy without them and run `pulumi up`"
            ))
        })?;
        let (policy, service_users) = split_policy(live, &partition, &account, prior);
        let rotation = ctx
            .aws
            .kms
            .get_key_rotation_status()
            .key_id(id)
            .send()
            .await
            .map_err(|e| kms_error("kms:GetKeyRotationStatus", e))?;
        let rotating = rotation.key_rotation_enabled();
        let rotation_period_in_days = rotating.then(|| {
            rotation
                .rotation_period_in_days()
                .or(prior.and_then(|p| p.rotation_period_in_days))
                .unwrap_or(DEFAULT_ROTATION_DAYS)
        });
        // The declared alias while it still points here; else the key's first alias; none shows as drift.
        let aliases = Self::aliases_of(ctx, id).await?;
        let (alias, alias_arn) = prior
            .and_then(|p| aliases.iter().find(|(name, _)| *name == p.alias))
            .or_else(|| aliases.first())
            .cloned()
            .unwrap_or_default();
        let prior_tags = prior.and_then(|p| p.tags.as_ref());
        let (name_tag, mut own, tags_all) =
            tags::split(&ctx.aws, live_tags(&ctx.aws, id).await?, prior_tags);
        // `Name` is an ordinary tag here (tags::split treats it as EC2's physical name).
        if let Some(n) = name_tag
            && (prior_tags.is_some_and(|p| p.contains_key("Name"))
                || ctx.aws.default_tags.get("Name") != Some(&n))
        {
            own.get_or_insert_with(BTreeMap::new)
                .insert("Name".into(), n);
        }
        let inputs = KeyInputs {
            alias,
            description: meta
                .description()
                .filter(|d| !d.is_empty())
                .map(str::to_string),
            key_usage: Some(
                meta.key_usage()
                    .map_or(KEY_USAGE, KeyUsageType::as_str)
                    .to_string(),
            ),
            key_spec: Some(
                meta.key_spec()
                    .map_or(KEY_SPEC, KeySpec::as_str)
                    .to_string(),
            ),
            enable_key_rotation: Some(rotating),
            rotation_period_in_days,
            // AWS reports it only once the key is scheduled for deletion; only used at delete.
            deletion_window_in_days: Some(
                prior
                    .and_then(|p| p.deletion_window_in_days)
                    .unwrap_or(DEFAULT_DELETION_WINDOW_DAYS),
            ),
            policy,
            service_users,
            tags: own,
        };
        let outputs = KeyOutputs {
            key_id: meta.key_id().to_string(),
            arn,
            alias_arn,
            tags_all,
        };
        Ok(Some((inputs, outputs)))
    }

    async fn update(
        ctx: &Context,
        id: &str,
        old: &KeyInputs,
        _: &KeyOutputs,
        new: &KeyInputs,
    ) -> Result<KeyOutputs, ResourceError> {
        let tags = ctx.tags(new.tags.as_ref());
        let arn = Self::converge(ctx, id, Some(old), new, &tags, false).await?;
        Ok(KeyOutputs {
            key_id: id.to_string(),
            alias_arn: alias_arn(&arn, &new.alias),
            arn,
            tags_all: tags,
        })
    }

    async fn delete(
        ctx: &Context,
        id: &str,
        inputs: &KeyInputs,
        _: &KeyOutputs,
    ) -> Result<(), ResourceError> {
        match describe_key(&ctx.aws, id).await? {
            None => return Ok(()),
            Some(meta) if is_pending_deletion(&meta) => return Ok(()),
            Some(_) => {}
        }
        // The name is free at once; the key goes after its waiting period.
        Self::remove_alias(ctx, id, &inputs.alias).await?;
        let window = inputs
            .deletion_window_in_days
            .unwrap_or(DEFAULT_DELETION_WINDOW_DAYS);
        delete_retrying_plain(ctx, &format!("KMS key {id}"), || async {
            match ctx
                .aws
                .kms
                .schedule_key_deletion()
                .key_id(id)
                .pending_window_in_days(window)
                .send()
                .await
                .map_err(|e| kms_error("kms:ScheduleKeyDeletion", e))
            {
                Ok(_) => Ok(()),
                // Already scheduled (the lost answer of an earlier call) is done.
                Err(e) if e.class() == ErrorClass::Conflict => {
                    match describe_key(&ctx.aws, id).await? {
                        None => Ok(()),
                        Some(meta) if is_pending_deletion(&meta) => Ok(()),
                        Some(_) => Err(e),
                    }
                }
                Err(e) => Err(e),
            }
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(alias: &str) -> KeyInputs {
        KeyInputs {
            alias: alias.into(),
            description: None,
            key_usage: None,
            key_spec: None,
            enable_key_rotation: None,
            rotation_period_in_days: None,
            deletion_window_in_days: None,
            policy: None,
            service_users: None,
            tags: None,
        }
    }

    #[test]
    fn aliases_and_service_principals() {
        assert_eq!(alias_problem("alias/kms-alarms-dev-demo1"), None);
        assert_eq!(alias_problem("alias/team/orders_1"), None);
        assert!(alias_problem("kms-alarms").is_some());
        assert!(alias_problem("alias/").is_some());
        assert!(alias_problem("alias/aws/sns").is_some_and(|p| p.contains("reserved")));
        assert!(alias_problem("alias/has space").is_some());
        assert!(alias_problem(&format!("alias/{}", "a".repeat(251))).is_some());
        assert!(alias_problem(&format!("alias/{}", "a".repeat(250))).is_none());
        assert!(is_service_principal("cloudwatch.amazonaws.com"));
        assert!(is_service_principal("sns.amazonaws.com.cn"));
        assert!(!is_service_principal("amazonaws.com"));
        assert!(!is_service_principal("CloudWatch.amazonaws.com"));
        assert!(!is_service_principal("evil.example.com"));
    }

    #[test]
    fn the_live_policy_splits_back_into_what_was_declared() {
        let mut inputs = Key::check(&CheckContext::default(), raw("alias/k")).expect("valid");
        inputs.service_users = Some(vec!["cloudwatch.amazonaws.com".into()]);
        let live = effective_policy(&inputs, "aws", "123456789012");
        assert_eq!(live.statements.len(), 2);
        assert_eq!(
            split_policy(live.clone(), "aws", "123456789012", None),
            (None, inputs.service_users.clone())
        );
        // A service statement changed out of band stays in the policy, so it shows as drift.
        let mut changed = live;
        changed.statements[1].actions.push("kms:Encrypt".into());
        let (policy, services) = split_policy(changed, "aws", "123456789012", Some(&inputs));
        assert_eq!(services, None);
        assert_eq!(policy.map(|p| p.statements.len()), Some(2));
        // A declared policy equal to the default reads back as declared.
        let mut declared = inputs.clone();
        declared.policy = Some(default_policy("aws", "123456789012"));
        let live = effective_policy(&declared, "aws", "123456789012");
        assert_eq!(
            split_policy(live, "aws", "123456789012", Some(&declared)),
            (declared.policy.clone(), declared.service_users.clone())
        );
    }

    #[test]
    fn defaults() {
        let i = Key::check(&CheckContext::default(), raw("alias/k")).expect("valid");
        assert_eq!(i.key_usage.as_deref(), Some(KEY_USAGE));
        assert_eq!(i.key_spec.as_deref(), Some(KEY_SPEC));
        assert_eq!(i.enable_key_rotation, Some(true));
        assert_eq!(i.rotation_period_in_days, Some(365));
        assert_eq!(i.deletion_window_in_days, Some(7));
        assert_eq!(i.service_users, None);
        let mut off = raw("alias/k");
        off.enable_key_rotation = Some(false);
        off.service_users = Some(vec![]);
        let off = Key::check(&CheckContext::default(), off).expect("valid");
        assert_eq!(off.rotation_period_in_days, None);
        assert_eq!(off.service_users, None);
    }
}
