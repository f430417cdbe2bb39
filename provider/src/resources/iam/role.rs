//! `orderapi:iam:Role` — an IAM role: trust policy, inline policies, managed policy attachments, maximum session
//! duration and tags. Policies are typed documents ([`super::policy`]) serialised with serde.
//!
//! IAM is global and eventually consistent: a role that was just created (or whose trust policy just changed) may
//! not be assumable by ECS, Lambda or STS for several seconds, and the calls right after `CreateRole` may answer
//! `NoSuchEntity`; those are retried for up to a minute (see the module docs of [`super`]).
//!
//! Role names are unique per account. A create looks the name up before its CreateRole call and after one whose
//! answer was lost or that IAM refused with EntityAlreadyExists ([`crate::lifecycle::create_once`]): a role with
//! this resource's identity that the engine does not record is the orphan of a lost create and is adopted (brought
//! to the declared settings, policies and tags); any other role of that name is a conflict.

use std::collections::{BTreeMap, BTreeSet};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::policy::{PolicyDocument, TrustPolicyDocument, check_policy_arn, is_iam_name};
use super::{check_tags, role_tags, settle, split_tags, sync_role_tags, tag_list};
use crate::error::{ResourceError, aws_error};
use crate::lifecycle::{Found, conflict, create_once, delete_retrying_plain};
use crate::no_retry;
use crate::resource::{CheckContext, CheckFailure, Context, CustomResource, Failures, Poll};

/// IAM's limit on a role name.
pub const MAX_NAME: usize = 64;
/// IAM's limit on the aggregate size of a role's inline policies (characters, without whitespace).
pub const MAX_INLINE_POLICY_SIZE: usize = 10_240;
/// IAM's default limit on a role trust policy (characters, without whitespace).
pub const MAX_TRUST_POLICY_SIZE: usize = 2_048;
/// IAM's hard limit of managed policies attached to a role (the default quota is 10).
pub const MAX_MANAGED_POLICIES: usize = 20;
/// The default (and minimum) maximum session duration, in seconds.
pub const DEFAULT_MAX_SESSION: i32 = 3_600;
/// The largest maximum session duration, in seconds (12 hours).
pub const MAX_MAX_SESSION: i32 = 43_200;

/// Inputs of an IAM role.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RoleInputs {
    /// The role name: 1-64 letters, digits and `+=,.@_-`, unique per account ignoring case (defaults to the
    /// resource name plus a random suffix).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The role's path: `/` (the default) or `/a/b/`, 1-512 printable ASCII characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// A description of the role (at most 1000 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The trust policy: who may assume the role (at most 2048 characters as IAM JSON).
    pub assume_role_policy: TrustPolicyDocument,
    /// Inline policies: policy name (1-128 letters, digits and `+=,.@_-`) → policy document. Together at most
    /// 10240 characters as IAM JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inline_policies: Option<BTreeMap<String, PolicyDocument>>,
    /// ARNs of managed policies to attach (AWS managed `arn:aws:iam::aws:policy/…` or customer managed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub managed_policy_arns: Option<Vec<String>>,
    /// The maximum session duration in seconds when the role is assumed: 3600 (the default) to 43200.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_session_duration: Option<i32>,
    /// Tags, in addition to the provider's default tags and the `ManagedBy` ownership tag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<BTreeMap<String, String>>,
}

/// Outputs of an IAM role.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RoleOutputs {
    /// The role's ARN.
    pub arn: String,
    /// The role's unique id (`AROA…`), which IAM uses in place of the ARN once a role of the same name is deleted.
    pub unique_id: String,
    /// Every tag on the role, including the provider's default and ownership tags.
    pub tags_all: BTreeMap<String, String>,
}

pub struct Role;

/// The role's path as IAM requires it: `/`, or `/…/` of printable ASCII, at most 512 characters.
fn path_ok(path: &str) -> bool {
    path.len() <= 512
        && path.starts_with('/')
        && path.ends_with('/')
        && path.chars().all(|c| ('\u{21}'..='\u{7e}').contains(&c))
}

/// A role description as IAM accepts it: at most 1000 characters of tab, newline and Latin-1 printable text.
fn description_ok(d: &str) -> bool {
    d.chars().count() <= 1000
        && d.chars().all(|c| {
            matches!(c, '\t' | '\n' | '\r')
                || ('\u{20}'..='\u{7e}').contains(&c)
                || ('\u{a1}'..='\u{ff}').contains(&c)
        })
}

/// An autoname turned into IAM's charset (the logical name may hold any character).
fn iam_charset(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "+=,.@_-".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect()
}

impl Role {
    /// Every inline policy name of `name` (`iam:ListRolePolicies`, all pages).
    async fn inline_names(ctx: &Context, name: &str) -> Result<BTreeSet<String>, ResourceError> {
        let mut all = BTreeSet::new();
        let mut marker: Option<String> = None;
        loop {
            let out = ctx
                .aws
                .iam
                .list_role_policies()
                .role_name(name)
                .set_marker(marker.take())
                .send()
                .await
                .map_err(|e| aws_error("iam:ListRolePolicies", e))?;
            all.extend(out.policy_names().iter().cloned());
            match out.marker() {
                Some(m) if out.is_truncated() => marker = Some(m.to_string()),
                _ => return Ok(all),
            }
        }
    }

    /// Every managed policy attached to `name` (`iam:ListAttachedRolePolicies`, all pages).
    async fn attached_arns(ctx: &Context, name: &str) -> Result<BTreeSet<String>, ResourceError> {
        let mut all = BTreeSet::new();
        let mut marker: Option<String> = None;
        loop {
            let out = ctx
                .aws
                .iam
                .list_attached_role_policies()
                .role_name(name)
                .set_marker(marker.take())
                .send()
                .await
                .map_err(|e| aws_error("iam:ListAttachedRolePolicies", e))?;
            all.extend(
                out.attached_policies()
                    .iter()
                    .filter_map(|p| p.policy_arn().map(str::to_string)),
            );
            match out.marker() {
                Some(m) if out.is_truncated() => marker = Some(m.to_string()),
                _ => return Ok(all),
            }
        }
    }

    /// Every instance profile holding `name` (`iam:ListInstanceProfilesForRole`, all pages).
    async fn instance_profiles(ctx: &Context, name: &str) -> Result<Vec<String>, ResourceError> {
        let mut all = Vec::new();
        let mut marker: Option<String> = None;
        loop {
            let out = ctx
                .aws
                .iam
                .list_instance_profiles_for_role()
                .role_name(name)
                .set_marker(marker.take())
                .send()
                .await
                .map_err(|e| aws_error("iam:ListInstanceProfilesForRole", e))?;
            all.extend(
                out.instance_profiles()
                    .iter()
                    .map(|p| p.instance_profile_name().to_string()),
            );
            match out.marker() {
                Some(m) if out.is_truncated() => marker = Some(m.to_string()),
                _ => return Ok(all),
            }
        }
    }

    /// The live role, `None` when IAM says it does not exist.
    async fn get(
        ctx: &Context,
        name: &str,
    ) -> Result<Option<aws_sdk_iam::types::Role>, ResourceError> {
        match ctx
            .aws
            .iam
            .get_role()
            .role_name(name)
            .send()
            .await
            .map_err(|e| aws_error("iam:GetRole", e))
        {
            Ok(out) => Ok(out.role().cloned()),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Sets the trust policy, description and maximum session duration of `name` (`iam:UpdateAssumeRolePolicy`,
    /// `iam:UpdateRole`); `old` skips what did not change.
    async fn set_settings(
        ctx: &Context,
        name: &str,
        new: &RoleInputs,
        old: Option<&RoleInputs>,
    ) -> Result<(), ResourceError> {
        let what = format!("role {name}");
        if old.is_none_or(|o| o.assume_role_policy != new.assume_role_policy) {
            let trust = new.assume_role_policy.to_json_string();
            settle(ctx, &what, || async {
                ctx.aws
                    .iam
                    .update_assume_role_policy()
                    .role_name(name)
                    .policy_document(&trust)
                    .send()
                    .await
                    .map_err(|e| aws_error("iam:UpdateAssumeRolePolicy", e))
            })
            .await?;
        }
        let max_session = new.max_session_duration.unwrap_or(DEFAULT_MAX_SESSION);
        if old.is_none_or(|o| {
            o.description != new.description
                || o.max_session_duration.unwrap_or(DEFAULT_MAX_SESSION) != max_session
        }) {
            // An empty description clears it.
            let description = new.description.clone().unwrap_or_default();
            settle(ctx, &what, || async {
                ctx.aws
                    .iam
                    .update_role()
                    .role_name(name)
                    .description(&description)
                    .max_session_duration(max_session)
                    .send()
                    .await
                    .map_err(|e| aws_error("iam:UpdateRole", e))
            })
            .await?;
        }
        Ok(())
    }

    /// Brings the inline policies and managed attachments of `name` in line with `new`, against what IAM holds:
    /// puts declared policies that are missing or changed since `old` (all of them when `old` is `None`), deletes
    /// undeclared ones, attaches missing managed policies and detaches undeclared ones. New permissions are
    /// granted before old ones are taken away.
    async fn converge_policies(
        ctx: &Context,
        name: &str,
        new: &RoleInputs,
        old: Option<&RoleInputs>,
    ) -> Result<(), ResourceError> {
        let what = format!("role {name}");
        let live_inline = settle(ctx, &what, || Self::inline_names(ctx, name)).await?;
        let live_attached = settle(ctx, &what, || Self::attached_arns(ctx, name)).await?;
        let empty = BTreeMap::new();
        let declared = new.inline_policies.as_ref().unwrap_or(&empty);
        let old_inline = old.and_then(|o| o.inline_policies.as_ref());
        for (policy, doc) in declared {
            let unchanged = old_inline.and_then(|o| o.get(policy)) == Some(doc);
            if unchanged && live_inline.contains(policy) {
                continue;
            }
            let json = doc.to_json_string();
            settle(ctx, &what, || async {
                ctx.aws
                    .iam
                    .put_role_policy()
                    .role_name(name)
                    .policy_name(policy)
                    .policy_document(&json)
                    .send()
                    .await
                    .map_err(|e| aws_error("iam:PutRolePolicy", e))
            })
            .await?;
        }
        let arns: BTreeSet<&String> = new.managed_policy_arns.iter().flatten().collect();
        for arn in arns.iter().filter(|a| !live_attached.contains(**a)) {
            settle(ctx, &what, || async {
                ctx.aws
                    .iam
                    .attach_role_policy()
                    .role_name(name)
                    .policy_arn(*arn)
                    .send()
                    .await
                    .map_err(|e| aws_error("iam:AttachRolePolicy", e))
            })
            .await?;
        }
        for policy in live_inline.iter().filter(|p| !declared.contains_key(*p)) {
            Self::delete_inline(ctx, name, policy).await?;
        }
        for arn in live_attached.iter().filter(|a| !arns.contains(a)) {
            Self::detach(ctx, name, arn).await?;
        }
        Ok(())
    }

    /// Deletes one inline policy; already gone is success.
    async fn delete_inline(ctx: &Context, name: &str, policy: &str) -> Result<(), ResourceError> {
        match ctx
            .aws
            .iam
            .delete_role_policy()
            .role_name(name)
            .policy_name(policy)
            .send()
            .await
            .map_err(|e| aws_error("iam:DeleteRolePolicy", e))
        {
            Err(e) if !e.is_not_found() => Err(e),
            _ => Ok(()),
        }
    }

    /// Detaches one managed policy; already detached is success.
    async fn detach(ctx: &Context, name: &str, arn: &str) -> Result<(), ResourceError> {
        match ctx
            .aws
            .iam
            .detach_role_policy()
            .role_name(name)
            .policy_arn(arn)
            .send()
            .await
            .map_err(|e| aws_error("iam:DetachRolePolicy", e))
        {
            Err(e) if !e.is_not_found() => Err(e),
            _ => Ok(()),
        }
    }

    /// The role found under our name while creating: adopted when it is the orphan of an interrupted create of
    /// this role (its identity, not recorded by the engine, and the same path); `None` when there is none; a
    /// conflict otherwise.
    async fn find_existing(
        ctx: &Context,
        name: &str,
        inputs: &RoleInputs,
    ) -> Result<Option<(aws_sdk_iam::types::Role, BTreeMap<String, String>)>, ResourceError> {
        let Some(role) = Self::get(ctx, name).await? else {
            return Ok(None);
        };
        let tags = match role_tags(ctx, name).await {
            Ok(tags) => tags,
            Err(e) if e.is_not_found() => return Ok(None),
            Err(e) => return Err(e),
        };
        match ctx.found(name, &tags) {
            Found::Orphan => {
                let path = inputs.path.as_deref().unwrap_or("/");
                if role.path() != path {
                    return Err(ResourceError::Conflict(format!(
                        "the IAM role '{name}' left by an interrupted create has path {} but this role declares \
                         {path} (a path cannot change); delete that role or choose another name",
                        role.path()
                    )));
                }
                ctx.adopting("IAM role", name);
                Ok(Some((role, tags)))
            }
            other => Err(conflict(&format!("an IAM role named '{name}'"), &other)),
        }
    }
}

impl CustomResource for Role {
    const TOKEN: &'static str = "orderapi:iam:Role";
    const DESCRIPTION: &'static str = "An IAM role with a typed trust policy, inline policies and managed policy \
        attachments, tagged and owned by this provider. IAM is eventually consistent: a new role may not be \
        assumable for a few seconds after it is created.";
    const REPLACE_ON_CHANGES: &'static [&'static str] = &["name", "path"];
    /// IAM keeps role names unique per account and a replacement usually keeps the name (a `path` change, or an
    /// autonamed role, which keeps its name): the old role is deleted first.
    const DELETE_BEFORE_REPLACE: bool = true;
    const UNIQUE_BY: &'static [&'static str] = &["name"];
    type Inputs = RoleInputs;
    type Outputs = RoleOutputs;

    fn check(ctx: &CheckContext, mut inputs: RoleInputs) -> Result<RoleInputs, Vec<CheckFailure>> {
        let mut f = Failures::default();
        let name = inputs
            .name
            .get_or_insert_with(|| iam_charset(&ctx.autoname(MAX_NAME)));
        f.require(
            is_iam_name(name, MAX_NAME),
            "name",
            format!("'{name}' must be 1-{MAX_NAME} letters, digits and +=,.@_-"),
        );
        let path = inputs.path.get_or_insert_with(|| "/".to_string());
        f.require(
            path_ok(path),
            "path",
            format!("'{path}' must be `/` or start and end with `/` (e.g. /service/), 1-512 printable ASCII characters"),
        );
        inputs.description = inputs.description.take().filter(|d| !d.is_empty());
        if let Some(d) = &inputs.description {
            f.require(
                description_ok(d),
                "description",
                "must be at most 1000 characters of printable text (Latin-1, tabs and newlines)",
            );
        }
        let max_session = *inputs
            .max_session_duration
            .get_or_insert(DEFAULT_MAX_SESSION);
        f.require(
            (DEFAULT_MAX_SESSION..=MAX_MAX_SESSION).contains(&max_session),
            "maxSessionDuration",
            format!("{max_session} must be between {DEFAULT_MAX_SESSION} and {MAX_MAX_SESSION} seconds (1 to 12 hours)"),
        );

        inputs.assume_role_policy.normalize();
        inputs
            .assume_role_policy
            .validate("assumeRolePolicy", &mut f);
        let trust_size = inputs.assume_role_policy.to_json_string().chars().count();
        f.require(
            trust_size <= MAX_TRUST_POLICY_SIZE,
            "assumeRolePolicy",
            format!("is {trust_size} characters as IAM JSON; IAM allows {MAX_TRUST_POLICY_SIZE}"),
        );

        if let Some(policies) = inputs.inline_policies.as_mut() {
            let mut total = 0;
            for (policy, doc) in policies.iter_mut() {
                let property = format!("inlinePolicies[\"{policy}\"]");
                f.require(
                    is_iam_name(policy, 128),
                    property.clone(),
                    format!("policy name '{policy}' must be 1-128 letters, digits and +=,.@_-"),
                );
                doc.normalize();
                doc.validate(&property, &mut f);
                total += doc.to_json_string().chars().count();
            }
            f.require(
                total <= MAX_INLINE_POLICY_SIZE,
                "inlinePolicies",
                format!(
                    "the inline policies are {total} characters as IAM JSON together; IAM allows \
                     {MAX_INLINE_POLICY_SIZE} per role (use managed policies for more)"
                ),
            );
        }
        if inputs
            .inline_policies
            .as_ref()
            .is_some_and(BTreeMap::is_empty)
        {
            inputs.inline_policies = None;
        }

        if let Some(arns) = inputs.managed_policy_arns.as_mut() {
            arns.sort();
            arns.dedup();
            for (i, arn) in arns.iter().enumerate() {
                if let Err(reason) = check_policy_arn(arn) {
                    f.push(format!("managedPolicyArns[{i}]"), reason);
                }
            }
            f.require(
                arns.len() <= MAX_MANAGED_POLICIES,
                "managedPolicyArns",
                format!(
                    "{} managed policies; IAM attaches at most {MAX_MANAGED_POLICIES} to a role (10 by default)",
                    arns.len()
                ),
            );
        }
        if inputs
            .managed_policy_arns
            .as_ref()
            .is_some_and(Vec::is_empty)
        {
            inputs.managed_policy_arns = None;
        }
        check_tags(inputs.tags.as_ref(), &mut f);
        f.finish(inputs)
    }

    async fn create(
        ctx: &Context,
        inputs: &RoleInputs,
    ) -> Result<(String, RoleOutputs), ResourceError> {
        let name = inputs.name.clone().unwrap_or_default();
        let tags = ctx.tags(inputs.tags.as_ref());
        let made = create_once(
            ctx,
            &format!("IAM role {name}"),
            || async {
                Ok(Self::find_existing(ctx, &name, inputs)
                    .await?
                    .map(|(role, live)| (role, Some(live))))
            },
            || async {
                let out = ctx
                    .aws
                    .iam
                    .create_role()
                    .role_name(&name)
                    .path(inputs.path.as_deref().unwrap_or("/"))
                    .assume_role_policy_document(inputs.assume_role_policy.to_json_string())
                    .set_description(inputs.description.clone())
                    .max_session_duration(
                        inputs.max_session_duration.unwrap_or(DEFAULT_MAX_SESSION),
                    )
                    .set_tags(Some(tag_list(&tags)?))
                    .customize()
                    .config_override(no_retry!(aws_sdk_iam))
                    .send()
                    .await
                    .map_err(|e| aws_error("iam:CreateRole", e))?;
                let role = out.role().cloned().ok_or_else(|| {
                    ResourceError::Internal("iam:CreateRole returned no role".into())
                })?;
                Ok((role, None))
            },
        )
        .await?;
        let (role, adopted_tags) = made.into_inner();
        let outputs = RoleOutputs {
            arn: role.arn().to_string(),
            unique_id: role.role_id().to_string(),
            tags_all: tags.clone(),
        };
        let finish = async {
            if let Some(live_tags) = &adopted_tags {
                // An adopted role may differ in anything: bring it in line.
                Self::set_settings(ctx, &name, inputs, None).await?;
                sync_role_tags(ctx, &name, live_tags, &tags).await?;
            }
            Self::converge_policies(ctx, &name, inputs, None).await
        };
        finish.await.map_err(|e| e.partial(&name, &outputs))?;
        Ok((name, outputs))
    }

    async fn read(
        ctx: &Context,
        id: &str,
        prior: Option<&RoleInputs>,
    ) -> Result<Option<(RoleInputs, RoleOutputs)>, ResourceError> {
        let Some(role) = Self::get(ctx, id).await? else {
            return Ok(None);
        };
        let unreadable = |what: &str, e: String| {
            ResourceError::Internal(format!(
                "role {id}: the {what} IAM returned cannot be read: {e}"
            ))
        };
        let mut trust =
            TrustPolicyDocument::from_aws(role.assume_role_policy_document().unwrap_or_default())
                .map_err(|e| unreadable("trust policy", e))?;
        trust.reconcile_with(prior.map(|p| &p.assume_role_policy));

        let gone = |e: ResourceError| -> Result<Option<(RoleInputs, RoleOutputs)>, ResourceError> {
            if e.is_not_found() { Ok(None) } else { Err(e) }
        };
        let names = match Self::inline_names(ctx, id).await {
            Ok(names) => names,
            Err(e) => return gone(e),
        };
        let mut inline = BTreeMap::new();
        for policy in names {
            let out = match ctx
                .aws
                .iam
                .get_role_policy()
                .role_name(id)
                .policy_name(&policy)
                .send()
                .await
                .map_err(|e| aws_error("iam:GetRolePolicy", e))
            {
                Ok(out) => out,
                // Deleted between the list and the get.
                Err(e) if e.is_not_found() => continue,
                Err(e) => return Err(e),
            };
            let doc = PolicyDocument::from_aws(out.policy_document())
                .map_err(|e| unreadable(&format!("inline policy {policy}"), e))?;
            inline.insert(policy, doc);
        }
        let arns = match Self::attached_arns(ctx, id).await {
            Ok(arns) => arns,
            Err(e) => return gone(e),
        };
        let live_tags = match role_tags(ctx, id).await {
            Ok(tags) => tags,
            Err(e) => return gone(e),
        };
        let (tags, tags_all) = split_tags(&ctx.aws, live_tags, prior.and_then(|p| p.tags.as_ref()));
        let inputs = RoleInputs {
            name: Some(role.role_name().to_string()),
            path: Some(role.path().to_string()),
            description: role
                .description()
                .filter(|d| !d.is_empty())
                .map(str::to_string),
            assume_role_policy: trust,
            inline_policies: (!inline.is_empty()).then_some(inline),
            managed_policy_arns: (!arns.is_empty()).then(|| arns.into_iter().collect()),
            max_session_duration: Some(role.max_session_duration().unwrap_or(DEFAULT_MAX_SESSION)),
            tags,
        };
        let outputs = RoleOutputs {
            arn: role.arn().to_string(),
            unique_id: role.role_id().to_string(),
            tags_all,
        };
        Ok(Some((inputs, outputs)))
    }

    async fn update(
        ctx: &Context,
        id: &str,
        old: &RoleInputs,
        old_outputs: &RoleOutputs,
        new: &RoleInputs,
    ) -> Result<RoleOutputs, ResourceError> {
        Self::set_settings(ctx, id, new, Some(old)).await?;
        Self::converge_policies(ctx, id, new, Some(old)).await?;
        let tags = ctx.tags(new.tags.as_ref());
        sync_role_tags(ctx, id, &old_outputs.tags_all, &tags).await?;
        Ok(RoleOutputs {
            tags_all: tags,
            ..old_outputs.clone()
        })
    }

    async fn delete(
        ctx: &Context,
        id: &str,
        _: &RoleInputs,
        _: &RoleOutputs,
    ) -> Result<(), ResourceError> {
        // IAM refuses to delete a role that still has policies or instance profiles (DeleteConflict, in use);
        // something may attach one concurrently, so the whole sequence is retried until the role is gone.
        delete_retrying_plain(ctx, &format!("IAM role {id}"), || async {
            for arn in Self::attached_arns(ctx, id).await? {
                Self::detach(ctx, id, &arn).await?;
            }
            for policy in Self::inline_names(ctx, id).await? {
                Self::delete_inline(ctx, id, &policy).await?;
            }
            for profile in Self::instance_profiles(ctx, id).await? {
                match ctx
                    .aws
                    .iam
                    .remove_role_from_instance_profile()
                    .instance_profile_name(&profile)
                    .role_name(id)
                    .send()
                    .await
                    .map_err(|e| aws_error("iam:RemoveRoleFromInstanceProfile", e))
                {
                    Err(e) if !e.is_not_found() => return Err(e),
                    _ => {}
                }
            }
            ctx.aws
                .iam
                .delete_role()
                .role_name(id)
                .send()
                .await
                .map_err(|e| aws_error("iam:DeleteRole", e))?;
            Ok(())
        })
        .await?;
        // IAM is eventually consistent: wait until it no longer returns the role.
        ctx.wait_for(&format!("IAM role {id} to disappear"), || async {
            Ok(match Self::get(ctx, id).await? {
                None => Poll::Ready(()),
                Some(_) => Poll::Pending("still visible".into()),
            })
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_paths() {
        assert_eq!(iam_charset("my role/x"), "my-role-x");
        assert!(path_ok("/"));
        assert!(path_ok("/service/orders/"));
        assert!(!path_ok("service/"));
        assert!(!path_ok("/service"));
        assert!(!path_ok("/has space/"));
        assert!(description_ok("Orders API task role"));
        assert!(!description_ok(&"x".repeat(1001)));
    }
}
