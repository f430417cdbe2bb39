//! The price tables: one JSON file per supported region under `provider/prices/`, compiled into the binary
//! (`include_str!`) and parsed once. Prices are data: changing a figure is an edit to the file (bump its
//! `version`, set `asOf`), never to code. Each figure names the AWS pricing page it comes from.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;

/// Every region with a price table, and the table's text.
const TABLES: [(&str, &str); 1] = [("us-east-1", include_str!("../../prices/us-east-1.json"))];

/// One region's prices.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PriceTable {
    /// The region the prices are for (must match the file's name).
    pub region: String,
    /// Bumped on every change to the figures.
    pub version: u32,
    /// The date the figures were taken from the pricing pages (`YYYY-MM-DD`).
    pub as_of: String,
    /// Always `USD`.
    pub currency: String,
    /// Hours billed in a month (AWS's calculators use 730).
    pub hours_per_month: f64,
    /// Where the figures come from and how much to trust them.
    pub note: String,
    /// Named prices (`natGatewayHour`, `fargateSpotVcpuHour`, …).
    pub prices: BTreeMap<String, Price>,
    /// Aurora MySQL on-demand instance-hour prices by instance class.
    pub aurora_mysql_instance_hour: ClassPrices,
}

/// One price: USD per `per`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Price {
    pub usd: f64,
    /// The unit billed (`NAT gateway-hour`, `GB processed`).
    pub per: String,
    /// The AWS pricing page the figure comes from.
    pub source: String,
    #[serde(default)]
    pub note: Option<String>,
}

/// Prices per instance class of one unit, from one page.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ClassPrices {
    pub per: String,
    pub source: String,
    #[serde(default)]
    pub note: Option<String>,
    pub classes: BTreeMap<String, f64>,
}

impl PriceTable {
    /// The named price, or an error naming the table and the price.
    pub fn price(&self, key: &str) -> Result<&Price, String> {
        self.prices
            .get(key)
            .ok_or_else(|| format!("the {} price table has no price '{key}'", self.region))
    }

    /// The Aurora MySQL instance-hour price of `class`, or an error listing the classes priced.
    pub fn aurora_instance_hour(&self, class: &str) -> Result<f64, String> {
        self.aurora_mysql_instance_hour
            .classes
            .get(class)
            .copied()
            .ok_or_else(|| {
                format!(
                    "the {} price table (version {}) has no price for the Aurora MySQL instance class '{class}'; \
                     priced classes: {}",
                    self.region,
                    self.version,
                    self.aurora_mysql_instance_hour
                        .classes
                        .keys()
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })
    }
}

/// The regions with a price table.
pub fn supported_regions() -> Vec<&'static str> {
    TABLES.iter().map(|(region, _)| *region).collect()
}

type Parsed = Vec<(&'static str, Result<PriceTable, String>)>;

fn parsed() -> &'static Parsed {
    static TABLES_PARSED: OnceLock<Parsed> = OnceLock::new();
    TABLES_PARSED.get_or_init(|| {
        TABLES
            .iter()
            .map(|(region, text)| (*region, parse(region, text)))
            .collect()
    })
}

/// Parses one table and checks it is the region's and holds usable figures.
fn parse(region: &str, text: &str) -> Result<PriceTable, String> {
    let table: PriceTable = serde_json::from_str(text)
        .map_err(|e| format!("the {region} price table does not parse: {e}"))?;
    let bad = |what: &str| Err(format!("the {region} price table is invalid: {what}"));
    if table.region != region {
        return bad(&format!("it says region '{}'", table.region));
    }
    if table.currency != "USD" {
        return bad(&format!("currency '{}' is not USD", table.currency));
    }
    if !(table.hours_per_month > 0.0 && table.hours_per_month <= 744.0) {
        return bad(&format!("hoursPerMonth {}", table.hours_per_month));
    }
    let figures = table.prices.iter().map(|(k, p)| (k.as_str(), p.usd)).chain(
        table
            .aurora_mysql_instance_hour
            .classes
            .iter()
            .map(|(k, usd)| (k.as_str(), *usd)),
    );
    for (key, usd) in figures {
        if !(usd.is_finite() && usd >= 0.0) {
            return bad(&format!("'{key}' costs {usd}"));
        }
    }
    Ok(table)
}

/// The price table of `region`, or an error naming the region and listing the supported ones.
pub fn table(region: &str) -> Result<&'static PriceTable, String> {
    match parsed().iter().find(|(r, _)| *r == region) {
        Some((_, Ok(table))) => Ok(table),
        Some((_, Err(e))) => Err(e.clone()),
        None => Err(format!(
            "no price table for region '{region}': the cost estimate covers {}",
            supported_regions().join(", ")
        )),
    }
}
