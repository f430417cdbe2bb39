//! Typed IAM policy documents, for every kind (and the platform) that hands AWS a policy: identity policies
//! ([`PolicyDocument`]: inline and managed policies), role trust policies ([`TrustPolicyDocument`]) and
//! resource-based policies ([`ResourcePolicyDocument`]: KMS key policies).
//!
//! The typed form is what programs declare (camelCase, one list per element); IAM's JSON form (`Version`,
//! `Statement`, `Effect`, …) is produced with serde (`to_json`/`to_json_string`), never by string concatenation, and
//! parsed back (`from_aws`) from what IAM returns: URL-encoded, with single values where a list has one element,
//! with booleans and numbers in conditions. Both directions meet in `normalize` (lists sorted and deduplicated,
//! defaults filled), which `check` applies to declared documents and `read` to live ones, so a refresh shows no
//! drift.

use std::collections::{BTreeMap, BTreeSet};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use crate::resource::Failures;

/// The current policy language version (needed for policy variables such as `${aws:username}`).
pub const POLICY_VERSION: &str = "2012-10-17";

/// The policy language versions IAM accepts.
pub const VERSIONS: &[&str] = &["2012-10-17", "2008-10-17"];

/// The actions a role trust policy may grant (AWS STS's role-assumption actions).
pub const TRUST_ACTIONS: &[&str] = &[
    "sts:AssumeRole",
    "sts:AssumeRoleWithSAML",
    "sts:AssumeRoleWithWebIdentity",
    "sts:TagSession",
    "sts:SetSourceIdentity",
    "sts:SetContext",
];

/// AWS partitions an ARN may name.
pub const PARTITIONS: &[&str] = &[
    "aws",
    "aws-cn",
    "aws-us-gov",
    "aws-iso",
    "aws-iso-b",
    "aws-iso-e",
    "aws-iso-f",
    "aws-eusc",
];

/// IAM condition operators (each may carry a `ForAnyValue:`/`ForAllValues:` prefix and an `IfExists` suffix).
const CONDITION_OPERATORS: &[&str] = &[
    "StringEquals",
    "StringNotEquals",
    "StringEqualsIgnoreCase",
    "StringNotEqualsIgnoreCase",
    "StringLike",
    "StringNotLike",
    "NumericEquals",
    "NumericNotEquals",
    "NumericLessThan",
    "NumericLessThanEquals",
    "NumericGreaterThan",
    "NumericGreaterThanEquals",
    "DateEquals",
    "DateNotEquals",
    "DateLessThan",
    "DateLessThanEquals",
    "DateGreaterThan",
    "DateGreaterThanEquals",
    "Bool",
    "BinaryEquals",
    "IpAddress",
    "NotIpAddress",
    "ArnEquals",
    "ArnLike",
    "ArnNotEquals",
    "ArnNotLike",
    "Null",
];

/// Whether a statement allows or denies what it lists.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum Effect {
    /// Grants the actions.
    #[default]
    Allow,
    /// Denies the actions (a deny always wins over an allow).
    Deny,
}

impl Effect {
    /// IAM's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Effect::Allow => "Allow",
            Effect::Deny => "Deny",
        }
    }
}

/// Conditions of a statement: operator (e.g. `StringEquals`) → condition key (e.g. `aws:SourceAccount`) → values.
pub type Conditions = BTreeMap<String, BTreeMap<String, Vec<String>>>;

/// An identity-based policy (an inline or managed policy): what its holder may do on which resources.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PolicyDocument {
    /// The policy language version: `2012-10-17` (the default; policy variables need it) or `2008-10-17`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The statements, in order (at least one).
    pub statements: Vec<PolicyStatement>,
}

/// One statement of an identity-based policy.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PolicyStatement {
    /// An optional statement id: letters and digits only, unique within the document.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    /// `Allow` (the default) or `Deny`.
    #[serde(default)]
    pub effect: Effect,
    /// Actions as `service:Action` (wildcards `*` and `?` allowed, e.g. `s3:Get*`), or `*` for every action.
    pub actions: Vec<String>,
    /// Resources as ARNs (wildcards and policy variables allowed), or `*` for every resource.
    pub resources: Vec<String>,
    /// Conditions: operator (e.g. `StringEquals`) → condition key (e.g. `aws:RequestedRegion`) → values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition: Option<Conditions>,
}

/// A role trust policy (assume-role policy): who may assume the role.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TrustPolicyDocument {
    /// The policy language version: `2012-10-17` (the default; policy variables need it) or `2008-10-17`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The statements, in order (at least one).
    pub statements: Vec<TrustStatement>,
}

/// One statement of a role trust policy.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TrustStatement {
    /// An optional statement id: letters and digits only, unique within the document.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    /// `Allow` (the default) or `Deny`.
    #[serde(default)]
    pub effect: Effect,
    /// Who the statement applies to.
    pub principal: Principal,
    /// STS actions: `sts:AssumeRole`, `sts:AssumeRoleWithSAML`, `sts:AssumeRoleWithWebIdentity`, `sts:TagSession`,
    /// `sts:SetSourceIdentity` or `sts:SetContext`.
    pub actions: Vec<String>,
    /// Conditions: operator (e.g. `StringEquals`) → condition key (e.g. `aws:SourceAccount`) → values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition: Option<Conditions>,
}

/// The principals of a trust or resource policy statement (at least one, of any kind).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Principal {
    /// AWS service principals, e.g. `ecs-tasks.amazonaws.com`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<Vec<String>>,
    /// AWS principals: account ids (`123456789012`), IAM/STS ARNs (`arn:aws:iam::123456789012:role/x`) or `*`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aws: Option<Vec<String>>,
    /// Federated principals: SAML/OIDC provider ARNs or web identity providers such as
    /// `cognito-identity.amazonaws.com`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub federated: Option<Vec<String>>,
}

/// A resource-based policy (a KMS key policy): who may do what with the resource it is attached to.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResourcePolicyDocument {
    /// The policy language version: `2012-10-17` (the default; policy variables need it) or `2008-10-17`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The statements, in order (at least one).
    pub statements: Vec<ResourcePolicyStatement>,
}

/// One statement of a resource-based policy.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResourcePolicyStatement {
    /// An optional statement id: letters, digits and spaces, unique within the document.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    /// `Allow` (the default) or `Deny`.
    #[serde(default)]
    pub effect: Effect,
    /// Who the statement applies to.
    pub principal: Principal,
    /// Actions as `service:Action` (wildcards `*` and `?` allowed, e.g. `kms:GenerateDataKey*`), or `*`.
    pub actions: Vec<String>,
    /// Resources as ARNs, or `*` (in a KMS key policy, `*` means the key itself).
    pub resources: Vec<String>,
    /// Conditions: operator (e.g. `StringEquals`) → condition key (e.g. `aws:SourceAccount`) → values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition: Option<Conditions>,
}

impl Principal {
    /// A principal of one AWS service (e.g. `ecs-tasks.amazonaws.com`).
    pub fn service(service: &str) -> Principal {
        Principal {
            service: Some(vec![service.to_string()]),
            ..Default::default()
        }
    }

    fn is_empty(&self) -> bool {
        [&self.service, &self.aws, &self.federated]
            .iter()
            .all(|l| l.as_ref().is_none_or(Vec::is_empty))
    }

    /// Sorts and deduplicates each list; drops empty ones.
    fn normalize(&mut self) {
        for list in [&mut self.service, &mut self.aws, &mut self.federated] {
            if let Some(l) = list.as_mut() {
                sort_dedup(l);
            }
            if list.as_ref().is_some_and(Vec::is_empty) {
                *list = None;
            }
        }
    }

    fn to_wire(&self) -> WirePrincipal {
        WirePrincipal {
            aws: self.aws.clone().map(OneOrMany::Many),
            service: self.service.clone().map(OneOrMany::Many),
            federated: self.federated.clone().map(OneOrMany::Many),
            ..Default::default()
        }
    }

    /// The `Principal` element of live statement `i` (`*` or an object of lists or single values).
    fn from_wire(raw: Option<Json>, i: usize, kind: DocumentKind) -> Result<Principal, String> {
        match raw {
            Some(Json::String(star)) if star == "*" => Ok(Principal {
                aws: Some(vec!["*".to_string()]),
                ..Default::default()
            }),
            Some(p @ Json::Object(_)) => {
                let p: WirePrincipal = serde_json::from_value(p)
                    .map_err(|e| format!("statement {i}: Principal: {e}"))?;
                if p.canonical_user.is_some() {
                    return Err(format!(
                        "statement {i} names a CanonicalUser principal, which the typed {} does not model",
                        kind.name()
                    ));
                }
                Ok(Principal {
                    service: p.service.map(OneOrMany::into_vec),
                    aws: p.aws.map(OneOrMany::into_vec),
                    federated: p.federated.map(OneOrMany::into_vec),
                })
            }
            other => Err(format!(
                "statement {i}: Principal {} is neither `*` nor an object",
                other.unwrap_or(Json::Null)
            )),
        }
    }

    /// Validates the principals; failures are reported under `at` (`….principal`).
    fn validate(&self, at: &str, f: &mut Failures) {
        f.require(
            !self.is_empty(),
            at,
            "needs at least one service, aws or federated principal",
        );
        for (j, p) in self.service.iter().flatten().enumerate() {
            f.require(
                is_domain(p),
                format!("{at}.service[{j}]"),
                format!("'{p}' is not a service principal such as ecs-tasks.amazonaws.com"),
            );
        }
        for (j, p) in self.aws.iter().flatten().enumerate() {
            f.require(
                is_aws_principal(p),
                format!("{at}.aws[{j}]"),
                format!(
                    "'{p}' is not an AWS principal: an account id (12 digits), an IAM/STS ARN or `*`"
                ),
            );
        }
        for (j, p) in self.federated.iter().flatten().enumerate() {
            f.require(
                is_federated_principal(p),
                format!("{at}.federated[{j}]"),
                format!(
                    "'{p}' is not a federated principal: a SAML/OIDC provider ARN or a provider domain such as \
                     cognito-identity.amazonaws.com"
                ),
            );
        }
    }
}

/// AWS rewrites an account id principal (`123456789012`) to the account's root ARN
/// (`arn:aws:iam::123456789012:root`). Where the `declared` principals name the short form, the `live` ones are put
/// back in that form so a refresh shows no drift.
fn shorten_account_roots<'l, 'd>(
    live: impl Iterator<Item = &'l mut Principal>,
    declared: impl Iterator<Item = &'d Principal>,
) {
    let declared: BTreeSet<String> = declared
        .filter_map(|p| p.aws.as_ref())
        .flatten()
        .cloned()
        .collect();
    for principal in live {
        for p in principal.aws.iter_mut().flatten() {
            let parts: Vec<&str> = p.split(':').collect();
            let short = match parts.as_slice() {
                ["arn", _, "iam", "", account, "root"] if declared.contains(*account) => {
                    Some((*account).to_string())
                }
                _ => None,
            };
            if let Some(account) = short {
                *p = account;
            }
        }
    }
}

impl PolicyDocument {
    /// A document of `statements` at the current version.
    pub fn new(statements: Vec<PolicyStatement>) -> PolicyDocument {
        PolicyDocument {
            version: Some(POLICY_VERSION.to_string()),
            statements,
        }
    }

    /// Fills defaults and puts every list in canonical order (sorted, without duplicates).
    pub fn normalize(&mut self) {
        self.version
            .get_or_insert_with(|| POLICY_VERSION.to_string());
        for s in &mut self.statements {
            s.sid = s.sid.take().filter(|sid| !sid.is_empty());
            sort_dedup(&mut s.actions);
            sort_dedup(&mut s.resources);
            normalize_conditions(&mut s.condition);
        }
    }

    /// IAM's JSON form.
    pub fn to_json(&self) -> Json {
        let wire = WireDocument {
            version: Some(self.version_or_default()),
            statement: self
                .statements
                .iter()
                .map(|s| WireStatement {
                    sid: s.sid.clone(),
                    effect: s.effect.as_str().to_string(),
                    action: Some(s.actions.clone()),
                    resource: Some(s.resources.clone()),
                    condition: s.condition.clone(),
                    ..Default::default()
                })
                .collect(),
        };
        serde_json::to_value(wire).unwrap_or(Json::Null)
    }

    /// IAM's JSON form as compact text (what the IAM API takes; its length is what IAM's size limits count).
    pub fn to_json_string(&self) -> String {
        self.to_json().to_string()
    }

    /// Parses a document as IAM returns it (URL-encoded or plain JSON), normalised.
    pub fn from_aws(raw: &str) -> Result<PolicyDocument, String> {
        let wire = parse_wire(raw)?;
        let mut statements = Vec::new();
        for (i, s) in wire.statement.into_iter().enumerate() {
            s.reject_unmodelled(i, DocumentKind::Identity)?;
            statements.push(PolicyStatement {
                sid: s.sid,
                effect: parse_effect(&s.effect, i)?,
                actions: strings(s.action, i, "Action")?,
                resources: strings(s.resource, i, "Resource")?,
                condition: parse_conditions(s.condition, i)?,
            });
        }
        let mut doc = PolicyDocument {
            version: wire.version,
            statements,
        };
        doc.normalize();
        Ok(doc)
    }

    /// Validates the document against IAM's grammar; failures are reported under `property`.
    pub fn validate(&self, property: &str, f: &mut Failures) {
        check_version(self.version.as_deref(), property, f);
        f.require(
            !self.statements.is_empty(),
            format!("{property}.statements"),
            "a policy needs at least one statement",
        );
        let mut sids = BTreeSet::new();
        for (i, s) in self.statements.iter().enumerate() {
            let at = format!("{property}.statements[{i}]");
            check_sid(s.sid.as_deref(), &at, &mut sids, false, f);
            f.require(
                !s.actions.is_empty(),
                format!("{at}.actions"),
                "a statement needs at least one action",
            );
            for (j, a) in s.actions.iter().enumerate() {
                if let Err(reason) = check_action(a) {
                    f.push(format!("{at}.actions[{j}]"), reason);
                }
            }
            f.require(
                !s.resources.is_empty(),
                format!("{at}.resources"),
                "a statement of an identity policy needs at least one resource (an ARN or `*`)",
            );
            for (j, r) in s.resources.iter().enumerate() {
                if let Err(reason) = check_resource(r) {
                    f.push(format!("{at}.resources[{j}]"), reason);
                }
            }
            check_conditions(s.condition.as_ref(), &at, f);
        }
    }

    fn version_or_default(&self) -> String {
        self.version
            .clone()
            .unwrap_or_else(|| POLICY_VERSION.to_string())
    }
}

impl TrustPolicyDocument {
    /// A trust policy letting one AWS service assume the role (`sts:AssumeRole`).
    pub fn service(service: &str) -> TrustPolicyDocument {
        TrustPolicyDocument {
            version: Some(POLICY_VERSION.to_string()),
            statements: vec![TrustStatement {
                sid: None,
                effect: Effect::Allow,
                principal: Principal::service(service),
                actions: vec!["sts:AssumeRole".to_string()],
                condition: None,
            }],
        }
    }

    /// Fills defaults and puts every list in canonical order (sorted, without duplicates; empty principal lists
    /// dropped).
    pub fn normalize(&mut self) {
        self.version
            .get_or_insert_with(|| POLICY_VERSION.to_string());
        for s in &mut self.statements {
            s.sid = s.sid.take().filter(|sid| !sid.is_empty());
            sort_dedup(&mut s.actions);
            s.principal.normalize();
            normalize_conditions(&mut s.condition);
        }
    }

    /// IAM's JSON form.
    pub fn to_json(&self) -> Json {
        let wire = WireDocument {
            version: Some(
                self.version
                    .clone()
                    .unwrap_or_else(|| POLICY_VERSION.to_string()),
            ),
            statement: self
                .statements
                .iter()
                .map(|s| WireStatement {
                    sid: s.sid.clone(),
                    effect: s.effect.as_str().to_string(),
                    principal: Some(s.principal.to_wire()),
                    action: Some(s.actions.clone()),
                    condition: s.condition.clone(),
                    ..Default::default()
                })
                .collect(),
        };
        serde_json::to_value(wire).unwrap_or(Json::Null)
    }

    /// IAM's JSON form as compact text (what the IAM API takes; its length is what IAM's size limits count).
    pub fn to_json_string(&self) -> String {
        self.to_json().to_string()
    }

    /// Parses a trust policy as IAM returns it (URL-encoded or plain JSON), normalised.
    pub fn from_aws(raw: &str) -> Result<TrustPolicyDocument, String> {
        let wire = parse_wire(raw)?;
        let mut statements = Vec::new();
        for (i, s) in wire.statement.into_iter().enumerate() {
            s.reject_unmodelled(i, DocumentKind::Trust)?;
            let principal = Principal::from_wire(s.principal, i, DocumentKind::Trust)?;
            statements.push(TrustStatement {
                sid: s.sid,
                effect: parse_effect(&s.effect, i)?,
                principal,
                actions: strings(s.action, i, "Action")?,
                condition: parse_conditions(s.condition, i)?,
            });
        }
        let mut doc = TrustPolicyDocument {
            version: wire.version,
            statements,
        };
        doc.normalize();
        Ok(doc)
    }

    /// IAM rewrites an account id principal (`123456789012`) to the account's root ARN
    /// (`arn:aws:iam::123456789012:root`). Where `prior` declared the short form, the live document is put back in
    /// that form so a refresh shows no drift. Renormalises.
    pub fn reconcile_with(&mut self, prior: Option<&TrustPolicyDocument>) {
        let Some(prior) = prior else { return };
        shorten_account_roots(
            self.statements.iter_mut().map(|s| &mut s.principal),
            prior.statements.iter().map(|s| &s.principal),
        );
        self.normalize();
    }

    /// Validates the trust policy against IAM's grammar; failures are reported under `property`.
    pub fn validate(&self, property: &str, f: &mut Failures) {
        check_version(self.version.as_deref(), property, f);
        f.require(
            !self.statements.is_empty(),
            format!("{property}.statements"),
            "a trust policy needs at least one statement",
        );
        let mut sids = BTreeSet::new();
        for (i, s) in self.statements.iter().enumerate() {
            let at = format!("{property}.statements[{i}]");
            check_sid(s.sid.as_deref(), &at, &mut sids, false, f);
            f.require(
                !s.actions.is_empty(),
                format!("{at}.actions"),
                "a statement needs at least one action, e.g. sts:AssumeRole",
            );
            for (j, a) in s.actions.iter().enumerate() {
                f.require(
                    TRUST_ACTIONS.iter().any(|t| t.eq_ignore_ascii_case(a)),
                    format!("{at}.actions[{j}]"),
                    format!(
                        "'{a}' is not allowed in a trust policy; use one of {}",
                        TRUST_ACTIONS.join(", ")
                    ),
                );
            }
            s.principal.validate(&format!("{at}.principal"), f);
            check_conditions(s.condition.as_ref(), &at, f);
        }
    }
}

impl ResourcePolicyDocument {
    /// A document of `statements` at the current version.
    pub fn new(statements: Vec<ResourcePolicyStatement>) -> ResourcePolicyDocument {
        ResourcePolicyDocument {
            version: Some(POLICY_VERSION.to_string()),
            statements,
        }
    }

    /// Fills defaults and puts every list in canonical order (sorted, without duplicates; empty principal lists
    /// dropped). Statements keep their order.
    pub fn normalize(&mut self) {
        self.version
            .get_or_insert_with(|| POLICY_VERSION.to_string());
        for s in &mut self.statements {
            s.sid = s.sid.take().filter(|sid| !sid.is_empty());
            sort_dedup(&mut s.actions);
            sort_dedup(&mut s.resources);
            s.principal.normalize();
            normalize_conditions(&mut s.condition);
        }
    }

    /// AWS's JSON form.
    pub fn to_json(&self) -> Json {
        let wire = WireDocument {
            version: Some(
                self.version
                    .clone()
                    .unwrap_or_else(|| POLICY_VERSION.to_string()),
            ),
            statement: self
                .statements
                .iter()
                .map(|s| WireStatement {
                    sid: s.sid.clone(),
                    effect: s.effect.as_str().to_string(),
                    principal: Some(s.principal.to_wire()),
                    action: Some(s.actions.clone()),
                    resource: Some(s.resources.clone()),
                    condition: s.condition.clone(),
                })
                .collect(),
        };
        serde_json::to_value(wire).unwrap_or(Json::Null)
    }

    /// AWS's JSON form as compact text (what the API takes; its length is what the size limits count).
    pub fn to_json_string(&self) -> String {
        self.to_json().to_string()
    }

    /// Parses a document as AWS returns it (URL-encoded or plain JSON, single values or lists), normalised.
    /// Elements the typed document does not model (`Id` aside, which carries no permission) are reported.
    pub fn from_aws(raw: &str) -> Result<ResourcePolicyDocument, String> {
        let wire = parse_wire(raw)?;
        let mut statements = Vec::new();
        for (i, s) in wire.statement.into_iter().enumerate() {
            s.reject_unmodelled(i, DocumentKind::Resource)?;
            statements.push(ResourcePolicyStatement {
                sid: s.sid,
                effect: parse_effect(&s.effect, i)?,
                principal: Principal::from_wire(s.principal, i, DocumentKind::Resource)?,
                actions: strings(s.action, i, "Action")?,
                resources: strings(s.resource, i, "Resource")?,
                condition: parse_conditions(s.condition, i)?,
            });
        }
        let mut doc = ResourcePolicyDocument {
            version: wire.version,
            statements,
        };
        doc.normalize();
        Ok(doc)
    }

    /// Puts account root ARNs back in the short form `prior` declared (see
    /// [`TrustPolicyDocument::reconcile_with`]). Renormalises.
    pub fn reconcile_with(&mut self, prior: Option<&ResourcePolicyDocument>) {
        let Some(prior) = prior else { return };
        shorten_account_roots(
            self.statements.iter_mut().map(|s| &mut s.principal),
            prior.statements.iter().map(|s| &s.principal),
        );
        self.normalize();
    }

    /// Validates the document against the policy grammar; failures are reported under `property`.
    pub fn validate(&self, property: &str, f: &mut Failures) {
        check_version(self.version.as_deref(), property, f);
        f.require(
            !self.statements.is_empty(),
            format!("{property}.statements"),
            "a policy needs at least one statement",
        );
        let mut sids = BTreeSet::new();
        for (i, s) in self.statements.iter().enumerate() {
            let at = format!("{property}.statements[{i}]");
            check_sid(s.sid.as_deref(), &at, &mut sids, true, f);
            s.principal.validate(&format!("{at}.principal"), f);
            f.require(
                !s.actions.is_empty(),
                format!("{at}.actions"),
                "a statement needs at least one action",
            );
            for (j, a) in s.actions.iter().enumerate() {
                if let Err(reason) = check_action(a) {
                    f.push(format!("{at}.actions[{j}]"), reason);
                }
            }
            f.require(
                !s.resources.is_empty(),
                format!("{at}.resources"),
                "a statement of a resource policy needs at least one resource (`*` for the resource itself)",
            );
            for (j, r) in s.resources.iter().enumerate() {
                if let Err(reason) = check_resource(r) {
                    f.push(format!("{at}.resources[{j}]"), reason);
                }
            }
            check_conditions(s.condition.as_ref(), &at, f);
        }
    }
}

/// Decodes a document IAM returns URL-encoded (RFC 3986, `+` as space); a document that is already JSON (starts
/// with `{`) is returned as is.
pub fn decode_document(raw: &str) -> String {
    if raw.trim_start().starts_with('{') {
        return raw.to_string();
    }
    let spaced = raw.replace('+', " ");
    percent_encoding::percent_decode_str(&spaced)
        .decode_utf8_lossy()
        .into_owned()
}

/// Whether `name` is a valid IAM name (roles, policies, …): 1-`max` characters of letters, digits and `+=,.@_-`.
pub fn is_iam_name(name: &str, max: usize) -> bool {
    !name.is_empty()
        && name.len() <= max
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c))
}

/// Checks an action: `*` or `service:Action` (the action part may use `*` and `?` wildcards).
pub fn check_action(action: &str) -> Result<(), String> {
    if action == "*" {
        return Ok(());
    }
    let ok = match action.split_once(':') {
        Some((service, name)) => {
            !service.is_empty()
                && service
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
                && !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '*' || c == '?')
        }
        None => false,
    };
    if ok {
        Ok(())
    } else {
        Err(format!(
            "'{action}' is not an action such as s3:GetObject (service prefix, one colon, action name with optional * \
             and ? wildcards) or `*`"
        ))
    }
}

/// Checks a resource: `*` or an ARN `arn:partition:service:region:account:resource` (wildcards and policy
/// variables allowed in the region, account and resource parts; IAM resources have no region).
pub fn check_resource(resource: &str) -> Result<(), String> {
    if resource == "*" {
        return Ok(());
    }
    let parts: Vec<&str> = resource.splitn(6, ':').collect();
    let err = |why: &str| Err(format!("'{resource}' {why}"));
    let [arn, partition, service, region, _account, rest] = parts.as_slice() else {
        return err("is neither `*` nor an ARN (arn:partition:service:region:account:resource)");
    };
    if *arn != "arn" {
        return err("is neither `*` nor an ARN (arn:partition:service:region:account:resource)");
    }
    if !(PARTITIONS.contains(partition) || *partition == "*" || partition.starts_with("${")) {
        return err(&format!(
            "names partition '{partition}'; use one of {}",
            PARTITIONS.join(", ")
        ));
    }
    if service.is_empty()
        || !service
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return err(
            "must name its service fully (lowercase, no wildcards), e.g. arn:aws:s3:::bucket",
        );
    }
    if *service == "iam" && !region.is_empty() {
        return err("is an IAM resource, which cannot contain a region");
    }
    if rest.is_empty() {
        return err("names no resource after the account");
    }
    Ok(())
}

/// Checks an IAM managed policy ARN: `arn:<partition>:iam::<account id or aws>:policy/<path><name>`.
pub fn check_policy_arn(arn: &str) -> Result<(), String> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let ok = match parts.as_slice() {
        ["arn", partition, "iam", "", account, resource] => {
            PARTITIONS.contains(partition)
                && (*account == "aws"
                    || (account.len() == 12 && account.chars().all(|c| c.is_ascii_digit())))
                && resource.strip_prefix("policy/").is_some_and(|path_name| {
                    let name = path_name.rsplit('/').next().unwrap_or_default();
                    path_name.len() <= 512 + 128
                        && is_iam_name(name, 128)
                        && path_name
                            .chars()
                            .all(|c| ('\u{21}'..='\u{7e}').contains(&c))
                })
        }
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(format!(
            "'{arn}' is not an IAM managed policy ARN such as \
             arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
        ))
    }
}

fn is_domain(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 253
        && s.contains('.')
        && !s.starts_with('.')
        && !s.ends_with('.')
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-')
}

fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.chars().all(|c| c.is_ascii_digit())
}

fn is_aws_principal(p: &str) -> bool {
    if p == "*" || is_account_id(p) {
        return true;
    }
    let parts: Vec<&str> = p.splitn(6, ':').collect();
    matches!(
        parts.as_slice(),
        ["arn", partition, "iam" | "sts", "", account, rest]
            if PARTITIONS.contains(partition) && is_account_id(account) && !rest.is_empty()
    )
}

fn is_federated_principal(p: &str) -> bool {
    let parts: Vec<&str> = p.splitn(6, ':').collect();
    match parts.as_slice() {
        ["arn", partition, "iam", "", account, rest] => {
            PARTITIONS.contains(partition)
                && is_account_id(account)
                && (rest.starts_with("saml-provider/") || rest.starts_with("oidc-provider/"))
        }
        _ => is_domain(p),
    }
}

fn check_version(version: Option<&str>, property: &str, f: &mut Failures) {
    if let Some(v) = version {
        f.require(
            VERSIONS.contains(&v),
            format!("{property}.version"),
            format!("'{v}' is not a policy version; use 2012-10-17"),
        );
    }
}

/// Statement ids of identity and trust policies hold letters and digits; resource policies (KMS key policies,
/// whose AWS default says `Enable IAM User Permissions`) also take spaces (`spaces`).
fn check_sid<'a>(
    sid: Option<&'a str>,
    at: &str,
    seen: &mut BTreeSet<&'a str>,
    spaces: bool,
    f: &mut Failures,
) {
    let Some(sid) = sid.filter(|s| !s.is_empty()) else {
        return;
    };
    f.require(
        sid.chars()
            .all(|c| c.is_ascii_alphanumeric() || (spaces && c == ' ')),
        format!("{at}.sid"),
        if spaces {
            format!("'{sid}' may hold only letters, digits and spaces")
        } else {
            format!("'{sid}' may hold only letters and digits")
        },
    );
    f.require(
        seen.insert(sid),
        format!("{at}.sid"),
        format!("'{sid}' is used by an earlier statement; statement ids must be unique"),
    );
}

fn check_conditions(conditions: Option<&Conditions>, at: &str, f: &mut Failures) {
    let Some(conditions) = conditions else { return };
    for (operator, keys) in conditions {
        let property = format!("{at}.condition");
        let base = operator
            .strip_prefix("ForAnyValue:")
            .or_else(|| operator.strip_prefix("ForAllValues:"))
            .unwrap_or(operator);
        let base = base.strip_suffix("IfExists").unwrap_or(base);
        f.require(
            CONDITION_OPERATORS.contains(&base),
            property.clone(),
            format!(
                "'{operator}' is not a condition operator (e.g. StringEquals, ArnLike, Bool, optionally with a \
                 ForAnyValue:/ForAllValues: prefix or an IfExists suffix)"
            ),
        );
        f.require(
            !keys.is_empty(),
            property.clone(),
            format!("operator '{operator}' needs at least one condition key"),
        );
        for (key, values) in keys {
            f.require(
                key.contains(':') && !key.starts_with(':') && !key.ends_with(':'),
                property.clone(),
                format!("'{key}' is not a condition key such as aws:SourceAccount"),
            );
            f.require(
                !values.is_empty(),
                property.clone(),
                format!("condition key '{key}' needs at least one value"),
            );
        }
    }
}

fn sort_dedup(list: &mut Vec<String>) {
    list.sort();
    list.dedup();
}

fn normalize_conditions(conditions: &mut Option<Conditions>) {
    if let Some(c) = conditions.as_mut() {
        for keys in c.values_mut() {
            for values in keys.values_mut() {
                sort_dedup(values);
            }
        }
    }
    if conditions.as_ref().is_some_and(BTreeMap::is_empty) {
        *conditions = None;
    }
}

/// A JSON element IAM accepts as one value or a list of them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
enum OneOrMany<T> {
    Many(Vec<T>),
    One(T),
}

impl<T> OneOrMany<T> {
    fn into_vec(self) -> Vec<T> {
        match self {
            OneOrMany::Many(v) => v,
            OneOrMany::One(v) => vec![v],
        }
    }
}

/// IAM's JSON form of a document.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
struct WireDocument {
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<String>,
    statement: Vec<WireStatement>,
}

/// IAM's JSON form of a statement (both kinds), in IAM's element order.
#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
struct WireStatement {
    #[serde(skip_serializing_if = "Option::is_none")]
    sid: Option<String>,
    effect: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    principal: Option<WirePrincipal>,
    #[serde(skip_serializing_if = "Option::is_none")]
    action: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    resource: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    condition: Option<Conditions>,
}

/// A statement as IAM returns it: single values or lists, any JSON scalar in conditions. Elements the typed
/// documents do not model are kept as raw JSON only to report them.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct LiveStatement {
    #[serde(default)]
    sid: Option<String>,
    effect: String,
    #[serde(default)]
    principal: Option<Json>,
    #[serde(default)]
    not_principal: Option<Json>,
    #[serde(default)]
    action: Option<OneOrMany<Json>>,
    #[serde(default)]
    not_action: Option<Json>,
    #[serde(default)]
    resource: Option<OneOrMany<Json>>,
    #[serde(default)]
    not_resource: Option<Json>,
    #[serde(default)]
    condition: Option<BTreeMap<String, BTreeMap<String, Json>>>,
}

/// A document as IAM returns it.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct LiveDocument {
    #[serde(default)]
    version: Option<String>,
    statement: OneOrMany<LiveStatement>,
}

/// Which typed document a live one is parsed into (each models different elements).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum DocumentKind {
    /// [`PolicyDocument`]: no principal.
    Identity,
    /// [`TrustPolicyDocument`]: no resource.
    Trust,
    /// [`ResourcePolicyDocument`]: principal and resource.
    Resource,
}

impl DocumentKind {
    fn name(self) -> &'static str {
        match self {
            DocumentKind::Identity => "policy document",
            DocumentKind::Trust => "trust policy",
            DocumentKind::Resource => "resource policy",
        }
    }
}

impl LiveStatement {
    fn reject_unmodelled(&self, i: usize, kind: DocumentKind) -> Result<(), String> {
        let unmodelled = [
            ("NotPrincipal", self.not_principal.is_some()),
            ("NotAction", self.not_action.is_some()),
            ("NotResource", self.not_resource.is_some()),
            (
                "Principal",
                kind == DocumentKind::Identity && self.principal.is_some(),
            ),
            (
                "Resource",
                kind == DocumentKind::Trust && self.resource.is_some(),
            ),
        ];
        match unmodelled.iter().find(|(_, present)| *present) {
            Some((element, _)) => Err(format!(
                "statement {i} uses {element}, which the typed {} does not model",
                kind.name()
            )),
            None => Ok(()),
        }
    }
}

/// IAM's JSON form of a principal.
#[derive(Debug, Default, Serialize, Deserialize)]
struct WirePrincipal {
    #[serde(rename = "AWS", default, skip_serializing_if = "Option::is_none")]
    aws: Option<OneOrMany<String>>,
    #[serde(rename = "Service", default, skip_serializing_if = "Option::is_none")]
    service: Option<OneOrMany<String>>,
    #[serde(rename = "Federated", default, skip_serializing_if = "Option::is_none")]
    federated: Option<OneOrMany<String>>,
    #[serde(
        rename = "CanonicalUser",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    canonical_user: Option<Json>,
}

struct ParsedWire {
    version: Option<String>,
    statement: Vec<LiveStatement>,
}

fn parse_wire(raw: &str) -> Result<ParsedWire, String> {
    let text = decode_document(raw);
    let doc: LiveDocument =
        serde_json::from_str(&text).map_err(|e| format!("not an IAM policy document: {e}"))?;
    Ok(ParsedWire {
        version: doc.version,
        statement: doc.statement.into_vec(),
    })
}

fn parse_effect(effect: &str, i: usize) -> Result<Effect, String> {
    match effect {
        "Allow" => Ok(Effect::Allow),
        "Deny" => Ok(Effect::Deny),
        other => Err(format!(
            "statement {i}: Effect '{other}' is neither Allow nor Deny"
        )),
    }
}

fn scalar(v: Json, i: usize, element: &str) -> Result<String, String> {
    match v {
        Json::String(s) => Ok(s),
        Json::Bool(b) => Ok(b.to_string()),
        Json::Number(n) => Ok(n.to_string()),
        other => Err(format!(
            "statement {i}: {element} holds {other}, not a string"
        )),
    }
}

fn strings(v: Option<OneOrMany<Json>>, i: usize, element: &str) -> Result<Vec<String>, String> {
    v.map(OneOrMany::into_vec)
        .unwrap_or_default()
        .into_iter()
        .map(|v| scalar(v, i, element))
        .collect()
}

fn parse_conditions(
    raw: Option<BTreeMap<String, BTreeMap<String, Json>>>,
    i: usize,
) -> Result<Option<Conditions>, String> {
    let Some(raw) = raw else { return Ok(None) };
    let mut out = Conditions::new();
    for (operator, keys) in raw {
        let mut parsed = BTreeMap::new();
        for (key, value) in keys {
            let values = match value {
                Json::Array(items) => items
                    .into_iter()
                    .map(|v| scalar(v, i, "Condition"))
                    .collect::<Result<Vec<_>, _>>()?,
                v => vec![scalar(v, i, "Condition")?],
            };
            parsed.insert(key, values);
        }
        out.insert(operator, parsed);
    }
    Ok(Some(out))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn s3_read() -> PolicyDocument {
        PolicyDocument::new(vec![PolicyStatement {
            sid: Some("Read".into()),
            effect: Effect::Allow,
            actions: vec!["s3:ListBucket".into(), "s3:GetObject".into()],
            resources: vec!["arn:aws:s3:::orders/*".into(), "arn:aws:s3:::orders".into()],
            condition: Some(BTreeMap::from([(
                "Bool".to_string(),
                BTreeMap::from([("aws:SecureTransport".to_string(), vec!["true".to_string()])]),
            )])),
        }])
    }

    #[test]
    fn policy_json_form() {
        let mut doc = s3_read();
        doc.normalize();
        assert_eq!(
            doc.to_json(),
            json!({
                "Version": "2012-10-17",
                "Statement": [{
                    "Sid": "Read",
                    "Effect": "Allow",
                    "Action": ["s3:GetObject", "s3:ListBucket"],
                    "Resource": ["arn:aws:s3:::orders", "arn:aws:s3:::orders/*"],
                    "Condition": {"Bool": {"aws:SecureTransport": ["true"]}}
                }]
            })
        );
        // Key order is IAM's (Version first, Sid before Effect) and the text has no whitespace.
        assert!(
            doc.to_json_string().starts_with(
                r#"{"Version":"2012-10-17","Statement":[{"Sid":"Read","Effect":"Allow""#
            )
        );
    }

    #[test]
    fn trust_json_form() {
        let doc = TrustPolicyDocument::service("ecs-tasks.amazonaws.com");
        assert_eq!(
            doc.to_json(),
            json!({
                "Version": "2012-10-17",
                "Statement": [{
                    "Effect": "Allow",
                    "Principal": {"Service": ["ecs-tasks.amazonaws.com"]},
                    "Action": ["sts:AssumeRole"]
                }]
            })
        );
    }

    #[test]
    fn json_round_trips_through_aws_forms() {
        let mut doc = s3_read();
        doc.normalize();
        let encoded = doc
            .to_json_string()
            .bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                    (b as char).to_string()
                }
                b => format!("%{b:02X}"),
            })
            .collect::<String>();
        assert!(encoded.starts_with("%7B%22Version"));
        assert_eq!(PolicyDocument::from_aws(&encoded), Ok(doc.clone()));
        assert_eq!(PolicyDocument::from_aws(&doc.to_json_string()), Ok(doc));
    }

    #[test]
    fn aws_single_values_and_scalars_normalise_like_check() {
        let live = json!({
            "Version": "2012-10-17",
            "Statement": {
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": "*",
                "Condition": {"Bool": {"aws:SecureTransport": true}, "NumericLessThan": {"s3:max-keys": 10}}
            }
        });
        let doc = PolicyDocument::from_aws(&live.to_string()).expect("parses");
        assert_eq!(doc.statements[0].actions, vec!["s3:GetObject"]);
        assert_eq!(doc.statements[0].resources, vec!["*"]);
        let c = doc.statements[0].condition.as_ref().expect("condition");
        assert_eq!(c["Bool"]["aws:SecureTransport"], vec!["true"]);
        assert_eq!(c["NumericLessThan"]["s3:max-keys"], vec!["10"]);

        let trust = json!({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}]
        });
        assert_eq!(
            TrustPolicyDocument::from_aws(&trust.to_string()),
            Ok(TrustPolicyDocument::service("ecs-tasks.amazonaws.com"))
        );
        let star = json!({"Statement": [{"Effect": "Deny", "Principal": "*", "Action": ["sts:AssumeRole"]}]});
        let parsed = TrustPolicyDocument::from_aws(&star.to_string()).expect("parses");
        assert_eq!(
            parsed.statements[0].principal.aws,
            Some(vec!["*".to_string()])
        );
        assert_eq!(parsed.version.as_deref(), Some(POLICY_VERSION));
    }

    #[test]
    fn unmodelled_elements_are_reported_not_dropped() {
        let doc = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "NotAction": "s3:*", "Resource": "*"}]});
        let err = PolicyDocument::from_aws(&doc.to_string()).expect_err("NotAction");
        assert!(err.contains("NotAction"), "{err}");
    }

    #[test]
    fn account_principals_read_back_as_declared() {
        let mut declared = TrustPolicyDocument::service("ecs-tasks.amazonaws.com");
        declared.statements[0].principal = Principal {
            aws: Some(vec!["123456789012".into()]),
            ..Default::default()
        };
        let live = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "sts:AssumeRole"}]});
        let mut read = TrustPolicyDocument::from_aws(&live.to_string()).expect("parses");
        read.reconcile_with(Some(&declared));
        assert_eq!(read, declared);
    }

    #[test]
    fn resource_policies_carry_principal_and_resource() {
        // KMS's default key policy, as GetKeyPolicy returns it: an `Id`, single values, a Sid with spaces.
        let live = json!({"Version": "2012-10-17", "Id": "key-default-1", "Statement": [{
            "Sid": "Enable IAM User Permissions", "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "kms:*", "Resource": "*"}]});
        let doc = ResourcePolicyDocument::from_aws(&live.to_string()).expect("parses");
        let root = ResourcePolicyStatement {
            sid: Some("Enable IAM User Permissions".into()),
            effect: Effect::Allow,
            principal: Principal {
                aws: Some(vec!["arn:aws:iam::123456789012:root".into()]),
                ..Default::default()
            },
            actions: vec!["kms:*".into()],
            resources: vec!["*".into()],
            condition: None,
        };
        assert_eq!(doc, ResourcePolicyDocument::new(vec![root.clone()]));
        assert_eq!(
            doc.to_json(),
            json!({"Version": "2012-10-17", "Statement": [{
                "Sid": "Enable IAM User Permissions", "Effect": "Allow",
                "Principal": {"AWS": ["arn:aws:iam::123456789012:root"]},
                "Action": ["kms:*"], "Resource": ["*"]}]})
        );
        assert_eq!(
            ResourcePolicyDocument::from_aws(&doc.to_json_string()),
            Ok(doc.clone())
        );
        let mut f = Failures::default();
        doc.validate("policy", &mut f);
        assert!(
            f.finish(()).is_ok(),
            "spaces are fine in a key policy's Sid"
        );

        // An account id declared in short form reads back as declared.
        let mut declared = ResourcePolicyDocument::new(vec![root]);
        declared.statements[0].principal.aws = Some(vec!["123456789012".into()]);
        let mut read = doc.clone();
        read.reconcile_with(Some(&declared));
        assert_eq!(read, declared);

        let mut f = Failures::default();
        let mut bad = doc;
        bad.statements[0].principal = Principal::default();
        bad.statements[0].resources.clear();
        bad.statements[0].sid = Some("no-dash".into());
        bad.validate("policy", &mut f);
        let props: Vec<String> = f
            .finish(())
            .expect_err("invalid")
            .into_iter()
            .map(|f| f.property)
            .collect();
        assert_eq!(
            props,
            vec![
                "policy.statements[0].sid",
                "policy.statements[0].principal",
                "policy.statements[0].resources",
            ]
        );
        let not_principal = json!({"Statement": [{"Effect": "Deny", "NotPrincipal": {"AWS": "*"}, "Action": "kms:*", "Resource": "*"}]});
        let err =
            ResourcePolicyDocument::from_aws(&not_principal.to_string()).expect_err("unmodelled");
        assert!(
            err.contains("NotPrincipal") && err.contains("resource policy"),
            "{err}"
        );
    }

    #[test]
    fn validation_names_the_element() {
        let mut f = Failures::default();
        let doc = PolicyDocument::new(vec![PolicyStatement {
            sid: Some("has space".into()),
            effect: Effect::Allow,
            actions: vec!["GetObject".into(), "s3:Get*".into()],
            resources: vec![
                "bucket".into(),
                "arn:aws:iam:us-east-1:1:role/x".into(),
                "*".into(),
            ],
            condition: Some(BTreeMap::from([(
                "StringMaybe".to_string(),
                BTreeMap::from([("aws:x".to_string(), vec!["1".to_string()])]),
            )])),
        }]);
        doc.validate("p", &mut f);
        let props: Vec<String> = f
            .finish(())
            .expect_err("invalid")
            .into_iter()
            .map(|f| f.property)
            .collect();
        assert_eq!(
            props,
            vec![
                "p.statements[0].sid",
                "p.statements[0].actions[0]",
                "p.statements[0].resources[0]",
                "p.statements[0].resources[1]",
                "p.statements[0].condition",
            ]
        );

        let mut f = Failures::default();
        let mut trust = TrustPolicyDocument::service("ECS");
        trust.statements[0].actions.push("s3:GetObject".into());
        trust.statements.push(TrustStatement::default());
        trust.validate("t", &mut f);
        let props: Vec<String> = f
            .finish(())
            .expect_err("invalid")
            .into_iter()
            .map(|f| f.property)
            .collect();
        assert_eq!(
            props,
            vec![
                "t.statements[0].actions[1]",
                "t.statements[0].principal.service[0]",
                "t.statements[1].actions",
                "t.statements[1].principal",
            ]
        );
    }

    #[test]
    fn arns_and_names() {
        assert!(
            check_policy_arn(
                "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
            )
            .is_ok()
        );
        assert!(check_policy_arn("arn:aws:iam::123456789012:policy/team/orders-read").is_ok());
        assert!(check_policy_arn("arn:aws:iam::123456789012:role/orders").is_err());
        assert!(check_policy_arn("arn:aws:iam:us-east-1:aws:policy/X").is_err());
        assert!(check_policy_arn("AmazonS3ReadOnlyAccess").is_err());
        assert!(
            check_resource("arn:aws:logs:us-east-1:123456789012:log-group:/ecs/orders:*").is_ok()
        );
        assert!(check_resource("arn:aws:s3:::orders/${aws:username}/*").is_ok());
        assert!(check_resource("arn:aws:s3*:::orders").is_err());
        assert!(check_action("execute-api:Invoke").is_ok());
        assert!(check_action("s3:Get:Object").is_err());
        assert!(is_iam_name("orders-task_role.v2@x=y,z+1", 64));
        assert!(!is_iam_name("has space", 64));
        assert_eq!(
            decode_document("%7B%22a%22%3A%22b+c%2Bd%22%7D"),
            r#"{"a":"b c+d"}"#
        );
    }
}
