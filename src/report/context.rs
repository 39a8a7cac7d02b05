//! The context of a `per: plan` report, built once per plan and shared by every report of
//! it: the PlanResult's fields as template values, plus `context_json` (the plan as JSON,
//! what the `plan` report writes) written straight into the report that prints it.

use std::fmt;
use std::sync::{Arc, OnceLock};

use minijinja::Value;
use minijinja::value::{Enumerator, Object, ObjectRepr, Serde};
use serde::Serialize;

use crate::plan::PlanResult;

/// The context's keys: the top-level fields of a PlanResult in their serialised order,
/// then `context_json`.
const ALL_KEYS: [&str; 18] = [
    "schema_version",
    "plan",
    "event",
    "settings",
    "targets",
    "warnings",
    "batches",
    "recipes",
    "ingredients",
    "materials",
    "shopping",
    "production",
    "schedule",
    "assembly",
    "feasibility",
    "costs",
    "progress",
    "context_json",
];

/// The PlanResult's own fields (every key but `context_json`).
const FIELDS: &[&str] = match ALL_KEYS.split_last() {
    Some((_, fields)) => fields,
    None => &[],
};

/// A plan as a template context. Each top-level field becomes a template value only when a
/// template first reads it (a chain event's `ingredients` alone is megabytes, and only
/// `plan.json` reads it, as `context_json`), then is shared by every report of the plan.
#[derive(Debug)]
struct PlanContext {
    plan: Arc<PlanResult>,
    fields: [OnceLock<Value>; 17],
}

impl PlanContext {
    /// Field `index` of [`FIELDS`] as a template value.
    fn field(&self, index: usize) -> Value {
        let p = &*self.plan;
        self.fields[index]
            .get_or_init(|| match index {
                0 => Value::from(p.schema_version),
                1 => Value::from(Serde(&p.plan)),
                2 => Value::from(Serde(&p.event)),
                3 => Value::from(Serde(&p.settings)),
                4 => Value::from(Serde(&p.targets)),
                5 => Value::from(Serde(&p.warnings)),
                6 => Value::from(Serde(&p.batches)),
                7 => super::lazy::table(&self.plan, 0, |p, _| &p.recipes),
                8 => Value::from(Serde(&p.ingredients)),
                9 => Value::from(Serde(&p.materials)),
                10 => Value::from(Serde(&p.shopping)),
                11 => Value::from(Serde(&p.production)),
                12 => Value::from(Serde(&p.schedule)),
                13 => Value::from(Serde(&p.assembly)),
                14 => Value::from(Serde(&p.feasibility)),
                15 => Value::from(Serde(&p.costs)),
                // `none` for a plan not in production (templates test `progress is none`).
                _ => Value::from(Serde(&p.progress)),
            })
            .clone()
    }
}

impl Object for PlanContext {
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        match key.as_str()? {
            "context_json" => Some(Value::from_object(PlanJson(Arc::clone(&self.plan)))),
            other => FIELDS
                .iter()
                .position(|f| *f == other)
                .map(|index| self.field(index)),
        }
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Str(&ALL_KEYS)
    }
}

/// The template context of one plan.
pub fn plan_context(plan: Arc<PlanResult>) -> Value {
    Value::from_object(PlanContext {
        plan,
        fields: Default::default(),
    })
}

/// `context_json`: the plan as compact JSON, written straight into the report that prints
/// it. As a string value, a chain event's plan (megabytes) was made, copied, and kept with
/// the context until every report of the plan was written; printed this way it is never
/// held at all. It prints (and converts with `|string`) as the JSON text.
#[derive(Debug)]
struct PlanJson(Arc<PlanResult>);

impl Object for PlanJson {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Plain
    }

    fn render(self: &Arc<Self>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut sink = Utf8Sink {
            f,
            pending: Vec::with_capacity(SINK_BYTES),
        };
        serde_json::to_writer(&mut sink, &*self.0).map_err(|_| fmt::Error)?;
        sink.drain()?;
        // serde_json writes UTF-8: nothing can be left over.
        if sink.pending.is_empty() {
            Ok(())
        } else {
            Err(fmt::Error)
        }
    }
}

/// Bytes gathered before they are handed to the formatter.
const SINK_BYTES: usize = 16 * 1024;

/// An `io::Write` over a formatter, for serde_json: bytes are passed on as text in chunks,
/// a character split between two writes waiting for its end.
struct Utf8Sink<'a, 'b> {
    f: &'a mut fmt::Formatter<'b>,
    pending: Vec<u8>,
}

impl Utf8Sink<'_, '_> {
    /// Passes on the pending bytes up to the last whole character.
    fn drain(&mut self) -> fmt::Result {
        let whole = match std::str::from_utf8(&self.pending) {
            Ok(text) => text.len(),
            Err(error) if error.error_len().is_none() => error.valid_up_to(),
            Err(_) => return Err(fmt::Error),
        };
        let text = std::str::from_utf8(&self.pending[..whole]).map_err(|_| fmt::Error)?;
        self.f.write_str(text)?;
        self.pending.drain(..whole);
        Ok(())
    }
}

impl std::io::Write for Utf8Sink<'_, '_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.write_all(buf).map(|()| buf.len())
    }

    // serde_json writes every key, value and comma with `write_all`; the default one loops
    // over `write` and was not inlined (3% of a chain's night).
    #[inline]
    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.pending.extend_from_slice(buf);
        if self.pending.len() >= SINK_BYTES {
            self.drain().map_err(std::io::Error::other)?;
        }
        Ok(())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.drain().map_err(std::io::Error::other)
    }
}

/// Records as a template sequence whose items become template values one at a time, when a
/// template reads them. A chain's purchase roll-up is tens of thousands of rows, each with the
/// events it serves: as one template value it took 64 MB, while a loop reads a row at a time.
#[derive(Debug)]
struct Rows<T>(Arc<Vec<T>>);

impl<T: Serialize + std::fmt::Debug + Send + Sync + 'static> Object for Rows<T> {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Seq
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        self.0
            .get(key.as_usize()?)
            .map(|row| Value::from(Serde(row)))
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Seq(self.0.len())
    }
}

/// `rows` as a template sequence made one item at a time (see [`Rows`]).
pub fn rows<T: Serialize + std::fmt::Debug + Send + Sync + 'static>(rows: Arc<Vec<T>>) -> Value {
    Value::from_object(Rows(rows))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Serialize)]
    struct Row {
        name: &'static str,
        qty: u32,
    }

    #[test]
    fn rows_made_one_at_a_time_render_as_the_whole_list_does() {
        let template = "{{ rows|length }} {{ rows[0].name }} {{ rows[-1].qty }} \
            {% for r in rows %}{{ loop.index }}{{ r.name }}{% if not loop.last %},{% endif %}{% endfor %} \
            {{ rows|map(attribute='qty')|sum }} {{ rows|reverse|first|attr('name') }} \
            {{ rows|selectattr('qty', 'gt', 1)|list|length }} {{ rows[1:]|map(attribute='name')|join('+') }} {{ rows }}";
        let make = || {
            vec![
                Row {
                    name: "flour",
                    qty: 3,
                },
                Row {
                    name: "salt",
                    qty: 1,
                },
                Row {
                    name: "sugar",
                    qty: 2,
                },
            ]
        };
        let env = minijinja::Environment::new();
        let lazy = env
            .render_str(
                template,
                minijinja::context! { rows => rows(Arc::new(make())) },
            )
            .expect("lazy");
        let whole = env
            .render_str(template, minijinja::context! { rows => Serde(make()) })
            .expect("whole");
        assert_eq!(lazy, whole);
        assert!(
            lazy.starts_with("3 flour 2 1flour,2salt,3sugar 6 sugar 2 "),
            "{lazy}"
        );
    }

    /// A computed plan of an event without targets.
    fn empty_plan() -> PlanResult {
        let catalog = crate::catalog::Catalog::default();
        let event = crate::catalog::Event {
            slug: "e".into(),
            name: "E".into(),
            date: chrono::NaiveDate::from_ymd_opt(2026, 12, 24).expect("date"),
            overage_pct: rust_decimal::Decimal::ZERO,
            targets: Vec::new(),
            decisions: Vec::new(),
        };
        crate::plan::compute(&crate::plan::Snapshot {
            plan: crate::plan::PlanMeta::default(),
            catalog: crate::catalog::reach::subset(&catalog, &event),
        })
        .expect("plan")
    }

    #[test]
    fn context_json_prints_exactly_what_serde_json_writes() {
        // Multi-byte characters across the sink's chunk boundaries, and characters JSON escapes.
        let mut plan = empty_plan();
        plan.event.name = "Crème brûlée \"fête\" 🎂\n".repeat(3000);
        let expected = serde_json::to_string(&plan).expect("json");
        assert!(expected.len() > 4 * SINK_BYTES);
        let env = minijinja::Environment::new();
        let context = plan_context(Arc::new(plan));
        let printed = env
            .render_str("{{ context_json }}", context.clone())
            .expect("render");
        assert_eq!(printed, expected);
        let json = context.get_attr("context_json").expect("attr");
        let converted = env
            .render_str(
                "{% if (json | string) == printed %}same{% endif %}",
                minijinja::context! { json => json, printed => printed.clone() },
            )
            .expect("render");
        assert_eq!(converted, "same");
    }

    #[test]
    fn the_context_has_every_field_of_the_plan_json() {
        let plan = empty_plan();
        // `progress` is there only for a plan in production.
        let mut in_production = plan.clone();
        in_production.progress = Some(crate::plan::progress::progress(
            &plan,
            crate::store::journal::PlanState::InProduction,
            &[],
            &[],
            &[],
        ));
        for (plan, with_progress) in [(plan, false), (in_production, true)] {
            let json = serde_json::to_value(&plan).expect("json");
            let mut keys: Vec<&str> = json
                .as_object()
                .expect("object")
                .keys()
                .map(String::as_str)
                .collect();
            let mut expected: Vec<&str> = FIELDS
                .iter()
                .copied()
                .filter(|k| with_progress || *k != "progress")
                .collect();
            expected.sort_unstable();
            keys.sort_unstable();
            assert_eq!(keys, expected);
        }
    }
}
