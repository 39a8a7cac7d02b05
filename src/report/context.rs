//! The context of a `per: plan` report, built once per plan and shared by every report of
//! it: the PlanResult's fields as template values, plus `context_json` (the plan as JSON,
//! what the `plan` report writes) made only if a template reads it.

use std::sync::{Arc, OnceLock};

use minijinja::Value;
use minijinja::value::{Enumerator, Object, Serde};

use crate::plan::PlanResult;

#[derive(Debug)]
struct PlanContext {
    plan: Arc<PlanResult>,
    fields: Value,
    json: OnceLock<Option<Value>>,
}

impl Object for PlanContext {
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        match key.as_str()? {
            "context_json" => self
                .json
                .get_or_init(|| {
                    serde_json::to_string(&*self.plan)
                        .ok()
                        .map(|text| Value::from(Arc::<str>::from(text)))
                })
                .clone(),
            other => self
                .fields
                .get_attr(other)
                .ok()
                .filter(|v| !v.is_undefined()),
        }
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        let mut keys: Vec<Value> = self
            .fields
            .try_iter()
            .map(|keys| keys.collect())
            .unwrap_or_default();
        keys.push(Value::from("context_json"));
        Enumerator::Values(keys)
    }
}

/// The template context of one plan.
pub fn plan_context(plan: Arc<PlanResult>) -> Value {
    let fields = Value::from(Serde(&*plan));
    Value::from_object(PlanContext {
        plan,
        fields,
        json: OnceLock::new(),
    })
}
