//! `orderapi:ssm:Parameter` — an SSM Parameter Store parameter. Its `value` is always secret in Pulumi state
//! (whatever its type: a `SecureString` value must never be shown, and the state cannot depend on the type).

use std::collections::BTreeMap;

use aws_sdk_ssm::types::{ParameterTier, ParameterType};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{SsmTags, check_tags, describe_parameter, live_tags, tag_list};
use crate::error::{ResourceError, aws_error};
use crate::lifecycle::{Found, conflict, create_once, delete_and_wait};
use crate::resource::{CheckContext, CheckFailure, Context, CustomResource, Failures};
use crate::resources::tags;

/// Inputs of a parameter.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ParameterInputs {
    /// Parameter name: at most 2048 characters of `a-zA-Z0-9_.-/`, at most 15 levels, starting with `/` when
    /// hierarchical, not starting with `aws` or `ssm`. Defaults to the resource name plus a random suffix.
    /// Changing it replaces the parameter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `String`, `StringList` or `SecureString`. Changing it replaces the parameter.
    #[serde(rename = "type")]
    pub parameter_type: String,
    /// The value (at most 4096 characters for the Standard tier, 8192 otherwise). Always secret in state.
    pub value: String,
    /// `Standard` (default), `Advanced` or `Intelligent-Tiering`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier: Option<String>,
    /// Description (at most 1024 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// A regular expression the value must match (at most 1024 characters; checked by AWS).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_pattern: Option<String>,
    /// `text` (default) or `aws:ec2:image` (a `String` holding an AMI id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_type: Option<String>,
    /// Tags, in addition to the provider's default tags and the `ManagedBy` ownership tag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<BTreeMap<String, String>>,
}

/// Outputs of a parameter.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ParameterOutputs {
    /// The parameter's ARN.
    pub arn: String,
    /// The parameter's version (increases with every value change).
    pub version: i64,
    /// Every tag on the parameter, including the provider's default and ownership tags.
    pub tags_all: BTreeMap<String, String>,
}

pub struct Parameter;

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "_.-/".contains(c)
}

/// Why `name` is not a valid parameter name, if it is not.
fn name_problem(name: &str) -> Option<&'static str> {
    if name.is_empty() || name.len() > 2048 {
        return Some("must be 1-2048 characters");
    }
    if !name.chars().all(is_name_char) {
        return Some("may only hold a-zA-Z0-9_.-/");
    }
    if name.contains('/') && !name.starts_with('/') {
        return Some("a hierarchical name must start with '/'");
    }
    let levels: Vec<&str> = name.trim_start_matches('/').split('/').collect();
    if levels.iter().any(|l| l.is_empty()) {
        return Some("has an empty level ('//' or a trailing '/')");
    }
    if levels.len() > 15 {
        return Some("has more than 15 levels");
    }
    let first = levels[0].to_ascii_lowercase();
    if first.starts_with("aws") || first.starts_with("ssm") {
        return Some("may not start with 'aws' or 'ssm' (any case)");
    }
    None
}

fn sanitize_name(raw: &str) -> String {
    let s: String = raw
        .chars()
        .map(|c| if is_name_char(c) && c != '/' { c } else { '-' })
        .collect();
    let lower = s.to_ascii_lowercase();
    if lower.starts_with("aws") || lower.starts_with("ssm") {
        format!("p-{s}")
    } else {
        s
    }
}

impl Parameter {
    async fn put(
        ctx: &Context,
        inputs: &ParameterInputs,
        overwrite: bool,
        tags: Option<&BTreeMap<String, String>>,
    ) -> Result<i64, ResourceError> {
        let out = ctx
            .aws
            .ssm
            .put_parameter()
            .name(inputs.name.clone().unwrap_or_default())
            .value(&inputs.value)
            .r#type(ParameterType::from(inputs.parameter_type.as_str()))
            .set_tier(inputs.tier.as_deref().map(ParameterTier::from))
            .set_description(
                inputs
                    .description
                    .clone()
                    .or_else(|| overwrite.then(String::new)),
            )
            .set_allowed_pattern(inputs.allowed_pattern.clone())
            .set_data_type(inputs.data_type.clone())
            .set_overwrite(overwrite.then_some(true))
            .set_tags(tags.map(tag_list).transpose()?)
            .send()
            .await
            .map_err(|e| aws_error("ssm:PutParameter", e))?;
        Ok(out.version())
    }
}

impl CustomResource for Parameter {
    const TOKEN: &'static str = "orderapi:ssm:Parameter";
    const DESCRIPTION: &'static str = "An SSM Parameter Store parameter (its value always secret in state), tagged \
        and owned by this provider.";
    const REPLACE_ON_CHANGES: &'static [&'static str] = &["name", "type"];
    /// Parameter names are unique per region; a replacement keeps the name.
    const DELETE_BEFORE_REPLACE: bool = true;
    const UNIQUE_BY: &'static [&'static str] = &["name"];
    const SECRET_OUTPUTS: &'static [&'static str] = &["value"];
    type Inputs = ParameterInputs;
    type Outputs = ParameterOutputs;

    fn check(
        ctx: &CheckContext,
        mut inputs: ParameterInputs,
    ) -> Result<ParameterInputs, Vec<CheckFailure>> {
        let mut f = Failures::default();
        let name = inputs
            .name
            .get_or_insert_with(|| sanitize_name(&ctx.autoname(1011)));
        if let Some(problem) = name_problem(name) {
            f.push(
                "name",
                format!("'{name}' is not a valid parameter name: it {problem}"),
            );
        }
        f.require(
            ["String", "StringList", "SecureString"].contains(&inputs.parameter_type.as_str()),
            "type",
            format!(
                "'{}' is not String, StringList or SecureString",
                inputs.parameter_type
            ),
        );
        let tier = inputs.tier.get_or_insert_with(|| "Standard".into());
        f.require(
            ["Standard", "Advanced", "Intelligent-Tiering"].contains(&tier.as_str()),
            "tier",
            format!("'{tier}' is not Standard, Advanced or Intelligent-Tiering"),
        );
        let max = if tier == "Standard" { 4096 } else { 8192 };
        // Never echo the value.
        f.require(
            !inputs.value.is_empty() && inputs.value.chars().count() <= max,
            "value",
            format!("the value must be 1-{max} characters for the {tier} tier"),
        );
        if let Some(d) = &inputs.description {
            f.require(
                d.chars().count() <= 1024,
                "description",
                "at most 1024 characters",
            );
        }
        if let Some(p) = &inputs.allowed_pattern {
            f.require(
                p.chars().count() <= 1024,
                "allowedPattern",
                "at most 1024 characters",
            );
        }
        let data_type = inputs.data_type.get_or_insert_with(|| "text".into());
        f.require(
            ["text", "aws:ec2:image"].contains(&data_type.as_str()),
            "dataType",
            format!("'{data_type}' is not text or aws:ec2:image"),
        );
        if data_type == "aws:ec2:image" {
            f.require(
                inputs.parameter_type == "String",
                "dataType",
                "aws:ec2:image requires type String",
            );
            f.require(
                inputs.value.starts_with("ami-"),
                "value",
                "a parameter of data type aws:ec2:image must hold an AMI id (ami-...)",
            );
        }
        check_tags(inputs.tags.as_ref(), &mut f);
        f.finish(inputs)
    }

    async fn create(
        ctx: &Context,
        inputs: &ParameterInputs,
    ) -> Result<(String, ParameterOutputs), ResourceError> {
        let name = inputs.name.clone().unwrap_or_default();
        let tags = ctx.tags(inputs.tags.as_ref());
        // PutParameter takes tags only without Overwrite: a create writes with tags, and refuses when the name is
        // taken. When that is the lost answer of an earlier attempt (or a crashed deployment's), the parameter
        // carries this resource's identity: it is adopted and overwritten with the declared value and tags.
        let made = create_once(
            ctx,
            &format!("SSM parameter {name}"),
            || async {
                if describe_parameter(&ctx.aws, &name).await?.is_none() {
                    return Ok(None);
                }
                let live = live_tags(&ctx.aws, &name).await?;
                match ctx.found(&name, &live) {
                    Found::Orphan => {
                        ctx.adopting("SSM parameter", &name);
                        Ok(Some(Some(live)))
                    }
                    other => Err(conflict(
                        &format!("an SSM parameter named '{name}'"),
                        &other,
                    )),
                }
            },
            || async {
                Self::put(ctx, inputs, false, Some(&tags))
                    .await
                    .map(|_| None)
            },
        )
        .await?;
        let mut outputs = ParameterOutputs {
            arn: String::new(),
            version: 0,
            tags_all: tags.clone(),
        };
        let steps = async {
            if let Some(live) = made.into_inner() {
                Self::put(ctx, inputs, true, None).await?;
                tags::sync::<SsmTags>(&ctx.aws, &name, &live, &tags).await?;
            }
            // DescribeParameters may omit the ARN (moto does); GetParameter (without decryption) has it.
            let got = ctx
                .aws
                .ssm
                .get_parameter()
                .name(&name)
                .send()
                .await
                .map_err(|e| aws_error("ssm:GetParameter", e))?;
            let param = got.parameter();
            outputs.arn = param.and_then(|p| p.arn()).unwrap_or_default().to_string();
            outputs.version = param.map(|p| p.version()).unwrap_or_default();
            Ok::<(), ResourceError>(())
        };
        steps.await.map_err(|e| e.partial(&name, &outputs))?;
        Ok((name, outputs))
    }

    async fn read(
        ctx: &Context,
        id: &str,
        prior: Option<&ParameterInputs>,
    ) -> Result<Option<(ParameterInputs, ParameterOutputs)>, ResourceError> {
        let got = match ctx
            .aws
            .ssm
            .get_parameter()
            .name(id)
            .with_decryption(true)
            .send()
            .await
            .map_err(|e| aws_error("ssm:GetParameter", e))
        {
            Ok(out) => out,
            Err(e) if e.is_not_found() => return Ok(None),
            Err(e) => return Err(e),
        };
        let Some(param) = got.parameter() else {
            return Ok(None);
        };
        let Some(meta) = describe_parameter(&ctx.aws, id).await? else {
            return Ok(None);
        };
        let all = match live_tags(&ctx.aws, id).await {
            Ok(t) => t,
            Err(e) if e.is_not_found() => return Ok(None),
            Err(e) => return Err(e),
        };
        let prior_tags = prior.and_then(|p| p.tags.as_ref());
        let (name_tag, mut own, tags_all) = tags::split(&ctx.aws, all, prior_tags);
        if let Some(n) = name_tag
            && (prior_tags.is_some_and(|p| p.contains_key("Name"))
                || ctx.aws.default_tags.get("Name") != Some(&n))
        {
            own.get_or_insert_with(BTreeMap::new)
                .insert("Name".into(), n);
        }
        // Intelligent-Tiering is a choice, not a tier AWS reports: keep it when the program declared it.
        let tier = match prior.and_then(|p| p.tier.as_deref()) {
            Some("Intelligent-Tiering") => "Intelligent-Tiering".to_string(),
            _ => meta
                .tier()
                .map_or("Standard".to_string(), |t| t.as_str().to_string()),
        };
        let inputs = ParameterInputs {
            name: Some(id.to_string()),
            parameter_type: param
                .r#type()
                .map_or_else(String::new, |t| t.as_str().to_string()),
            value: param.value().unwrap_or_default().to_string(),
            tier: Some(tier),
            description: meta
                .description()
                .filter(|d| !d.is_empty())
                .map(str::to_string),
            allowed_pattern: meta
                .allowed_pattern()
                .filter(|d| !d.is_empty())
                .map(str::to_string),
            data_type: Some(param.data_type().unwrap_or("text").to_string()),
            tags: own,
        };
        let outputs = ParameterOutputs {
            arn: param.arn().or(meta.arn()).unwrap_or_default().to_string(),
            version: param.version(),
            tags_all,
        };
        Ok(Some((inputs, outputs)))
    }

    async fn update(
        ctx: &Context,
        id: &str,
        old: &ParameterInputs,
        old_outputs: &ParameterOutputs,
        new: &ParameterInputs,
    ) -> Result<ParameterOutputs, ResourceError> {
        let mut version = old_outputs.version;
        let same = |a: &ParameterInputs| ParameterInputs {
            tags: None,
            ..a.clone()
        };
        if same(old) != same(new) {
            version = Self::put(ctx, new, true, None).await?;
        }
        let tags = ctx.tags(new.tags.as_ref());
        tags::sync::<SsmTags>(&ctx.aws, id, &old_outputs.tags_all, &tags).await?;
        Ok(ParameterOutputs {
            arn: old_outputs.arn.clone(),
            version,
            tags_all: tags,
        })
    }

    async fn delete(
        ctx: &Context,
        id: &str,
        _: &ParameterInputs,
        _: &ParameterOutputs,
    ) -> Result<(), ResourceError> {
        delete_and_wait(
            ctx,
            &format!("SSM parameter {id}"),
            || async {
                ctx.aws
                    .ssm
                    .delete_parameter()
                    .name(id)
                    .send()
                    .await
                    .map_err(|e| aws_error("ssm:DeleteParameter", e))
            },
            || async { Ok(describe_parameter(&ctx.aws, id).await?.is_some()) },
        )
        .await
    }
}
