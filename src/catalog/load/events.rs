//! Converting events: dates, targets, decisions and overage.

use super::*;

impl Loader {
    pub(super) fn event(&mut self, node: &Node) -> Option<(Event, Loc)> {
        let mut f = Fields::open(
            node,
            "events",
            fields::EVENTS,
            String::new(),
            None,
            &mut self.errors,
        )?;
        let slug = f.req_slug("slug");
        if let Some((slug, _)) = &slug {
            f.set_record(slug);
        }
        let name = f.req_text("name", "Holiday market");
        let date = f.date("date");
        if date.is_none() && !f.has("date") {
            let loc = f.loc().clone();
            let hint = f.add_hint("date", "2026-12-24");
            f.error(
                &loc,
                "date",
                "missing-field",
                "missing required field `date`",
                Some(hint),
            );
        }
        let overage_pct = f
            .decimal("overage_pct", Bound::NonNegative)
            .unwrap_or(Decimal::ZERO);
        let record = f.record().map(str::to_owned);
        let targets = (f.list("targets").iter().enumerate())
            .filter_map(|(i, line)| self.target_line(line, i, record.clone()))
            .collect();
        let mut decisions = Vec::new();
        for (i, line) in f.list("decisions").iter().enumerate() {
            if let Some(decision) = self.decision_line(line, i, record.as_deref(), &decisions) {
                decisions.push(decision);
            }
        }
        let loc = f.loc().clone();
        self.finish(f);
        let (slug, _) = slug?;
        Some((
            Event {
                slug,
                name: name?,
                date: date?,
                overage_pct,
                targets,
                decisions,
            },
            loc,
        ))
    }

    /// Target `i` of an event: a bundle or finished item count, or recipe batches.
    fn target_line(&mut self, line: &Node, i: usize, record: Option<String>) -> Option<Target> {
        let mut lf = self.open_line(
            line,
            "events",
            &["bundle", "item", "recipe", "qty", "batches"],
            "targets",
            i,
            record,
        )?;
        let target = match lf.one_of(&["bundle", "item", "recipe"]) {
            Some("recipe") => {
                let recipe = self.reference(&mut lf, "recipe", "recipes");
                let batches = lf.req_decimal("batches", Bound::Positive);
                recipe
                    .zip(batches)
                    .map(|(recipe, batches)| Target::Recipe { recipe, batches })
            }
            Some("item") => {
                let item = self.reference(&mut lf, "item", "items");
                let qty = lf.req_whole("qty", 1);
                item.zip(qty).map(|(item, qty)| Target::Item { item, qty })
            }
            Some(_) => {
                let bundle = self.reference(&mut lf, "bundle", "bundles");
                let qty = lf.req_whole("qty", 1);
                bundle
                    .zip(qty)
                    .map(|(bundle, qty)| Target::Bundle { bundle, qty })
            }
            None => None,
        };
        self.finish(lf);
        target
    }

    /// Decision `i` of event `record`, unless it names an item `earlier` decisions name.
    fn decision_line(
        &mut self,
        line: &Node,
        i: usize,
        record: Option<&str>,
        earlier: &[Decision],
    ) -> Option<Decision> {
        let mut lf = self.open_line(
            line,
            "events",
            &["item", "batches", "confirm_shortfall"],
            "decisions",
            i,
            record.map(str::to_owned),
        )?;
        let item = self.reference(&mut lf, "item", "items");
        let batches = lf.req_whole("batches", 0);
        let confirm_shortfall = lf.flag("confirm_shortfall");
        if let (Some(event), Some(_), Some(_)) = (record, &item, &batches) {
            self.locations.put(
                format!("events/{event}/decisions/{}", earlier.len()),
                lf.loc(),
            );
        }
        self.finish(lf);
        let (item, batches) = (item?, batches?);
        if earlier.iter().any(|d| d.item == item) {
            self.errors.push(
                Diagnostic::new(
                    &line.loc,
                    "events",
                    "duplicate-decision",
                    format!("item {item} has two decisions"),
                )
                .record(record)
                .field(&format!("decisions[{}].item", i + 1))
                .hint("keep one decision per finished item"),
            );
            return None;
        }
        Some(Decision {
            item,
            batches,
            confirm_shortfall,
        })
    }
}
