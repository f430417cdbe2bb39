//! `orderapi:ecr:Repository` — a private ECR repository: scan on push, encryption, tag mutability, a lifecycle
//! policy from typed inputs, and a destroy that never blocks on images (`forceDelete`).
//!
//! Repository names are unique per registry. A create looks the name up before each CreateRepository call
//! ([`crate::lifecycle::create_once`]; ECR refuses a taken name with RepositoryAlreadyExistsException, after which it
//! looks again): a repository with this resource's identity that the engine does not record is the orphan of a lost
//! create and is adopted (brought to the declared settings and tags); any other is a conflict.

use std::collections::BTreeMap;

use aws_sdk_ecr::types::{
    EncryptionConfiguration, EncryptionType, ImageScanningConfiguration, ImageTagMutability,
    Repository as EcrRepository,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{EcrTags, check_name, check_tags, is_kms_key_arn, live_tags, tag_list};
use crate::error::{ResourceError, aws_error};
use crate::lifecycle::{Found, conflict, create_once};
use crate::no_retry;
use crate::resource::{CheckContext, CheckFailure, Context, CustomResource, Failures, Poll};
use crate::resources::tags;

/// The largest image count or day count a lifecycle rule takes here (ECR's default image quota per repository is
/// 20,000; 10 years of days).
const MAX_IMAGES: u32 = 20_000;
const MAX_DAYS: u32 = 3_650;

/// Inputs of an ECR repository.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RepositoryInputs {
    /// Repository name (2-256 characters: lowercase letters, digits, and `/`-separated components joined by single
    /// `.`, `_` or `-`). Defaults to the resource name, lowercased, plus a random suffix. Changing it replaces the
    /// repository.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Scan each image for vulnerabilities when it is pushed (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scan_on_push: Option<bool>,
    /// `AES256` (default, S3-managed keys) or `KMS`. Encryption cannot change after creation: a change replaces
    /// the repository.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encryption_type: Option<String>,
    /// With `encryptionType` `KMS`: the ARN of the KMS key (default: the AWS-managed `aws/ecr` key). A change
    /// replaces the repository.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_key: Option<String>,
    /// `MUTABLE` (default: a tag can be pushed again) or `IMMUTABLE` (a pushed tag can never point elsewhere).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_tag_mutability: Option<String>,
    /// Which images ECR expires automatically; absent = none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lifecycle_policy: Option<RepositoryLifecyclePolicy>,
    /// Delete the repository even when it still holds images (default true), so a destroy never blocks on them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub force_delete: Option<bool>,
    /// Tags, in addition to the provider's default tags and the `ManagedBy` ownership tag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<BTreeMap<String, String>>,
}

/// A lifecycle policy as typed rules; the provider writes ECR's lifecycle policy JSON from it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RepositoryLifecyclePolicy {
    /// Keep only this many of the most recently pushed images (tagged or not); older ones expire (1-20000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keep_last_images: Option<u32>,
    /// Expire untagged images this many days after they were pushed (1-3650).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expire_untagged_after_days: Option<u32>,
}

/// Outputs of an ECR repository.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RepositoryOutputs {
    /// The URL to push to and pull from (`<registry>.dkr.ecr.<region>.amazonaws.com/<name>`).
    pub repository_url: String,
    /// The repository's ARN.
    pub arn: String,
    /// The registry (AWS account) ID that holds the repository.
    pub registry_id: String,
    /// Every tag on the repository, including the provider's default and ownership tags.
    pub tags_all: BTreeMap<String, String>,
}

/// ECR's lifecycle policy document (the JSON `PutLifecyclePolicy` takes).
#[derive(Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PolicyDocument {
    rules: Vec<PolicyRule>,
}

/// One lifecycle rule.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PolicyRule {
    rule_priority: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    selection: PolicySelection,
    action: PolicyAction,
}

/// Which images a lifecycle rule selects.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PolicySelection {
    tag_status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    tag_prefix_list: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    tag_pattern_list: Option<Vec<String>>,
    count_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    count_unit: Option<String>,
    count_number: u32,
}

/// What a lifecycle rule does to the images it selects.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct PolicyAction {
    #[serde(rename = "type")]
    kind: String,
}

impl RepositoryLifecyclePolicy {
    /// ECR's policy document. The `tagStatus: any` rule must have the highest priority number (ECR evaluates it
    /// last), so the untagged rule comes first.
    fn document(&self) -> PolicyDocument {
        let mut rules = Vec::new();
        if let Some(days) = self.expire_untagged_after_days {
            rules.push(PolicyRule {
                rule_priority: 1,
                description: Some(format!("Expire untagged images {days} days after push")),
                selection: PolicySelection {
                    tag_status: "untagged".into(),
                    tag_prefix_list: None,
                    tag_pattern_list: None,
                    count_type: "sinceImagePushed".into(),
                    count_unit: Some("days".into()),
                    count_number: days,
                },
                action: PolicyAction {
                    kind: "expire".into(),
                },
            });
        }
        if let Some(keep) = self.keep_last_images {
            rules.push(PolicyRule {
                rule_priority: 2,
                description: Some(format!("Keep the last {keep} images")),
                selection: PolicySelection {
                    tag_status: "any".into(),
                    tag_prefix_list: None,
                    tag_pattern_list: None,
                    count_type: "imageCountMoreThan".into(),
                    count_unit: None,
                    count_number: keep,
                },
                action: PolicyAction {
                    kind: "expire".into(),
                },
            });
        }
        PolicyDocument { rules }
    }

    fn to_json(&self) -> Result<String, ResourceError> {
        serde_json::to_string(&self.document()).map_err(|e| {
            ResourceError::Internal(format!("cannot serialize the lifecycle policy: {e}"))
        })
    }

    /// The typed policy of a live policy document, when it is one this provider writes (same rules, same
    /// priorities); `None` for anything else.
    fn parse(text: &str) -> Option<RepositoryLifecyclePolicy> {
        let doc: PolicyDocument = serde_json::from_str(text).ok()?;
        let mut policy = RepositoryLifecyclePolicy::default();
        for rule in &doc.rules {
            let s = &rule.selection;
            if rule.action.kind != "expire"
                || s.tag_prefix_list.is_some()
                || s.tag_pattern_list.is_some()
            {
                return None;
            }
            match (
                s.tag_status.as_str(),
                s.count_type.as_str(),
                s.count_unit.as_deref(),
            ) {
                ("untagged", "sinceImagePushed", Some("days"))
                    if policy.expire_untagged_after_days.is_none() =>
                {
                    policy.expire_untagged_after_days = Some(s.count_number);
                }
                ("any", "imageCountMoreThan", None) if policy.keep_last_images.is_none() => {
                    policy.keep_last_images = Some(s.count_number);
                }
                _ => return None,
            }
        }
        // Same rules but another order or priorities is still drift: compare with what this provider writes.
        let ours = policy.document();
        let same = ours.rules.len() == doc.rules.len()
            && ours
                .rules
                .iter()
                .zip(&doc.rules)
                .all(|(a, b)| a.rule_priority == b.rule_priority && a.selection == b.selection);
        same.then_some(policy)
    }
}

pub struct Repository;

impl Repository {
    /// The repository named `name`, or `None`.
    async fn describe(ctx: &Context, name: &str) -> Result<Option<EcrRepository>, ResourceError> {
        match ctx
            .aws
            .ecr
            .describe_repositories()
            .repository_names(name)
            .send()
            .await
            .map_err(|e| aws_error("ecr:DescribeRepositories", e))
        {
            Ok(out) => Ok(out
                .repositories()
                .iter()
                .find(|r| r.repository_name() == Some(name))
                .cloned()),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn outputs(repo: &EcrRepository, tags_all: BTreeMap<String, String>) -> RepositoryOutputs {
        RepositoryOutputs {
            repository_url: repo.repository_uri().unwrap_or_default().to_string(),
            arn: repo.repository_arn().unwrap_or_default().to_string(),
            registry_id: repo.registry_id().unwrap_or_default().to_string(),
            tags_all,
        }
    }

    /// Whether a live repository's encryption is what `inputs` asks for (a `KMS` repository without a declared
    /// key matches any key: ECR fills in the AWS-managed one).
    fn encryption_matches(repo: &EcrRepository, inputs: &RepositoryInputs) -> bool {
        let live = repo.encryption_configuration();
        let live_type = live
            .map(|e| e.encryption_type().as_str())
            .unwrap_or("AES256");
        live_type == inputs.encryption_type.as_deref().unwrap_or("AES256")
            && (inputs.kms_key.is_none()
                || live.and_then(|e| e.kms_key()) == inputs.kms_key.as_deref())
    }

    async fn put_scanning(ctx: &Context, name: &str, scan: bool) -> Result<(), ResourceError> {
        ctx.aws
            .ecr
            .put_image_scanning_configuration()
            .repository_name(name)
            .image_scanning_configuration(
                ImageScanningConfiguration::builder()
                    .scan_on_push(scan)
                    .build(),
            )
            .send()
            .await
            .map_err(|e| aws_error("ecr:PutImageScanningConfiguration", e))?;
        Ok(())
    }

    async fn put_mutability(ctx: &Context, name: &str, value: &str) -> Result<(), ResourceError> {
        ctx.aws
            .ecr
            .put_image_tag_mutability()
            .repository_name(name)
            .image_tag_mutability(ImageTagMutability::from(value))
            .send()
            .await
            .map_err(|e| aws_error("ecr:PutImageTagMutability", e))?;
        Ok(())
    }

    /// Writes the lifecycle policy, or deletes it when none is declared (none there already is fine).
    async fn set_lifecycle(
        ctx: &Context,
        name: &str,
        policy: Option<&RepositoryLifecyclePolicy>,
    ) -> Result<(), ResourceError> {
        match policy {
            Some(p) => {
                ctx.aws
                    .ecr
                    .put_lifecycle_policy()
                    .repository_name(name)
                    .lifecycle_policy_text(p.to_json()?)
                    .send()
                    .await
                    .map_err(|e| aws_error("ecr:PutLifecyclePolicy", e))?;
            }
            None => match ctx
                .aws
                .ecr
                .delete_lifecycle_policy()
                .repository_name(name)
                .send()
                .await
                .map_err(|e| aws_error("ecr:DeleteLifecyclePolicy", e))
            {
                Ok(_) => {}
                // No lifecycle policy (LifecyclePolicyNotFoundException) is what is wanted.
                Err(e) if e.is_not_found() => {}
                Err(e) => return Err(e),
            },
        }
        Ok(())
    }

    /// The live lifecycle policy: `Ok(None)` when there is none, `Ok(Some(None))` when there is one this provider
    /// does not write (shown as drift, so the next update puts the declared one back).
    async fn lifecycle(
        ctx: &Context,
        name: &str,
    ) -> Result<Option<Option<RepositoryLifecyclePolicy>>, ResourceError> {
        match ctx
            .aws
            .ecr
            .get_lifecycle_policy()
            .repository_name(name)
            .send()
            .await
            .map_err(|e| aws_error("ecr:GetLifecyclePolicy", e))
        {
            Ok(out) => Ok(Some(RepositoryLifecyclePolicy::parse(
                out.lifecycle_policy_text().unwrap_or_default(),
            ))),
            // LifecyclePolicyNotFoundException (a missing repository is caught by `describe` first).
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }
}

impl CustomResource for Repository {
    const TOKEN: &'static str = "orderapi:ecr:Repository";
    const DESCRIPTION: &'static str = "A private Amazon ECR repository with scan on push, encryption, tag \
        mutability and a lifecycle policy, tagged and owned by this provider.";
    const REPLACE_ON_CHANGES: &'static [&'static str] = &["name", "encryptionType", "kmsKey"];
    /// ECR keeps repository names unique per registry, and a replacement for encryption keeps the name.
    const DELETE_BEFORE_REPLACE: bool = true;
    const UNIQUE_BY: &'static [&'static str] = &["name"];
    type Inputs = RepositoryInputs;
    type Outputs = RepositoryOutputs;

    fn check(
        ctx: &CheckContext,
        mut inputs: RepositoryInputs,
    ) -> Result<RepositoryInputs, Vec<CheckFailure>> {
        let mut f = Failures::default();
        check_name(ctx, &mut inputs.name, &mut f);
        check_tags(inputs.tags.as_ref(), &mut f);
        inputs.scan_on_push.get_or_insert(true);
        inputs.force_delete.get_or_insert(true);
        let encryption = inputs
            .encryption_type
            .get_or_insert_with(|| "AES256".to_string())
            .clone();
        f.require(
            matches!(encryption.as_str(), "AES256" | "KMS"),
            "encryptionType",
            format!("'{encryption}' must be `AES256` or `KMS`"),
        );
        if let Some(key) = &inputs.kms_key {
            f.require(
                encryption == "KMS",
                "kmsKey",
                "needs encryptionType `KMS` (AES256 uses S3-managed keys)",
            );
            f.require(
                is_kms_key_arn(key),
                "kmsKey",
                format!(
                    "'{key}' is not a KMS key ARN such as \
                     arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
                ),
            );
        }
        let mutability = inputs
            .image_tag_mutability
            .get_or_insert_with(|| "MUTABLE".to_string());
        f.require(
            matches!(mutability.as_str(), "MUTABLE" | "IMMUTABLE"),
            "imageTagMutability",
            format!("'{mutability}' must be `MUTABLE` or `IMMUTABLE`"),
        );
        if let Some(p) = &inputs.lifecycle_policy {
            f.require(
                p.keep_last_images.is_some() || p.expire_untagged_after_days.is_some(),
                "lifecyclePolicy",
                "set keepLastImages and/or expireUntaggedAfterDays (ECR rejects a policy without rules), or \
                 leave lifecyclePolicy out",
            );
            if let Some(n) = p.keep_last_images {
                f.require(
                    (1..=MAX_IMAGES).contains(&n),
                    "lifecyclePolicy.keepLastImages",
                    format!("must be between 1 and {MAX_IMAGES}"),
                );
            }
            if let Some(n) = p.expire_untagged_after_days {
                f.require(
                    (1..=MAX_DAYS).contains(&n),
                    "lifecyclePolicy.expireUntaggedAfterDays",
                    format!("must be between 1 and {MAX_DAYS}"),
                );
            }
        }
        f.finish(inputs)
    }

    async fn create(
        ctx: &Context,
        inputs: &RepositoryInputs,
    ) -> Result<(String, RepositoryOutputs), ResourceError> {
        let name = inputs.name.clone().unwrap_or_default();
        let tags = ctx.tags(inputs.tags.as_ref());
        let scan = inputs.scan_on_push.unwrap_or(true);
        let mutability = inputs.image_tag_mutability.as_deref().unwrap_or("MUTABLE");
        let made = create_once(
            ctx,
            &format!("ECR repository {name}"),
            || async {
                let Some(repo) = Self::describe(ctx, &name).await? else {
                    return Ok(None);
                };
                let live = live_tags(&ctx.aws, repo.repository_arn().unwrap_or_default()).await?;
                match ctx.found(&name, &live) {
                    Found::Orphan if !Self::encryption_matches(&repo, inputs) => {
                        Err(ResourceError::Conflict(format!(
                            "an interrupted create left ECR repository '{name}' with other encryption settings \
                             than declared (encryption cannot change); delete that repository and run \
                             `pulumi up` again"
                        )))
                    }
                    Found::Orphan => {
                        ctx.adopting("ECR repository", &name);
                        Ok(Some((repo, Some(live))))
                    }
                    other => Err(conflict(
                        &format!("an ECR repository named '{name}'"),
                        &other,
                    )),
                }
            },
            || async {
                let mut encryption = EncryptionConfiguration::builder().encryption_type(
                    EncryptionType::from(inputs.encryption_type.as_deref().unwrap_or("AES256")),
                );
                if let Some(key) = &inputs.kms_key {
                    encryption = encryption.kms_key(key);
                }
                let encryption = encryption.build().map_err(|e| {
                    ResourceError::Internal(format!(
                        "cannot build the encryption configuration: {e}"
                    ))
                })?;
                let out = ctx
                    .aws
                    .ecr
                    .create_repository()
                    .repository_name(&name)
                    .set_tags(Some(tag_list(&tags)?))
                    .image_tag_mutability(ImageTagMutability::from(mutability))
                    .image_scanning_configuration(
                        ImageScanningConfiguration::builder()
                            .scan_on_push(scan)
                            .build(),
                    )
                    .encryption_configuration(encryption)
                    .customize()
                    .config_override(no_retry!(aws_sdk_ecr))
                    .send()
                    .await
                    .map_err(|e| aws_error("ecr:CreateRepository", e))?;
                let repo = out.repository().cloned().ok_or_else(|| {
                    ResourceError::Internal("ecr:CreateRepository returned no repository".into())
                })?;
                Ok((repo, None))
            },
        )
        .await?;
        let (repo, adopted) = made.into_inner();
        let outputs = Self::outputs(&repo, tags.clone());
        let arn = outputs.arn.clone();
        let steps = async {
            if let Some(live) = &adopted {
                // An adopted repository may hold stale settings and tags: bring them in line.
                Self::put_scanning(ctx, &name, scan).await?;
                Self::put_mutability(ctx, &name, mutability).await?;
                tags::sync::<EcrTags>(&ctx.aws, &arn, live, &tags).await?;
            }
            if inputs.lifecycle_policy.is_some() || adopted.is_some() {
                Self::set_lifecycle(ctx, &name, inputs.lifecycle_policy.as_ref()).await?;
            }
            Ok::<(), ResourceError>(())
        };
        steps.await.map_err(|e| e.partial(&name, &outputs))?;
        Ok((name, outputs))
    }

    async fn read(
        ctx: &Context,
        id: &str,
        prior: Option<&RepositoryInputs>,
    ) -> Result<Option<(RepositoryInputs, RepositoryOutputs)>, ResourceError> {
        let Some(repo) = Self::describe(ctx, id).await? else {
            return Ok(None);
        };
        let arn = repo.repository_arn().unwrap_or_default().to_string();
        let all = match live_tags(&ctx.aws, &arn).await {
            Ok(t) => t,
            Err(e) if e.is_not_found() => return Ok(None),
            Err(e) => return Err(e),
        };
        let prior_tags = prior.and_then(|p| p.tags.as_ref());
        let (name_tag, mut own, tags_all) = tags::split(&ctx.aws, all, prior_tags);
        // `Name` is an ordinary tag on ECR (tags::split treats it as EC2's physical name).
        if let Some(n) = name_tag
            && (prior_tags.is_some_and(|p| p.contains_key("Name"))
                || ctx.aws.default_tags.get("Name") != Some(&n))
        {
            own.get_or_insert_with(BTreeMap::new)
                .insert("Name".into(), n);
        }
        let lifecycle = match Self::lifecycle(ctx, id).await {
            Ok(Some(Some(p))) => Some(p),
            Ok(Some(None)) => {
                ctx.warn(format!(
                    "ECR repository {id} has a lifecycle policy this provider did not write; the next update \
                     replaces it with the declared one"
                ));
                None
            }
            Ok(None) => None,
            Err(e) if e.is_not_found() => return Ok(None),
            Err(e) => return Err(e),
        };
        let encryption = repo.encryption_configuration();
        let encryption_type = encryption
            .map(|e| e.encryption_type().as_str().to_string())
            .unwrap_or_else(|| "AES256".to_string());
        // A KMS repository declared without a key uses the AWS-managed key, whose ARN ECR reports: keep it
        // undeclared (no drift). On import (no prior) the live key is shown.
        let kms_key = match prior {
            Some(p) if p.kms_key.is_none() => None,
            _ => encryption.and_then(|e| e.kms_key()).map(str::to_string),
        };
        let inputs = RepositoryInputs {
            name: Some(id.to_string()),
            scan_on_push: Some(
                repo.image_scanning_configuration()
                    .is_some_and(|s| s.scan_on_push()),
            ),
            encryption_type: Some(encryption_type),
            kms_key,
            image_tag_mutability: Some(
                repo.image_tag_mutability()
                    .map(|m| m.as_str().to_string())
                    .unwrap_or_else(|| "MUTABLE".to_string()),
            ),
            lifecycle_policy: lifecycle,
            // Not an AWS setting: how this provider deletes.
            force_delete: Some(prior.and_then(|p| p.force_delete).unwrap_or(true)),
            tags: own,
        };
        Ok(Some((inputs, Self::outputs(&repo, tags_all))))
    }

    async fn update(
        ctx: &Context,
        id: &str,
        old: &RepositoryInputs,
        old_outputs: &RepositoryOutputs,
        new: &RepositoryInputs,
    ) -> Result<RepositoryOutputs, ResourceError> {
        let scan = new.scan_on_push.unwrap_or(true);
        if old.scan_on_push.unwrap_or(true) != scan {
            Self::put_scanning(ctx, id, scan).await?;
        }
        let mutability = new.image_tag_mutability.as_deref().unwrap_or("MUTABLE");
        if old.image_tag_mutability.as_deref().unwrap_or("MUTABLE") != mutability {
            Self::put_mutability(ctx, id, mutability).await?;
        }
        if old.lifecycle_policy != new.lifecycle_policy {
            Self::set_lifecycle(ctx, id, new.lifecycle_policy.as_ref()).await?;
        }
        let tags = ctx.tags(new.tags.as_ref());
        tags::sync::<EcrTags>(&ctx.aws, &old_outputs.arn, &old_outputs.tags_all, &tags).await?;
        Ok(RepositoryOutputs {
            tags_all: tags,
            ..old_outputs.clone()
        })
    }

    async fn delete(
        ctx: &Context,
        id: &str,
        inputs: &RepositoryInputs,
        _: &RepositoryOutputs,
    ) -> Result<(), ResourceError> {
        let force = inputs.force_delete.unwrap_or(true);
        match ctx
            .aws
            .ecr
            .delete_repository()
            .repository_name(id)
            .force(force)
            .send()
            .await
            .map_err(|e| aws_error("ecr:DeleteRepository", e))
        {
            Ok(_) => {}
            Err(e) if e.is_not_found() => return Ok(()),
            Err(ResourceError::Aws {
                operation,
                code,
                message,
                ..
            }) if code == "RepositoryNotEmptyException" => {
                return Err(ResourceError::Aws {
                    operation,
                    code,
                    message,
                    hint: Some(
                        "the repository still holds images and forceDelete is false; delete the images or set \
                         forceDelete to true (then `pulumi up` before destroying)"
                            .into(),
                    ),
                });
            }
            Err(e) => return Err(e),
        }
        ctx.wait_for(&format!("ECR repository {id} to be deleted"), || async {
            Ok(match Self::describe(ctx, id).await? {
                None => Poll::Ready(()),
                Some(_) => Poll::Pending("still listed".into()),
            })
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifecycle_policy_round_trips_and_puts_the_any_rule_last() {
        let p = RepositoryLifecyclePolicy {
            keep_last_images: Some(30),
            expire_untagged_after_days: Some(7),
        };
        let json = p.to_json().expect("json");
        let v: serde_json::Value = serde_json::from_str(&json).expect("valid json");
        assert_eq!(v["rules"][0]["selection"]["tagStatus"], "untagged");
        assert_eq!(v["rules"][1]["selection"]["tagStatus"], "any");
        assert_eq!(v["rules"][1]["rulePriority"], 2);
        assert_eq!(RepositoryLifecyclePolicy::parse(&json), Some(p));
        let foreign = r#"{"rules":[{"rulePriority":1,"selection":{"tagStatus":"tagged","tagPrefixList":["v"],
            "countType":"imageCountMoreThan","countNumber":3},"action":{"type":"expire"}}]}"#;
        assert_eq!(RepositoryLifecyclePolicy::parse(foreign), None);
    }
}
