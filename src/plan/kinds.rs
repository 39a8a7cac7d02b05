//! The closed sets of words a plan uses — kinds and statuses — as enums.
//!
//! Each serialises to the lowercase word the JSON contract (docs/plan-json.md) promises, so
//! templates keep comparing `row.status == "buy"` while the code matches on variants.

use serde::Serialize;

/// What a shopping line, material need or stock row is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LineKind {
    /// An ingredient (sorted first on lists).
    Ingredient,
    /// A packaging material.
    Material,
}

impl LineKind {
    /// The word in JSON and SQL.
    pub fn name(self) -> &'static str {
        match self {
            LineKind::Ingredient => "ingredient",
            LineKind::Material => "material",
        }
    }
}

/// Whether a shopping line needs buying.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ShoppingStatus {
    /// Stock does not cover the need.
    Buy,
    /// Stock covers the need.
    Sufficient,
}

impl ShoppingStatus {
    /// The word in JSON and SQL.
    pub fn name(self) -> &'static str {
        match self {
            ShoppingStatus::Buy => "buy",
            ShoppingStatus::Sufficient => "sufficient",
        }
    }
}

/// What stops a target or a recipe, in the order reports list them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum BlockerKind {
    /// An ingredient or finished item short in stock: buying (or baking) fixes it.
    Stock,
    /// A needed finished item that no recipe yields.
    Yield,
    /// Recipe lines that cannot be converted to the ingredient's unit.
    Unconvertible,
    /// A confirmed decision to make fewer than needed.
    ShortfallDecision,
    /// Packaging short in stock: buying fixes it.
    Material,
}

impl BlockerKind {
    /// The word in JSON and SQL.
    pub fn name(self) -> &'static str {
        match self {
            BlockerKind::Stock => "stock",
            BlockerKind::Yield => "yield",
            BlockerKind::Unconvertible => "unconvertible",
            BlockerKind::ShortfallDecision => "shortfall-decision",
            BlockerKind::Material => "material",
        }
    }
}

/// An event's verdict: what stands between the plan and the event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// Everything is on hand.
    Ready,
    /// Only stock and packaging the shopping list buys are missing.
    NeedsShopping,
    /// Something buying cannot fix: an item no recipe yields, lines that cannot be
    /// converted, bundles short after production. (A confirmed decision to make fewer is
    /// the baker's choice: listed, not blocking.)
    Blocked,
}

impl Verdict {
    /// The name in JSON and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Ready => "ready",
            Verdict::NeedsShopping => "needs-shopping",
            Verdict::Blocked => "blocked",
        }
    }
}

/// Whether a bundle target can be assembled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AssemblyStatus {
    /// All of the target.
    Ok,
    /// Some of it.
    Partial,
    /// None of it.
    Blocked,
}

/// Whether stock covers one recipe's ingredients.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ProductionStatus {
    /// Covered.
    Ok,
    /// Something is short or unconvertible.
    Short,
}

/// What a target or a bundle content line names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TargetKind {
    /// A bundle.
    Bundle,
    /// A finished item.
    Item,
    /// Batches of a recipe.
    Recipe,
    /// A packaging material (bundle contents only).
    Material,
}

impl std::fmt::Display for BlockerKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::fmt::Display for AssemblyStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            AssemblyStatus::Ok => "ok",
            AssemblyStatus::Partial => "partial",
            AssemblyStatus::Blocked => "blocked",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `name` spells every variant as its JSON does.
    #[test]
    fn names_are_the_json_words() {
        fn json<T: Serialize>(value: T) -> String {
            serde_json::to_value(value)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default()
        }
        for kind in [LineKind::Ingredient, LineKind::Material] {
            assert_eq!(kind.name(), json(kind));
        }
        for status in [ShoppingStatus::Buy, ShoppingStatus::Sufficient] {
            assert_eq!(status.name(), json(status));
        }
        for kind in [
            BlockerKind::Stock,
            BlockerKind::Yield,
            BlockerKind::Unconvertible,
            BlockerKind::ShortfallDecision,
            BlockerKind::Material,
        ] {
            assert_eq!(kind.name(), json(kind));
        }
        for verdict in [Verdict::Ready, Verdict::NeedsShopping, Verdict::Blocked] {
            assert_eq!(verdict.name(), json(verdict));
        }
    }
}
