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
        let mut targets = Vec::new();
        for (i, line) in f.list("targets").iter().enumerate() {
            let Some(mut lf) = Fields::open(
                line,
                "events",
                &["bundle", "item", "recipe", "qty", "batches"],
                format!("targets[{}].", i + 1),
                record.clone(),
                &mut self.errors,
            ) else {
                continue;
            };
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
            targets.extend(target);
        }
        let mut decisions = Vec::new();
        for (i, line) in f.list("decisions").iter().enumerate() {
            let Some(mut lf) = Fields::open(
                line,
                "events",
                &["item", "batches", "confirm_shortfall"],
                format!("decisions[{}].", i + 1),
                record.clone(),
                &mut self.errors,
            ) else {
                continue;
            };
            let item = self.reference(&mut lf, "item", "items");
            let batches = lf.req_whole("batches", 0);
            let confirm_shortfall = lf.flag("confirm_shortfall");
            if let (Some(event), Some(_), Some(_)) = (&record, &item, &batches) {
                self.locations.put(
                    format!("events/{event}/decisions/{}", decisions.len()),
                    lf.loc(),
                );
            }
            self.finish(lf);
            if let (Some(item), Some(batches)) = (item, batches) {
                if decisions.iter().any(|d: &Decision| d.item == item) {
                    let loc = line.loc.clone();
                    self.errors.push(
                        Diagnostic::new(
                            &loc,
                            "events",
                            "duplicate-decision",
                            format!("item {item} has two decisions"),
                        )
                        .record(record.as_deref())
                        .field(&format!("decisions[{}].item", i + 1))
                        .hint("keep one decision per finished item"),
                    );
                    continue;
                }
                decisions.push(Decision {
                    item,
                    batches,
                    confirm_shortfall,
                });
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
}
