//! The build variants the perf commands know: the only place that lists them.

/// A build of the bot: a name for reports and the bot's cargo features.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Variant {
    pub name: String,
    pub features: Vec<String>,
}

/// The bot's optimization features (CONTRACT.md), and the `perf` features that build
/// bot-db the same way for the `db_*` metrics.
const FEATURES: &[(&str, &[&str])] =
    &[("lazy-init", &[]), ("db-cache", &["cache"]), ("db-batch", &["batch"]), ("optimized", &["cache", "batch"])];

impl Variant {
    pub fn baseline() -> Variant {
        Variant { name: "baseline".into(), features: vec![] }
    }

    pub fn optimized() -> Variant {
        Variant { name: "optimized".into(), features: vec!["optimized".into()] }
    }

    /// A variant from a comma-separated feature list (`lazy-init,db-cache`); an empty list,
    /// `baseline` or `optimized` name the two standard variants.
    pub fn parse(list: &str) -> anyhow::Result<Variant> {
        let mut features: Vec<String> =
            list.split(',').map(str::trim).filter(|f| !f.is_empty() && *f != "baseline").map(str::to_owned).collect();
        for f in &features {
            if !FEATURES.iter().any(|(name, _)| name == f) {
                let known: Vec<_> = FEATURES.iter().map(|(n, _)| *n).collect();
                anyhow::bail!("unknown feature {f:?}: the bot's optimization features are {}", known.join(", "));
            }
        }
        features.sort();
        features.dedup();
        Ok(match features.as_slice() {
            [] => Variant::baseline(),
            [only] if only == "optimized" => Variant::optimized(),
            _ => Variant { name: features.join("+"), features },
        })
    }

    /// `--features` for `cargo build -p bot -p perf` (empty for the baseline).
    pub fn cargo_features(&self) -> Vec<String> {
        let mut list: Vec<String> = self.features.iter().map(|f| format!("bot/{f}")).collect();
        for f in &self.features {
            if let Some((_, perf)) = FEATURES.iter().find(|(name, _)| name == f) {
                list.extend(perf.iter().map(|p| format!("perf/{p}")));
            }
        }
        list.sort();
        list.dedup();
        if list.is_empty() {
            vec![]
        } else {
            vec!["--features".into(), list.join(",")]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_feature_lists() {
        assert_eq!(Variant::parse("").unwrap(), Variant::baseline());
        assert_eq!(Variant::parse("baseline").unwrap(), Variant::baseline());
        assert_eq!(Variant::parse("optimized").unwrap(), Variant::optimized());
        let v = Variant::parse("db-cache, lazy-init").unwrap();
        assert_eq!(v.name, "db-cache+lazy-init");
        assert_eq!(v.cargo_features(), ["--features", "bot/db-cache,bot/lazy-init,perf/cache"]);
        assert!(Variant::parse("turbo").is_err());
        assert!(Variant::baseline().cargo_features().is_empty());
        assert_eq!(Variant::optimized().cargo_features(), ["--features", "bot/optimized,perf/batch,perf/cache"]);
    }
}
