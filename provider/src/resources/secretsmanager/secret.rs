//! `orderapi:secretsmanager:Secret` — a Secrets Manager secret with an optional value, KMS key, rotation and
//! recovery window.
//!
//! The value (`secretString`) is always secret in Pulumi state, whether or not the program marked it secret, and
//! it never appears in a log line or error message. A refresh does not read the value back from AWS (no
//! `GetSecretValue` call): `read` keeps the declared `secretString`, and `update` writes a new version with
//! `PutSecretValue` when the declared value changes. A value changed outside Pulumi (or by rotation) is therefore
//! not reported as drift.
//!
//! Names are unique per region: a create that finds the secret it is about to make adopts it only when it is the
//! orphan of an interrupted create of this resource (see [`crate::lifecycle`]). CreateSecret carries a
//! `ClientRequestToken`, so an SDK retry of a call whose answer was lost is answered with the same secret.

use std::collections::BTreeMap;

use aws_sdk_secretsmanager::operation::describe_secret::DescribeSecretOutput;
use aws_sdk_secretsmanager::types::RotationRulesType;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{SecretsManagerTags, check_tags, describe_secret, tag_list, tag_map};
use crate::error::{ResourceError, aws_error};
use crate::lifecycle::{Found, conflict, create_once};
use crate::no_retry;
use crate::resource::{CheckContext, CheckFailure, Context, CustomResource, Failures, Poll};
use crate::resources::tags;

/// The KMS key Secrets Manager uses when none is given.
const DEFAULT_KMS_KEY: &str = "alias/aws/secretsmanager";

/// Largest secret value Secrets Manager stores, in bytes.
const MAX_SECRET_BYTES: usize = 65_536;

/// When a secret is rotated: after a number of days, or on a schedule (exactly one of the two).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RotationRules {
    /// Rotate every this many days (1-1000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub automatically_after_days: Option<i64>,
    /// A `rate(...)` or `cron(...)` schedule expression (at most 256 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule_expression: Option<String>,
}

/// Inputs of a secret.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SecretInputs {
    /// Secret name (1-512 characters of `A-Za-z0-9/_+=.@-`). Defaults to the resource name plus a random suffix.
    /// Changing it replaces the secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Description (at most 2048 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// KMS key (ARN, key id or alias) that encrypts the value. Absent = the account's `aws/secretsmanager` key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_key_id: Option<String>,
    /// The secret value (at most 65536 bytes). Always secret in state and never logged. A change writes a new
    /// version; a refresh does not read the value back from AWS, so changes made outside Pulumi are not drift.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_string: Option<String>,
    /// ARN of the Lambda function that rotates the secret; requires `rotationRules`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rotation_lambda_arn: Option<String>,
    /// When the secret is rotated; requires `rotationLambdaArn`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rotation_rules: Option<RotationRules>,
    /// Days (7-30) a deleted secret can still be restored. Absent = deleted at once without recovery, so a
    /// destroy followed by a create of the same name works.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recovery_window_in_days: Option<i64>,
    /// Tags, in addition to the provider's default tags and the `ManagedBy` ownership tag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<BTreeMap<String, String>>,
}

/// Outputs of a secret.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SecretOutputs {
    /// The secret's ARN.
    pub arn: String,
    /// The id of the version labelled `AWSCURRENT` (absent while the secret holds no value).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_id: Option<String>,
    /// Every tag on the secret, including the provider's default and ownership tags.
    pub tags_all: BTreeMap<String, String>,
}

pub struct Secret;

/// Whether `c` may appear in a secret name.
fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "/_+=.@-".contains(c)
}

/// A secret name for a logical name: other characters become `-`.
fn sanitize_name(raw: &str) -> String {
    raw.chars()
        .map(|c| if is_name_char(c) { c } else { '-' })
        .collect()
}

/// The version labelled `AWSCURRENT`.
fn current_version(live: &DescribeSecretOutput) -> Option<String> {
    live.version_ids_to_stages()?
        .iter()
        .find(|(_, stages)| stages.iter().any(|s| s == "AWSCURRENT"))
        .map(|(id, _)| id.clone())
}

fn rules_of(rules: &RotationRules) -> RotationRulesType {
    RotationRulesType::builder()
        .set_automatically_after_days(rules.automatically_after_days)
        .set_schedule_expression(rules.schedule_expression.clone())
        .build()
}

impl Secret {
    /// Turns rotation on (with `inputs`' Lambda and rules) or off.
    async fn set_rotation(
        ctx: &Context,
        id: &str,
        inputs: &SecretInputs,
    ) -> Result<(), ResourceError> {
        match (&inputs.rotation_lambda_arn, &inputs.rotation_rules) {
            (Some(lambda), Some(rules)) => {
                ctx.aws
                    .secretsmanager
                    .rotate_secret()
                    .secret_id(id)
                    .rotation_lambda_arn(lambda)
                    .rotation_rules(rules_of(rules))
                    .rotate_immediately(false)
                    .send()
                    .await
                    .map_err(|e| aws_error("secretsmanager:RotateSecret", e))?;
            }
            _ => {
                ctx.aws
                    .secretsmanager
                    .cancel_rotate_secret()
                    .secret_id(id)
                    .send()
                    .await
                    .map_err(|e| aws_error("secretsmanager:CancelRotateSecret", e))?;
            }
        }
        Ok(())
    }

    /// Writes `value` as the new current version; returns its id.
    async fn put_value(
        ctx: &Context,
        id: &str,
        value: &str,
    ) -> Result<Option<String>, ResourceError> {
        let out = ctx
            .aws
            .secretsmanager
            .put_secret_value()
            .secret_id(id)
            .secret_string(value)
            .send()
            .await
            .map_err(|e| aws_error("secretsmanager:PutSecretValue", e))?;
        Ok(out.version_id().map(str::to_string))
    }

    /// Sets description and KMS key (`None` = clear / back to the default key).
    async fn set_settings(
        ctx: &Context,
        id: &str,
        description: Option<Option<&str>>,
        kms_key_id: Option<Option<&str>>,
    ) -> Result<(), ResourceError> {
        if description.is_none() && kms_key_id.is_none() {
            return Ok(());
        }
        ctx.aws
            .secretsmanager
            .update_secret()
            .secret_id(id)
            .set_description(description.map(|d| d.unwrap_or_default().to_string()))
            .set_kms_key_id(kms_key_id.map(|k| k.unwrap_or(DEFAULT_KMS_KEY).to_string()))
            .send()
            .await
            .map_err(|e| aws_error("secretsmanager:UpdateSecret", e))?;
        Ok(())
    }

    fn live_description(live: &DescribeSecretOutput) -> Option<String> {
        live.description()
            .filter(|d| !d.is_empty())
            .map(str::to_string)
    }

    fn live_kms(live: &DescribeSecretOutput) -> Option<String> {
        live.kms_key_id()
            .filter(|k| !k.is_empty() && *k != DEFAULT_KMS_KEY)
            .map(str::to_string)
    }
}

impl CustomResource for Secret {
    const TOKEN: &'static str = "orderapi:secretsmanager:Secret";
    const DESCRIPTION: &'static str = "A Secrets Manager secret with an optional value (always secret, never \
        logged), KMS key, rotation and recovery window, tagged and owned by this provider.";
    const REPLACE_ON_CHANGES: &'static [&'static str] = &["name"];
    /// Secret names are unique per region; a replacement (e.g. `pulumi up --replace`) keeps the name.
    const DELETE_BEFORE_REPLACE: bool = true;
    const UNIQUE_BY: &'static [&'static str] = &["name"];
    /// The value is echoed in state: always secret there.
    const SECRET_OUTPUTS: &'static [&'static str] = &["secretString"];
    type Inputs = SecretInputs;
    type Outputs = SecretOutputs;

    fn check(
        ctx: &CheckContext,
        mut inputs: SecretInputs,
    ) -> Result<SecretInputs, Vec<CheckFailure>> {
        let mut f = Failures::default();
        let name = inputs
            .name
            .get_or_insert_with(|| sanitize_name(&ctx.autoname(512)));
        f.require(
            (1..=512).contains(&name.chars().count()) && name.chars().all(is_name_char),
            "name",
            format!("'{name}' is not a valid secret name: 1-512 characters of A-Za-z0-9/_+=.@-"),
        );
        if let Some(d) = &inputs.description {
            f.require(
                d.chars().count() <= 2048,
                "description",
                "at most 2048 characters",
            );
        }
        if let Some(k) = &inputs.kms_key_id {
            f.require(
                (1..=2048).contains(&k.len()) && !k.chars().any(char::is_whitespace),
                "kmsKeyId",
                format!(
                    "'{k}' is not a KMS key ARN, key id or alias (1-2048 characters, no spaces)"
                ),
            );
        }
        if let Some(s) = &inputs.secret_string {
            // Never echo the value.
            f.require(
                s.len() <= MAX_SECRET_BYTES,
                "secretString",
                format!(
                    "the value is {} bytes; Secrets Manager stores at most {MAX_SECRET_BYTES}",
                    s.len()
                ),
            );
        }
        match (&inputs.rotation_lambda_arn, &inputs.rotation_rules) {
            (Some(_), None) => f.push("rotationRules", "required when rotationLambdaArn is set"),
            (None, Some(_)) => f.push("rotationLambdaArn", "required when rotationRules is set"),
            _ => {}
        }
        if let Some(arn) = &inputs.rotation_lambda_arn {
            let parts: Vec<&str> = arn.splitn(7, ':').collect();
            f.require(
                matches!(parts.as_slice(), ["arn", _, "lambda", region, account, "function", name]
                    if !region.is_empty() && account.len() == 12 && !name.is_empty()),
                "rotationLambdaArn",
                format!("'{arn}' is not a Lambda function ARN (arn:aws:lambda:<region>:<account>:function:<name>)"),
            );
        }
        if let Some(rules) = &inputs.rotation_rules {
            match (rules.automatically_after_days, &rules.schedule_expression) {
                (Some(_), Some(_)) | (None, None) => f.push(
                    "rotationRules",
                    "set exactly one of automaticallyAfterDays and scheduleExpression",
                ),
                (Some(days), None) => f.require(
                    (1..=1000).contains(&days),
                    "rotationRules.automaticallyAfterDays",
                    format!("{days} is not within 1-1000"),
                ),
                (None, Some(expr)) => f.require(
                    expr.len() <= 256
                        && (expr.starts_with("rate(") || expr.starts_with("cron("))
                        && expr.ends_with(')'),
                    "rotationRules.scheduleExpression",
                    format!("'{expr}' is not a rate(...) or cron(...) expression of at most 256 characters"),
                ),
            }
        }
        if let Some(days) = inputs.recovery_window_in_days {
            f.require(
                (7..=30).contains(&days),
                "recoveryWindowInDays",
                format!("{days} is not within 7-30 (leave it out to delete without recovery)"),
            );
        }
        check_tags(inputs.tags.as_ref(), &mut f);
        f.finish(inputs)
    }

    async fn create(
        ctx: &Context,
        inputs: &SecretInputs,
    ) -> Result<(String, SecretOutputs), ResourceError> {
        let name = inputs.name.clone().unwrap_or_default();
        let tags = ctx.tags(inputs.tags.as_ref());
        // The token (the first version's id) is derived from the inputs without the value.
        let token = ctx.client_token(
            &SecretInputs {
                secret_string: None,
                ..inputs.clone()
            },
            64,
        );
        let made = create_once(
            ctx,
            &format!("secret {name}"),
            || async {
                let Some(live) = describe_secret(&ctx.aws, &name).await? else {
                    return Ok(None);
                };
                if live.deleted_date().is_some() {
                    return Err(ResourceError::Conflict(format!(
                        "a secret named '{name}' is scheduled for deletion (its recovery window has not ended); \
                         restore it with `aws secretsmanager restore-secret`, delete it for good with \
                         `--force-delete-without-recovery`, or choose another name"
                    )));
                }
                match ctx.found(&name, &tag_map(live.tags())) {
                    Found::Orphan => {
                        ctx.adopting("secret", &name);
                        Ok(Some(Err(Box::new(live))))
                    }
                    other => Err(conflict(&format!("a secret named '{name}'"), &other)),
                }
            },
            || async {
                let out = ctx
                    .aws
                    .secretsmanager
                    .create_secret()
                    .name(&name)
                    .set_description(inputs.description.clone())
                    .set_kms_key_id(inputs.kms_key_id.clone())
                    .set_secret_string(inputs.secret_string.clone())
                    .set_client_request_token(inputs.secret_string.is_some().then(|| token.clone()))
                    .set_tags(Some(tag_list(&tags)))
                    .customize()
                    .config_override(no_retry!(aws_sdk_secretsmanager))
                    .send()
                    .await
                    .map_err(|e| aws_error("secretsmanager:CreateSecret", e))?;
                Ok(Ok((
                    out.arn().unwrap_or_default().to_string(),
                    out.version_id().map(str::to_string),
                )))
            },
        )
        .await?;
        // `Ok`: made by the create call (ARN, version); `Err`: the orphan to adopt.
        let (adopted, arn, version_id) = match made.into_inner() {
            Ok((arn, version)) => (None, arn, version),
            Err(live) => {
                let arn = live.arn().unwrap_or_default().to_string();
                let version = current_version(&live);
                (Some(live), arn, version)
            }
        };
        let mut partial = SecretOutputs {
            arn,
            version_id,
            tags_all: tags.clone(),
        };
        let steps = async {
            if let Some(live) = &adopted {
                let description = inputs.description.as_deref();
                let kms = inputs.kms_key_id.as_deref();
                Self::set_settings(
                    ctx,
                    &name,
                    (Self::live_description(live).as_deref() != description).then_some(description),
                    (Self::live_kms(live).as_deref() != kms).then_some(kms),
                )
                .await?;
                if let Some(value) = &inputs.secret_string {
                    partial.version_id = Self::put_value(ctx, &name, value).await?;
                }
                tags::sync::<SecretsManagerTags>(&ctx.aws, &name, &tag_map(live.tags()), &tags)
                    .await?;
                if inputs.rotation_lambda_arn.is_some() || live.rotation_enabled() == Some(true) {
                    Self::set_rotation(ctx, &name, inputs).await?;
                }
            } else if inputs.rotation_lambda_arn.is_some() {
                Self::set_rotation(ctx, &name, inputs).await?;
            }
            Ok::<(), ResourceError>(())
        };
        let result = steps.await;
        result.map_err(|e| e.partial(&name, &partial))?;
        Ok((name, partial))
    }

    async fn read(
        ctx: &Context,
        id: &str,
        prior: Option<&SecretInputs>,
    ) -> Result<Option<(SecretInputs, SecretOutputs)>, ResourceError> {
        let Some(live) = describe_secret(&ctx.aws, id).await? else {
            return Ok(None);
        };
        if live.deleted_date().is_some() {
            return Ok(None);
        }
        let prior_tags = prior.and_then(|p| p.tags.as_ref());
        let (name_tag, mut own, tags_all) = tags::split(&ctx.aws, tag_map(live.tags()), prior_tags);
        // `Name` is an ordinary tag here (tags::split treats it as EC2's physical name).
        if let Some(n) = name_tag
            && (prior_tags.is_some_and(|p| p.contains_key("Name"))
                || ctx.aws.default_tags.get("Name") != Some(&n))
        {
            own.get_or_insert_with(BTreeMap::new)
                .insert("Name".into(), n);
        }
        let rotating = live.rotation_enabled() == Some(true);
        let prior_rules = prior.and_then(|p| p.rotation_rules.as_ref());
        let rotation_rules = live.rotation_rules().filter(|_| rotating).map(|r| {
            // AWS may return both forms; keep the one the program declared.
            let by_days = prior_rules.map_or(r.automatically_after_days().is_some(), |p| {
                p.automatically_after_days.is_some()
            });
            if by_days && r.automatically_after_days().is_some() {
                RotationRules {
                    automatically_after_days: r.automatically_after_days(),
                    schedule_expression: None,
                }
            } else {
                RotationRules {
                    automatically_after_days: None,
                    schedule_expression: r.schedule_expression().map(str::to_string),
                }
            }
        });
        let inputs = SecretInputs {
            name: Some(live.name().unwrap_or(id).to_string()),
            description: Self::live_description(&live),
            kms_key_id: Self::live_kms(&live),
            // Not read back from AWS (see the module docs).
            secret_string: prior.and_then(|p| p.secret_string.clone()),
            rotation_lambda_arn: live
                .rotation_lambda_arn()
                .filter(|_| rotating)
                .map(str::to_string),
            rotation_rules,
            // AWS does not report it; only used at delete.
            recovery_window_in_days: prior.and_then(|p| p.recovery_window_in_days),
            tags: own,
        };
        let outputs = SecretOutputs {
            arn: live.arn().unwrap_or_default().to_string(),
            version_id: current_version(&live),
            tags_all,
        };
        Ok(Some((inputs, outputs)))
    }

    async fn update(
        ctx: &Context,
        id: &str,
        old: &SecretInputs,
        old_outputs: &SecretOutputs,
        new: &SecretInputs,
    ) -> Result<SecretOutputs, ResourceError> {
        Self::set_settings(
            ctx,
            id,
            (old.description != new.description).then_some(new.description.as_deref()),
            (old.kms_key_id != new.kms_key_id).then_some(new.kms_key_id.as_deref()),
        )
        .await?;
        let mut version_id = old_outputs.version_id.clone();
        // A removed value leaves the current version in place: Secrets Manager cannot hold "no value" again.
        if let Some(value) = &new.secret_string
            && old.secret_string.as_ref() != Some(value)
        {
            version_id = Self::put_value(ctx, id, value).await?;
        }
        if old.rotation_lambda_arn != new.rotation_lambda_arn
            || old.rotation_rules != new.rotation_rules
        {
            Self::set_rotation(ctx, id, new).await?;
        }
        let tags = ctx.tags(new.tags.as_ref());
        tags::sync::<SecretsManagerTags>(&ctx.aws, id, &old_outputs.tags_all, &tags).await?;
        Ok(SecretOutputs {
            arn: old_outputs.arn.clone(),
            version_id,
            tags_all: tags,
        })
    }

    async fn delete(
        ctx: &Context,
        id: &str,
        inputs: &SecretInputs,
        _: &SecretOutputs,
    ) -> Result<(), ResourceError> {
        let force = inputs.recovery_window_in_days.is_none();
        ctx.wait_for(&format!("secret {id} to be deleted"), || async {
            let live = describe_secret(&ctx.aws, id).await?;
            match live {
                None => return Ok(Poll::Ready(())),
                Some(l) if l.deleted_date().is_some() && !force => return Ok(Poll::Ready(())),
                // Force-deleted: gone once DescribeSecret no longer finds it (the name is then free).
                Some(l) if l.deleted_date().is_some() => {
                    return Ok(Poll::Pending("scheduled for deletion, not yet gone".into()));
                }
                Some(_) => {}
            }
            match ctx
                .aws
                .secretsmanager
                .delete_secret()
                .secret_id(id)
                .set_force_delete_without_recovery(force.then_some(true))
                .set_recovery_window_in_days(inputs.recovery_window_in_days)
                .send()
                .await
                .map_err(|e| aws_error("secretsmanager:DeleteSecret", e))
            {
                Ok(_) => Ok(Poll::Pending("delete requested".into())),
                Err(e) if e.is_not_found() => Ok(Poll::Ready(())),
                Err(e) => Err(e),
            }
        })
        .await
    }
}
