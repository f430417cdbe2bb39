//! Physical names: `<type>[-<qualifier>]-<env>-<suffix>`, e.g. `vpc-prod-x7k2`, `subnet-public-a-prod-x7k2`,
//! `tg-blue-prod-x7k2`: a qualifier belongs to the type part, so every name of a deployment ends with
//! `-<env>-<suffix>` (one suffix filter finds all of a deployment's resources in any AWS console or CLI listing).
//!
//! `environment` and `environmentSuffix` are restricted so that every name the platform derives fits the
//! strictest AWS limit among its resources (ALB and target group names: 32 characters, alphanumerics and
//! hyphens): `tg-green-<env ≤10>-<suffix ≤8>` is at most 28 characters.

use crate::resource::Failures;

/// Longest `environment`.
pub const MAX_ENV_LEN: usize = 10;
/// Longest `environmentSuffix`.
pub const MAX_SUFFIX_LEN: usize = 8;

/// Derives the physical names of one platform.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Naming {
    pub environment: String,
    pub suffix: String,
}

impl Naming {
    /// Validates `environment` (lowercase letter, then lowercase letters/digits, ≤10) and `environmentSuffix`
    /// (lowercase letters/digits, ≤8), recording failures under those property names.
    pub fn new(environment: &str, suffix: &str, f: &mut Failures) -> Naming {
        let env_ok = environment.len() <= MAX_ENV_LEN
            && environment
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_lowercase())
            && environment
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
        f.require(
            env_ok,
            "environment",
            format!(
                "'{environment}' must start with a lowercase letter and contain only lowercase letters and digits, \
                 at most {MAX_ENV_LEN} characters (it is part of every resource name, e.g. alb-<environment>-<suffix>)"
            ),
        );
        let suffix_ok = !suffix.is_empty()
            && suffix.len() <= MAX_SUFFIX_LEN
            && suffix
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
        f.require(
            suffix_ok,
            "environmentSuffix",
            format!(
                "'{suffix}' must be 1-{MAX_SUFFIX_LEN} lowercase letters or digits (AWS names such as ALB and target \
                 group names allow only alphanumerics and hyphens, at most 32 characters)"
            ),
        );
        Naming {
            environment: environment.to_string(),
            suffix: suffix.to_string(),
        }
    }

    /// `<kind>-<env>-<suffix>`.
    pub fn name(&self, kind: &str) -> String {
        format!("{kind}-{}-{}", self.environment, self.suffix)
    }

    /// `<kind>-<qualifier>-<env>-<suffix>`.
    pub fn qualified(&self, kind: &str, qualifier: &str) -> String {
        self.name(&format!("{kind}-{qualifier}"))
    }
}

/// The letter AWS puts at the end of a zone name (`us-east-1a` → `a`), used to qualify per-AZ names.
pub fn zone_letter(zone: &str) -> String {
    zone.chars()
        .last()
        .map(|c| c.to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_convention() {
        let mut f = Failures::default();
        let n = Naming::new("prod", "x7k2", &mut f);
        assert!(f.finish(()).is_ok());
        assert_eq!(n.name("vpc"), "vpc-prod-x7k2");
        assert_eq!(
            n.qualified("subnet", "public-a"),
            "subnet-public-a-prod-x7k2"
        );
        assert_eq!(n.qualified("tg", "blue"), "tg-blue-prod-x7k2");
        assert_eq!(zone_letter("us-east-1c"), "c");
    }

    #[test]
    fn longest_names_fit_aws_limits() {
        let mut f = Failures::default();
        let n = Naming::new("abcdefghij", "12345678", &mut f);
        assert!(f.finish(()).is_ok());
        assert!(n.qualified("tg", "green").len() <= 32);
        assert!(n.name("alb").len() <= 32);
    }

    #[test]
    fn bad_parts_name_the_property() {
        for (env, suffix, property) in [
            ("Prod", "x1", "environment"),
            ("prod-eu", "x1", "environment"),
            ("1prod", "x1", "environment"),
            ("averyverylongenv", "x1", "environment"),
            ("prod", "Bad_Suffix", "environmentSuffix"),
            ("prod", "", "environmentSuffix"),
            ("prod", "123456789", "environmentSuffix"),
        ] {
            let mut f = Failures::default();
            Naming::new(env, suffix, &mut f);
            let failures = f.finish(()).expect_err("invalid");
            assert_eq!(failures[0].property, property, "{env}/{suffix}");
        }
    }
}
